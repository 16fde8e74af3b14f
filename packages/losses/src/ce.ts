import { ops, shapesEqual, type Tensor } from '@strata/backend';
import { LossArgumentError, LossShapeError } from './errors.js';
import { frameErrorCount } from './frame-error.js';
import { isSparse, Loss, type LossInput, type LossOptions } from './loss.js';

/** Options of {@link CrossEntropyLoss}. */
export interface CrossEntropyLossOptions extends LossOptions {
  /**
   * Label smoothing `ε` in `[0, 1)`: the target distribution becomes
   * `(1 - ε) · q + ε / classes` (the Keras form). Default 0.
   */
  labelSmoothing?: number;
}

/**
 * Clipping bound for probabilities when no logits are given (Keras'
 * `backend.epsilon()`): `p` is clipped to `[1e-7, 1 - 1e-7]` before the log,
 * so a zero probability costs `-log(1e-7) ≈ 16.1` instead of `Infinity`.
 */
export const PROBABILITY_EPSILON = 1e-7;

/**
 * Cross entropy summed over frames (RETURNN `ce`, `CrossEntropyLoss`):
 *
 * `sum_frames  -sum_c q[c] · log p[c]`
 *
 * where `q` is the target distribution (one-hot of the target index, or the
 * given dense distribution, optionally smoothed) and `p` the output
 * distribution.
 *
 * - With logits (`input.logits`), `log p = logSoftmax(logits)`: numerically
 *   stable for any logit magnitude (finite at ±1000), and the gradient with
 *   respect to the logits is `p - q` per frame.
 * - Without logits, `output` must be probabilities; they are clipped to
 *   `[1e-7, 1 - 1e-7]` ({@link PROBABILITY_EPSILON}) and not renormalised.
 *
 * Shape:
 * - `output` / `logits`: float32 `[batch, ..., classes]`
 * - `target`: int32 `[batch, ...]` class indices (sparse), or float32
 *   `[batch, ..., classes]` one-hot vectors or probabilities (dense)
 * - returns: float32 scalar `[]`
 *
 * {@link CrossEntropyLoss.computeError} counts frames with
 * `argmax(output) != target` (the frame error).
 */
export class CrossEntropyLoss extends Loss {
  static override readonly className: string = 'ce';

  /** Label smoothing `ε` (0: none). */
  readonly labelSmoothing: number;

  constructor(opts: CrossEntropyLossOptions = {}) {
    super(opts);
    const ls = opts.labelSmoothing ?? 0;
    if (!(ls >= 0 && ls < 1)) {
      throw new LossArgumentError(`labelSmoothing must be in [0, 1). Received: labelSmoothing=${ls}`);
    }
    this.labelSmoothing = ls;
  }

  computeSum(input: LossInput, target: Tensor): Tensor {
    const scores = input.logits ?? input.output;
    const q = this.targetDistribution(scores, target);
    const logP = input.logits
      ? ops.logSoftmax(input.logits, -1)
      : ops.log(ops.minimum(ops.maximum(input.output, PROBABILITY_EPSILON), 1 - PROBABILITY_EPSILON));
    return ops.neg(ops.sum(ops.mul(q, logP)));
  }

  override computeError(input: LossInput, target: Tensor): Tensor {
    const scores = input.logits ?? input.output;
    this.checkShapes(scores, target);
    return frameErrorCount(scores, isSparse(target) ? target : ops.argMax(target, -1));
  }

  /** `q`, float32 `[batch, ..., classes]`: one-hot or dense target, smoothed. */
  private targetDistribution(scores: Tensor, target: Tensor): Tensor {
    this.checkShapes(scores, target);
    const classes = scores.shape[scores.shape.length - 1]!;
    const q = isSparse(target) ? ops.oneHot(target, classes) : target;
    const ls = this.labelSmoothing;
    return ls === 0 ? q : ops.add(ops.mul(q, 1 - ls), ls / classes);
  }

  private checkShapes(scores: Tensor, target: Tensor): void {
    const s = scores.shape;
    const t = target.shape;
    const ok = isSparse(target)
      ? shapesEqual(t, s.slice(0, -1))
      : shapesEqual(t, s);
    if (!ok) {
      throw new LossShapeError(
        this.name,
        s,
        t,
        isSparse(target)
          ? 'a sparse int32 target has the output shape without the class axis, e.g. output [batch, classes] with target [batch]'
          : 'a dense float32 target has the same shape as the output, e.g. [batch, classes]; pass int32 class indices for a sparse target',
      );
    }
  }
}
