import { ops, type Tensor } from '@strata/backend';
import { OptimizerArgumentError } from './errors.js';

/** Gradient clipping options of an optimizer (RETURNN config names in brackets). */
export interface GradientClipOptions {
  /**
   * Clip every gradient element to `[-clipValue, clipValue]` (`gradient_clip`;
   * TF `tf.clip_by_value`, Keras `clipvalue`). Positive; unset or 0: off.
   */
  clipValue?: number;
  /**
   * Scale all gradients by `globalClipNorm / max(globalNorm, globalClipNorm)`, where
   * `globalNorm = sqrt(Σ over all gradients of Σ g²)` (`gradient_clip_global_norm`;
   * `tf.clip_by_global_norm`, Keras `global_clipnorm`). Positive; unset or 0: off.
   */
  globalClipNorm?: number;
}

/** Checks the clipping options (each unset, 0 = off, or a finite positive number). */
export function checkGradientClipOptions(o: GradientClipOptions): void {
  for (const name of ['clipValue', 'globalClipNorm'] as const) {
    const v = o[name];
    if (v !== undefined && !(Number.isFinite(v) && v >= 0)) {
      throw new OptimizerArgumentError(`${name} must be a finite number >= 0 (0 = off). Received: ${name}=${v}`);
    }
  }
}

/**
 * The gradients after clipping, in RETURNN's order (`returnn/tf/updater.py`,
 * `WrapOptimizer._post_process_grad`): first each element by value, then all
 * by the global norm, which RETURNN computes over the gradients *before*
 * any clipping (`_GetGlobalInfo.get_global_grad_norm` over `all_grads`):
 *
 * ```
 * g ← clip(g, -clipValue, clipValue)
 * g ← g · globalClipNorm / max(‖raw gradients‖₂, globalClipNorm)
 * ```
 *
 * With both off, returns `grads` itself. Backend ops only, so it traces into
 * a compiled training step.
 */
export function clipGradients(grads: readonly Tensor[], o: GradientClipOptions): readonly Tensor[] {
  let out = grads;
  if (o.clipValue) {
    const c = o.clipValue;
    out = out.map((g) => ops.minimum(ops.maximum(g, -c), c));
  }
  if (o.globalClipNorm) {
    const c = o.globalClipNorm;
    const norm = ops.sqrt(grads.map((g) => ops.sum(ops.square(g))).reduce((a, b) => ops.add(a, b), ops.scalar(0)));
    const scale = ops.div(c, ops.maximum(norm, c));
    out = out.map((g) => ops.mul(g, scale));
  }
  return out;
}
