import { ops, type Tensor } from '@strata/backend';
import { checkPositive, checkUnitInterval, Optimizer, type OptimizerOptions, type UpdateArgs } from './optimizer.js';

/** Options of {@link Adam}. Defaults are Keras'. */
export interface AdamOptions extends OptimizerOptions {
  /** Default 0.001. */
  learningRate?: number;
  /** Decay of the first-moment estimate, default 0.9. */
  beta1?: number;
  /** Decay of the second-moment estimate, default 0.999. */
  beta2?: number;
  /** Added to `sqrt(v)`, default 1e-7 (Keras; PyTorch uses 1e-8). */
  epsilon?: number;
}

/**
 * Adam (Kingma & Ba 2015, "Adam: A Method for Stochastic Optimization",
 * Algorithm 1 with the efficient bias correction of its section 2), as in
 * Keras 3. At step `t` (1-based):
 *
 * ```
 * m ← m + (1 - β1) · (g - m)
 * v ← v + (1 - β2) · (g² - v)
 * lr_t = lr · sqrt(1 - β2^t) / (1 - β1^t)
 * w ← w - lr_t · m / (sqrt(v) + ε)
 * ```
 *
 * tfjs' `tf.train.adam` instead divides the bias-corrected moments,
 * `w ← w - lr · m̂ / (sqrt(v̂) + ε)`; the two differ only in how `ε` is
 * scaled (by `sqrt(1 - β2^t)`), i.e. by a relative `~ε / sqrt(v)`.
 *
 * With `weightDecay > 0` this is AdamW (Loshchilov & Hutter 2019): the decay
 * `w ← w - lr · weightDecay · w` is applied before the Adam step.
 *
 * Slots: `momentum` (m) and `velocity` (v), each the variable's shape.
 */
export class Adam extends Optimizer {
  static override readonly className: string = 'adam';

  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;

  constructor(opts: AdamOptions = {}) {
    super({ ...opts, defaultLearningRate: 0.001 });
    this.beta1 = opts.beta1 ?? 0.9;
    this.beta2 = opts.beta2 ?? 0.999;
    this.epsilon = opts.epsilon ?? 1e-7;
    checkUnitInterval('beta1', this.beta1);
    checkUnitInterval('beta2', this.beta2);
    checkPositive('epsilon', this.epsilon);
  }

  protected slotNames(): readonly string[] {
    return ['momentum', 'velocity'];
  }

  protected update({ value, grad, lr, step, slot, setSlot }: UpdateArgs): Tensor {
    const m0 = slot('momentum');
    const v0 = slot('velocity');
    const m = ops.add(m0, ops.mul(ops.sub(grad, m0), 1 - this.beta1));
    const v = ops.add(v0, ops.mul(ops.sub(ops.square(grad), v0), 1 - this.beta2));
    setSlot('momentum', m);
    setSlot('velocity', v);
    const b1t = ops.pow(this.beta1, step);
    const b2t = ops.pow(this.beta2, step);
    const lrT = ops.div(ops.mul(lr, ops.sqrt(ops.sub(1, b2t))), ops.sub(1, b1t));
    return ops.sub(value, ops.mul(lrT, ops.div(m, ops.add(ops.sqrt(v), this.epsilon))));
  }

  getConfig(): Record<string, unknown> {
    return {
      class: this.weightDecay > 0 ? 'adamw' : 'adam',
      learningRate: this.learningRate,
      beta1: this.beta1,
      beta2: this.beta2,
      epsilon: this.epsilon,
      weightDecay: this.weightDecay,
    };
  }
}
