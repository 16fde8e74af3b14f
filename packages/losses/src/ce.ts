import { formatShape, ops, shapesEqual, type Tensor } from '@strata/backend';
import { type LayerOptions, option, schemas, sequenceMask } from '@strata/core';
import { z } from 'zod';
import { LossArgumentError, LossShapeError } from './errors.js';
import { frameErrors } from './frame-error.js';
import { isSparse, Loss, LOSS_OPTIONS, type LossInput, type LossOptions } from './loss.js';
import { maskForRank, targetFrameCount } from './sequence-mask.js';

/** Options of {@link CrossEntropyLoss}. */
export interface CrossEntropyLossOptions extends LossOptions {
  /** RETURNN `input_type`: `prob` (default; the layer's logits are used when it has them) or `logits` (the output itself is logits). */
  inputType?: 'prob' | 'logits';
  /** RETURNN `focal_loss_factor` `γ` (Lin et al. 2017, arXiv:1708.02002): each frame's loss times `(1 - p[target])^γ`. Default 0 (off). Sparse targets only. */
  focalLossFactor?: number;
  /**
   * RETURNN `label_smoothing` `ε` in `[0, 1)` (`smoothing_cross_entropy`): the
   * target gets `1 - ε`, every other class `ε / (classes - 1)`, and the best
   * achievable value `-(1-ε)·log(1-ε) - ε·log(ε/(classes-1) + 1e-20)` is
   * subtracted. Default 0. Sparse targets only.
   */
  labelSmoothing?: number;
  /** RETURNN `label_smoothing_gaussian`: soft targets `N(c; target, σ = 1 - ε)` (pdf values, not renormalised). Default false. */
  labelSmoothingGaussian?: boolean;
  /** RETURNN `debug_dump` (prints with `py_print`): Strata has no graph printing; `true` is an error. */
  debugDump?: boolean;
  /** RETURNN `safe_log_opts` for the unfused path: `eps` (default 1e-20) and `use_fake_grad` (default true: identity gradient through the floor). */
  safeLogOpts?: { eps?: number; use_fake_grad?: boolean } | null;
  /** RETURNN `use_fused` (default true): log-softmax of the logits when there are logits; false: `-log(max(p[target], eps))`. */
  useFused?: boolean;
  /** RETURNN `fake_upper_bound`: each frame's loss shown as `min(loss, bound)`, the gradient that of the unbounded loss. Default none. */
  fakeUpperBound?: number | null;
}

/** Keras' `backend.epsilon()` (probabilities clipped to `[1e-7, 1 - 1e-7]`); RETURNN's losses use {@link SAFE_LOG_EPS} instead. */
export const PROBABILITY_EPSILON = 1e-7;

/** RETURNN `safe_log`'s default floor `eps`: `log(max(p, 1e-20))`. */
export const SAFE_LOG_EPS = 1e-20;

/** `log(max(x, eps))`, with the identity gradient through the floor when `fakeGrad` (RETURNN `safe_log`, `maximum_with_identity_grad`). */
export function safeLog(x: Tensor, eps = SAFE_LOG_EPS, fakeGrad = true): Tensor {
  const floored = ops.maximum(x, eps);
  return ops.log(fakeGrad ? ops.add(x, ops.stopGradient(ops.sub(floored, x))) : floored);
}

/**
 * Cross entropy summed over frames (RETURNN `ce`, `CrossEntropyLoss`):
 *
 * `sum_frames  -sum_c q[c] · log p[c]`
 *
 * where `q` is the target distribution (one-hot of the target index, or the
 * given dense distribution) and `p` the output distribution, with RETURNN's
 * `loss_opts` (see {@link CrossEntropyLossOptions}; checked against RETURNN's
 * numbers in `fixtures/returnn-losses.json`):
 *
 * - Fused (default, when logits are known: `input.logits`, or the output with
 *   `inputType: 'logits'`): `log p = logSoftmax(logits)`, stable for any logit
 *   magnitude; the gradient w.r.t. the logits is `p - q` per frame.
 * - Unfused (no logits, or `useFused: false`): `-log(max(p[target], eps))`
 *   (RETURNN `safe_log`, `eps` 1e-20 unless `safeLogOpts.eps`), for dense
 *   targets `-sum_c q[c] log(max(p[c], eps))`; `p` is not renormalised.
 * - Label smoothing, focal loss and `fakeUpperBound` as RETURNN computes them.
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
 *
 * @throws LossArgumentError for `debugDump: true`, and (when computed) for
 *   label smoothing or focal loss with a dense target, or `inputType: 'logits'`
 *   on the unfused dense path (RETURNN: not implemented).
 */
export class CrossEntropyLoss extends Loss {
  static override readonly className: string = 'ce';

  readonly inputType: 'prob' | 'logits';
  readonly focalLossFactor: number;
  /** Label smoothing `ε` (0: none). */
  readonly labelSmoothing: number;
  readonly labelSmoothingGaussian: boolean;
  readonly safeLogEps: number;
  readonly safeLogFakeGrad: boolean;
  readonly useFused: boolean;
  readonly fakeUpperBound: number | null;

  /** The base options and RETURNN's `CrossEntropyLoss` options with its defaults. */
  static override readonly options: LayerOptions = {
    ...LOSS_OPTIONS,
    inputType: option(schemas.oneOf(['prob', 'logits']), { default: 'prob', returnn: 'input_type' }),
    focalLossFactor: option(schemas.number(), { default: 0, returnn: 'focal_loss_factor' }),
    labelSmoothing: option(schemas.rate(), { default: 0, returnn: 'label_smoothing' }),
    labelSmoothingGaussian: option(schemas.boolean(), { default: false, returnn: 'label_smoothing_gaussian' }),
    debugDump: option(schemas.boolean(), { default: false, returnn: 'debug_dump' }),
    safeLogOpts: option(z.strictObject({ eps: schemas.positive().optional(), use_fake_grad: schemas.boolean().optional() }, {
      error: (i) => (i.code === 'unrecognized_keys' ? `takes the safe_log arguments eps and use_fake_grad only; unknown: ${(i as { keys: string[] }).keys.join(', ')}` : 'must be a dict {eps, use_fake_grad} or None'),
    }).nullable().optional(), { returnn: 'safe_log_opts' }),
    useFused: option(schemas.boolean(), { default: true, returnn: 'use_fused' }),
    fakeUpperBound: option(schemas.number().nullable().optional(), { returnn: 'fake_upper_bound' }),
  };

  /** RETURNN: `_check_output_before_softmax = input_type == "prob"`. */
  protected override defaultCheckOutputBeforeSoftmax(opts: CrossEntropyLossOptions): boolean {
    return (opts.inputType ?? 'prob') === 'prob';
  }

  constructor(opts: CrossEntropyLossOptions = {}) {
    super(opts);
    if (opts.debugDump) {
      throw new LossArgumentError('ce: debug_dump prints target ids and probabilities from inside the TF graph (py_print); Strata cannot. Received: debug_dump=true; remove it and read the values with LossHolder.lossValuePerPos.');
    }
    this.inputType = opts.inputType ?? 'prob';
    this.focalLossFactor = opts.focalLossFactor ?? 0;
    this.labelSmoothing = opts.labelSmoothing ?? 0;
    this.labelSmoothingGaussian = opts.labelSmoothingGaussian ?? false;
    this.safeLogEps = opts.safeLogOpts?.eps ?? SAFE_LOG_EPS;
    this.safeLogFakeGrad = opts.safeLogOpts?.use_fake_grad ?? true;
    this.useFused = opts.useFused ?? true;
    this.fakeUpperBound = opts.fakeUpperBound ?? null;
  }

  computeSum(input: LossInput, target: Tensor, targetSeqLens?: Tensor): Tensor {
    return ops.sum(this.computeFrameValues(input, target, targetSeqLens));
  }

  /** The loss of each frame, float32 `[batch, ...]` (class axis summed), 0 at padding. */
  override computeFrameValues(input: LossInput, target: Tensor, targetSeqLens?: Tensor): Tensor {
    const m = targetSeqLens ? this.masked(input, target, targetSeqLens) : { input, target, frameMask: undefined };
    const perFrame = this.frameLoss(m.input, m.target);
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

  /** `sum(targetSeqLens)` for a sequence target, else every target frame; float32 `[]`. */
  override numFrames(target: Tensor, targetSeqLens?: Tensor): Tensor {
    return targetFrameCount(target, targetSeqLens);
  }

  /** RETURNN's `CrossEntropyLoss.get_value` per frame (before `reduce_func`), float32 `[batch, ...]`. */
  private frameLoss(input: LossInput, target: Tensor): Tensor {
    const logits = this.inputType === 'logits' ? input.output : input.logits;
    this.checkShapes(logits ?? input.output, target);
    const classes = input.output.shape[input.output.shape.length - 1]!;
    const last = input.output.shape.length - 1;
    const fused = this.useFused && logits !== undefined;
    let out: Tensor;
    if (!isSparse(target)) {
      if (this.focalLossFactor || this.labelSmoothing) {
        throw new LossArgumentError(`ce: focal_loss_factor and label_smoothing need a sparse target (RETURNN: "not implemented" for dense targets). Received: focal_loss_factor=${this.focalLossFactor}, label_smoothing=${this.labelSmoothing}.`);
      }
      if (!fused && this.inputType === 'logits') {
        throw new LossArgumentError('ce: the unfused dense cross entropy takes probabilities (RETURNN: NotImplementedError for input_type "logits"); set use_fused: true.');
      }
      const logP = fused ? ops.logSoftmax(logits!, -1) : safeLog(input.output, this.safeLogEps, this.safeLogFakeGrad);
      out = ops.neg(ops.sum(ops.mul(target, logP), [last]));
    } else {
      if (this.labelSmoothing) {
        const logP = logits ? ops.logSoftmax(logits, -1) : safeLog(input.output, SAFE_LOG_EPS, true);
        out = this.smoothedCrossEntropy(logP, target, classes);
      } else if (fused) {
        out = ops.neg(ops.sum(ops.mul(ops.oneHot(target, classes), ops.logSoftmax(logits!, -1)), [last]));
      } else {
        // RETURNN's safe_log sees through the gather to a softmax and takes log_softmax: the floor only applies to given probabilities.
        out = logits
          ? ops.neg(ops.sum(ops.mul(ops.oneHot(target, classes), ops.logSoftmax(logits, -1)), [last]))
          : ops.neg(safeLog(this.targetScores(input, target), this.safeLogEps, this.safeLogFakeGrad));
      }
      if (this.focalLossFactor) out = ops.mul(out, ops.pow(ops.sub(1, this.targetScores(input, target)), this.focalLossFactor));
    }
    if (this.fakeUpperBound !== null) out = ops.add(out, ops.stopGradient(ops.sub(ops.minimum(out, this.fakeUpperBound), out)));
    return out;
  }

  /** `p`, float32 `[batch, ..., classes]`: softmax of the logits when known, else the output (RETURNN `get_output_target_scores`). */
  private probabilities(input: LossInput): Tensor {
    if (this.inputType === 'logits') return ops.softmax(input.output, -1);
    return input.logits ? ops.softmax(input.logits, -1) : input.output;
  }

  /** `p[target]` per frame, float32 `[batch, ...]`. */
  private targetScores(input: LossInput, target: Tensor): Tensor {
    const p = this.probabilities(input);
    return ops.sum(ops.mul(p, ops.oneHot(target, p.shape[p.shape.length - 1]!)), [p.shape.length - 1]);
  }

  /** RETURNN `smoothing_cross_entropy` per frame from `log p`: `-sum_c soft[c] log p[c] - normalizing`. */
  private smoothedCrossEntropy(logP: Tensor, target: Tensor, classes: number): Tensor {
    const confidence = 1 - this.labelSmoothing;
    const low = (1 - confidence) / (classes - 1);
    const normalizing = -(confidence * Math.log(confidence) + (classes - 1) * low * Math.log(low + 1e-20));
    let soft: Tensor;
    if (this.labelSmoothingGaussian) {
      // N(c; target, σ = confidence) at every class c: exp(-(c - target)² / (2σ²)) / (σ √(2π)).
      const c = ops.tensor(Array.from({ length: classes }, (_, i) => i), [classes]);
      const d = ops.sub(c, ops.reshape(ops.cast(target, 'float32'), [...target.shape, 1]));
      soft = ops.mul(ops.exp(ops.mul(ops.square(d), -1 / (2 * confidence * confidence))), 1 / (confidence * Math.sqrt(2 * Math.PI)));
    } else {
      soft = ops.add(ops.mul(ops.oneHot(target, classes), confidence - low), low);
    }
    return ops.sub(ops.neg(ops.sum(ops.mul(soft, logP), [logP.shape.length - 1])), normalizing);
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
    const outputFill = this.inputType === 'logits' ? 0 : 1 / classes;
    const clean: LossInput = {
      output: ops.where(vs, input.output, outputFill),
      logits: input.logits ? ops.where(vs, input.logits, 0) : undefined,
    };
    const frameMask = ops.cast(maskForRank(valid, rankS - 1), 'float32'); // [batch, time, ..., 1?] over frames
    if (isSparse(target)) {
      return { input: clean, target: ops.where(maskForRank(valid, target.shape.length), target, ops.scalar(0, 'int32')), frameMask };
    }
    return { input: clean, target: ops.where(vs, target, 0), frameMask };
  }

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
