// The input convention of the sequence layers (RETURNN batch-major): `x` or
// `[x, seqLens]`, with x `[batch, time, ...]` and seqLens int32 `[batch]`, and
// the integer arithmetic of lengths (int32 ops only, so it traces to ONNX).
import { ops, type Tensor } from '@strata/backend';
import { z } from 'zod';
import { InputShapeError } from '../../errors.js';
import type { SymbolicShape } from '../../layer.js';
import { type LayerOption, option } from '../../layer-spec.js';

/** A sequence input split into its tensor and its optional lengths. */
export interface SeqInput {
  /** `[batch, time, ...]`. */
  x: Tensor;
  /** int32 `[batch]`, or undefined: every frame is valid. */
  seqLens: Tensor | undefined;
}

/**
 * Splits `x` or `[x, seqLens]` (one extra input after `x` at most).
 * @throws InputShapeError if `x` has rank < `minRank`, `seqLens` is missing while `requireLens`,
 *   or `seqLens` is not int32 `[batch]`.
 */
export function seqInput(inputs: Tensor | Tensor[], layer: string, options: { minRank?: number; requireLens?: boolean } = {}): SeqInput {
  const list = Array.isArray(inputs) ? inputs : [inputs];
  const [x, seqLens] = list;
  const minRank = options.minRank ?? 2;
  if (!x || x.shape.length < minRank) {
    throw new InputShapeError({ layer, expected: `expected x of rank >= ${minRank} [batch, time, ...]`, received: x?.shape ?? [] });
  }
  if (list.length > 2) {
    throw new InputShapeError({ layer, expected: `expected the inputs x or [x, seqLens], got ${list.length} tensors; x is`, received: x.shape });
  }
  if (!seqLens && options.requireLens) {
    throw new InputShapeError({ layer, expected: 'expected the inputs [x, seqLens] (seqLens: int32 [batch] sequence lengths), got only x of shape', received: x.shape });
  }
  if (seqLens) checkSeqLens(seqLens, x.shape[0]!, layer);
  return { x, seqLens };
}

/** @throws InputShapeError unless `seqLens` is int32 `[batch]`. */
export function checkSeqLens(seqLens: Tensor, batch: number, layer: string): void {
  if (seqLens.shape.length !== 1 || seqLens.shape[0] !== batch || seqLens.dtype !== 'int32') {
    throw new InputShapeError({ layer, expected: `expected seqLens int32 [${batch}] (one length per sequence), got ${seqLens.dtype}`, received: seqLens.shape });
  }
}

/** An axis of a sequence layer: `'T'` (time, axis 1), `'F'` (feature, the last axis) or a non-batch axis index (negative from the end). */
export type SeqAxis = 'T' | 'F' | number;

const AXIS_ERROR = "must be 'T' (time), 'F' (feature) or a non-batch axis index (not 0)";
/** RETURNN's axis names the sequence layers understand (lower-cased; RETURNN's `get_axes_from_description`), as a {@link SeqAxis}. */
const RETURNN_AXES: Readonly<Record<string, SeqAxis>> = { t: 'T', time: 'T', f: 'F', feature: 'F' };
const isAxisIndex = (v: unknown): boolean => typeof v === 'number' && Number.isInteger(v) && v !== 0;

/**
 * The axis option of Reduce, Slice and Gather, in both vocabularies: a
 * {@link SeqAxis} (`'T'`, `'F'` or a non-zero index), under RETURNN key
 * `returnn`; a net dict may also write RETURNN's names `"t"`, `"time"`, `"f"`,
 * `"feature"` in any letter case. Required unless `optional`.
 */
export function seqAxisOption(returnn: string, { optional = false } = {}): LayerOption {
  const schema = z.custom<SeqAxis>((v) => v === 'T' || v === 'F' || isAxisIndex(v), { error: AXIS_ERROR });
  const returnnSchema = z.custom((v) => (typeof v === 'string' ? v.toLowerCase() in RETURNN_AXES : isAxisIndex(v)), {
    error: "must be 'T' or 'time', 'F' or 'feature' (in any letter case), or a non-batch axis index (not 0)",
  });
  return option(optional ? schema.optional() : schema, {
    returnn,
    returnnSchema,
    fromReturnn: (v) => (typeof v === 'string' ? RETURNN_AXES[v.toLowerCase()] : v),
  });
}

/**
 * `axis` as an index into the axes of an `x` of rank `rank`.
 * @throws InputShapeError if it is not a non-batch axis of `x`.
 */
export function seqAxisIndex(axis: SeqAxis, rank: number, layer: string): number {
  const a = axis === 'T' ? 1 : axis === 'F' ? rank - 1 : axis < 0 ? rank + axis : axis;
  if (a < 1 || a >= rank) {
    throw new InputShapeError({ layer, expected: `axis ${JSON.stringify(axis)} is not a non-batch axis of x (rank ${rank})`, received: new Array<number>(rank).fill(0) });
  }
  return a;
}

/** The shape of `x` from the shape(s) given to `build`/`computeOutputShape`. */
export function xShapeOf(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
  return Array.isArray(inputShape[0]) ? (inputShape as SymbolicShape[])[0]! : (inputShape as SymbolicShape);
}

/** `x` `[batch, time, ...]` padded along time with `before` and `after` frames of `value`. */
export function padTime(x: Tensor, before: number, after: number, value = 0): Tensor {
  return ops.pad(x, x.shape.map((_, i): [number, number] => (i === 1 ? [before, after] : [0, 0])), value);
}

/** An int32 scalar (binary ops on int32 lengths need int32 operands on every backend). */
export const int = (n: number): Tensor => ops.scalar(n, 'int32');

/** `ceil(lens / k)` for int32 lens and a positive integer k (int32 division floors). */
export const ceilDiv = (lens: Tensor, k: number): Tensor => (k === 1 ? lens : ops.div(ops.add(lens, int(k - 1)), int(k)));

/** `max(lens, 0)`, int32. */
export const clampLens = (lens: Tensor): Tensor => ops.maximum(lens, int(0));
