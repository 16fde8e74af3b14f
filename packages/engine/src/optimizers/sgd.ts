import { ops, type Tensor } from '@strata/backend';
import { checkUnitInterval, Optimizer, type OptimizerOptions, type UpdateArgs } from './optimizer.js';

/** Options of {@link SGD}. */
export interface SGDOptions extends OptimizerOptions {
  /** Default 0.01 (Keras). */
  learningRate?: number;
  /** Momentum `μ` in `[0, 1)`; 0 (default) is plain gradient descent. */
  momentum?: number;
  /** Nesterov momentum. Default false. */
  nesterov?: boolean;
}

/**
 * Stochastic gradient descent with optional (Nesterov) momentum, Keras semantics:
 *
 * - plain: `w ← w - lr · g`
 * - momentum: `v ← μ · v - lr · g;  w ← w + v`
 * - Nesterov: `v ← μ · v - lr · g;  w ← w + μ · v - lr · g`
 *
 * Slot `momentum` (shape of the variable) exists only when `μ > 0`.
 * Equals tfjs' `tf.train.sgd` / `tf.train.momentum` (which keep
 * `a = v / -lr`) for a constant learning rate.
 */
export class SGD extends Optimizer {
  static override readonly className: string = 'sgd';

  readonly momentum: number;
  readonly nesterov: boolean;

  constructor(opts: SGDOptions = {}) {
    super({ ...opts, defaultLearningRate: 0.01 });
    this.momentum = opts.momentum ?? 0;
    checkUnitInterval('momentum', this.momentum);
    this.nesterov = opts.nesterov ?? false;
  }

  protected slotNames(): readonly string[] {
    return this.momentum > 0 ? ['momentum'] : [];
  }

  protected update({ value, grad, lr, slot, setSlot }: UpdateArgs): Tensor {
    const step = ops.mul(grad, lr);
    if (this.momentum === 0) return ops.sub(value, step);
    const v = ops.sub(ops.mul(slot('momentum'), this.momentum), step);
    setSlot('momentum', v);
    return this.nesterov ? ops.add(value, ops.sub(ops.mul(v, this.momentum), step)) : ops.add(value, v);
  }

  getConfig(): Record<string, unknown> {
    return {
      class: 'sgd',
      learningRate: this.learningRate,
      momentum: this.momentum,
      nesterov: this.nesterov,
      weightDecay: this.weightDecay,
    };
  }
}
