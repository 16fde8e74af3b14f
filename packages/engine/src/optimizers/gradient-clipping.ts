import { ops, type Tensor } from '@strata/backend';
import { OptimizerArgumentError, OptimizerStateError } from './errors.js';
import { truncatedNormal } from './gradient-noise.js';

/**
 * Gradient post-processing options of an optimizer (RETURNN config names in
 * brackets; all from `returnn/tf/updater.py`, `WrapOptimizer._post_process_grad`).
 */
export interface GradientClipOptions {
  /**
   * Add noise to every gradient element (`gradient_noise`): RETURNN's
   * `add_scaled_noise_to_gradients`, `tf.truncated_normal(shape, stddev=gradientNoise)`
   * (mean 0, samples beyond ±2·stddev re-drawn), fresh on every step. Positive; unset or 0: off.
   * Needs a seed source: {@link ClipContext.nextSeed}.
   */
  gradientNoise?: number;
  /**
   * Clip every gradient element to `[-clipValue, clipValue]` (`gradient_clip`;
   * TF `tf.clip_by_value`, Keras `clipvalue`). Positive; unset or 0: off.
   */
  clipValue?: number;
  /**
   * Clip each gradient tensor to this L2 norm on its own (`gradient_clip_norm`;
   * TF `tf.clip_by_norm`, Keras `clipnorm`): `g · clipNorm / max(‖g‖₂, clipNorm)`.
   * Positive; unset or 0: off.
   */
  clipNorm?: number;
  /**
   * Scale all gradients by `globalClipNorm / max(globalNorm, globalClipNorm)`, where
   * `globalNorm = sqrt(Σ over all gradients of Σ g²)` (`gradient_clip_global_norm`;
   * `tf.clip_by_global_norm`, Keras `global_clipnorm`). Positive; unset or 0: off.
   * A non-finite global norm makes every gradient NaN (as TF's `clip_by_global_norm`).
   */
  globalClipNorm?: number;
  /**
   * Replace NaN and ±Inf gradient elements by 0 (`gradient_nan_inf_filter`;
   * RETURNN's `nan_to_num(grad, nan_num=0, inf_num=0)`), after all clipping. Default false.
   */
  gradientNanInfFilter?: boolean;
}

/** What {@link clipGradients} needs besides the gradients themselves. */
export interface ClipContext {
  /**
   * The gradients of this step before any processing, when `grads` are not
   * them (accumulated over several steps): the global norm is theirs, as in
   * RETURNN (`_GetGlobalInfo.get_global_grad_norm` over the step's raw gradients).
   */
  rawGrads?: readonly Tensor[];
  /** A fresh seed per call (the step's `ctx.nextSeed`); needed for `gradientNoise`. */
  nextSeed?: () => number;
}

/** Checks the options (each threshold unset, 0 = off, or a finite positive number). */
export function checkGradientClipOptions(o: GradientClipOptions): void {
  for (const name of ['gradientNoise', 'clipValue', 'clipNorm', 'globalClipNorm'] as const) {
    const v = o[name];
    if (v !== undefined && !(Number.isFinite(v) && v >= 0)) {
      throw new OptimizerArgumentError(`${name} must be a finite number >= 0 (0 = off). Received: ${name}=${v}`);
    }
  }
  if (o.gradientNanInfFilter !== undefined && typeof o.gradientNanInfFilter !== 'boolean') {
    throw new OptimizerArgumentError(`gradientNanInfFilter must be true or false. Received: gradientNanInfFilter=${JSON.stringify(o.gradientNanInfFilter)}`);
  }
}

/** `sqrt(Σ g²)` of one tensor, as TF's `clip_by_norm` computes it. */
const l2norm = (g: Tensor): Tensor => ops.sqrt(ops.sum(ops.square(g)));

/**
 * The gradients after RETURNN's post-processing (`returnn/tf/updater.py`,
 * `WrapOptimizer._post_process_grad`), in its order, each step optional:
 *
 * ```
 * g ← g + truncated_normal(stddev = gradientNoise)          (add_scaled_noise_to_gradients)
 * g ← clip(g, -clipValue, clipValue)                         (tf.clip_by_value)
 * g ← g · clipNorm / max(‖g‖₂, clipNorm)                     (tf.clip_by_norm, per tensor)
 * g ← g · globalClipNorm · min(1/N, 1/globalClipNorm) + (N - N)   (tf.clip_by_global_norm, use_norm = N)
 * g ← g where finite, else 0                                 (nan_to_num, gradientNanInfFilter)
 * ```
 *
 * where `N` is the global norm of the step's gradients *before* any of this
 * (`ctx.rawGrads`, else `grads`). With everything off, returns `grads` itself.
 * Backend ops only, so it traces into a compiled training step (the noise's
 * uniforms are fresh on every run of a compiled graph).
 *
 * @throws OptimizerStateError if `gradientNoise` is on and `ctx.nextSeed` is not given.
 */
export function clipGradients(grads: readonly Tensor[], o: GradientClipOptions, ctx: ClipContext = {}): readonly Tensor[] {
  let out = grads;
  if (o.gradientNoise) {
    const stddev = o.gradientNoise;
    const nextSeed = ctx.nextSeed;
    if (!nextSeed) throw new OptimizerStateError('gradientNoise needs random seeds: pass { nextSeed } (e.g. the training context\'s ctx.nextSeed) to Optimizer.apply.');
    out = out.map((g) => ops.add(g, truncatedNormal(g.shape, stddev, nextSeed())));
  }
  if (o.clipValue) {
    const c = o.clipValue;
    out = out.map((g) => ops.minimum(ops.maximum(g, -c), c));
  }
  if (o.clipNorm) {
    const c = o.clipNorm;
    out = out.map((g) => ops.div(ops.mul(g, c), ops.maximum(l2norm(g), c)));
  }
  if (o.globalClipNorm) {
    const c = o.globalClipNorm;
    const raw = ctx.rawGrads ?? grads;
    const norm = ops.sqrt(raw.map((g) => ops.sum(ops.square(g))).reduce((a, b) => ops.add(a, b), ops.scalar(0)));
    // TF: scale_for_finite + (use_norm - use_norm), NaN for a non-finite norm.
    const scale = ops.add(ops.mul(ops.minimum(ops.div(1, norm), 1 / c), c), ops.sub(norm, norm));
    out = out.map((g) => ops.mul(g, scale));
  }
  if (o.gradientNanInfFilter) {
    // |g| < Inf is false exactly for NaN and ±Inf.
    out = out.map((g) => ops.where(ops.less(ops.abs(g), Number.POSITIVE_INFINITY), g, 0));
  }
  return out;
}
