import { ops, type Tensor } from '@strata/backend';
import { frameErrorCount } from './frame-error.js';
import { isSparse, Loss, type LossInput } from './loss.js';
import { denseTarget } from './mse.js';

/**
 * Absolute error summed over all frames and features (RETURNN `l1`, `L1Loss`):
 *
 * `sum_frames sum_f |output[f] - target[f]|`
 *
 * Normalised per frame by the {@link LossHolder}, like {@link MeanSquaredErrorLoss}.
 * The gradient at `output == target` is the backend's `sign(0)` (0 on tfjs).
 *
 * Shape: `output` float32 `[batch, ..., features]`; `target` float32 of the
 * same shape, or int32 `[batch, ...]` (one-hot encoded); returns float32 `[]`.
 */
export class L1Loss extends Loss {
  static override readonly className: string = 'l1';

  computeSum(input: LossInput, target: Tensor): Tensor {
    return ops.sum(ops.abs(ops.sub(input.output, denseTarget(this.name, input.output, target))));
  }

  override computeError(input: LossInput, target: Tensor): Tensor | null {
    return isSparse(target) ? frameErrorCount(input.output, target) : null;
  }
}
