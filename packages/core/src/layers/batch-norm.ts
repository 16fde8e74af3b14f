import { ops, type Tensor } from '@strata/backend';
import { z } from 'zod';
import { InputShapeError } from '../errors.js';
import { Ones, Zeros } from '../initializers/index.js';
import { type CallContext, Layer, type LayerArgs, type LayerConfig, type SymbolicShape } from '../layer.js';
import { type LayerOptions, type LayerSpec, option, resolveArgs, schemas } from '../layer-spec.js';
import type { Variable } from '../variable.js';
import { single } from './util.js';

/** Arguments of {@link BatchNorm}. */
export interface BatchNormArgs extends LayerArgs {
  /**
   * Weight of the current batch in the moving statistics, RETURNN's convention:
   * `moving = (1 - momentum) * moving + momentum * batchStatistic`. Default 0.1,
   * which is Keras' `momentum=0.9` (Keras weights the *old* value: `m_keras = 1 - m_returnn`).
   * In `[0, 1]`.
   */
  momentum?: number;
  /** Added to the variance before the square root. Default 1e-3 (as RETURNN and Keras). Positive. */
  epsilon?: number;
  /** Learn a shift `beta` (RETURNN `use_shift`, Keras `center`). Default true. */
  center?: boolean;
  /** Learn a scale `gamma` (RETURNN `use_std`, Keras `scale`). Default true. */
  scale?: boolean;
}

const MOMENTUM = "must be a number in [0, 1] (the weight of the new batch, RETURNN's convention: Keras' momentum 0.9 is 0.1 here)";

/** BatchNorm's arguments in both vocabularies (RETURNN `BatchNormLayer`'s keys; the defaults are RETURNN's, behavior version >= 12). */
const BATCH_NORM_OPTIONS = {
  momentum: option(z.number({ error: MOMENTUM }).min(0, { error: MOMENTUM }).max(1, { error: MOMENTUM }), { default: 0.1, returnn: 'momentum' }),
  epsilon: option(schemas.positive(), { default: 1e-3, returnn: 'epsilon' }),
  center: option(schemas.boolean(), { default: true, returnn: 'use_shift' }),
  scale: option(schemas.boolean(), { default: true, returnn: 'use_std' }),
} satisfies LayerOptions;

/**
 * Batch normalization over the last (feature) axis (Ioffe & Szegedy 2015;
 * RETURNN `batch_norm`, Keras/tfjs `BatchNormalization` with `axis=-1`):
 * `y = gamma * (x - mean) / sqrt(variance + epsilon) + beta`.
 *
 * In training (`ctx.training`), `mean` and `variance` are the batch
 * statistics over every axis but the last (biased variance, divided by `n`),
 * and the moving statistics are updated with them (see
 * {@link BatchNormArgs.momentum}) through `ctx.addUpdate` when the context
 * collects updates, else assigned at once. In inference the moving
 * statistics are used and nothing changes.
 *
 * Shape: `[batch, ..., features]` → the same shape, float32 (e.g. `[batch, height, width, channels]`).
 * Weights, in Keras' order: `gamma` `[features]` (ones, trainable), `beta`
 * `[features]` (zeros, trainable), `moving_mean` `[features]` (zeros) and
 * `moving_variance` `[features]` (ones), both non-trainable.
 * @throws LayerArgumentError if `momentum` is outside `[0, 1]`, `epsilon` is not positive, or `center`/`scale`
 *   is not a boolean (`BatchNorm: <arg> must be ... Received: <arg>=...`).
 * @throws InputShapeError if the input has rank < 2, or its last axis is unknown or differs from the built one.
 */
export class BatchNorm extends Layer {
  static override readonly className: string = 'BatchNorm';
  readonly momentum: number;
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  gamma: Variable | undefined;
  beta: Variable | undefined;
  movingMean!: Variable;
  movingVariance!: Variable;

  constructor(args: BatchNormArgs = {}) {
    super(args);
    const a = resolveArgs('BatchNorm', BATCH_NORM_OPTIONS, args) as Required<BatchNormArgs>;
    this.momentum = a.momentum;
    this.epsilon = a.epsilon;
    this.center = a.center;
    this.scale = a.scale;
  }

  override build(inputShape: SymbolicShape): void {
    const features = inputShape[inputShape.length - 1];
    if (inputShape.length < 2 || features === null || features === undefined) {
      throw new InputShapeError({ layer: this.name, expected: 'expected rank >= 2 input [batch, ..., features] with a known feature axis', received: inputShape });
    }
    const shape = [features];
    if (this.scale) this.gamma = this.addWeight('gamma', { shape, initializer: new Ones() });
    if (this.center) this.beta = this.addWeight('beta', { shape, initializer: new Zeros() });
    this.movingMean = this.addWeight('moving_mean', { shape, initializer: new Zeros(), trainable: false });
    this.movingVariance = this.addWeight('moving_variance', { shape, initializer: new Ones(), trainable: false });
    super.build(inputShape);
  }

  override call(inputs: Tensor | Tensor[], ctx: CallContext): Tensor {
    const x = single(inputs);
    const rank = x.shape.length;
    if (rank < 2 || x.shape[rank - 1] !== this.movingMean.shape[0]) {
      throw new InputShapeError({ layer: this.name, expected: `expected rank >= 2 input [batch, ..., ${this.movingMean.shape[0]}]`, received: x.shape });
    }
    if (!ctx.training) return this.normalize(ops.sub(x, this.movingMean.value), this.movingVariance.value);
    const axes = [...Array(rank - 1).keys()];
    const mean = ops.mean(x, axes);
    const centered = ops.sub(x, mean);
    const variance = ops.mean(ops.square(centered), axes);
    this.updateMoving(this.movingMean, mean, x);
    this.updateMoving(this.movingVariance, variance, x);
    return this.normalize(centered, variance);
  }

  /** `gamma * centered / sqrt(variance + epsilon) + beta`, with the `[features]` factor computed first. */
  private normalize(centered: Tensor, variance: Tensor): Tensor {
    let factor = ops.div(1, ops.sqrt(ops.add(variance, this.epsilon)));
    if (this.gamma) factor = ops.mul(factor, this.gamma.value);
    const y = ops.mul(centered, factor);
    return this.beta ? ops.add(y, this.beta.value) : y;
  }

  /**
   * `moving = (1 - momentum) * moving + momentum * batchStat`, through
   * {@link Layer.addUpdate} (seed: batch-norm moving averages are updates,
   * conditional on the input): handed to `ctx.addUpdate` when the context
   * collects updates (applied after the step), else applied at once.
   */
  private updateMoving(variable: Variable, batchStat: Tensor, input: Tensor): void {
    const value = ops.add(ops.mul(variable.value, 1 - this.momentum), ops.mul(ops.stopGradient(batchStat), this.momentum));
    this.addUpdate({ variable, value }, input);
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), momentum: this.momentum, epsilon: this.epsilon, center: this.center, scale: this.scale };
  }
}

/**
 * RETURNN's `batch_norm` (`BatchNormLayer`): `momentum` (weight of the new
 * batch, default 0.1), `epsilon` (1e-3), `use_shift` and `use_std` (true):
 * {@link BatchNorm}.
 */
export const batchNormLayer: LayerSpec = { cls: BatchNorm, options: BATCH_NORM_OPTIONS, netDict: { names: ['batch_norm'], sources: 'concat' } };
