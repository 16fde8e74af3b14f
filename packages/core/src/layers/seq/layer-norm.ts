import { ops, type Tensor } from '@strata/backend';
import { z } from 'zod';
import { InputShapeError } from '../../errors.js';
import { getInitializer } from '../../initializers/index.js';
import { type CallContext, Layer, type LayerArgs, type LayerConfig, type SymbolicShape } from '../../layer.js';
import { type LayerOptions, type LayerSpec, option, resolveArgs } from '../../layer-spec.js';
import { maskFrames } from '../../sequence-mask.js';
import type { Variable } from '../../variable.js';
import { seqInput, xShapeOf } from './seq-inputs.js';

/** Arguments of {@link LayerNorm}. */
export interface LayerNormArgs extends LayerArgs {
  /** Added to the variance before the square root (RETURNN `epsilon`). Non-negative. Default 1e-6 (RETURNN's; Keras uses 1e-3). */
  epsilon?: number;
}

const EPSILON = 'must be a non-negative number';

/** LayerNorm's arguments in both vocabularies. */
const LAYER_NORM_OPTIONS = {
  epsilon: option(z.number({ error: EPSILON }).min(0, { error: EPSILON }).refine(Number.isFinite, { error: EPSILON }), { default: 1e-6, returnn: 'epsilon' }),
} satisfies LayerOptions;

/**
 * Layer normalisation over the last (feature) axis (RETURNN `layer_norm`
 * layer class; Ba, Kiros, Hinton 2016, "Layer Normalization"; Keras/tfjs
 * `LayerNormalization` with `axis: -1`):
 * `y = (x - mean) / sqrt(var + epsilon) * scale + bias`, with the mean and
 * the (biased) variance of each frame's features.
 *
 * Inputs: `x` float32 `[batch, ..., feature]`, or `[x, seqLens]` with `x`
 * `[batch, time, ..., feature]` and `seqLens` int32 `[batch]`: then padded
 * frames (`t >= seqLens[b]`) output zeros (each frame is normalised on its
 * own, so padding never reaches valid frames either way).
 *
 * Shape: `[batch, ..., feature]` → `[batch, ..., feature]`, float32.
 * Weights: `scale` `[feature]` (gamma, ones), `bias` `[feature]` (beta, zeros), in Keras' order.
 * @throws LayerArgumentError if `epsilon` is not a non-negative number (`LayerNorm: epsilon must be a non-negative number. Received: epsilon=-1.`).
 * @throws InputShapeError if `x` has rank < 2 or an unknown or different feature axis, or `seqLens` is not int32 `[batch]`.
 */
export class LayerNorm extends Layer {
  static override readonly className: string = 'LayerNorm';
  readonly epsilon: number;
  scale!: Variable;
  bias!: Variable;

  constructor(args: LayerNormArgs = {}) {
    super(args);
    this.epsilon = resolveArgs('LayerNorm', LAYER_NORM_OPTIONS, args).epsilon!;
  }

  override build(inputShape: SymbolicShape | SymbolicShape[]): void {
    const shape = xShapeOf(inputShape);
    const features = shape[shape.length - 1];
    if (shape.length < 2 || features === null || features === undefined) {
      throw new InputShapeError({ layer: this.name, expected: 'expected x of rank >= 2 [batch, ..., feature] with a known feature axis', received: shape });
    }
    this.scale = this.addWeight('scale', { shape: [features], initializer: getInitializer('ones') });
    this.bias = this.addWeight('bias', { shape: [features], initializer: getInitializer('zeros') });
    super.build(inputShape);
  }

  override call(inputs: Tensor | Tensor[], _ctx: CallContext): Tensor {
    const { x, seqLens } = seqInput(inputs, this.name, { minRank: seqLensGiven(inputs) ? 3 : 2 });
    const features = this.scale.shape[0]!;
    if (x.shape[x.shape.length - 1] !== features) {
      throw new InputShapeError({ layer: this.name, expected: `expected ${features} features on the last axis (as built)`, received: x.shape });
    }
    const centred = ops.sub(x, ops.mean(x, [-1], true));
    const variance = ops.mean(ops.square(centred), [-1], true);
    const y = ops.add(ops.mul(ops.div(centred, ops.sqrt(ops.add(variance, this.epsilon))), this.scale.value), this.bias.value);
    return seqLens ? maskFrames(y, seqLens) : y;
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    return xShapeOf(inputShape);
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), epsilon: this.epsilon };
  }
}

const seqLensGiven = (inputs: Tensor | Tensor[]): boolean => Array.isArray(inputs) && inputs.length > 1;

/**
 * RETURNN's `layer_norm` (`LayerNormLayer` over the feature axis): `epsilon`
 * (default 1e-6, as RETURNN). The input's lengths zero padded frames.
 */
export const layerNormLayer: LayerSpec = {
  cls: LayerNorm,
  options: LAYER_NORM_OPTIONS,
  netDict: { names: ['layer_norm'], sources: 'concat', seqLens: true },
};
