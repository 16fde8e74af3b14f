import type { Tensor } from '@strata/backend';
import { type CallContext, type Data, INFERENCE, type Layer, untracked } from '@strata/core';
import { LayerNotFoundError, NetDictError, NetworkArgumentError, NoCurrentNetworkError } from '../errors.js';
import { ExternData } from '../extern-data.js';
import type { Model } from '../model.js';
import type { LayerSelector } from '../network.js';
import { addLayer, type ConstructLayerHooks, constructLayer, getOrConstruct } from './construct.js';
import { type ExtraNetOptions, extraNetIdentity, type ExtraRuns, runExtraNet } from './extra-net.js';
import { runNodes } from './forward.js';
import { dataSeqLens, type LayerNode, type LayerOutput, seqLensKey, type SourceRef } from './layer-node.js';
import { NetDictSteps } from './net-dict-steps.js';
import type { NetDictNetworkArgs } from './network-args.js';
import { currentNetwork, networkStack, withCurrentNetwork } from './network-stack.js';
import type { NetDictLayerClass } from './registry.js';
import type { LayerDescription, NetDict } from './schema.js';

export type { NetDictNetworkArgs } from './network-args.js';
export type { RecStepInfo } from './net-dict-steps.js';
export type { LayerNode, SourceRef } from './layer-node.js';

/**
 * A network built from a RETURNN-style net dict (seed 003 `TFNetwork`):
 *
 * ```json
 * { "hidden": {"class": "linear", "activation": "relu", "n_out": 256, "from": "data"},
 *   "output": {"class": "softmax", "loss": "ce", "from": "hidden", "target": "classes"} }
 * ```
 *
 * {@link NetDictNetwork.constructFromDict} creates the layers in dependency
 * order, computes each output's {@link Data} template and builds each layer's
 * weights, all before any number is computed, so config errors surface at once.
 * Variables are named `<network>/<layer>/<weight>` (`network/hidden/kernel:0`).
 * Parameters, files and diagnostics: see {@link NetDictParams}.
 */
export class NetDictNetwork extends NetDictSteps implements Model {
  static override readonly className: string = 'NetDictNetwork';
  readonly externData: ExternData;
  readonly nodes = new Map<string, LayerNode>();
  readonly enclosing: NetDictNetworkArgs['enclosing'];
  readonly trainFlag: boolean | undefined;
  readonly evalFlag: boolean;
  readonly searchFlag: boolean;
  /** Links to other layers: references (`untracked`), not sub-layers. */
  private readonly links: { parentLayer?: Layer; parentNet?: NetDictNetwork; extraParentNet?: NetDictNetwork };
  readonly absoluteNamePrefix: string;
  /** Extra nets by prefix (`search` for `extra.search:`), on the base network. */
  readonly extraNets = new Map<string, NetDictNetwork>();
  /** @internal The net dict being constructed (entries added by `addLayer` included). */
  netDict: NetDict = untracked({});
  /** @internal Names of layers under construction (dependency-loop detection). */
  readonly constructing: string[] = [];
  private readonly config: Readonly<Record<string, unknown>> | undefined;
  protected readonly insideRec: boolean;
  private readonly extraOwned = new Set<string>();
  private depLayersInExtra = false;
  private readonly layersByName = new Map<string, Layer>();

  private readonly args: NetDictNetworkArgs;

  constructor(args: NetDictNetworkArgs) {
    super({ name: 'network', ...args, seed: args.seed ?? args.rndSeed });
    this.args = untracked(args);
    const ext = args.externData ?? (args.config?.extern_data as Record<string, unknown> | undefined);
    if (!ext) throw new NetDictError(`Network '${this.name}' needs extern data: give externData, or a config with extern_data.`);
    this.externData = ext instanceof ExternData ? ext : ExternData.fromConfig(ext as never);
    this.enclosing = untracked(args.enclosing);
    this.config = args.config;
    this.links = untracked({ parentLayer: args.parentLayer, parentNet: args.enclosing?.network ?? args.parentNet, extraParentNet: args.extraParentNet });
    const up = this.parentNet ?? this.extraParentNet;
    this.trainFlag = args.trainFlag ?? up?.trainFlag;
    this.evalFlag = this.trainFlag === true ? true : (args.evalFlag ?? up?.evalFlag ?? true);
    this.searchFlag = args.searchFlag ?? up?.searchFlag ?? false;
    this.insideRec = args.isInsideRecLayer ?? (args.enclosing !== undefined || (this.parentNet?.isInsideRecLayer() ?? false));
    this.absoluteNamePrefix = args.absoluteNamePrefix ?? (args.enclosing ? `${this.parentNet!.absoluteNamePrefix}${args.enclosing.lossPrefix}` : '');
  }

  /** Seed `parent_layer`: the layer this network is the sub-network of, if given. */
  get parentLayer(): Layer | undefined {
    return this.links.parentLayer;
  }
  /** Seed `parent_net`: the network `base:` sources refer to (a rec unit's enclosing network). */
  get parentNet(): NetDictNetwork | undefined {
    return this.links.parentNet;
  }
  /** Seed `extra_parent_net`: the base network of an extra net. */
  get extraParentNet(): NetDictNetwork | undefined {
    return this.links.extraParentNet;
  }

  protected freshCopy(): NetDictNetwork {
    const copy = NetDictNetwork.fromDict(this.netDict, { ...this.args, externData: this.externData });
    for (const [prefix, extra] of this.extraNets) copy.constructExtraNet(extra.netDict, [...extra.nodes.keys()], { prefixName: prefix, searchFlag: extra.searchFlag });
    return copy;
  }

  /** Creates a network from `extern_data` and a net dict in one call. */
  static fromDict(netDict: NetDict, args: NetDictNetworkArgs): NetDictNetwork {
    const net = new NetDictNetwork(args);
    net.constructFromDict(netDict);
    return net;
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

  /** Seed `construct_from`: a list of entries with `name` ({@link constructFromList}) or a dict. @throws NetworkArgumentError for anything else. */
  constructFrom(listOrDict: NetDict | readonly (LayerDescription & { name: string })[]): void {
    if (Array.isArray(listOrDict)) return this.constructFromList(listOrDict);
    if (typeof listOrDict === 'object' && listOrDict !== null) return this.constructFromDict(listOrDict as NetDict);
    throw new NetworkArgumentError(`constructFrom expects a net dict (object) or a list of entries with "name". Received: ${JSON.stringify(listOrDict)}.`);
  }

  /**
   * Seed `construct_from_list`: each entry's `name` becomes its key.
   * @throws NetDictError for an entry without a string `name` or a name used twice.
   */
  constructFromList(netList: readonly (LayerDescription & { name: string })[]): void {
    const dict: NetDict = {};
    netList.forEach((entry, i) => {
      const { name, ...desc } = entry ?? ({} as never);
      if (typeof name !== 'string' || name === '') throw new NetDictError(`Net list entry ${i} needs a "name" (string). Received: ${JSON.stringify(entry)}.`);
      if (name in dict) throw new NetDictError(`Net list entries ${Object.keys(dict).indexOf(name)} and ${i} are both named '${name}'. Give each layer its own name.`);
      dict[name] = desc as LayerDescription;
    });
    this.constructFromDict(dict);
  }

  /**
   * Constructs every layer of `netDict` (seed `construct_from_dict`), in
   * dependency order. Unlike RETURNN (outputs, losses and what they need),
   * every entry is constructed, so that mistakes in any entry surface.
   * @throws NetDictError for a malformed entry (names the entry and key).
   * @throws UnknownLayerClassError for an unknown `class` (lists the known ones).
   * @throws LayerNotFoundError for a `from`/`target` naming nothing.
   * @throws NetworkConstructionDependencyLoopError for a cycle (with the construction stack).
   * @throws CannotHandleUndefinedSourcesError for a layer given no sources that needs some.
   */
  constructFromDict(netDict: NetDict): void {
    if (typeof netDict !== 'object' || netDict === null || Array.isArray(netDict)) {
      throw new NetDictError(`The network must be an object of layer name -> entry. Received: ${JSON.stringify(netDict)}.`);
    }
    this.netDict = untracked(netDict);
    withCurrentNetwork(this, () => {
      for (const name of Object.keys(netDict)) constructLayer(this, undefined, name);
    });
    if (this.outputLayers().length === 0 && !this.enclosing) {
      throw new NetDictError(`The net dict has no output layer: name one layer "output" or set "is_output_layer": true.`);
    }
    if (this.externData.hasData(this.externData.defaultInput)) this.builtInputShape = this.externData.getData(this.externData.defaultInput).batchShape;
    this.built = true;
  }

  /**
   * Seed `construct_layer`: constructs layer `name` of `netDict` (merged into
   * this network's dict) and, first, its sources through `hooks.getLayer`,
   * then adds it through `hooks.addLayer`. Returns the existing node if there is one.
   */
  constructLayer(netDict: NetDict | undefined, name: string, hooks: ConstructLayerHooks = {}): LayerNode {
    return withCurrentNetwork(this, () => constructLayer(this, netDict, name, hooks));
  }

  /**
   * Seed `add_layer`: creates one layer from its description (`class` may be
   * given as `layerClass`, a registered name or a class object) and adds it.
   * Sources that do not exist yet are constructed from the net dict.
   * @throws NetworkArgumentError if a layer `name` exists; the errors of {@link constructFromDict}.
   */
  addLayer(name: string, layerClass: string | NetDictLayerClass, desc: Omit<LayerDescription, 'class'> & { class?: string }): LayerNode {
    const full = { ...desc, class: desc.class ?? (typeof layerClass === 'string' ? layerClass : 'custom') } as LayerDescription;
    return withCurrentNetwork(this, () => addLayer(this, name, layerClass, full));
  }

  /**
   * Seed `construct_extra_net`: an extra net with other flags (e.g.
   * `searchFlag: true`) next to this one. The layers in `layerList` are
   * created in it (sharing layer objects, hence weights, with this network's
   * layers of the same name); other layers are taken from this network.
   * Referring to `extra.search:<layer>` in a `from` does the same on demand.
   * Its layers run in this network's {@link forward}, their outputs named
   * `extra.<prefix>:<layer>`, their losses added to {@link lossNodes}.
   * @returns the nodes of `layerList` in the extra net.
   */
  constructExtraNet(netDict: NetDict, layerList: readonly string[], opts: ExtraNetOptions = {}): LayerNode[] {
    const base = this.extraParentNet ?? this;
    const { prefix, searchFlag } = extraNetIdentity(opts);
    let extra = base.extraNets.get(prefix);
    if (!extra) {
      extra = new NetDictNetwork({
        name: opts.netName ?? `extra.${prefix}`,
        externData: base.externData,
        extraParentNet: base,
        searchFlag: searchFlag ?? base.searchFlag,
        absoluteNamePrefix: `extra.${prefix}:`,
      });
      base.extraNets.set(prefix, extra);
    }
    extra.netDict = untracked({ ...base.netDict, ...extra.netDict, ...netDict });
    for (const n of layerList) extra.extraOwned.add(n);
    if (opts.depLayersInExtra) extra.depLayersInExtra = true;
    return layerList.map((n) => extra.constructLayer(undefined, n));
  }

  /** @internal The node `name` of extra net `prefix` (created on first reference, seed `extra.<prefix>:<name>`). */
  extraNetLayer(prefix: string, name: string): LayerNode {
    const base = this.extraParentNet ?? this;
    return base.extraNets.get(prefix)?.nodes.get(name) ?? base.constructExtraNet(base.netDict, [name], { prefixName: prefix })[0]!;
  }
  /** @internal Whether this extra net creates `name` itself (else it is its base network's). */
  ownsLayer(name: string): boolean {
    return !this.extraParentNet || this.extraOwned.has(name) || this.nodes.has(name) || (this.depLayersInExtra && !this.extraParentNet.nodes.has(name));
  }
  /** @internal The network that tracks this network's layers (an extra net's base). */
  get layerOwner(): NetDictNetwork {
    return this.extraParentNet ?? this;
  }
  /** @internal The layer object created for `name` by this network or one of its extra nets. */
  sharedLayer(name: string): Layer | undefined {
    return this.layerOwner.layersByName.get(name);
  }
  /** @internal */
  shareLayer(name: string, layer: Layer): void {
    this.layerOwner.layersByName.set(name, layer);
  }
  /** @internal Prefix of this network's loss names (`dec/` in rec unit `dec`, `extra.search:`). */
  get lossPrefix(): string {
    return this.enclosing?.lossPrefix ?? (this.extraParentNet ? this.absoluteNamePrefix : '');
  }

  /** Seed `get_absolute_name_prefix`: `''` at the top, `dec/` in rec unit `dec`, always ending in `/` or `:` when not empty. */
  getAbsoluteNamePrefix(): string {
    return this.absoluteNamePrefix;
  }
  /** Seed `get_absolute_name_scope_prefix`: the variable scope with `/` (`network/`, `network/dec/`). */
  getAbsoluteNameScopePrefix(): string {
    return `${this.layerOwner.scopeName}/`;
  }
  /** The outermost network (through parent and extra-parent networks). */
  getRootNetwork(): NetDictNetwork {
    const up = this.parentNet ?? this.extraParentNet;
    return up ? up.getRootNetwork() : this;
  }
  /** Seed `get_config`: the run config given to this network or, with `considerParent` (default), to a network above it; else `{}` (or undefined without `fallbackEmpty`). */
  getRunConfig(opts: { considerParent?: boolean; fallbackEmpty?: boolean } = {}): Readonly<Record<string, unknown>> | undefined {
    const up = this.parentNet ?? this.extraParentNet;
    const found = this.config ?? (opts.considerParent !== false ? up?.getRunConfig({ fallbackEmpty: false }) : undefined);
    return found ?? (opts.fallbackEmpty !== false ? {} : undefined);
  }

  /** The layers marked as output (`output` or `is_output_layer`). */
  outputLayers(): LayerNode[] {
    return [...this.nodes.values()].filter((n) => n.isOutputLayer);
  }
  /** Seed `get_output_layers` (same as {@link outputLayers}). */
  getOutputLayers(): LayerNode[] {
    return this.outputLayers();
  }
  /** Seed `get_default_output_layer_name`: `output` if present, else the only output layer, else undefined. */
  getDefaultOutputLayerName(): string | undefined {
    const outs = this.outputLayers();
    return this.nodes.has('output') ? 'output' : outs.length === 1 ? outs[0]!.name : outs[0]?.name;
  }
  /** The default output layer: `output` if present, else the first output layer. @throws LayerNotFoundError without one. */
  defaultOutputLayer(): LayerNode {
    const name = this.getDefaultOutputLayerName();
    if (name === undefined) throw new LayerNotFoundError(`Network '${this.name}' has no output layer: name one layer "output" or set "is_output_layer": true.`);
    return this.nodes.get(name)!;
  }
  /** Seed `get_default_output_layer(must_exist)`. @throws LayerNotFoundError when there is none and `mustExist` (default true). */
  getDefaultOutputLayer(opts: { mustExist?: boolean } = {}): LayerNode | undefined {
    return opts.mustExist === false && this.getDefaultOutputLayerName() === undefined ? undefined : this.defaultOutputLayer();
  }
  /** Seed `get_used_targets`: sorted target keys of the losses. */
  getUsedTargets(): string[] {
    return [...new Set(this.lossNodes().map((n) => n.target!))].sort();
  }
  /** Seed `get_default_target`: the extern data's default target (`classes`). */
  getDefaultTarget(): string {
    return this.externData.defaultTarget;
  }

  /**
   * The node of a layer (seed `get_layer`): `name`, `base:<name>` in the
   * parent network, `extra.<prefix>:<name>` in an extra net.
   * @throws LayerNotFoundError listing the layers.
   */
  node(name: string): LayerNode {
    if (name.startsWith('base:')) {
      if (!this.parentNet) throw new LayerNotFoundError(`Network '${this.name}' has no parent network, so '${name}' names nothing. "base:" works inside a rec unit.`);
      return this.parentNet.node(name.slice(5));
    }
    const extra = /^extra\.([^:]+):(.+)$/.exec(name);
    if (extra) {
      const en = (this.extraParentNet ?? this).extraNets.get(extra[1]!);
      if (!en) throw new LayerNotFoundError(`Network '${this.name}' has no extra net '${extra[1]}' for '${name}'. Extra nets: ${[...this.extraNets.keys()].join(', ') || 'none'}.`);
      return en.node(extra[2]!);
    }
    const n = this.nodes.get(name) ?? (this.extraParentNet && !this.ownsLayer(name) ? this.extraParentNet.nodes.get(name) : undefined);
    if (!n) throw new LayerNotFoundError(`No layer '${name}' in network '${this.name}'. Layers: ${[...this.nodes.keys()].join(', ')}.`);
    return n;
  }
  /** A layer by net-dict name (with `base:`/`extra.` prefixes, see {@link node}), or by `{ name }`/`{ index }` as a tfe.Network. */
  override getLayer(selector: LayerSelector | string): Layer {
    return typeof selector === 'string' ? this.node(selector).layer : super.getLayer(selector);
  }
  /** @internal */
  getOrConstructLayer(name: string): LayerNode {
    return getOrConstruct(this, name);
  }

  /**
   * Nodes with a loss, including the losses inside recurrent units (named
   * `<rec>/<layer>`, computed on the frames stacked over time) and of extra
   * nets (`extra.search:<layer>`).
   *
   * @param mode `all` (default); `train`: without `only_on_eval` layers,
   *   which training does not compute; `eval`: without layers whose class
   *   is meaningful only under search (`decide`: with the targets present,
   *   the decision is the target itself).
   */
  lossNodes(mode: 'all' | 'train' | 'eval' = 'all'): LayerNode[] {
    const all = [...this.nodes.values()].flatMap((n) => [
      ...(n.lossHolder ? [n] : []),
      ...((n.layer as { unitLossNodes?: () => LayerNode[] }).unitLossNodes?.() ?? []),
    ]);
    for (const [prefix, extra] of this.extraNets) all.push(...extra.lossNodes('all').map((n) => ({ ...n, name: `extra.${prefix}:${n.name}` })));
    if (mode === 'train') return all.filter((n) => !n.entry.only_on_eval);
    if (mode === 'eval') return all.filter((n) => !n.cls.searchOnly);
    return all;
  }
  /**
   * Computes every layer's output for a batch, in construction (dependency)
   * order. `inputs`: extern-data key → tensor `[batch, ...shape]`; for data
   * with a time axis, `<key>:seq_lens` (int32 `[batch]`) gives the lengths
   * (full length if absent). Inside a recurrent unit, `prev:<layer>` and
   * `base:<layer>` (with `base:<layer>:seq_lens`) give those sources.
   * The network's `trainFlag` and `searchFlag` override `ctx`.
   * @throws LayerExecutionError naming the layer that failed (see {@link describeStepFailure}).
   */
  forward(inputs: Record<string, Tensor>, ctx: CallContext = INFERENCE, outs?: Map<string, LayerOutput>): Map<string, LayerOutput> {
    const c = this.trainFlag === undefined && !this.searchFlag ? ctx : ({ ...ctx, training: this.trainFlag ?? ctx.training, search: this.searchFlag || (ctx as { search?: boolean }).search } as CallContext);
    const runs: ExtraRuns = new Map();
    const resolve = (s: SourceRef, done: Map<string, LayerOutput>): LayerOutput => {
      if (s.kind === 'layer') return done.get(s.name)!;
      if (s.kind === 'extra') {
        runExtraNet(this, s.net, s.name, inputs, c, done, runs, resolve);
        return done.get(`extra.${s.net}:${s.name}`)!;
      }
      const key = s.kind === 'data' ? s.key : `${s.kind}:${s.name}`;
      const value = inputs[key];
      if (!value) throw new LayerNotFoundError(`forward(): no input tensor for '${key}'. Given: ${Object.keys(inputs).join(', ')}.`);
      return { value, seqLens: s.kind === 'data' ? dataSeqLens(inputs, key, this.externData.getData(key)) : inputs[seqLensKey(key)] };
    };
    const result = runNodes(this.nodes.values(), resolve, inputs, c, outs, this.absoluteNamePrefix);
    for (const prefix of this.extraNets.keys()) runExtraNet(this, prefix, undefined, inputs, c, result, runs, resolve);
    return result;
  }

  /** The model contract's output names: the output layers, the default one first. */
  outputNames(): string[] {
    const first = this.getDefaultOutputLayerName();
    const names = this.outputLayers().map((n) => n.name);
    return first === undefined ? names : [first, ...names.filter((n) => n !== first)];
  }
  /** The model contract's output template: the Data of layer `name`. @throws LayerNotFoundError */
  outputData(name: string): Data {
    return this.node(name).output;
  }
  /** The model contract's loss names: the LossHolders of {@link lossNodes}. */
  lossNames(mode: 'train' | 'eval'): string[] {
    return this.lossNodes(mode).map((n) => n.lossHolder!.name);
  }
  /** The model contract's step hook: the post-control dependencies. */
  afterStep(): void {
    this.runPostControlDependencies();
  }
  /** The layer of net-dict entry `name`, or undefined. */
  layerOf(name: string): Layer | undefined {
    return this.nodes.get(name)?.layer;
  }

  /** Runs the net on the default input and returns the default output layer's value. */
  override call(inputs: Tensor | Tensor[], ctx: CallContext): Tensor {
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    return this.forward({ [this.externData.defaultInput]: x }, ctx).get(this.defaultOutputLayer().name)!.value;
  }

  /** Clears per-step state (last losses, rec step info) and calls the graph-reset callbacks. */
  override reset(): void {
    this.clearStepState();
    super.reset();
  }
}
