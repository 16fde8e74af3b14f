import { ops, type Tensor } from '@strata/backend';
import { type CallContext, type Data, INFERENCE, type Layer, type Variable } from '@strata/core';
import type { LossHolder } from '@strata/losses';
import { LayerNotFoundError, NetDictError, NetworkArgumentError, NoCurrentNetworkError, RecStepInfoNotAvailableError } from '../errors.js';
import { ExternData } from '../extern-data.js';
import type { Batch, ComputedLosses, LayerOutput, Model } from '../model.js';
import { type LayerSelector, Network } from '../network.js';
import { addLayer, type ConstructLayerHooks, constructExtraNet, constructFromDict, constructLayer } from './construct.js';
import { dictFromList } from './net-list.js';
import { batchDim, seqTags } from './batch-info.js';
import type { ExtraNetOptions } from './extra-net.js';
import { LayerGraph, type RecStepInfo } from './graph.js';
import type { NetDictNode } from './net-dict-node.js';
import { computeLosses, fetchesDict, type FetchesOptions, lastLosses } from './losses.js';
import { NetDictHooks } from './hooks.js';
import { describeFailure, networkInfo } from './network-info.js';
import { behaviorVersionOf, type NetDictNetworkArgs } from './network-args.js';
import { currentNetwork, networkStack, withCurrentNetwork } from './network-stack.js';
import { NetworkParams } from './params-api.js';
import type { NetDictLayerClass } from './registry.js';
import { runGraph } from './run-graph.js';
import type { LayerDescription, NetDict } from './schema.js';
import { searchChoices, type SearchChoicesOptions } from './search-choices.js';

export type { RecStepInfo } from './graph.js';
export type { NetDictNetworkArgs } from './network-args.js';
export type { NetDictNode, SourceRef } from './net-dict-node.js';

/**
 * A network built from a RETURNN-style net dict (seed 003 `TFNetwork`), e.g.
 * `{ hidden: { class: 'linear', activation: 'relu', n_out: 256, from: 'data' },
 * output: { class: 'softmax', loss: 'ce', from: 'hidden', target: 'classes' } }`.
 *
 * Composition: the dict becomes ordinary layers wired in a {@link LayerGraph}
 * (`graph`): {@link NetDictNetwork.constructFromDict} creates them in
 * dependency order, computes each output's {@link Data} template and builds
 * each layer's weights before any number is computed, so config errors
 * surface at once. This class tracks the layers (variables
 * `network/<layer>/<weight>:0`), implements the {@link Model} contract the
 * engine, checkpoints and export take, and gives the seed's TFNetwork API as
 * thin methods over the graph (docs/seed-api/tfnetwork.md maps each name).
 */
export class NetDictNetwork extends Network implements Model {
  static override readonly className: string = 'NetDictNetwork';
  /** The layers wired by their sources (the net dict, constructed). */
  readonly graph: LayerGraph;
  /** Step hooks, post-init functions and the global train step. */
  private readonly hooks = new NetDictHooks();
  /** The parameters: the seed's param API (`params.getParamsList()`, `params.saveParamsToFile(f)`, ...). */
  readonly params: NetworkParams;
  private readonly args: NetDictNetworkArgs;
  private lastComputed: ComputedLosses | undefined;

  constructor(args: NetDictNetworkArgs) {
    super({ name: 'network', ...args, seed: args.seed ?? args.rndSeed });
    this.args = this.untracked(args);
    const ext = args.externData ?? (args.config?.extern_data as Record<string, unknown> | undefined);
    if (!ext) throw new NetDictError(`Network '${this.name}' needs extern data: give externData, or a config with extern_data.`);
    const parent = args.enclosing?.network ?? args.parentNet;
    this.graph = new LayerGraph({
      network: this,
      name: this.name,
      externData: ext instanceof ExternData ? ext : ExternData.fromConfig(ext as never),
      owner: args.owner ?? this,
      enclosing: parent ? { graph: parent.graph, lossPrefix: args.enclosing?.lossPrefix ?? '' } : undefined,
      extraParent: args.extraParentNet?.graph,
      trainFlag: args.trainFlag,
      evalFlag: args.evalFlag,
      searchFlag: args.searchFlag,
      insideRec: args.isInsideRecLayer,
      absoluteNamePrefix: args.absoluteNamePrefix,
      behaviorVersion: behaviorVersionOf(args),
    });
    this.params = new NetworkParams({ graph: this.graph, hooks: this.hooks, fresh: () => this.freshCopy() });
  }

  /** A newly constructed copy (same dict, extern data, seed, extra nets): fresh initial values. */
  private freshCopy(): NetDictNetwork {
    const fresh = NetDictNetwork.fromDict(this.graph.netDict, { ...this.args, externData: this.externData });
    for (const [prefix, extra] of this.graph.extraNets) fresh.constructExtraNet(extra.netDict, [...extra.nodes.keys()], { prefixName: prefix, searchFlag: extra.searchFlag });
    return fresh;
  }

  /** Creates a network from `extern_data` and a net dict in one call. */
  static fromDict(netDict: NetDict, args: NetDictNetworkArgs): NetDictNetwork {
    const net = new NetDictNetwork(args);
    net.constructFromDict(netDict);
    return net;
  }

  /**
   * The model's variables (what checkpoints save and load): the params of the
   * layers RETURNN would construct, `params.getSaveableParamsList()`. Layers
   * nobody needs are built but hold no params (see `params.getParamsList`);
   * `weights` still lists every variable.
   */
  override get variables(): Variable[] {
    return this.params.getSaveableParamsList();
  }
  /** The variables the optimizer updates: `params.getTrainableParams()`. */
  override get trainableVariables(): Variable[] {
    return this.params.getTrainableParams();
  }

  get externData(): ExternData {
    return this.graph.externData;
  }
  /** The constructed layers by entry name (RETURNN's `layers`): each node's layer, sources, output Data and loss. */
  get nodes(): ReadonlyMap<string, NetDictNode> {
    return this.graph.nodes;
  }
  inputKeys(): string[] {
    return this.graph.inputKeys();
  }
  usedDataKeys(): string[] {
    return this.graph.usedDataKeys();
  }
  /** The output layers, the default one first. */
  outputNames(): string[] {
    const first = this.graph.defaultOutputName();
    const names = this.graph.outputNodes().map((n) => n.name);
    return first === undefined ? names : [first, ...names.filter((n) => n !== first)];
  }
  /** The Data template of layer `name`. @throws LayerNotFoundError */
  outputData(name: string): Data {
    return this.node(name).output;
  }
  /** The names of the LossHolders of {@link lossNodes}. */
  lossNames(mode: 'train' | 'eval'): string[] {
    return this.lossNodes(mode).map((n) => n.lossHolder!.name);
  }
  /**
   * Every layer's output for a batch (`inputs`: extern-data key → tensor; for
   * data with a time axis, `<key>:size1`), in dependency order; the
   * network's `trainFlag`/`searchFlag` override `ctx`. See `runGraph`.
   * @throws LayerExecutionError naming the layer that failed (see {@link describeStepFailure}).
   */
  forward(inputs: Batch, ctx: CallContext = INFERENCE, outs?: Map<string, LayerOutput>): Map<string, LayerOutput> {
    return runGraph(this.graph, inputs, ctx, outs);
  }
  /** Runs `batch` and computes every loss, the constraints and the objective (kept for {@link getTotalLoss} and co.). */
  computeLosses(batch: Batch, ctx: CallContext = INFERENCE): ComputedLosses {
    return (this.lastComputed = computeLosses(this.graph, batch, ctx));
  }
  /** Runs the post-control dependencies (a trainer calls it after each step). */
  afterStep(): void {
    this.runPostControlDependencies();
  }
  layerOf(name: string): Layer | undefined {
    return this.graph.nodes.get(name)?.layer;
  }
  /**
   * Nodes with a loss, including those inside rec units (`<rec>/<layer>`) and
   * extra nets (`extra.search:<layer>`); `train` leaves out `only_on_eval`,
   * `eval` the layers meaningful only under search (`decide`).
   */
  lossNodes(mode: 'all' | 'train' | 'eval' = 'all'): NetDictNode[] {
    return this.graph.lossNodes(mode);
  }
  /** Runs the net on the default input and returns the default output layer's value. */
  override call(inputs: Tensor | Tensor[], ctx: CallContext): Tensor {
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    return this.forward({ [this.externData.defaultInput]: x }, ctx).get(this.getDefaultOutputLayer()!.name)!.value;
  }

  /** Seed `construct_from`: a list of entries with `name` ({@link constructFromList}) or a dict. @throws NetworkArgumentError for anything else. */
  constructFrom(listOrDict: NetDict | readonly (LayerDescription & { name: string })[]): void {
    if (Array.isArray(listOrDict)) return this.constructFromList(listOrDict);
    if (typeof listOrDict === 'object' && listOrDict !== null) return this.constructFromDict(listOrDict as NetDict);
    throw new NetworkArgumentError(`constructFrom expects a net dict (object) or a list of entries with "name". Received: ${JSON.stringify(listOrDict)}.`);
  }
  /** Seed `construct_from_list`: each entry's `name` becomes its key. @throws NetDictError for an entry without a string `name` or a name used twice. */
  constructFromList(netList: readonly (LayerDescription & { name: string })[]): void {
    this.constructFromDict(dictFromList(netList));
  }
  /**
   * Seed `construct_from_dict`: every entry, in dependency order (see `constructFromDict` of construct.ts).
   * @throws NetDictError, UnknownLayerClassError, LayerNotFoundError, NetworkConstructionDependencyLoopError, CannotHandleUndefinedSourcesError.
   */
  constructFromDict(netDict: NetDict): void {
    constructFromDict(this.graph, netDict);
    if (this.externData.hasData(this.externData.defaultInput)) this.builtInputShape = this.externData.getData(this.externData.defaultInput).batchShape;
    this.built = true;
  }
  /** Seed `construct_layer`: layer `name` of `netDict` (merged into this network's), its sources first, through `hooks`. */
  constructLayer(netDict: NetDict | undefined, name: string, hooks: ConstructLayerHooks = {}): NetDictNode {
    this.graph.explicitLayers.add(name);
    return withCurrentNetwork(this, () => constructLayer(this.graph, netDict, name, hooks));
  }
  /** Seed `add_layer`: one layer from its description. @throws NetworkArgumentError if `name` exists. */
  addLayer(name: string, layerClass: string | NetDictLayerClass, desc: Omit<LayerDescription, 'class'> & { class?: string }): NetDictNode {
    const full = { ...desc, class: desc.class ?? (typeof layerClass === 'string' ? layerClass : 'custom') } as LayerDescription;
    const node = withCurrentNetwork(this, () => addLayer(this.graph, name, layerClass, full));
    this.graph.explicitLayers.add(name);
    return node;
  }
  /** Seed `construct_extra_net`: `layerList` made in an extra net with other flags, sharing weights with this one's layers of the same name. */
  constructExtraNet(netDict: NetDict, layerList: readonly string[], opts: ExtraNetOptions = {}): NetDictNode[] {
    return constructExtraNet(this.graph, netDict, layerList, opts);
  }
  /** Seed `get_network_stack`: the networks under construction, outermost first. */
  static getNetworkStack(): NetDictNetwork[] {
    return networkStack() as NetDictNetwork[];
  }
  /** Seed `get_current_network`. @throws NoCurrentNetworkError when none is under construction and `mustExist` (default true). */
  static getCurrentNetwork(opts: { mustExist?: boolean } = {}): NetDictNetwork | undefined {
    const net = currentNetwork() as NetDictNetwork | undefined;
    if (!net && opts.mustExist !== false) {
      throw new NoCurrentNetworkError('getCurrentNetwork: no network is being constructed. Call it from a layer class while constructing, or pass { mustExist: false }.');
    }
    return net;
  }

  get trainFlag(): boolean | undefined {
    return this.graph.trainFlag;
  }
  get evalFlag(): boolean {
    return this.graph.evalFlag;
  }
  get searchFlag(): boolean {
    return this.graph.searchFlag;
  }
  /** Seed `parent_layer`. */
  get parentLayer(): Layer | undefined {
    return this.args.parentLayer ?? this.args.owner;
  }
  /** Seed `parent_net`: the network `base:` sources refer to. */
  get parentNet(): NetDictNetwork | undefined {
    return this.graph.parent?.network as NetDictNetwork | undefined;
  }
  /** Seed `extra_parent_net`. */
  get extraParentNet(): NetDictNetwork | undefined {
    return this.args.extraParentNet as NetDictNetwork | undefined;
  }
  /** Seed `get_absolute_name_prefix`: `''` at the top, `dec/` in rec unit `dec`. */
  getAbsoluteNamePrefix(): string {
    return this.graph.absoluteNamePrefix;
  }
  /** Seed `get_absolute_name_scope_prefix`: the variable scope with `/` (`network/`, `network/dec/`). */
  getAbsoluteNameScopePrefix(): string {
    return `${this.graph.owner.scopeName}/`;
  }
  /** Seed `get_root_network`: the outermost network. */
  getRootNetwork(): NetDictNetwork {
    return this.graph.root.network as NetDictNetwork;
  }
  /** Seed `get_config`: the run config of this or (`considerParent`, default) an enclosing network, else `{}` (undefined without `fallbackEmpty`). */
  getRunConfig(opts: { considerParent?: boolean; fallbackEmpty?: boolean } = {}): Readonly<Record<string, unknown>> | undefined {
    const up = this.parentNet ?? this.extraParentNet;
    const found = this.args.config ?? (opts.considerParent !== false ? up?.getRunConfig({ fallbackEmpty: false }) : undefined);
    return found ?? (opts.fallbackEmpty !== false ? {} : undefined);
  }
  /** Seed `get_output_layers`. */
  getOutputLayers(): NetDictNode[] {
    return this.graph.outputNodes();
  }
  /** Seed `get_default_output_layer_name`: `output`, else the first output layer. */
  getDefaultOutputLayerName(): string | undefined {
    return this.graph.defaultOutputName();
  }
  /** Seed `get_default_output_layer(must_exist)`. @throws LayerNotFoundError when there is none and `mustExist` (default true). */
  getDefaultOutputLayer(opts: { mustExist?: boolean } = {}): NetDictNode | undefined {
    const name = this.graph.defaultOutputName();
    if (name !== undefined) return this.graph.nodes.get(name);
    if (opts.mustExist === false) return undefined;
    throw new LayerNotFoundError(`Network '${this.name}' has no output layer: name one layer "output" or set "is_output_layer": true.`);
  }
  /** Seed `get_used_targets`: sorted target keys of the losses. */
  getUsedTargets(): string[] {
    return [...new Set(this.lossNodes().flatMap((n) => (n.target === undefined ? [] : [n.target])))].sort();
  }
  /** Seed `get_default_target`. */
  getDefaultTarget(): string {
    return this.externData.defaultTarget;
  }
  /** The node of a layer (RETURNN's layer object: layer, sources, output Data, loss): `name`, `base:<name>`, `extra.<prefix>:<name>`. @throws LayerNotFoundError */
  node(name: string): NetDictNode {
    return this.graph.node(name);
  }
  /** Seed `get_layer`: a layer by net-dict name (see {@link node}), or by `{ name }`/`{ index }` as a tfe.Network. */
  override getLayer(selector: LayerSelector | string): Layer {
    return typeof selector === 'string' ? this.node(selector).layer : super.getLayer(selector);
  }

  /** Seed `get_extern_data`: the Data of `key`, recorded as used unless `markDataKeyAsUsed: false`. @throws LayerNotFoundError */
  getExternData(key: string, opts: { markDataKeyAsUsed?: boolean } = {}): Data {
    const d = this.externData.getData(key);
    if (opts.markDataKeyAsUsed !== false) this.graph.markedDataKeys.add(key);
    return d;
  }
  /** Seed `get_used_data_keys`; `excludeExtraAdded` (default true) leaves out `seq_tag`. */
  getUsedDataKeys(opts: { excludeExtraAdded?: boolean } = {}): string[] {
    return this.graph.usedDataKeys(opts.excludeExtraAdded !== false);
  }
  /** Seed `get_seq_tags`: `batch.seq_tag` or `seq-<i>`; with `beam`, each repeated. @throws NetworkArgumentError for a wrong count. */
  getSeqTags(batch: Readonly<Record<string, Tensor | readonly string[]>>, opts: { markDataKeyAsUsed?: boolean; beam?: number } = {}): string[] {
    return seqTags(this.graph, batch, opts);
  }
  /** Seed `get_batch_dim`: sequences in `batch` (default input, else any key). @throws NetworkArgumentError for a batch without tensors. */
  getBatchDim(batch: Readonly<Record<string, Tensor>>): number {
    return batchDim(this.graph, batch);
  }
  /** Seed `get_losses_initialized`: loss name → LossHolder; `withTotal`: the totals of the last {@link computeLosses}. */
  getLossesInitialized(opts: { withTotal?: boolean } = {}): { losses: Record<string, LossHolder>; totalLoss?: Tensor; totalConstraints?: Tensor } {
    const losses = Object.fromEntries(this.lossNodes().map((n) => [n.lossHolder!.name, n.lossHolder!]));
    return opts.withTotal ? { losses, totalLoss: this.getTotalLoss(), totalConstraints: this.getTotalConstraints() } : { losses };
  }
  /** Seed `get_total_loss`, of the last {@link computeLosses}; 0 without losses. @throws LossesNotComputedError */
  getTotalLoss(): Tensor {
    return this.lossNodes().length === 0 ? ops.scalar(0) : lastLosses(this.lastComputed, 'getTotalLoss').totalLoss;
  }
  /** Seed `get_total_constraints`. @throws LossesNotComputedError */
  getTotalConstraints(): Tensor {
    return lastLosses(this.lastComputed, 'getTotalConstraints').totalConstraints;
  }
  /** Seed `get_objective`. @throws LossesNotComputedError */
  getObjective(): Tensor {
    return lastLosses(this.lastComputed, 'getObjective').objective;
  }
  /** Seed `get_fetches_dict`: `loss`, `cost:<name>`, `error:<name>`, `loss_norm_factor:<name>`, `size:<key>:0`. */
  getFetchesDict(batch: Batch, opts: FetchesOptions = {}): Record<string, Tensor> {
    return fetchesDict(this.graph, batch, opts);
  }
  /** Seed `cond_on_train`. @throws NetworkArgumentError if the flag is dynamic and no `ctx` is given. */
  condOnTrain<T>(fnTrain: () => T, fnEval: () => T, ctx?: CallContext): T {
    const training = this.trainFlag ?? ctx?.training;
    if (training === undefined) throw new NetworkArgumentError(`condOnTrain: network '${this.name}' has a dynamic train flag; pass the call context (ctx) to decide.`);
    return training ? fnTrain() : fnEval();
  }
  /** Seed `get_search_choices`. */
  getSearchChoices(opts: SearchChoicesOptions): NetDictNode | null {
    return searchChoices(this.graph, opts);
  }
  /** Seed `debug_search_choices`: logs the search from `src`; returns false. */
  debugSearchChoices(src: string, log: (line: string) => void = console.log): false {
    log(`search choices of '${src}': ${this.getSearchChoices({ src, debug: log })?.name ?? 'none'}`);
    return false;
  }
  /** Seed `set_rec_step_info`. */
  setRecStepInfo(info: RecStepInfo | undefined): void {
    this.graph.recStepInfo = info;
  }
  /** Seed `have_rec_step_info`. */
  haveRecStepInfo(): boolean {
    return this.graph.recStepInfo !== undefined;
  }
  /** Seed `get_rec_step_info`. @throws RecStepInfoNotAvailableError outside a running rec unit when `mustExist` (default). */
  getRecStepInfo(opts: { mustExist?: boolean } = {}): RecStepInfo | undefined {
    if (!this.graph.recStepInfo && opts.mustExist !== false) {
      throw new RecStepInfoNotAvailableError(`Network '${this.name}' is not a rec unit running a frame: rec step info exists only inside a "rec" unit's forward pass.`);
    }
    return this.graph.recStepInfo;
  }
  /** Seed `get_rec_step_index`. @throws RecStepInfoNotAvailableError */
  getRecStepIndex(): number {
    return this.getRecStepInfo()!.i;
  }
  /** Seed `is_inside_rec_layer`. */
  isInsideRecLayer(): boolean {
    return this.graph.insideRec;
  }
  /** Seed `get_rec_parent_layer`: the node of the rec layer this network is (or is inside of) the unit of. */
  getRecParentLayer(): NetDictNode | undefined {
    const g = this.graph;
    if (!g.enclosing) return this.parentNet?.getRecParentLayer();
    return g.enclosing.graph.nodes.get(this.name);
  }

  /** Seed `print_network_info`: logs (default `console.log`) and returns the table. */
  printNetworkInfo(opts: { name?: string; log?: (text: string) => void } = {}): string {
    const text = networkInfo(this.graph, opts.name);
    (opts.log ?? console.log)(text);
    return text;
  }
  /** Seed `help_on_tf_exception`: the failing layer, its entry and inputs, and the batch's Data. */
  describeStepFailure(error: unknown, batch: Batch = {}, log?: (text: string) => void): string {
    const text = describeFailure(this.graph, error, batch);
    log?.(text);
    return text;
  }
  /** Seed `register_post_control_dependencies`: functions run after each step. */
  registerPostControlDependencies(fns: readonly (() => void)[]): void {
    this.hooks.postControl.push(...fns);
  }
  /** Seed `get_post_control_dependencies`. */
  getPostControlDependencies(): (() => void)[] {
    return [...this.hooks.postControl];
  }
  /** Runs the post-control dependencies in order. */
  runPostControlDependencies(): void {
    for (const f of this.hooks.postControl) f();
  }
  /** Seed `register_graph_reset_callback`: `cb` runs on {@link reset} and {@link dispose}. */
  registerGraphResetCallback(cb: () => void): void {
    this.hooks.resetCallbacks.push(cb);
  }
  /** Seed `get_graph_reset_callbacks`. */
  getGraphResetCallbacks(): (() => void)[] {
    return [...this.hooks.resetCallbacks];
  }
  /** Seed `call_graph_reset_callbacks`. */
  callGraphResetCallbacks(): void {
    for (const cb of this.hooks.resetCallbacks) cb();
  }
  /** Clears the last losses and rec step info, and calls the graph-reset callbacks. */
  reset(): void {
    this.lastComputed = undefined;
    this.graph.recStepInfo = undefined;
    this.callGraphResetCallbacks();
  }
  /** Calls the graph-reset callbacks, then releases all weights. */
  override dispose(): void {
    this.callGraphResetCallbacks();
    super.dispose();
  }
}
