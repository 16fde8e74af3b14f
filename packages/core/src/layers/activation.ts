import type { Tensor } from '@strata/backend';
import { type Activation, getActivation } from '../activations.js';
import { type CallContext, Layer, type LayerArgs, type LayerConfig } from '../layer.js';
import { type LayerOptions, type LayerSpec, option, resolveArgs, schemas } from '../layer-spec.js';
import { single } from './util.js';

/** Arguments of {@link ActivationLayer}. */
export interface ActivationLayerArgs extends LayerArgs {
  /** A name from `ACTIVATION_NAMES` (`relu`, `tanh`, `softmax`, ...). */
  activation: string;
}

const ACTIVATION_OPTIONS = {
  // RETURNN's ActivationLayer defaults to no activation (linear).
  activation: option(schemas.activation().refine((a) => a !== null, { error: "must be an activation name such as 'relu'" }), {
    returnn: 'activation',
    returnnDefault: 'linear',
  }),
} satisfies LayerOptions;

/**
 * Applies a named activation (RETURNN `activation` layer class, Keras
 * `Activation`). No weights. `softmax` and `log_softmax` act on the last axis.
 *
 * Shape: `[batch, ..., features]` → the same shape, float32.
 * @throws LayerArgumentError for a missing or unknown activation name (the message lists the known ones).
 */
export class ActivationLayer extends Layer {
  static override readonly className: string = 'Activation';
  /** Acts on each frame alone, so an input mask passes through unchanged (seed `compute_mask`). */
  override readonly supportsMasking: boolean = true;
  readonly activationName: string;
  private readonly fn: Activation;

  constructor(args: ActivationLayerArgs) {
    super(args);
    const a = resolveArgs('Activation', ACTIVATION_OPTIONS, args);
    this.activationName = a.activation;
    this.fn = getActivation(a.activation);
  }

  override call(inputs: Tensor | Tensor[], _ctx: CallContext): Tensor {
    return this.fn(single(inputs));
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), activation: this.activationName };
  }
}

/** RETURNN's `activation` layer. */
export const activationLayer: LayerSpec = { cls: ActivationLayer, options: ACTIVATION_OPTIONS, netDict: { names: ['activation'], sources: 'concat' } };
