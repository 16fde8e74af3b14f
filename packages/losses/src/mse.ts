import { ops, shapesEqual, type Tensor } from '@strata/backend';
import { sequenceMask } from '@strata/core';
import { LossShapeError } from './errors.js';
import { frameErrors } from './frame-error.js';
import { isSparse, Loss, type LossInput } from './loss.js';
import { maskForRank, targetFrameCount } from './sequence-mask.js';

/**
 * Output and dense target with padded frames (`t >= targetSeqLens[b]` of
 * `[batch, time, ..., features]`) replaced by 0, and the float32 frame mask
 * `[batch, time, ...]`; unchanged without lengths. RETURNN flattens the valid
 * frames only (`flatten_with_seq_len_mask`), so padding adds nothing and gets no gradient.
 */
export function maskedRegression(lossName: string, output: Tensor, target: Tensor, targetSeqLens?: Tensor): { output: Tensor; target: Tensor; frameMask?: Tensor } {
  const dense = denseTarget(lossName, output, target);
  if (!targetSeqLens || output.shape.length < 3) return { output, target: dense };
  const valid = ops.greater(sequenceMask(targetSeqLens, output.shape[1]!), 0);
  const v = maskForRank(valid, output.shape.length);
  return { output: ops.where(v, output, 0), target: ops.where(v, dense, 0), frameMask: ops.cast(maskForRank(valid, output.shape.length - 1), 'float32') };
}

/**
 * The dense target of a regression-style loss: the target itself, or the
 * one-hot encoding of a sparse int32 target (as RETURNN does for `mse`).
 * Throws {@link LossShapeError} if the shapes do not pair up.
 */
export function denseTarget(lossName: string, output: Tensor, target: Tensor): Tensor {
  const s = output.shape;
  const dense = isSparse(target) ? ops.oneHot(target, s[s.length - 1]!) : target;
  const t = dense.shape;
  if (!shapesEqual(t, s)) {
    throw new LossShapeError({
      lossName,
      outputShape: s,
      targetShape: target.shape,
      expected: 'the target must have the output shape [batch, ..., features] (or be int32 class indices [batch, ...])',
    });
  }
  return dense;
}

/**
 * Squared error (RETURNN `mse`, `MeanSquaredError`): per frame the **mean**
 * over the feature axis of `(output - target)^2` (`tf.reduce_mean(..., axis=1)`
 * on the flattened frames), summed over frames:
 *
 * `sum_frames mean_f (output[f] - target[f])^2`
 *
 * The {@link LossHolder} divides reports by the number of frames. Uses
 * `output`, never logits (RETURNN's `_check_output_before_softmax = False`).
 *
 * Shape: `output` float32 `[batch, ..., features]`; `target` float32 of the
 * same shape, or int32 `[batch, ...]` (one-hot encoded, as RETURNN does);
 * returns float32 `[]`. Error: the frame error (RETURNN's `Loss.get_error`):
 * `argmax(output) != target`, for a dense target its argmax.
 */
export class MeanSquaredErrorLoss extends Loss {
  static override readonly className: string = 'mse';

  protected override defaultCheckOutputBeforeSoftmax(): boolean {
    return false;
  }

  computeSum(input: LossInput, target: Tensor, targetSeqLens?: Tensor): Tensor {
    return ops.sum(this.computeFrameValues(input, target, targetSeqLens));
  }

  /** `mean_f (output[f] - target[f])^2` per frame, float32 `[batch, ...]`, 0 at padding. */
  override computeFrameValues(input: LossInput, target: Tensor, targetSeqLens?: Tensor): Tensor {
    const m = maskedRegression(this.name, input.output, target, targetSeqLens);
    const v = ops.mean(ops.square(ops.sub(m.output, m.target)), [m.output.shape.length - 1]);
    return m.frameMask ? ops.mul(v, m.frameMask) : v;
  }

  /** 1 per frame whose argmax is not the target class (dense target: its argmax), float32 `[batch, ...]`, 0 at padding. */
  override computeFrameErrors(input: LossInput, target: Tensor, targetSeqLens?: Tensor): Tensor {
    return denseFrameErrors(this.name, input.output, target, targetSeqLens);
  }

  /** `sum(targetSeqLens)` for sequences, else every frame; float32 `[]`. */
  override numFrames(target: Tensor, targetSeqLens?: Tensor): Tensor {
    return targetFrameCount(target, targetSeqLens);
  }
}

/** RETURNN's `Loss.get_error` frame errors for an output and a sparse or dense target, float32 `[batch, ...]`, 0 at padding. */
export function denseFrameErrors(lossName: string, output: Tensor, target: Tensor, targetSeqLens?: Tensor): Tensor {
  const m = maskedRegression(lossName, output, target, targetSeqLens);
  return frameErrors(m.output, ops.argMax(m.target, -1), m.frameMask);
}
