import { ops, type Tensor } from '@strata/backend';

/**
 * The mask of valid frames (TF's `sequence_mask`, RETURNN's
 * `Data.get_sequence_mask`): `mask[b, t] = 1` for `t < seqLens[b]`, else 0.
 *
 * Built from ops (a host range compared with the lengths), so graph backends
 * trace it; the range is a constant of `maxLen` entries, so `maxLen` is static.
 *
 * Shape: `seqLens` int32 `[batch]` → float32 `[batch, maxLen]`.
 */
export function sequenceMask(seqLens: Tensor, maxLen: number): Tensor {
  // Lengths and frame indices are small integers: exact in float32 (up to 2^24).
  const frames = ops.tensor(Float32Array.from({ length: maxLen }, (_, t) => t), [1, maxLen]);
  return ops.cast(ops.less(frames, ops.reshape(ops.cast(seqLens, 'float32'), [-1, 1])), 'float32');
}

/**
 * Zeroes the padded frames of a batch-major sequence tensor: `x * mask`,
 * with the mask of {@link sequenceMask} broadcast over the feature axes.
 * Padded frames become exactly 0 (for finite `x`) and get exactly zero gradient.
 *
 * Shape: `x` float32 `[batch, time, ...]`, `seqLens` int32 `[batch]` →
 * float32 `[batch, time, ...]`.
 */
export function maskFrames(x: Tensor, seqLens: Tensor): Tensor {
  const time = x.shape[1]!;
  const mask = sequenceMask(seqLens, time);
  const rank = x.shape.length;
  return ops.mul(x, rank === 2 ? mask : ops.reshape(mask, [seqLens.shape[0]!, time, ...new Array<number>(rank - 2).fill(1)]));
}

/**
 * Softmax over axis 1 (time) where padded frames (`t >= seqLens[b]`) get
 * probability exactly 0 (RETURNN's masked softmax of attention energies):
 * padded energies are replaced by -1e30 before the softmax, and the result is
 * multiplied by the mask, so padded frames get zero gradient and an empty
 * sequence gives zeros. Without `seqLens`, a plain softmax over axis 1.
 * With `logSpace`, log-probabilities (`log_softmax`), padded frames -Infinity
 * (RETURNN's `log_space`).
 *
 * Shape: `x` float32 `[batch, time, ...]`, `seqLens` int32 `[batch]` → float32 `[batch, time, ...]`.
 */
export function maskedSoftmaxOverTime(x: Tensor, seqLens: Tensor | undefined, logSpace = false): Tensor {
  if (!seqLens) return logSpace ? ops.logSoftmax(x, 1) : ops.softmax(x, 1);
  const mask = ops.reshape(sequenceMask(seqLens, x.shape[1]!), [x.shape[0]!, x.shape[1]!, ...x.shape.slice(2).map(() => 1)]);
  const valid = ops.greater(mask, 0);
  const masked = ops.where(valid, x, ops.fill(x.shape, -1e30));
  if (logSpace) return ops.where(valid, ops.logSoftmax(masked, 1), ops.fill(x.shape, -Infinity));
  return ops.mul(ops.softmax(masked, 1), mask);
}
