import { formatShape, ops, shapesEqual, type Tensor } from '@strata/backend';
import { type LayerOptions, option, schemas, sequenceMask } from '@strata/core';
import { LossArgumentError, LossShapeError } from './errors.js';
import { frameErrors } from './frame-error.js';
import { isSparse, Loss, LOSS_OPTIONS, type LossInput, type LossOptions } from './loss.js';
import { maskForRank, targetFrameCount } from './sequence-mask.js';

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
 *
 * Sequences (RETURNN's `CrossEntropyLoss` over a time axis): with
 * `targetSeqLens` (int32 `[batch]`), output and target are batch-major
 * `[batch, time, ...]` and frames `t >= targetSeqLens[b]` are padding: they
 * add nothing to the sum or the error, and their values (even NaN or
 * ±Infinity, in output, logits or target) are replaced before any math, so
 * they get exactly zero gradient. {@link CrossEntropyLoss.numFrames} is then
 * `sum(targetSeqLens)` (RETURNN normalises per frame). The output's own
 * `seqLens` are not used: `ce` is frame-synchronous, so the output has the
 * target's lengths, and both must have the same padded time size.
 */
export class CrossEntropyLoss extends Loss {
  static override readonly className: string = 'ce';

  /** Label smoothing `ε` (0: none). */
  readonly labelSmoothing: number;

  /** The base options and `labelSmoothing` (RETURNN `label_smoothing`). */
  static override readonly options: LayerOptions = {
    ...LOSS_OPTIONS,
    labelSmoothing: option(schemas.rate(), { default: 0, returnn: 'label_smoothing' }),
  };

  constructor(opts: CrossEntropyLossOptions = {}) {
    super(opts);
    this.labelSmoothing = opts.labelSmoothing ?? 0;
  }

  computeSum(input: LossInput, target: Tensor, targetSeqLens?: Tensor): Tensor {
    if (targetSeqLens) return ops.sum(this.computeFrameValues(input, target, targetSeqLens));
    const { q, logP } = this.terms(input, target);
    return ops.neg(ops.sum(ops.mul(q, logP)));
  }

  /** `-sum_c q[c] log p[c]` per frame, float32 `[batch, ...]` (class axis summed), 0 at padding. */
  override computeFrameValues(input: LossInput, target: Tensor, targetSeqLens?: Tensor): Tensor {
    const m = targetSeqLens ? this.masked(input, target, targetSeqLens) : { input, target, frameMask: undefined };
    const { q, logP } = this.terms(m.input, m.target);
    const perFrame = ops.neg(ops.sum(ops.mul(q, logP), [logP.shape.length - 1]));
    return m.frameMask ? ops.mul(perFrame, m.frameMask) : perFrame;
  }

  /** 1 per frame whose argmax is not the target class, float32 `[batch, ...]`, 0 at padding. */
  override computeFrameErrors(input: LossInput, target: Tensor, targetSeqLens?: Tensor): Tensor {
    const m = targetSeqLens ? this.masked(input, target, targetSeqLens) : { input, target, frameMask: undefined };
    const scores = m.input.logits ?? m.input.output;
    this.checkShapes(scores, m.target);
    return frameErrors(scores, isSparse(m.target) ? m.target : ops.argMax(m.target, -1), m.frameMask);
  }

  /** The frame errors summed: float32 `[]`, never `null` for ce. */
  override computeError(input: LossInput, target: Tensor, targetSeqLens?: Tensor): Tensor {
    return ops.sum(this.computeFrameErrors(input, target, targetSeqLens));
  }

  /** `q` (target distribution) and `log p`, both float32 `[batch, ..., classes]`. */
  private terms(input: LossInput, target: Tensor): { q: Tensor; logP: Tensor } {
    const scores = input.logits ?? input.output;
    const q = this.targetDistribution(scores, target);
    const logP = input.logits
      ? ops.logSoftmax(input.logits, -1)
      : ops.log(ops.minimum(ops.maximum(input.output, PROBABILITY_EPSILON), 1 - PROBABILITY_EPSILON));
    return { q, logP };
  }

  /** `sum(targetSeqLens)` for a sequence target, else every target frame; float32 `[]`. */
  override numFrames(target: Tensor, targetSeqLens?: Tensor): Tensor {
    return targetFrameCount(target, targetSeqLens);
  }

  /**
   * Output, logits and target with padded frames replaced by harmless values
   * (logits 0, probabilities 1/classes, targets 0), so every per-frame term
   * is finite and its gradient exactly zero; and the float32 frame mask
   * (1 valid, 0 padding) `[batch, time, ...]` that removes those terms.
   */
  private masked(input: LossInput, target: Tensor, targetSeqLens: Tensor): { input: LossInput; target: Tensor; frameMask: Tensor } {
    const scores = input.logits ?? input.output;
    this.checkSequenceShapes(scores, target, targetSeqLens);
    const valid = ops.greater(sequenceMask(targetSeqLens, target.shape[1]!), 0); // [batch, time] bool
    const rankS = scores.shape.length;
    const classes = scores.shape[rankS - 1]!;
    const vs = maskForRank(valid, rankS);
    const clean: LossInput = {
      output: input.logits ? input.output : ops.where(vs, input.output, 1 / classes), // unused when logits are given
      logits: input.logits ? ops.where(vs, input.logits, 0) : undefined,
    };
    const frameMask = ops.cast(maskForRank(valid, rankS - 1), 'float32'); // [batch, time, ..., 1?] over frames
    if (isSparse(target)) {
      return { input: clean, target: ops.where(maskForRank(valid, target.shape.length), target, ops.scalar(0, 'int32')), frameMask };
    }
    return { input: clean, target: ops.where(vs, target, 0), frameMask };
  }

  /** `q`, float32 `[batch, ..., classes]`: one-hot or dense target, smoothed. */
  private targetDistribution(scores: Tensor, target: Tensor): Tensor {
    this.checkShapes(scores, target);
    const classes = scores.shape[scores.shape.length - 1]!;
    const q = isSparse(target) ? ops.oneHot(target, classes) : target;
    const ls = this.labelSmoothing;
    return ls === 0 ? q : ops.add(ops.mul(q, 1 - ls), ls / classes);
  }

  /** A sequence pair: `[batch, time, ...]` output and target of the same padded time, lengths `[batch]`. */
  private checkSequenceShapes(scores: Tensor, target: Tensor, targetSeqLens: Tensor): void {
    const s = scores.shape;
    const t = target.shape;
    const minTargetRank = isSparse(target) ? 2 : 3;
    if (s.length < 3 || t.length < minTargetRank) {
      throw new LossShapeError({
        lossName: this.name,
        outputShape: s,
        targetShape: t,
        expected: 'with targetSeqLens, output and target are sequences: output [batch, time, classes] with a sparse target [batch, time] ' +
          'or a dense target [batch, time, classes]; leave targetSeqLens out for data without a time axis',
      });
    }
    if (s[1] !== t[1]) {
      throw new LossShapeError({
        lossName: this.name,
        outputShape: s,
        targetShape: t,
        expected: `ce is frame-synchronous: output and target need the same padded time size (axis 1), but the output has ${s[1]} frames and the target ${t[1]}; ` +
          `use a loss for unaligned sequences (ctc, edit_distance) or pad both to one length`,
      });
    }
    if (targetSeqLens.shape.length !== 1 || targetSeqLens.shape[0] !== t[0]) {
      throw new LossShapeError({ lossName: this.name, outputShape: s, targetShape: t, expected: `targetSeqLens is int32 [batch] = [${t[0]}]; received targetSeqLens.shape=${formatShape(targetSeqLens.shape)}` });
    }
    // The other axes too, before the padding mask is broadcast against them (an extra output axis gave an untyped broadcast error).
    this.checkShapes(scores, target);
  }

  private checkShapes(scores: Tensor, target: Tensor): void {
    const s = scores.shape;
    const t = target.shape;
    const ok = isSparse(target)
      ? shapesEqual(t, s.slice(0, -1))
      : shapesEqual(t, s);
    if (!ok) {
      throw new LossShapeError({
        lossName: this.name,
        outputShape: s,
        targetShape: t,
        expected: isSparse(target)
          ? 'a sparse int32 target has the output shape without the class axis, e.g. output [batch, classes] with target [batch]'
          : 'a dense float32 target has the same shape as the output, e.g. [batch, classes]; pass int32 class indices for a sparse target',
      });
    }
  }
}
