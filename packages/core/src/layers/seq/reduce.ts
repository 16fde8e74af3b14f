import { ops, type Tensor } from '@strata/backend';
import { z } from 'zod';
import { Dim } from '../../dim.js';
import { type CallContext, Layer, type LayerArgs, type LayerConfig, type SymbolicShape } from '../../layer.js';
import { type LayerBuildContext, type LayerCheck, type LayerOption, type LayerOptions, type LayerSpec, option, resolveArgs, schemas } from '../../layer-spec.js';
import { returnnAxis } from '../axes/returnn-axes.js';
import { axesInData } from '../shape/axis-in-data.js';
import { maskFrames, sequenceMask } from '../../sequence-mask.js';
import { reducesBatch } from './reduce-batch.js';
import { int, type SeqAxis, seqAxisIndex, seqAxisOption, seqInput, xShapeOf } from './seq-inputs.js';

/** The reductions of {@link Reduce} (RETURNN `mode`). */
export const REDUCE_MODES = ['sum', 'mean', 'max', 'min', 'argmax', 'argmin'] as const;
/** A {@link Reduce} mode. */
export type ReduceMode = (typeof REDUCE_MODES)[number];

/** Arguments of {@link Reduce}. */
export interface ReduceArgs extends LayerArgs {
  /** `sum`, `mean`, `max`, `min`, `argmax` or `argmin` (RETURNN `mode`; the arg modes give int32 indices). */
  mode: ReduceMode;
  /** `'T'` (axis 1, masked by seqLens), `'F'` (the last axis) or an axis index >= 1 (negative from the end) (RETURNN `axis`). */
  axis: SeqAxis;
  /** RETURNN's other name of `axis` (`axes`, one axis here), for net dicts; give one of the two. */
  axes?: SeqAxis;
  /** Keep the reduced axis with size 1 (RETURNN `keep_dims`). Default false. */
  keepDims?: boolean;
}

const DESC_AXIS_ERROR = "must be 'T' or 'time', 'F' or 'feature' (in any letter case), a RETURNN axis description naming one axis (\"dim:6\", \"stag:name\", \"spatial:1\"), or a non-batch axis index (not 0)";

/**
 * `axis`/`axes` of a net-dict `reduce`: the sequence layers' axis names, or a RETURNN description with a
 * colon (`"dim:6"`, `"stag:name"`, `"spatial:1"`), kept as written and resolved to an index on the source
 * by {@link resolveDescribedAxes}.
 */
function describedAxisOption(key: string): LayerOption {
  const base = seqAxisOption(key, { optional: true });
  const described = (v: unknown): v is string => typeof v === 'string' && v.includes(':');
  return {
    ...base,
    returnnSchema: z.custom((v: unknown) => described(v) || base.returnnSchema!.safeParse(v).success, { error: DESC_AXIS_ERROR }),
    fromReturnn: (v) => (described(v) ? v : base.fromReturnn!(v)),
  };
}

/** A net dict's `axis`/`axes` written as a RETURNN description (`"dim:6"`): the index of the one axis it names on the source. */
function resolveDescribedAxes(c: LayerBuildContext, a: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const source = c.sources[0];
  for (const key of ['axis', 'axes']) {
    const v = a[key];
    if (typeof v !== 'string' || !v.includes(':') || !source) continue;
    // A Dim's description (`stag:`/`tag:`) is read on the source's Dims, which its shape alone does not hold.
    out[key] = /^s?tag:/i.test(v) ? axesInData(source, v)[0] : returnnAxis(v, source.batchShape, c.name);
  }
  return out;
}

/** Reduce's arguments in both vocabularies. */
const REDUCE_OPTIONS = {
  mode: option(schemas.oneOf(REDUCE_MODES), {
    returnn: 'mode',
    // RETURNN lower-cases the mode and takes "avg" for "mean".
    returnnSchema: schemas.oneOfAnyCase([...REDUCE_MODES, 'avg']),
    fromReturnn: (m) => ((m as string).toLowerCase() === 'avg' ? 'mean' : (m as string).toLowerCase()),
  }),
  axis: describedAxisOption('axis'),
  axes: describedAxisOption('axes'),
  keepDims: option(schemas.boolean(), { default: false, returnn: 'keep_dims' }),
} satisfies LayerOptions;

/** One axis, as `axis` or `axes` (RETURNN: "don't provide both"). */
const REDUCE_CHECKS: readonly LayerCheck[] = [
  (a, name) =>
    a.axis !== undefined && a.axes !== undefined
      ? `give ${name('axis')} or ${name('axes')}, not both. Received: ${name('axis')}=${JSON.stringify(a.axis)}, ${name('axes')}=${JSON.stringify(a.axes)}.`
      : a.axis === undefined && a.axes === undefined
        ? `${name('axis')} must be 'T' (time), 'F' (feature) or a non-batch axis index (not 0). Received: ${name('axis')}=undefined.`
        : undefined,
];

// Stands in for padded frames in max/min: below any float32 activation, yet finite (no inf * 0 = NaN).
const LOWEST = -3.4e38;

/**
 * Reduces one axis with sum, mean, max or min (RETURNN `ReduceLayer`).
 *
 * Over time (`axis: 'T'` or 1) with `[x, seqLens]`, only valid frames count:
 * `sum` adds frames `t < seqLens[b]`, `mean` divides that sum by the length,
 * `max`/`min` ignore padded frames. An empty sequence (length 0) gives 0 for
 * every mode (RETURNN gives NaN or ∓inf there). Padded frames get zero gradient.
 * Without `seqLens` every frame counts.
 *
 * Over another axis (`'F'` is the last one), each frame is reduced on its own;
 * with `seqLens` and a time axis kept, padded frames output zeros.
 *
 * Inputs: `x` float32 `[batch, time, ...]`, or `[x, seqLens]` with `seqLens` int32 `[batch]`.
 * Shape: `x` without the reduced axis (or with size 1 there, `keepDims`), float32.
 * @throws LayerArgumentError for an unknown `mode`, an `axis` that is not `'T'`, `'F'` or an integer,
 *   or the batch axis (0), or both `axis` and `axes`
 *   (e.g. `Reduce: mode must be one of 'sum', 'mean', 'max', 'min'. Received: mode="prod".`).
 * @throws InputShapeError if the axis is outside `x`, or `seqLens` is not int32 `[batch]`.
 */
export class Reduce extends Layer {
  static override readonly className: string = 'Reduce';
  readonly mode: ReduceMode;
  readonly axis: SeqAxis;
  readonly keepDims: boolean;

  constructor(args: ReduceArgs) {
    super(args);
    const a = resolveArgs('Reduce', REDUCE_OPTIONS, args, REDUCE_CHECKS) as Omit<ReduceArgs, 'axis'> & { axis?: SeqAxis; keepDims: boolean };
    this.mode = a.mode;
    // The checks let exactly one of them through.
    this.axis = a.axis ?? a.axes!;
    this.keepDims = a.keepDims;
  }

  /** The reduced axis as an index into `x`'s axes. */
  axisIndex(rank: number): number {
    return seqAxisIndex(this.axis, rank, this.name);
  }

  override call(inputs: Tensor | Tensor[], _ctx: CallContext): Tensor {
    const { x, seqLens } = seqInput(inputs, this.name);
    const axis = this.axisIndex(x.shape.length);
    if (this.mode === 'argmax' || this.mode === 'argmin') return argReduce(x, axis, this.mode, seqLens, this.keepDims);
    if (axis !== 1 || !seqLens) {
      const y = this.reduce(x, axis);
      // The time axis is kept: padded frames output zeros, as every per-frame output.
      return seqLens ? maskFrames(y, seqLens) : y;
    }
    const time = x.shape[1]!;
    const ones = (n: number): number[] => new Array<number>(n).fill(1);
    const mask = ops.reshape(sequenceMask(seqLens, time), [-1, time, ...ones(x.shape.length - 2)]);
    if (this.mode === 'sum' || this.mode === 'mean') {
      const y = ops.sum(ops.mul(x, mask), [1], this.keepDims);
      if (this.mode === 'sum') return y;
      const lens = ops.maximum(ops.cast(seqLens, 'float32'), 1);
      return ops.div(y, ops.reshape(lens, [-1, ...ones(y.shape.length - 1)]));
    }
    const valid = ops.greater(mask, 0);
    const signed = this.mode === 'max' ? x : ops.neg(x);
    const best = ops.max(ops.where(valid, signed, LOWEST), [1], this.keepDims);
    const y = this.mode === 'max' ? best : ops.neg(best);
    const nonEmpty = ops.reshape(ops.greater(seqLens, int(0)), [-1, ...ones(y.shape.length - 1)]);
    return ops.where(nonEmpty, y, 0);
  }

  private reduce(x: Tensor, axis: number): Tensor {
    if (this.mode === 'argmax' || this.mode === 'argmin') return argReduce(x, axis, this.mode, undefined, this.keepDims);
    if (this.mode === 'sum') return ops.sum(x, [axis], this.keepDims);
    if (this.mode === 'mean') return ops.mean(x, [axis], this.keepDims);
    if (this.mode === 'max') return ops.max(x, [axis], this.keepDims);
    return ops.neg(ops.max(ops.neg(x), [axis], this.keepDims));
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const shape = xShapeOf(inputShape);
    const axis = this.axisIndex(shape.length);
    return this.keepDims ? shape.map((s, i) => (i === axis ? 1 : s)) : shape.filter((_, i) => i !== axis);
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), mode: this.mode, axis: this.axis, keepDims: this.keepDims };
  }
}

/**
 * The index of the largest (`argmax`) or smallest (`argmin`) entry along
 * `axis`, int32; over time with `seqLens`, among valid frames only (an empty
 * sequence gives 0); with `seqLens` and the time axis kept, padded frames give 0.
 */
function argReduce(x: Tensor, axis: number, mode: 'argmax' | 'argmin', seqLens: Tensor | undefined, keepDims: boolean): Tensor {
  const signed = mode === 'argmax' ? x : ops.neg(x);
  const ones = (n: number): number[] => new Array<number>(n).fill(1);
  const time = x.shape[1]!;
  const mask = seqLens ? ops.reshape(ops.greater(sequenceMask(seqLens, time), 0), [-1, time, ...ones(x.shape.length - 2)]) : undefined;
  let y = ops.argMax(axis === 1 && mask ? ops.where(mask, signed, LOWEST) : signed, axis);
  if (axis !== 1 && seqLens) y = ops.where(ops.reshape(ops.greater(sequenceMask(seqLens, time), 0), [-1, time, ...ones(y.shape.length - 2)]), y, int(0));
  return keepDims ? ops.reshape(y, x.shape.map((s, i) => (i === axis ? 1 : s))) : y;
}

/**
 * RETURNN's `reduce` (`ReduceLayer` over one axis): `mode` (`sum`, `mean` or
 * `avg`, `max`, `min`, in any letter case), `axis` or `axes` (one axis:
 * `"T"`, `"F"`, `"time"`, `"feature"`, a description such as `"dim:6"`, or an index; `"T"` when neither is
 * given, where RETURNN requires one), `keep_dims`. The input's lengths mask
 * padded frames.
 */
export const reduceLayer: LayerSpec = {
  cls: Reduce,
  options: REDUCE_OPTIONS,
  checks: REDUCE_CHECKS,
  netDict: {
    names: ['reduce'],
    // Over the batch axis: reduceBatchLayer (reduce-batch.ts).
    when: (entry) => !reducesBatch(entry),
    sources: 'concat',
    seqLens: true,
    derive: (c, a) => (a.axis === undefined && a.axes === undefined ? { axis: 'T' } : resolveDescribedAxes(c, a)),
    // argmax/argmin: int32 indices, sparse over the reduced axis (RETURNN's output sparse_dim).
    outputData: ({ layer, sources, name }) => {
      const r = layer as Reduce;
      if (r.mode !== 'argmax' && r.mode !== 'argmin') return undefined;
      const src = sources[0]!;
      const a = r.axisIndex(src.dims.length + 1) - 1;
      return src.copy({ name, dtype: 'int32', dims: r.keepDims ? src.dims.map((d, i) => (i === a ? new Dim({ description: `${name}:reduced`, size: 1 }) : d)) : src.dims.filter((_, i) => i !== a), sparseDim: src.dims[a] });
    },
  },
};
