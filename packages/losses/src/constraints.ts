import { ops, type Tensor } from '@strata/backend';
import type { Constraint } from '@strata/core';
import { LossArgumentError } from './errors.js';

/** Keras' `backend.epsilon()`, added to norms before dividing. */
const EPSILON = 1e-7;

/**
 * Rescales each column so its L2 norm is at most `maxValue` (Keras `MaxNorm`):
 * `w · min(n, maxValue) / (n + 1e-7)` with `n = sqrt(sum(w^2, axis))`.
 *
 * Shape: for a Linear kernel `[in, units]` the default `axis: 0` bounds the
 * incoming weight vector of each unit; for a conv kernel
 * `[height, width, inChannels, outChannels]` use `axis: [0, 1, 2]`.
 */
export class MaxNorm implements Constraint {
  readonly className = 'MaxNorm';
  readonly maxValue: number;
  readonly axis: number[];

  constructor(opts: { maxValue?: number; axis?: number | number[] } = {}) {
    const maxValue = opts.maxValue ?? 2;
    if (!(maxValue > 0)) throw new LossArgumentError(`MaxNorm needs a positive bound. Received: maxValue=${maxValue}`);
    this.maxValue = maxValue;
    this.axis = typeof opts.axis === 'number' ? [opts.axis] : (opts.axis ?? [0]);
  }

  apply(w: Tensor): Tensor {
    const norms = ops.sqrt(ops.sum(ops.square(w), this.axis, true));
    return ops.mul(w, ops.div(ops.minimum(norms, this.maxValue), ops.add(norms, EPSILON)));
  }

  getConfig(): Record<string, unknown> {
    return { maxValue: this.maxValue, axis: this.axis };
  }
}

/** Sets negative weights to zero (Keras `NonNeg`): `max(w, 0)`. Any shape. */
export class NonNeg implements Constraint {
  readonly className = 'NonNeg';

  apply(w: Tensor): Tensor {
    return ops.relu(w);
  }

  getConfig(): Record<string, unknown> {
    return {};
  }
}
