import type { Tensor } from '@strata/backend';
import { LayerArgumentError } from '../errors.js';
import type { LayerConfig } from '../layer.js';
import { Linear, type LinearArgs } from './linear.js';

/** Arguments of {@link Softmax}: those of {@link Linear} without `activation` (always softmax). */
export type SoftmaxArgs = Omit<LinearArgs, 'activation'> & { activation?: 'softmax' };

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
    super({ ...args, activation: checkSoftmax(args.activation) });
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

function checkSoftmax(activation: string | undefined): 'softmax' {
  if (activation !== undefined && activation !== 'softmax') {
    throw new LayerArgumentError(
      `Softmax: the activation is always softmax; use Linear for another one. Received: activation='${activation}'.`,
    );
  }
  return 'softmax';
}
