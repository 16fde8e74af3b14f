import { ops, type Tensor } from '@strata/backend';
import { z } from 'zod';
import { InputShapeError } from '../../errors.js';
import { type CallContext, Layer, type LayerArgs, type LayerConfig, type SymbolicShape } from '../../layer.js';
import { type LayerOptions, type LayerSpec, option, resolveArgs, schemas } from '../../layer-spec.js';
import { maskFrames } from '../../sequence-mask.js';
import { sliceSparseData } from './slice-sparse.js';
import { ceilDiv, clampLens, int, type SeqAxis, seqAxisIndex, seqAxisOption, seqInput, xShapeOf } from './seq-inputs.js';

/** Arguments of {@link Slice}. */
export interface SliceArgs extends LayerArgs {
  /** `'T'` (axis 1, with per-sequence lengths), `'F'` (the last axis) or an axis index >= 1 (negative from the end) (RETURNN `axis`). */
  axis: SeqAxis;
  /** First index kept (RETURNN `slice_start`). Non-negative integer. Default 0. */
  start?: number;
  /** End, exclusive (RETURNN `slice_end`); negative counts from each sequence's end; null: to the end. Default null. */
  end?: number | null;
  /** Keep every `step`-th entry (RETURNN `slice_step`). Positive integer. Default 1. */
  step?: number;
}

const END = 'must be an integer or null';

/** Slice's arguments in both vocabularies; RETURNN's `None` (null) for `slice_start` and `slice_step` means 0 and 1. */
const SLICE_OPTIONS = {
  axis: seqAxisOption('axis'),
  start: option(schemas.nonNegativeInt(), { default: 0, returnn: 'slice_start', returnnSchema: schemas.nonNegativeInt().nullable(), fromReturnn: (v) => v ?? 0 }),
  end: option(z.number({ error: END }).int({ error: END }).nullable(), { default: null, returnn: 'slice_end' }),
  step: option(schemas.positiveInt(), { default: 1, returnn: 'slice_step', returnnSchema: schemas.positiveInt().nullable(), fromReturnn: (v) => v ?? 1 }),
} satisfies LayerOptions;

/**
 * `x[start:end:step]` along one axis (RETURNN `SliceLayer`).
 *
 * Over time (`axis: 'T'` or 1), the slice applies to each sequence on its
 * own, as in RETURNN: sequence `b` keeps frames `start, start + step, ...`
 * before `E_b`, where `E_b` is `len_b` (end null), `min(len_b, end)`
 * (end >= 0) or `len_b + end` (end < 0). So
 * {@link Slice.outputSeqLens} is `ceil(max(0, E_b - start) / step)`, and
 * output frames past it are zero. The tensor's time axis is sliced the same
 * way with `len = time`.
 *
 * Over another axis (`'F'`: the last), Python's slice rule with the axis size.
 *
 * Inputs: `x` float32 `[batch, time, ...]`, or `[x, seqLens]` with `seqLens` int32 `[batch]`.
 * Shape: `x` with the axis of size `ceil(max(0, E - start) / step)`, float32.
 * @throws LayerArgumentError for an `axis` that is not `'T'`, `'F'` or a non-batch integer,
 *   a negative or non-integer `start` (as RETURNN), a non-integer `end`, or a non-positive `step`
 *   (`Slice: step must be a positive integer. Received: step=0.`).
 * @throws InputShapeError if the axis is outside `x`, the slice is empty, or `seqLens` is not int32 `[batch]`.
 */
export class Slice extends Layer {
  static override readonly className: string = 'Slice';
  readonly axis: SeqAxis;
  readonly start: number;
  readonly end: number | null;
  readonly step: number;

  constructor(args: SliceArgs) {
    super(args);
    const a = resolveArgs('Slice', SLICE_OPTIONS, args) as Required<SliceArgs>;
    this.axis = a.axis;
    this.start = a.start;
    this.end = a.end;
    this.step = a.step;
  }

  /** The sliced axis as an index into `x`'s axes. */
  axisIndex(rank: number): number {
    return seqAxisIndex(this.axis, rank, this.name);
  }

  /** Entries kept of an axis of `size` before striding: `max(0, E - start)`. */
  private span(size: number): number {
    const end = this.end === null ? size : this.end < 0 ? size + this.end : Math.min(size, this.end);
    return Math.max(0, end - this.start);
  }

  override call(inputs: Tensor | Tensor[], _ctx: CallContext): Tensor {
    const { x, seqLens } = seqInput(inputs, this.name);
    const a = this.axisIndex(x.shape.length);
    const out = this.computeOutputShape(x.shape)[a]!;
    const span = this.span(x.shape[a]!);
    const at = (v: number, other: number): number[] => x.shape.map((_, i) => (i === a ? v : other));
    let y = ops.slice(x, at(this.start, 0), at(span, -1));
    if (this.step > 1) {
      // Pad to out * step entries, split the axis into [out, step] and keep entry 0 of each step.
      const padded = ops.pad(y, x.shape.map((_, i): [number, number] => (i === a ? [0, out * this.step - span] : [0, 0])));
      const shape = [...x.shape.slice(0, a), out, this.step, ...x.shape.slice(a + 1)];
      const first = ops.slice(ops.reshape(padded, shape), shape.map(() => 0), shape.map((_, i) => (i === a + 1 ? 1 : -1)));
      y = ops.reshape(first, [...x.shape.slice(0, a), out, ...x.shape.slice(a + 1)]);
    }
    if (!seqLens) return y;
    const lens = a === 1 ? this.slicedLens(seqLens) : seqLens;
    // Class indices (sparse data) are masked in float32 and cast back (exact for indices below 2^24).
    return y.dtype === 'int32' ? ops.cast(maskFrames(ops.cast(y, 'float32'), lens), 'int32') : maskFrames(y, lens);
  }

  /**
   * With `axis: 'T'` or 1: `ceil(max(0, E - start) / step)` per sequence (see
   * the class); other axes leave the lengths unchanged. int32 `[batch]`.
   * (A negative axis that names the time axis is resolved only in `call`.)
   */
  override outputSeqLens(seqLens: Tensor): Tensor {
    return this.axis === 'T' || this.axis === 1 ? this.slicedLens(seqLens) : seqLens;
  }

  private slicedLens(seqLens: Tensor): Tensor {
    const end = this.end === null ? seqLens : this.end < 0 ? ops.add(seqLens, int(this.end)) : ops.minimum(seqLens, int(this.end));
    return ceilDiv(clampLens(ops.sub(end, int(this.start))), this.step);
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const shape = xShapeOf(inputShape);
    const a = this.axisIndex(shape.length);
    const size = shape[a];
    if (size === null || size === undefined) return shape.map((s, i) => (i === a ? null : s));
    const out = Math.ceil(this.span(size) / this.step);
    if (out === 0) {
      throw new InputShapeError({ layer: this.name, expected: `the slice [${this.start}:${this.end ?? ''}:${this.step}] of axis ${a} is empty`, received: shape });
    }
    return shape.map((s, i) => (i === a ? out : s));
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), axis: this.axis, start: this.start, end: this.end, step: this.step };
  }
}

/**
 * RETURNN's `slice` (`SliceLayer` on one axis): `axis` (`"T"`, `"F"`,
 * `"time"`, `"feature"` or an index), `slice_start` (>= 0, as RETURNN
 * asserts), `slice_end`, `slice_step` (> 0 here). Over time, each sequence is
 * sliced on its own with the input's lengths.
 */
export const sliceLayer: LayerSpec = {
  cls: Slice,
  options: SLICE_OPTIONS,
  netDict: { names: ['slice'], sources: 'concat', seqLens: true, acceptsSparse: true, outputData: sliceSparseData },
};
