import { ops, type Tensor } from '@strata/backend';
import { frameCountOf, isSparse } from './loss.js';

/**
 * `mask` `[batch, time]` reshaped to `[batch, time, 1, ..., 1]` of the given
 * rank, so it broadcasts against a `[batch, time, ...]` tensor.
 */
export function maskForRank(mask: Tensor, rank: number): Tensor {
  return rank === 2 ? mask : ops.reshape(mask, [...mask.shape, ...new Array<number>(rank - 2).fill(1)]);
}

/**
 * `seqLens` when given, else the lengths of unpadded sequences: int32
 * `[batch]` filled with `time`, for `x` `[batch, time, ...]`.
 */
export function seqLensOrFull(seqLens: Tensor | undefined, x: Tensor): Tensor {
  return seqLens ?? ops.fill([x.shape[0]!], x.shape[1]!, 'int32');
}

/**
 * The frames a sequence target holds, float32 scalar `[]`: `sum(targetSeqLens)`
 * times the size of the target's axes after time (class axis excluded for a
 * dense target), RETURNN's per-frame (or per-label) normalisation. Without
 * lengths, every element (sparse) or vector (dense) is a frame, as
 * {@link frameCountOf}.
 *
 * Shape: `target` `[batch, time, ...]`; `targetSeqLens` int32 `[batch]`.
 */
export function targetFrameCount(target: Tensor, targetSeqLens?: Tensor): Tensor {
  if (!targetSeqLens) return ops.scalar(frameCountOf(target));
  const inner = (isSparse(target) ? target.shape.slice(2) : target.shape.slice(2, -1)).reduce((a, d) => a * d, 1);
  const frames = ops.sum(ops.cast(targetSeqLens, 'float32'));
  return inner === 1 ? frames : ops.mul(frames, inner);
}
