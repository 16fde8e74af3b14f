import type { Tensor } from '@strata/backend';
import { z } from 'zod';
import type { LayerConfig } from '../layer.js';
import { type LayerOptions, type LayerSpec, option, resolveArgs } from '../layer-spec.js';
import { LINEAR_OPTIONS, Linear, type LinearArgs, sparseInputDimOf } from './linear.js';

/** Arguments of {@link Softmax}: those of {@link Linear} without `activation` (always softmax). */
export type SoftmaxArgs = Omit<LinearArgs, 'activation'> & { activation?: 'softmax' };

/** Softmax's arguments: Linear's, with the activation fixed to softmax (given, it must say so). */
const SOFTMAX_OPTIONS = {
  ...LINEAR_OPTIONS,
  activation: option(z.literal('softmax', { error: 'is always softmax; use Linear for another one' }).optional(), { returnn: 'activation' }),
} satisfies LayerOptions;

/**
 * An output layer: a {@link Linear} followed by a softmax over the last axis
 * (RETURNN `softmax` layer class; Keras `Dense(units, activation='softmax')`,
 * not Keras' weightless `Softmax` activation layer).
 *
 * {@link Softmax.logits} gives the scores before the softmax, so a
 * cross-entropy loss can use a log-softmax of the logits instead of the log of
 * probabilities (which underflows for confident predictions).
 *
 * Shape: input `[batch, ..., inFeatures]` → output `[batch, ..., units]`, float32
 * probabilities summing to 1 over the last axis.
 * Weights: `kernel` `[inFeatures, units]`, `bias` `[units]`.
 * @throws LayerArgumentError if `units` is not a positive integer, or `activation` is given and not `softmax`.
 * @throws InputShapeError if the last input axis is unknown.
 */
export class Softmax extends Linear {
  static override readonly className: string = 'Softmax';

  constructor(args: SoftmaxArgs) {
    super({ ...resolveArgs('Softmax', SOFTMAX_OPTIONS, args), activation: 'softmax' });
  }

  /** `x · kernel + bias`: the unnormalised log-probabilities, `[batch, ..., units]`. */
  logits(x: Tensor): Tensor {
    return this.preActivation(x);
  }

  override getConfig(): LayerConfig {
    const { activation: _fixed, ...config } = super.getConfig();
    return config as LayerConfig;
  }
}

/**
 * RETURNN's `softmax`: a linear layer with a softmax, the usual output layer. On a sparse source
 * (class indices) it is an embedding plus softmax, as RETURNN's `SoftmaxLayer` is a `LinearLayer`
 * (`tf.nn.embedding_lookup(W, x)`, `W` `[classes, n_out]`).
 */
export const softmaxLayer: LayerSpec = {
  cls: Softmax,
  options: SOFTMAX_OPTIONS,
  netDict: { names: ['softmax'], sources: 'concat', acceptsSparse: true, derive: (c) => sparseInputDimOf(c) },
};
