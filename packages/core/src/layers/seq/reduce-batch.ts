import { ops, type Tensor } from '@strata/backend';
import { z } from 'zod';
import { Data } from '../../data.js';
import { InputShapeError, LayerArgumentError } from '../../errors.js';
import { type CallContext, Layer, type LayerArgs, type LayerConfig, type SymbolicShape } from '../../layer.js';
import { type LayerBuildContext, type LayerOptions, type LayerSpec, option, resolveArgs, schemas } from '../../layer-spec.js';
import { sequenceMask } from '../../sequence-mask.js';
import { axesInData } from '../shape/axis-in-data.js';
import { seqInput } from './seq-inputs.js';

/** The modes of {@link ReduceBatch}: RETURNN's reductions with a value (not the arg modes). */
const MODES = ['sum', 'mean', 'max', 'min'] as const;

/** Arguments of {@link ReduceBatch}. */
export interface ReduceBatchArgs extends LayerArgs {
  /** `sum`, `mean`, `max` or `min` (RETURNN `mode`). */
  mode: (typeof MODES)[number];
  /** The reduced axes, counted with the batch axis, which is one of them (axis 0). */
  axes: number[];
  /** Whether axis 1 is a time axis whose padded frames (`t >= seqLens[b]`) are left out. Default false. */
  maskTime?: boolean;
}

const axesSchema = () =>
  z
    .array(schemas.nonNegativeInt(), { error: 'must be a list of axis indices counted with the batch axis, including 0 (the batch axis)' })
    .refine((a) => a.includes(0), { error: 'must include 0 (the batch axis)' });

const REDUCE_BATCH_OPTIONS = {
  mode: option(schemas.oneOf(MODES)),
  axes: option(axesSchema()),
  maskTime: option(schemas.boolean(), { default: false }),
} satisfies LayerOptions;

// Stands in for padded frames in max/min (as Reduce's).
const LOWEST = -3.4e38;

/**
 * A reduction over the batch axis and others at once (RETURNN `ReduceLayer`
 * with `axis` naming `"B"`, e.g. `["B", "T"]`): one value per remaining axis,
 * without a batch axis. Over the time axis with `maskTime`, only valid frames
 * count: `sum` adds them, `mean` divides by their number (RETURNN's masked
 * mean, `numpy.nanmean` of the padded frames as NaN), `max`/`min` ignore
 * padding. No valid frame at all gives 0 (RETURNN: NaN or ∓inf).
 *
 * Inputs: `x` float32 `[batch, ...]`, with `maskTime` `[x, seqLens]` (`x` `[batch, time, ...]`, `seqLens` int32 `[batch]`).
 * Shape: `x`'s axes without the reduced ones (none of them the batch axis), float32.
 * @throws InputShapeError if an axis is outside `x`, or `maskTime` lacks `seqLens`.
 */
export class ReduceBatch extends Layer {
  static override readonly className: string = 'ReduceBatch';
  readonly mode: (typeof MODES)[number];
  readonly axes: number[];
  readonly maskTime: boolean;

  constructor(args: ReduceBatchArgs) {
    super(args);
    const a = resolveArgs('ReduceBatch', REDUCE_BATCH_OPTIONS, args) as Required<ReduceBatchArgs>;
    this.mode = a.mode;
    this.axes = [...new Set(a.axes)].sort((x, y) => x - y);
    this.maskTime = a.maskTime;
  }

  override call(inputs: Tensor | Tensor[], _ctx: CallContext): Tensor {
    const { x, seqLens } = seqInput(inputs, this.name, { minRank: 1, requireLens: this.maskTime });
    this.computeOutputShape(x.shape);
    if (!this.maskTime) {
      if (this.mode === 'sum') return ops.sum(x, this.axes);
      if (this.mode === 'mean') return ops.mean(x, this.axes);
      if (this.mode === 'max') return ops.max(x, this.axes);
      return ops.neg(ops.max(ops.neg(x), this.axes));
    }
    const time = x.shape[1]!;
    const mask = ops.reshape(sequenceMask(seqLens!, time), [-1, time, ...x.shape.slice(2).map(() => 1)]);
    const full = ops.add(mask, ops.zeros(x.shape));
    const count = ops.sum(full, this.axes);
    if (this.mode === 'sum' || this.mode === 'mean') {
      const s = ops.sum(ops.mul(x, mask), this.axes);
      return this.mode === 'sum' ? s : ops.div(s, ops.maximum(count, 1));
    }
    const signed = this.mode === 'max' ? x : ops.neg(x);
    const best = ops.max(ops.where(ops.greater(full, 0), signed, LOWEST), this.axes);
    return ops.where(ops.greater(count, 0), this.mode === 'max' ? best : ops.neg(best), 0);
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as SymbolicShape;
    if (this.axes.some((a) => a >= shape.length) || (this.maskTime && (shape.length < 2 || !this.axes.includes(1)))) {
      throw new InputShapeError({ layer: this.name, expected: `axes [${this.axes.join(', ')}] (with the batch axis${this.maskTime ? ' and the time axis 1' : ''}) inside x`, received: shape });
    }
    return shape.filter((_, i) => !this.axes.includes(i));
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), mode: this.mode, axes: [...this.axes], maskTime: this.maskTime };
  }
}

const namesBatch = (v: unknown): boolean => (Array.isArray(v) ? v.some(namesBatch) : typeof v === 'string' && ['b', 'batch'].includes(v.toLowerCase()));
/** Whether a `reduce` entry reduces the batch axis (`axis`/`axes` naming `"B"`): this spec takes it. */
export const reducesBatch = (entry: Readonly<Record<string, unknown>>): boolean => namesBatch(entry.axis) || namesBatch(entry.axes);

/**
 * Net dicts: `axis`/`axes` resolved on the input; a time axis of the input
 * must be reduced too (its lengths are per batch entry).
 * @throws LayerArgumentError for both keys, `keep_dims`, an arg mode, or a time axis that is kept.
 */
function deriveReduceBatch(c: LayerBuildContext, a: Readonly<Record<string, unknown>>): Record<string, unknown> {
  if (a.axis !== undefined && a.axes !== undefined) throw new LayerArgumentError(`give axis or axes, not both. Received: axis=${JSON.stringify(a.axis)}, axes=${JSON.stringify(a.axes)}.`);
  if (a.keepDims === true) throw new LayerArgumentError('keep_dims with the batch axis reduced is not supported: the output has no batch axis. Received: keep_dims=true.');
  const d = c.sources[0];
  if (!d) return {};
  const axes = axesInData(d, a.axis ?? a.axes);
  const time = d.timeDim ? d.dims.indexOf(d.timeDim) + 1 : undefined;
  if (time !== undefined && !axes.includes(time)) {
    throw new LayerArgumentError(`reducing the batch axis of ${d} keeps its time axis, whose lengths differ per batch entry; reduce "T" too. Received: axis=${JSON.stringify(a.axis ?? a.axes)}.`);
  }
  if (d.dims.some((dim, i) => dim.isDynamic && !axes.includes(i + 1) && i + 1 !== time)) {
    throw new LayerArgumentError(`reducing the batch axis of ${d} keeps a dynamic axis; reduce it too. Received: axis=${JSON.stringify(a.axis ?? a.axes)}.`);
  }
  return { axes, maskTime: time !== undefined, axis: undefined, keepDims: undefined };
}

/**
 * RETURNN's `reduce` over the batch axis (`axis` such as `"B"` or `["B",
 * "T"]`): {@link ReduceBatch}; `mode` sum/mean/max/min (any letter case,
 * `avg`), `keep_dims` only false. The output has no batch axis.
 */
export const reduceBatchLayer: LayerSpec = {
  cls: ReduceBatch,
  options: {
    ...REDUCE_BATCH_OPTIONS,
    mode: option(schemas.oneOf(MODES), {
      returnn: 'mode',
      returnnSchema: schemas.oneOfAnyCase([...MODES, 'avg']),
      fromReturnn: (m) => ((m as string).toLowerCase() === 'avg' ? 'mean' : (m as string).toLowerCase()),
    }),
    axis: option(z.unknown(), { returnn: 'axis' }),
    axisList: option(z.unknown(), { returnn: 'axes' }),
    keepDims: option(schemas.boolean().optional(), { returnn: 'keep_dims' }),
  },
  netDict: {
    names: ['reduce'],
    when: reducesBatch,
    sources: 'concat',
    seqLens: true,
    acceptsSparse: true,
    derive: (c, a) => ({ ...deriveReduceBatch(c, { ...a, axes: a.axisList }), axisList: undefined }),
    outputData: (c) => {
      const d = c.sources[0]!;
      const l = c.layer as ReduceBatch;
      return new Data({ name: c.name, dims: d.dims.filter((_, i) => !l.axes.includes(i + 1)), dtype: d.sparse || d.dtype !== 'float32' ? d.dtype : 'float32', hasBatch: false });
    },
  },
};
