import { ops, shapesEqual, type Tensor } from '@strata/backend';
import { LossShapeError } from './errors.js';
import { frameErrors } from './frame-error.js';
import { isSparse, Loss, type LossInput } from './loss.js';

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
 * Squared error summed over all frames and features (RETURNN `mse`,
 * `MeanSquaredErrorLoss`):
 *
 * `sum_frames sum_f (output[f] - target[f])^2`
 *
 * Normalisation as in RETURNN: the {@link LossHolder} divides by the number of
 * frames only, so the reported value is the squared error **per frame, summed
 * over the feature axis** (Keras' `mse` instead averages over features too).
 *
 * Shape: `output` float32 `[batch, ..., features]`; `target` float32 of the
 * same shape, or int32 `[batch, ...]` (one-hot encoded); returns float32 `[]`.
 * Uses `output`, never logits. Error: the frame error for sparse targets,
 * otherwise none.
 */
export class MeanSquaredErrorLoss extends Loss {
  static override readonly className: string = 'mse';

  computeSum(input: LossInput, target: Tensor): Tensor {
    const diff = ops.sub(input.output, denseTarget(this.name, input.output, target));
    return ops.sum(ops.square(diff));
  }

  /** `sum_f (output[f] - target[f])^2` per frame, float32 `[batch, ...]`. */
  override computeFrameValues(input: LossInput, target: Tensor): Tensor {
    const diff = ops.sub(input.output, denseTarget(this.name, input.output, target));
    return ops.sum(ops.square(diff), [diff.shape.length - 1]);
  }

  /** 1 per wrong frame for a sparse target, else `null`. */
  override computeFrameErrors(input: LossInput, target: Tensor): Tensor | null {
    return isSparse(target) ? frameErrors(input.output, target) : null;
  }
}
