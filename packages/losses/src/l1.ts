import { ops, type Tensor } from '@strata/backend';
import { LossShapeError } from './errors.js';
import { isSparse, Loss, type LossInput } from './loss.js';
import { denseFrameErrors, maskedRegression } from './mse.js';
import { targetFrameCount } from './sequence-mask.js';

/** RETURNN's `assert not self.target.sparse` of `l1` and `mean_l1`, as a typed error. */
function checkDense(lossName: string, output: Tensor, target: Tensor): void {
  if (isSparse(target)) {
    throw new LossShapeError({
      lossName,
      outputShape: output.shape,
      targetShape: target.shape,
      expected: 'RETURNN\'s l1 losses take a dense float32 target of the output shape ("sparse target values are not yet supported"); use mse or ce for class indices',
    });
  }
}

/**
 * Absolute error summed over all frames and features (RETURNN `l1`, `L1Loss`):
 *
 * `sum_frames sum_f |output[f] - target[f]|`
 *
 * The {@link LossHolder} divides reports by the number of frames. The
 * gradient at `output == target` is the backend's `sign(0)` (0 on tfjs).
 *
 * Shape: `output` float32 `[batch, ..., features]`; `target` float32 of the
 * same shape; returns float32 `[]`. Error: the frame error with the target's
 * argmax (RETURNN's `Loss.get_error`).
 *
 * @throws LossShapeError for a sparse (int32) target (RETURNN asserts a dense one) or other shapes.
 */
export class L1Loss extends Loss {
  static override readonly className: string = 'l1';

  protected override defaultCheckOutputBeforeSoftmax(): boolean {
    return false;
  }

  computeSum(input: LossInput, target: Tensor, targetSeqLens?: Tensor): Tensor {
    return ops.sum(this.computeFrameValues(input, target, targetSeqLens));
  }

  /** `sum_f |output[f] - target[f]|` per frame, float32 `[batch, ...]`, 0 at padding. */
  override computeFrameValues(input: LossInput, target: Tensor, targetSeqLens?: Tensor): Tensor {
    return this.reduceFeatures(input, target, targetSeqLens, (x, axis) => ops.sum(x, [axis]));
  }

  /** The frame error with the target's argmax, float32 `[batch, ...]`, 0 at padding. */
  override computeFrameErrors(input: LossInput, target: Tensor, targetSeqLens?: Tensor): Tensor {
    checkDense(this.name, input.output, target);
    return denseFrameErrors(this.name, input.output, target, targetSeqLens);
  }

  /** `sum(targetSeqLens)` for sequences, else every frame; float32 `[]`. */
  override numFrames(target: Tensor, targetSeqLens?: Tensor): Tensor {
    return targetFrameCount(target, targetSeqLens);
  }

  /** `|output - target|` reduced over the feature axis by `reduce`, masked at padding. */
  protected reduceFeatures(input: LossInput, target: Tensor, targetSeqLens: Tensor | undefined, reduce: (x: Tensor, axis: number) => Tensor): Tensor {
    checkDense(this.name, input.output, target);
    const m = maskedRegression(this.name, input.output, target, targetSeqLens);
    const v = reduce(ops.abs(ops.sub(m.output, m.target)), m.output.shape.length - 1);
    return m.frameMask ? ops.mul(v, m.frameMask) : v;
  }
}

/**
 * Mean absolute error per frame (RETURNN `mean_l1`, `MeanL1Loss`):
 * `sum_frames mean_f |output[f] - target[f]|`. Shapes, error and throws as {@link L1Loss}.
 */
export class MeanL1Loss extends L1Loss {
  static override readonly className: string = 'mean_l1';

  /** `mean_f |output[f] - target[f]|` per frame, float32 `[batch, ...]`, 0 at padding. */
  override computeFrameValues(input: LossInput, target: Tensor, targetSeqLens?: Tensor): Tensor {
    return this.reduceFeatures(input, target, targetSeqLens, (x, axis) => ops.mean(x, [axis]));
  }
}
