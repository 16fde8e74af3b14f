import { ops, type Tensor } from '@strata/backend';
import { type CallContext, Data, Dim, type DimJson, Layer, type SymbolicShape } from '@strata/core';
import { NetDictError } from '../errors.js';
import { ExternData } from '../extern-data.js';
import { baseDataKey, baseDataValue } from './base-data.js';
import type { LayerGraph } from './graph.js';
import { type EvalEnv, type EvalResult, firstSourceLens, fullSeqLens, type NetDictNode, type LayerOutput } from './net-dict-node.js';
import { NetDictNetwork } from './net-dict-network.js';
import { type MaxSeqLen, resolveMaxSeqLen } from './rec-max-seq-len.js';
import { endFrame, initialFromLayer, initialOutputLayers, type RecLoopAxis, recLoopAxis } from './rec-loop-axis.js';
import { singleStepCells } from './rec-single-step.js';
import { initialByApply } from './rec-initial-apply.js';
import { runGraph } from './run-graph.js';
import { Subnetwork } from './subnetwork.js';
import type { NetDict } from './schema.js';

/** One frame of a sequence: `d` without its first dynamic (time) axis. */
export function frameData(d: Data): Data {
  const t = d.dims.findIndex((dim) => dim.isDynamic);
  return t < 0 ? d : d.copy({ dims: d.dims.filter((_, i) => i !== t) });
}

/** The batch size of a forward pass: the first axis of its first extern-data value with axes (1 without any). */
function batchOf(inputs: Readonly<Record<string, Tensor>>): number {
  const v = Object.entries(inputs).find(([k, x]) => !k.includes(':size') && x.shape.length > 0);
  return v ? v[1].shape[0]! : 1;
}

/** Arguments of {@link RecUnit}. */
export interface RecUnitArgs {
  /** The rec layer's name (the unit's weights are `<network>/<name>/<layer>/...`). */
  name: string;
  /** The `unit` net dict, run once per frame. */
  unit: NetDict;
  /** The enclosing network (`base:` sources, extern data). */
  parent: NetDictNetwork;
  /** Templates of the rec layer's `from` sources; empty when the unit steps over a target. */
  sources: Data[];
  /** The data key stepped over in training when there are no sources (RETURNN `target`). */
  target?: string;
  /** Most frames a search may produce (RETURNN `max_seq_len`; a function of the batch for its string form). */
  maxSeqLen?: MaxSeqLen;
  /** RETURNN `max_seq_len_via`: the layer whose scalar value is the most frames (instead of `maxSeqLen`). */
  maxSeqLenVia?: string;
  /** RETURNN `axis` of a rec layer without sources: the Dim (JSON form) it loops over (see {@link RecLoopAxis}). */
  axis?: DimJson;
  /** RETURNN `include_eos`: a loop its `end` layer ends counts the frame where `end` first holds. */
  includeEos?: boolean;
}

/** A frame value of a unit layer, keyed by source reference: `prev:s`, `base:encoder`, `state:s:0`. */
type FrameInputs = Record<string, Tensor>;

/**
 * The unit of a RETURNN `rec` layer given as a net dict: a sub-network run
 * once per frame (seed 003; RETURNN's `RecLayer` with a `_SubnetworkRecCell`).
 * Inside the unit, `prev:x` is `x`'s output of the previous frame (zeros, or
 * the entry's `initial_output`, at the first), `base:x` a layer of the
 * enclosing network, `data:k` frame `t` of extern data `k`, `data:source`
 * (or `data`) frame `t` of the rec layer's input.
 *
 * Frames: over the input's time axis when the rec layer has sources, else
 * over the target's (teacher forcing: `choice` layers give the target's
 * frame). Losses inside the unit are computed on their frames stacked over
 * time, named `<rec>/<layer>`. Search (beam search over `choice`) is in
 * `rec-search.ts`.
 *
 * Composition: the unit is a {@link NetDictNetwork} of its own ({@link RecUnit.net},
 * RETURNN's subnetwork, with the seed API of a rec subnetwork: step info,
 * params by layer), whose layers this layer tracks, so that their weights
 * are `<network>/<rec>/<layer>/<weight>`.
 */
export class RecUnit extends Layer {
  static override readonly className: string = 'RecUnit';
  /** The unit as a network (RETURNN's subnetwork): its layers, flags and seed API. A reference: this layer tracks its layers. */
  readonly net: NetDictNetwork;
  /** The rec layer's time axis: the frames it runs (its sizes set by each run or search). */
  readonly timeDim: Dim;
  readonly target: string | undefined;
  readonly maxSeqLen: MaxSeqLen | undefined;
  readonly hasSources: boolean;
  /** Without sources: the `base:` layer whose time axis a `rec_unstack` with `declare_rec_time` gives the loop (RETURNN), if any. */
  readonly declaredTime: { ref: string; data: Data } | undefined;
  /** Without sources: what its `axis` Dim makes the loop run over, if given (RETURNN RecLayer `axis`). */
  readonly loopAxis: RecLoopAxis | undefined;
  readonly maxSeqLenVia: string | undefined;
  readonly includeEos: boolean;
  /** `base:` layers unit entries give as `initial_output`. */
  private readonly initialLayers: string[];

  constructor(args: RecUnitArgs) {
    const ext = new ExternData();
    for (const key of args.parent.externData.keys) ext.registerData(frameData(args.parent.externData.getData(key)));
    if (args.sources.length > 0) {
      const feature = args.sources.reduce((n, s) => n + (s.dim ?? 0), 0);
      const first = frameData(args.sources[0]!);
      ext.registerData(args.sources.length === 1 ? first.copy({ name: 'source' }) : new Data({ name: 'source', dims: [], dtype: 'float32' }).withShape('source', [...first.shape.slice(0, -1), feature]));
      ext.defaultInput = 'source';
    }
    ext.defaultTarget = args.target ?? args.parent.externData.defaultTarget;
    super({ name: args.name });
    this.timeDim = new Dim({ description: args.axis?.dim ?? `${args.name}:time` });
    this.net = this.untracked(new NetDictNetwork({ name: args.name, externData: ext, enclosing: { network: args.parent, lossPrefix: `${args.name}/` }, owner: this }));
    this.target = args.target;
    this.maxSeqLen = args.maxSeqLen;
    this.maxSeqLenVia = args.maxSeqLenVia;
    this.includeEos = args.includeEos ?? false;
    this.hasSources = args.sources.length > 0;
    this.net.constructFromDict(singleStepCells(args.unit, args.name));
    if (!this.unitGraph.nodes.has('output')) {
      throw new NetDictError(`The unit of rec layer '${args.name}' needs a layer named "output" (its per-frame output).`);
    }
    this.declaredTime = this.hasSources ? undefined : declaredRecTime(this.unitGraph, args.name);
    this.loopAxis = this.hasSources || this.declaredTime ? undefined : args.axis ? recLoopAxis(args.axis, args.parent.externData, this.unitGraph, args.name) : this.endWithoutTarget(args.parent.externData);
    this.initialLayers = initialOutputLayers(this.unitGraph);
    if (!this.hasSources && !this.target && !this.declaredTime && !this.loopAxis) {
      throw new NetDictError(`Rec layer '${args.name}' has no "from" sources, so it steps over a target: give "target" (e.g. "classes").`);
    }
  }

  /**
   * Without sources and axis, the loop an `end` layer ends when the target to step over is no extern data and no
   * `choice` needs one (RETURNN's rec cell then has no known length but the `end` layer's).
   */
  private endWithoutTarget(extern: ExternData): RecLoopAxis | undefined {
    if (this.target === undefined || extern.hasData(this.target) || !this.unitGraph.nodes.has('end')) return undefined;
    return [...this.unitGraph.nodes.values()].some((n) => n.entry.class === 'choice') ? undefined : { kind: 'end' };
  }

  /** The unit's graph: its layers wired by their sources, run once per frame. */
  get unitGraph(): LayerGraph {
    return this.net.graph;
  }

  /** The unit's per-frame output template. */
  get frameOutput(): Data {
    return this.unitGraph.node('output').output;
  }

  override computeOutputShape(_inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    return [null, null, ...this.frameOutput.shape];
  }

  override build(_inputShape: SymbolicShape | SymbolicShape[]): void {
    // Built when constructed from its dict.
  }

  /** Net dicts run the unit through `run` (or a search); called as a plain layer it has no frames to step over. */
  override call(_inputs: Tensor | Tensor[], _ctx: CallContext): Tensor {
    throw new NetDictError(`Rec layer '${this.name}' runs its unit inside a net dict's forward pass (its frames come from the batch), not through apply().`);
  }

  /** Names referenced as `prev:<name>` / `base:<name>` in the unit. */
  refs(kind: 'prev' | 'base'): string[] {
    const names = new Set<string>();
    for (const n of this.unitGraph.nodes.values()) for (const s of n.sources) if (s.kind === kind) names.add(s.name);
    if (kind === 'base') for (const l of this.initialLayers ?? []) names.add(l);
    // `prev:` inside a subnetwork of the unit: its own layer's previous frame, `<subnetwork>/<layer>` (RETURNN flattens such subnetworks into the unit).
    if (kind === 'prev') {
      for (const n of this.unitGraph.nodes.values()) {
        if (!(n.layer instanceof Subnetwork)) continue;
        for (const r of n.layer.innerPrevRefs()) names.add(`${n.name}/${r}`);
        for (const r of n.layer.basePrevRefs()) names.add(r);
      }
    }
    return [...names];
  }

  /** The losses inside the unit, as nodes of the enclosing network named `<rec>/<layer>`, their outputs stacked over the rec's time axis. */
  unitLossNodes(): NetDictNode[] {
    return [...this.unitGraph.nodes.values()]
      .filter((n) => n.lossHolder)
      .map((n) => ({ ...n, name: `${this.name}/${n.name}`, output: n.output.copy({ name: `${this.name}/${n.name}`, dims: [this.timeDim, ...n.output.dims] }) }));
  }

  private readonly subNodes = new Map<string, NetDictNode>();

  /**
   * Sub-layer `sub` of the unit as `<rec>/<sub>` outside (RETURNN's
   * `RecLayer.get_sub_layer`): its frames stacked over the rec's time axis,
   * `[B, T, ...]`, which {@link RecUnit.run} then collects. See `HasSubLayers`.
   * @throws NetDictError when `sub` is neither an output layer (`is_output_layer`) nor has a loss.
   */
  subLayerNode(sub: string): NetDictNode | undefined {
    const n = this.unitGraph.nodes.get(sub);
    if (!n) return undefined;
    if (!n.isOutputLayer && !n.lossHolder && !n.entry.need_last) {
      throw new NetDictError(
        `Layer '${this.name}/${sub}' is referenced from outside rec layer '${this.name}', but '${sub}' is only computed inside its frame loop: add "is_output_layer": true to unit entry '${sub}' (as RETURNN requires).`,
      );
    }
    let node = this.subNodes.get(sub);
    if (!node) {
      const name = `${this.name}/${sub}`;
      node = { ...n, name, lossHolder: undefined, output: n.output.copy({ name, dims: [this.timeDim, ...n.output.dims] }) };
      this.subNodes.set(sub, node);
    }
    return node;
  }

  /**
   * Checks that every unit layer referenced from outside (`<rec>/<layer>`) has its value in `outs`.
   * @throws NetDictError naming the first one missing (a search collects only the rec layer's output and its losses).
   */
  checkSubLayerOutputs(outs: ReadonlyMap<string, unknown>): void {
    for (const sub of this.subNodes.keys()) {
      if (!outs.has(`${this.name}/${sub}`)) {
        throw new NetDictError(`'${this.name}/${sub}' is referenced from outside rec layer '${this.name}', but its search does not collect unit layer '${sub}' over frames; reference '${this.name}' (its output) instead.`);
      }
    }
  }

  /**
   * The value `prev:name` has at the first frame: the entry's `initial_output` (a number, True/False as 1/0, `"zeros"`, `"ones"`; RETURNN casts it to the layer's dtype;
   * `"apply(0)"`: the layer on zeroed sources, see {@link initialByApply}), else zeros.
   * A dynamic axis of the layer (an axis of a `base:` layer, such as the encoder's time in accumulated attention weights) takes that layer's padded length in `base`.
   * @throws NetDictError when a dynamic axis is neither in a `base:` value nor has lengths yet.
   */
  initialOutput(name: string, batch: number, base: FrameInputs = {}): Tensor {
    const node = this.unitGraph.node(name);
    const init = (node.entry as { initial_output?: unknown }).initial_output;
    const value = typeof init === 'number' ? init : init === true || init === 'ones' ? 1 : 0;
    const shape = [...(node.output.hasBatch ? [batch] : []), ...node.output.dims.map((d) => d.size ?? this.paddedLength(name, d, base))];
    if (typeof init === 'string' && init.startsWith('base:')) return initialFromLayer(base[init]!, shape, node.output.dtype, name, init);
    if (init === 'apply(0)') return initialByApply(node, batch, (d) => d.size ?? this.paddedLength(name, d, base));
    return ops.fill(shape, value, node.output.dtype);
  }

  /** The padded length of dynamic axis `dim` in this pass: from a `base:` value on that axis, else the longest of its lengths. */
  private paddedLength(name: string, dim: Dim, base: FrameInputs): number {
    const parent = this.unitGraph.parent!;
    for (const ref of this.refs('base')) {
      const key = baseDataKey(ref);
      if (ref.startsWith('prev:')) continue;
      const data = key === undefined ? parent.nodes.get(ref)?.output : parent.externData.hasData(key) ? parent.externData.getData(key) : undefined;
      const i = data?.dims.indexOf(dim) ?? -1;
      const v = base[`base:${ref}`];
      if (i >= 0 && v) return v.shape[i + 1]!;
    }
    if (dim.dynSize) return Math.max(0, ...Array.from(ops.readSync(dim.dynSize) as Int32Array));
    throw new NetDictError(`Rec layer '${this.name}': the initial output of '${name}' has the dynamic axis '${dim.description}', whose length is not known at the first frame.`);
  }

  /** Initial values of everything the first frame reads from "the previous frame"; `base`: the `base:` values (for dynamic axes). */
  initialFrameState(batch: number, base: FrameInputs = {}): FrameInputs {
    const state: FrameInputs = {};
    for (const name of this.refs('prev')) state[`prev:${name}`] = this.initialOutput(name, batch, base);
    for (const n of this.unitGraph.nodes.values()) {
      const cell = n.layer as { initialState?: (b: number) => Tensor[] };
      if (n.entry.class === 'rnn_cell' && cell.initialState) cell.initialState(batch).forEach((s, i) => (state[`state:${n.name}:${i}`] = s));
    }
    return state;
  }

  /** What the next frame reads from this frame's outputs (`prev:` values and cell states). */
  nextFrameState(outs: Map<string, LayerOutput>): FrameInputs {
    const state: FrameInputs = {};
    for (const name of this.refs('prev')) state[`prev:${name}`] = outs.get(name)!.value;
    for (const [key, v] of outs) if (key.startsWith('state:')) state[key] = v.value;
    return state;
  }

  /** `base:` values of the enclosing network's outputs (their lengths are their Dims' sizes). */
  baseInputs(outs: Map<string, LayerOutput>, inputs: Readonly<Record<string, Tensor>> = {}): FrameInputs {
    const r: FrameInputs = {};
    for (const name of this.refs('base')) {
      const data = baseDataValue(name, inputs);
      const o = data ? { value: data } : outs.get(name);
      if (!o) throw new NetDictError(`Rec layer '${this.name}': base layer '${name}' has no output yet.`);
      r[`base:${name}`] = o.value;
    }
    return r;
  }

  /**
   * A function giving frame `t` of every extern-data value with a time axis
   * (others as they are). Each value is unstacked once (see `ops.unstack`).
   */
  frameInputs(inputs: Readonly<Record<string, Tensor>>, parentExtern: ExternData): (t: number) => FrameInputs {
    const fixed: FrameInputs = {};
    const frames: [string, Tensor[]][] = [];
    for (const key of parentExtern.keys) {
      const v = inputs[key];
      if (!v) continue;
      if (!parentExtern.getData(key).shape.includes(null)) fixed[key] = v;
      else frames.push([key, ops.unstack(v, 1)]);
    }
    return (t) => {
      const r: FrameInputs = { ...fixed };
      for (const [key, xs] of frames) if (t < xs.length) r[key] = xs[t]!;
      return r;
    };
  }

  /**
   * Runs the unit over all frames (training, or frame-synchronous
   * inference). Returns the stacked `output` with the frames' lengths (the
   * sizes of {@link RecUnit.timeDim}), and sets the stacked values of loss
   * layers as `<rec>/<layer>` in `env.outs`.
   *
   * @throws NetDictError when the target to step over is missing (use search).
   */
  run(env: EvalEnv): EvalResult {
    const { inputs, outs, ctx } = env;
    const parentExtern = this.unitGraph.parent!.externData;
    let source: Tensor | undefined;
    let seqLens: Tensor | undefined;
    let time: number;
    let sourceTimeAxis = 1;
    const base = this.baseInputs(outs, inputs);
    if (this.hasSources) {
      const xs = env.sources.slice(0, env.node.nFrom).map((s) => s.value);
      source = xs.length === 1 ? xs[0]! : ops.concat(xs, -1);
      // A source without batch axis (RETURNN's range_from_length of a scalar): [T, ...], time first.
      sourceTimeAxis = env.node.sourceData[0]?.hasBatch === false ? 0 : 1;
      time = source.shape[sourceTimeAxis]!;
      seqLens = firstSourceLens(env);
    } else if (this.declaredTime) {
      // RETURNN's rec_unstack with declare_rec_time: the loop runs over the frames of that layer's (base:) source.
      const v = base[`base:${this.declaredTime.ref}`]!;
      time = v.shape[1]!;
      seqLens = this.declaredTime.data.timeDim?.dynSize;
    } else if (this.loopAxis?.kind === 'data') {
      // RETURNN: the axis Dim's sizes are the loop's fixed_seq_len.
      const v = inputs[this.loopAxis.key]!;
      time = v.shape[1]!;
      seqLens = parentExtern.getData(this.loopAxis.key).timeDim?.dynSize;
    } else if (this.loopAxis?.kind === 'end') {
      const m = this.maxSeqLenVia ? Number((ops.readSync(outs.get(this.maxSeqLenVia)!.value) as ArrayLike<number>)[0]) : resolveMaxSeqLen(this.maxSeqLen);
      if (m === undefined) throw new NetDictError(`Rec layer '${this.name}': its "end" layer ends the loop, which needs "max_seq_len" or "max_seq_len_via" as a bound (RETURNN: "specify max_seq_len").`);
      time = m;
    } else {
      const target = inputs[this.target!];
      if (!target) {
        throw new NetDictError(`Rec layer '${this.name}' steps over '${this.target}', which is not in the batch. Without targets, run a search.`);
      }
      time = target.shape[1]!;
      seqLens = parentExtern.getData(this.target!).timeDim?.dynSize;
    }
    const batchFrom = source ?? (this.declaredTime ? base[`base:${this.declaredTime.ref}`] : this.loopAxis?.kind === 'data' ? inputs[this.loopAxis.key] : this.loopAxis ? undefined : inputs[this.target!]);
    const batch = sourceTimeAxis === 0 || !batchFrom ? batchOf(inputs) : batchFrom.shape[0]!;
    const ended = this.loopAxis?.kind === 'end' ? { flags: new Uint8Array(batch), lens: new Int32Array(batch) } : undefined;
    let state = this.initialFrameState(batch, base);
    const stacked = new Map<string, { value: Tensor[]; logits: Tensor[] }>();
    const collect = new Set(['output', ...this.unitLossNodes().map((n) => n.name.slice(this.name.length + 1)), ...this.subNodes.keys()]);
    for (const name of collect) stacked.set(name, { value: [], logits: [] });
    const dataFrame = this.frameInputs(inputs, parentExtern);
    const sourceFrames = source ? ops.unstack(source, sourceTimeAxis) : undefined;
    for (let t = 0; t < time; t++) {
      const frame: FrameInputs = { ...dataFrame(t), ...base, ...state };
      if (sourceFrames) frame.source = sourceFrames[t]!;
      this.unitGraph.recStepInfo = { i: t, seqLens };
      const o = runGraph(this.unitGraph, frame, ctx);
      for (const [name, acc] of stacked) {
        const v = o.get(name)!;
        acc.value.push(v.value);
        if (v.logits) acc.logits.push(v.logits);
      }
      state = this.nextFrameState(o);
      if (ended && endFrame(o.get('end')!.value, ended.flags, ended.lens, this.includeEos)) break;
    }
    if (ended) {
      // RETURNN's output has the longest length's frames (without include_eos, the last frame run, where all ended, is left out).
      seqLens = ops.tensor(ended.lens, [batch], 'int32');
      const width = Math.max(0, ...ended.lens);
      for (const acc of stacked.values()) {
        acc.value.length = Math.min(acc.value.length, width);
        acc.logits.length = Math.min(acc.logits.length, width);
      }
    }
    // Frames [B, ...] stack to [B, T, ...]; batchless frames (`:i`, RETURNN's RecStepInfoLayer) to [T, ...], time-major as RETURNN has them.
    const stack = (xs: Tensor[], name: string) =>
      this.unitGraph.node(name).output.hasBatch ? ops.concat(xs.map((x) => ops.reshape(x, [x.shape[0]!, 1, ...x.shape.slice(1)])), 1) : ops.concat(xs.map((x) => ops.reshape(x, [1, ...x.shape])), 0);
    // Over a batchless source the time axis has one length for all (RETURNN: a scalar dyn_size).
    const lens = seqLens ?? (sourceTimeAxis === 0 ? ops.scalar(time, 'int32') : fullSeqLens(batch, time));
    if (stacked.get('output')!.value.length === 0) throw new NetDictError(`Rec layer '${this.name}' ran no frame (max_seq_len 0 or an empty time axis); Strata cannot stack zero frames.`);
    for (const [name, acc] of stacked) {
      if (name === 'output' && !this.unitGraph.node('output').lossHolder && !this.subNodes.has(name)) continue;
      outs.set(`${this.name}/${name}`, { value: stack(acc.value, name), logits: acc.logits.length ? stack(acc.logits, name) : undefined });
    }
    this.unitGraph.recStepInfo = undefined;
    const out = stacked.get('output')!;
    return { value: stack(out.value, 'output'), logits: out.logits.length ? stack(out.logits, 'output') : undefined, seqLens: lens };
  }
}

/**
 * The `base:` source of the unit's `rec_unstack` layer with `declare_rec_time`
 * (RETURNN `RecUnstackLayer`: the rec layer's time axis is that source's),
 * or undefined when the unit has none.
 * @throws NetDictError for several such layers, or one whose source is not a `base:` layer or data.
 */
function declaredRecTime(unit: LayerGraph, rec: string): { ref: string; data: Data } | undefined {
  const declaring = [...unit.nodes.values()].filter((n) => n.entry.class === 'rec_unstack' && (n.entry as { declare_rec_time?: boolean }).declare_rec_time === true);
  if (declaring.length === 0) return undefined;
  if (declaring.length > 1) throw new NetDictError(`Rec layer '${rec}': ${declaring.map((n) => `'${n.name}'`).join(' and ')} both have "declare_rec_time": true; one layer gives the loop its time axis.`);
  const n = declaring[0]!;
  const s = n.sources[0];
  if (s?.kind !== 'base' || s.name.startsWith('prev:')) {
    throw new NetDictError(`Rec layer '${rec}': rec_unstack '${n.name}' has "declare_rec_time": true, so its source must be outside the loop ("base:<layer>" or "base:data:<key>").`);
  }
  return { ref: s.name, data: n.sourceData[0]! };
}
