import { ops, type Tensor } from '@strata/backend';
import { type CallContext, concatShape, Data, INFERENCE, type LayerArgs, LayerError, type SymbolicShape } from '@strata/core';
import { getLoss, L2, LossHolder } from '@strata/losses';
import { z } from 'zod';
import { CannotHandleUndefinedSourcesError, LayerNotFoundError, NetDictError, NetworkConstructionDependencyLoopError } from '../errors.js';
import { ExternData } from '../extern-data.js';
import { type ExportedModel, exportNetworkOnnx, type ExportOnnxOptions } from '../export-onnx.js';
import { Network } from '../network.js';
import { hasTimeAxis, runNodes } from './forward.js';
import { type LayerNode, type LayerOutput, seqLensKey, type SourceRef } from './layer-node.js';
import { getNetDictClass, type NetDictLayerClass } from './registry.js';
import { COMMON_KEYS, commonEntrySchema, type LayerDescription, type NetDict, parseEntry } from './schema.js';
import { registerStandardClasses } from './standard-classes.js';

registerStandardClasses();

/** Options of {@link NetDictNetwork}. */
export interface NetDictNetworkArgs extends LayerArgs {
  /** `extern_data` of the config, or an ExternData. */
  externData: ExternData | Record<string, unknown>;
  /**
   * For the unit of a recurrent layer: the enclosing network (resolves
   * `base:` sources) and a prefix for loss names (`output/` gives
   * `output/output_prob`, as RETURNN names them).
   */
  enclosing?: { network: NetDictNetwork; lossPrefix: string };
}

export type { LayerNode, LayerOutput, SourceRef } from './layer-node.js';

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
 */
export class NetDictNetwork extends Network {
  static override readonly className: string = 'NetDictNetwork';
  readonly externData: ExternData;
  readonly nodes = new Map<string, LayerNode>();
  readonly enclosing: NetDictNetworkArgs['enclosing'];
  private netDict: NetDict = {};
  private readonly constructing: string[] = [];

  constructor(args: NetDictNetworkArgs) {
    super({ name: 'network', ...args });
    this.externData = args.externData instanceof ExternData ? args.externData : ExternData.fromConfig(args.externData as never);
    this.enclosing = args.enclosing;
  }

  /** Creates a network from `extern_data` and a net dict in one call. */
  static fromDict(netDict: NetDict, args: NetDictNetworkArgs): NetDictNetwork {
    const net = new NetDictNetwork(args);
    net.constructFromDict(netDict);
    return net;
  }

  /**
   * Constructs every layer of `netDict` (seed `construct_from_dict`), in dependency order.
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
    this.netDict = netDict;
    for (const name of Object.keys(netDict)) this.constructLayer(name, this.constructing);
    if (this.outputLayers().length === 0 && !this.enclosing) {
      throw new NetDictError(`The net dict has no output layer: name one layer "output" or set "is_output_layer": true.`);
    }
    if (this.externData.hasData(this.externData.defaultInput)) this.builtInputShape = this.externData.getData(this.externData.defaultInput).batchShape;
    this.built = true;
  }

  private parseSource(ref: string, owner: string): SourceRef {
    if (ref === 'data') return { kind: 'data', key: this.externData.defaultInput };
    if (ref.startsWith('data:')) return { kind: 'data', key: ref.slice(5) };
    if (ref.startsWith('prev:') || ref.startsWith('base:')) {
      const kind = ref.slice(0, 4) as 'prev' | 'base';
      const name = ref.slice(5);
      const scope = kind === 'prev' ? (this.enclosing ? this.netDict : undefined) : this.enclosing?.network.netDict;
      if (!scope) {
        throw new NetDictError(`Layer '${owner}' takes "from": "${ref}", but "${kind}:" references exist only inside the "unit" of a "rec" layer.`);
      }
      if (!(name in scope)) {
        throw new LayerNotFoundError(`Layer '${owner}' takes "from": "${ref}", but there is no layer '${name}' ${kind === 'prev' ? 'in the unit' : 'in the enclosing network'}. Layers: ${Object.keys(scope).join(', ')}.`);
      }
      return { kind, name };
    }
    if (!(ref in this.netDict)) {
      throw new LayerNotFoundError(
        `Layer '${owner}' takes "from": "${ref}", but there is no such layer. Layers: ${Object.keys(this.netDict).join(', ')}; ` +
          `extern data: ${this.externData.keys.map((k) => `"data:${k}"`).join(', ')} ("data" is "data:${this.externData.defaultInput}").`,
      );
    }
    return { kind: 'layer', name: ref };
  }

  private constructLayer(name: string, stack: string[]): LayerNode {
    const done = this.nodes.get(name);
    if (done) return done;
    if (stack.includes(name)) throw new NetworkConstructionDependencyLoopError(name, stack.slice(stack.indexOf(name)));
    const raw = this.netDict[name];
    if (raw === undefined) throw new LayerNotFoundError(`No layer '${name}' in the net dict. Layers: ${Object.keys(this.netDict).join(', ')}.`);
    const entry = parseEntry(commonEntrySchema, raw, name);
    const cls = getNetDictClass(entry.class, name);
    const ownKeys = Object.fromEntries(Object.entries(raw).filter(([k]) => !COMMON_KEYS.has(k)));
    const own = parseEntry(cls.options ?? z.strictObject({}), ownKeys, name);
    const fromList = entry.from === undefined ? (cls.sources === 'none' ? [] : ['data']) : Array.isArray(entry.from) ? entry.from : [entry.from];
    const sources = fromList.map((r) => this.parseSource(r, name));
    if (sources.length === 0 && cls.sources !== 'none' && !cls.optionalSources) throw new CannotHandleUndefinedSourcesError(name, entry.class);
    for (const key of cls.refKeys ?? []) {
      const ref = (own as Record<string, unknown>)[key];
      if (typeof ref === 'string') sources.push(this.parseSource(ref, name));
    }

    stack.push(name);
    const sourceData = sources.map((s) => this.templateOf(s, stack));
    stack.pop();

    // Sources named by class keys (`base`, `weights`) are not part of the layer's joined input.
    const inputShape = this.inputShapeFor(name, entry.class, cls, sourceData.slice(0, fromList.length));
    const target = entry.loss ? (entry.target ?? this.externData.defaultTarget) : entry.target;
    const targetData = target === undefined ? undefined : this.externData.getData(target);
    const layer = cls.create({ name, entry: { ...entry, ...(own as object) }, sources: sourceData, target: targetData, network: this });
    if (entry.trainable === false) layer.trainable = false;
    this.trackLayer(layer);
    let outShape: SymbolicShape;
    try {
      outShape = layer.computeOutputShape(inputShape as SymbolicShape);
      layer.build(inputShape as SymbolicShape);
    } catch (e) {
      if (e instanceof LayerError) {
        throw new NetDictError(`Net dict entry '${name}' (class '${entry.class}'): ${e.message}\n  sources: ${sourceData.map(String).join(', ')}`);
      }
      throw e;
    }
    if (entry.L2) {
      const l2 = new L2({ l2: entry.L2 });
      for (const w of layer.trainableWeights) layer.addLoss(() => l2.apply(w.value));
    }
    const output =
      cls.outputData?.({ name, entry: { ...entry, ...(own as object) }, sources: sourceData, target: targetData, network: this, layer }) ??
      new Data(name, [], 'float32').withShape(name, outShape.slice(1));
    const isOutputLayer = entry.is_output_layer ?? name === 'output';
    const node: LayerNode = { name, entry, cls, layer, sources, output, dropout: entry.dropout ?? 0, isOutputLayer };
    if (entry.loss && target !== undefined && targetData) {
      this.checkLossTarget(name, output, targetData, entry.loss);
      node.target = target;
      // Named after the layer, as RETURNN does; loss_scale (if given) overrides loss_opts.scale.
      node.lossHolder = new LossHolder({
        name: `${this.enclosing?.lossPrefix ?? ''}${name}`,
        layerName: `${this.enclosing?.lossPrefix ?? ''}${name}`,
        loss: getLoss(entry.loss, camelKeys(entry.loss_opts ?? {}) as never),
        scale: entry.loss_scale,
      });
    }
    this.nodes.set(name, node);
    return node;
  }

  /**
   * The template of a source. `prev:x` is `x`'s own output (from its `n_out`
   * when `x` is still being constructed, as a recurrent dependency allows);
   * `base:x` is constructed in the enclosing network.
   */
  private templateOf(s: SourceRef, stack: string[]): Data {
    if (s.kind === 'data') return this.externData.getData(s.key);
    if (s.kind === 'layer') return this.constructLayer(s.name, stack).output;
    if (s.kind === 'base') return this.enclosing!.network.constructLayer(s.name, this.enclosing!.network.constructing).output;
    const done = this.nodes.get(s.name);
    if (done) return done.output;
    // A recurrent dependency: the shape comes from the entry (a choice's target, or n_out), as RETURNN's templates do.
    const entry = this.netDict[s.name]!;
    if (entry.class === 'choice') return this.externData.getData(entry.target ?? this.externData.defaultTarget).copy({ name: s.name });
    if (entry.n_out !== undefined) return new Data(s.name, [], 'float32').withShape(s.name, [entry.n_out]);
    try {
      return this.constructLayer(s.name, stack).output;
    } catch (e) {
      if (!(e instanceof NetworkConstructionDependencyLoopError)) throw e;
      throw new NetDictError(
        `Layer '${s.name}' is used as "prev:${s.name}" in a recurrent dependency, so its shape must be known in advance: give it "n_out".`,
      );
    }
  }

  private inputShapeFor(name: string, cls: string, c: NetDictLayerClass, sources: Data[]): SymbolicShape | SymbolicShape[] {
    for (const s of sources) {
      if (s.sparse && c.sources !== 'none' && !c.acceptsSparse) {
        throw new NetDictError(
          `Layer '${name}' (class '${cls}') gets sparse data '${s.name}' (class indices) as input. ` +
            `Dense layers need float features; sparse inputs (embeddings) are not supported by '${cls}'.`,
        );
      }
    }
    if (c.sources === 'list') return sources.map((s) => s.batchShape);
    if (sources.length <= 1) return sources[0]?.batchShape ?? [null];
    return concatShape(sources.map((s) => s.batchShape), name);
  }

  private checkLossTarget(name: string, output: Data, target: Data, loss: string): void {
    // Losses over label sequences compare other things than class posteriors frame by frame.
    if (loss === 'edit_distance' || output.sparse) return;
    // CTC has one more output class than the target: the blank (RETURNN's convention, the last class).
    const want = loss === 'ctc' && target.dim !== null ? target.dim + 1 : target.dim;
    if (target.sparse && output.dim !== want) {
      throw new NetDictError(
        `Layer '${name}' has ${output.dim} output features, but its target '${target.name}' has ${target.dim} classes${loss === 'ctc' ? ' plus the CTC blank' : ''}. Set "n_out": ${want}.`,
      );
    }
  }

  /** The layers marked as output (`output` or `is_output_layer`). */
  outputLayers(): LayerNode[] {
    return [...this.nodes.values()].filter((n) => n.isOutputLayer);
  }
  /** The default output layer: `output` if present, else the first output layer. */
  defaultOutputLayer(): LayerNode {
    const outs = this.outputLayers();
    const node = this.nodes.get('output') ?? outs[0];
    if (!node) throw new LayerNotFoundError(`Network '${this.name}' has no output layer.`);
    return node;
  }
  /**
   * Nodes with a loss, including the losses inside recurrent units (named
   * `<rec>/<layer>`, computed on the frames stacked over time).
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
    if (mode === 'train') return all.filter((n) => !n.entry.only_on_eval);
    if (mode === 'eval') return all.filter((n) => !n.cls.searchOnly);
    return all;
  }
  /** Extern-data keys layers read (the inputs of inference; loss targets left out). */
  inputKeys(): string[] {
    const keys = new Set<string>();
    for (const n of this.nodes.values()) for (const s of n.sources) if (s.kind === 'data') keys.add(s.key);
    return [...keys];
  }
  /** Extern-data keys the network reads (inputs and loss targets). */
  usedDataKeys(): string[] {
    const keys = new Set<string>();
    for (const n of this.nodes.values()) {
      for (const s of n.sources) if (s.kind === 'data') keys.add(s.key);
      if (n.target) keys.add(n.target);
    }
    return [...keys];
  }
  /** The node of a layer. @throws LayerNotFoundError listing the layers. */
  node(name: string): LayerNode {
    const n = this.nodes.get(name);
    if (!n) throw new LayerNotFoundError(`No layer '${name}' in network '${this.name}'. Layers: ${[...this.nodes.keys()].join(', ')}.`);
    return n;
  }

  /**
   * Computes every layer's output for a batch, in construction (dependency)
   * order. `inputs`: extern-data key → tensor `[batch, ...shape]`; for data
   * with a time axis, `<key>:seq_lens` (int32 `[batch]`) gives the lengths
   * (full length if absent). Inside a recurrent unit, `prev:<layer>` and
   * `base:<layer>` (with `base:<layer>:seq_lens`) give those sources.
   */
  forward(inputs: Record<string, Tensor>, ctx: CallContext = INFERENCE, outs?: Map<string, LayerOutput>): Map<string, LayerOutput> {
    const resolve = (s: SourceRef, done: Map<string, LayerOutput>): LayerOutput => {
      if (s.kind === 'layer') return done.get(s.name)!;
      const key = s.kind === 'data' ? s.key : `${s.kind}:${s.name}`;
      const value = inputs[key];
      if (!value) throw new LayerNotFoundError(`forward(): no input tensor for '${key}'. Given: ${Object.keys(inputs).join(', ')}.`);
      const lens = inputs[seqLensKey(key)];
      if (lens || s.kind !== 'data' || !this.externData.getData(s.key).shape.includes(null)) return { value, seqLens: lens };
      return { value, seqLens: ops.fill([value.shape[0]!], value.shape[1]!, 'int32') };
    };
    return runNodes(this.nodes.values(), resolve, inputs, ctx, outs);
  }

  /**
   * Writes the inference graph as a standalone ONNX file (named inputs from
   * ExternData, one output per output layer, dynamic batch and time axes);
   * see `traceNetwork` in export-onnx.ts.
   */
  exportOnnx(path: string, opts: ExportOnnxOptions = {}): Promise<ExportedModel> {
    return exportNetworkOnnx(this, path, opts);
  }

  /** Runs the net on the default input and returns the default output layer's value. */
  override call(inputs: Tensor | Tensor[], ctx: CallContext): Tensor {
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    return this.forward({ [this.externData.defaultInput]: x }, ctx).get(this.defaultOutputLayer().name)!.value;
  }
}

/** RETURNN writes loss options in snake_case (`label_smoothing`); Strata's loss classes take camelCase. */
function camelKeys(opts: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(opts).map(([k, v]) => [k.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase()), v]));
}
