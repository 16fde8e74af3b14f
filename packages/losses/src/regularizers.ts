import { ops, type Tensor } from '@strata/backend';
import type { Regularizer } from '@strata/core';
import { LossArgumentError } from './errors.js';

/**
 * L2 weight penalty `l2 · sum(w^2)` (Keras `L2`; RETURNN's `L2` layer option,
 * whose `get_params_l2_norm` is `2 · tf.nn.l2_loss(w) = sum(w^2)`, is the same).
 *
 * Shape: any float32 `w`; returns a float32 scalar `[]`. Gradient `2 · l2 · w`.
 */
export class L2 implements Regularizer {
  readonly className = 'L2';
  readonly l2: number;

  constructor(opts: { l2?: number } = {}) {
    const l2 = opts.l2 ?? 0.01;
    if (!(l2 >= 0)) throw new LossArgumentError(`L2 needs a non-negative factor. Received: l2=${l2}`);
    this.l2 = l2;
  }

  apply(w: Tensor): Tensor {
    return ops.mul(ops.sum(ops.square(w)), this.l2);
  }

  getConfig(): Record<string, unknown> {
    return { l2: this.l2 };
  }
}
