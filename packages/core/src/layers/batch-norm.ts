import { ops, type Tensor } from '@strata/backend';
import { z } from 'zod';
import { InputShapeError } from '../errors.js';
import { Ones, Zeros } from '../initializers/index.js';
import { type CallContext, Layer, type LayerArgs, type LayerConfig, type SymbolicShape } from '../layer.js';
import { LayerArgumentError } from '../errors.js';
import { type LayerOptions, type LayerSpec, option, resolveArgs, schemas } from '../layer-spec.js';
import { sequenceMask } from '../sequence-mask.js';
import type { Variable } from '../variable.js';
import { xShapeOf } from './seq/seq-inputs.js';

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
  /**
   * Batch statistics over the valid frames only (RETURNN `masked_time`): with
   * `[x, seqLens]`, frames `t >= seqLens[b]` of `x` `[batch, time, ..., features]`
   * do not count. Default false (every frame counts). A net dict must give it
   * from `behavior_version` 12 (RETURNN's rule); before, it defaults to true.
   */
  maskedTime?: boolean;
  /**
   * Update the moving statistics only in training (RETURNN `update_sample_only_in_training`).
   * Default true; false (RETURNN's default before `behavior_version` 12): evaluation also
   * computes the batch statistics and moves the moving ones towards them.
   */
  updateSampleOnlyInTraining?: boolean;
  /**
   * Normalize with the moving statistics as they were before this batch's update
   * (RETURNN `delay_sample_update`). Default true; false (RETURNN's default before
   * `behavior_version` 12): where statistics are updated and used (evaluation with
   * `updateSampleOnlyInTraining` false), the updated ones are used.
   */
  delaySampleUpdate?: boolean;
  /**
   * RETURNN's `param_version` (0, 1 or 2): only the names and shapes of RETURNN's
   * params (`<layer>_<layer>_output_mean` `[1,1,C]`, `mean` `[1,1,C]`, `v2_mean` `[C]`),
   * which the checkpoint loader maps onto `moving_mean`...; no effect on numbers.
   * Default 2 (RETURNN's from `behavior_version` 12; 0 before).
   */
  paramVersion?: 0 | 1 | 2;
  /**
   * RETURNN's fused path (`tf.compat.v1.nn.fused_batch_norm`, taken when `param_version` >= 2, `masked_time` false and
   * `use_shift`/`use_std` true; a net dict derives it, it is no RETURNN key): evaluation always normalises with the
   * moving statistics and updates nothing (`updateSampleOnlyInTraining`/`delaySampleUpdate` have no effect), and
   * training moves the moving variance towards the batch's *unbiased* variance (`n / (n - 1)` times the biased one
   * it normalises with, as TF's FusedBatchNormV3 kernel). Default false.
   */
  fused?: boolean;
}

const MOMENTUM = "must be a number in [0, 1] (the weight of the new batch, RETURNN's convention: Keras' momentum 0.9 is 0.1 here)";

/** BatchNorm's arguments in both vocabularies (RETURNN `BatchNormLayer`'s keys; the defaults are RETURNN's, behavior version >= 12). */
const BATCH_NORM_OPTIONS = {
  momentum: option(z.number({ error: MOMENTUM }).min(0, { error: MOMENTUM }).max(1, { error: MOMENTUM }), {
    default: 0.1,
    returnn: 'momentum',
    returnnDefaultFor: (v) => (v >= 12 ? 0.1 : 0.99),
  }),
  epsilon: option(schemas.positive(), { default: 1e-3, returnn: 'epsilon' }),
  center: option(schemas.boolean(), { default: true, returnn: 'use_shift' }),
  scale: option(schemas.boolean(), { default: true, returnn: 'use_std' }),
  maskedTime: option(schemas.boolean(), { default: false, returnn: 'masked_time', returnnDefaultFor: (v) => (v >= 12 ? undefined : true) }),
  updateSampleOnlyInTraining: option(schemas.boolean(), { default: true, returnn: 'update_sample_only_in_training', returnnDefaultFor: (v) => v >= 12 }),
  delaySampleUpdate: option(schemas.boolean(), { default: true, returnn: 'delay_sample_update', returnnDefaultFor: (v) => v >= 12 }),
  paramVersion: option(z.union([z.literal(0), z.literal(1), z.literal(2)], { error: 'must be 0, 1 or 2' }), {
    default: 2,
    returnn: 'param_version',
    returnnDefaultFor: (v) => (v >= 12 ? 2 : 0),
  }),
  fused: option(schemas.boolean(), { default: false }),
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
  readonly maskedTime: boolean;
  readonly updateSampleOnlyInTraining: boolean;
  readonly delaySampleUpdate: boolean;
  readonly paramVersion: 0 | 1 | 2;
  readonly fused: boolean;
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
    this.maskedTime = a.maskedTime;
    this.updateSampleOnlyInTraining = a.updateSampleOnlyInTraining;
    this.delaySampleUpdate = a.delaySampleUpdate;
    this.paramVersion = a.paramVersion;
    this.fused = a.fused;
  }

  override build(shapes: SymbolicShape | SymbolicShape[]): void {
    const inputShape = xShapeOf(shapes);
    const features = inputShape[inputShape.length - 1];
    if (inputShape.length < 2 || features === null || features === undefined) {
      throw new InputShapeError({ layer: this.name, expected: 'expected rank >= 2 input [batch, ..., features] with a known feature axis', received: inputShape });
    }
    const shape = [features];
    if (this.scale) this.gamma = this.addWeight('gamma', { shape, initializer: new Ones() });
    if (this.center) this.beta = this.addWeight('beta', { shape, initializer: new Zeros() });
    this.movingMean = this.addWeight('moving_mean', { shape, initializer: new Zeros(), trainable: false });
    this.movingVariance = this.addWeight('moving_variance', { shape, initializer: new Ones(), trainable: false });
    super.build(shapes);
  }

  override call(inputs: Tensor | Tensor[], ctx: CallContext): Tensor {
    const [x, seqLens] = Array.isArray(inputs) ? inputs : [inputs];
    const rank = x!.shape.length;
    if (rank < 2 || x!.shape[rank - 1] !== this.movingMean.shape[0]) {
      throw new InputShapeError({ layer: this.name, expected: `expected rank >= 2 input [batch, ..., ${this.movingMean.shape[0]}]`, received: x!.shape });
    }
    const training = ctx.training === true;
    if (!training && (this.updateSampleOnlyInTraining || this.fused)) return this.normalize(ops.sub(x!, this.movingMean.value), this.movingVariance.value);
    const { mean, variance } = this.moments(x!, this.maskedTime && rank >= 3 ? seqLens : undefined);
    const newMean = this.moved(this.movingMean, mean);
    const n = x!.shape.slice(0, -1).reduce((a, b) => a * b, 1);
    // The fused kernel moves towards the unbiased variance (Bessel's correction; none for a single frame).
    const newVariance = this.moved(this.movingVariance, this.fused && n > 1 ? ops.mul(variance, n / (n - 1)) : variance);
    // Training: the batch statistics. RETURNN's evaluation with update_sample_only_in_training false: the moving
    // statistics, updated unless delayed. Computed before the update (which may be applied at once).
    const y = training
      ? this.normalize(ops.sub(x!, mean), variance)
      : this.delaySampleUpdate
        ? this.normalize(ops.sub(x!, this.movingMean.value), this.movingVariance.value)
        : this.normalize(ops.sub(x!, newMean), newVariance);
    this.addUpdate({ variable: this.movingMean, value: newMean }, x!);
    this.addUpdate({ variable: this.movingVariance, value: newVariance }, x!);
    return y;
  }

  /**
   * Mean and biased variance `[features]` over every axis but the last; with
   * `seqLens` (`maskedTime`), over the valid frames of axis 1 only (RETURNN's
   * `copy_time_flattened` before `tf.nn.moments`).
   */
  private moments(x: Tensor, seqLens: Tensor | undefined): { mean: Tensor; variance: Tensor } {
    const rank = x.shape.length;
    const axes = [...Array(rank - 1).keys()];
    if (!seqLens) {
      const mean = ops.mean(x, axes);
      return { mean, variance: ops.mean(ops.square(ops.sub(x, mean)), axes) };
    }
    const mask = ops.reshape(sequenceMask(seqLens, x.shape[1]!), [x.shape[0]!, x.shape[1]!, ...new Array<number>(rank - 2).fill(1)]);
    const perFrame = x.shape.slice(2, -1).reduce((a, b) => a * b, 1);
    const count = ops.mul(ops.sum(mask), perFrame);
    const mean = ops.div(ops.sum(ops.mul(x, mask), axes), count);
    const variance = ops.div(ops.sum(ops.mul(ops.square(ops.sub(x, mean)), mask), axes), count);
    return { mean, variance };
  }

  /** `gamma * centered / sqrt(variance + epsilon) + beta`, with the `[features]` factor computed first. */
  private normalize(centered: Tensor, variance: Tensor): Tensor {
    let factor = ops.div(1, ops.sqrt(ops.add(variance, this.epsilon)));
    if (this.gamma) factor = ops.mul(factor, this.gamma.value);
    const y = ops.mul(centered, factor);
    return this.beta ? ops.add(y, this.beta.value) : y;
  }

  /**
   * `(1 - momentum) * moving + momentum * batchStat`: the new value of a moving
   * statistic, assigned through {@link Layer.addUpdate} in `call` (seed: batch-norm
   * moving averages are updates, conditional on the input): handed to `ctx.addUpdate`
   * when the context collects updates (applied after the step), else applied at once.
   */
  private moved(variable: Variable, batchStat: Tensor): Tensor {
    return ops.add(ops.mul(variable.value, 1 - this.momentum), ops.mul(ops.stopGradient(batchStat), this.momentum));
  }

  override getConfig(): LayerConfig {
    return {
      ...super.getConfig(),
      momentum: this.momentum,
      epsilon: this.epsilon,
      center: this.center,
      scale: this.scale,
      maskedTime: this.maskedTime,
      updateSampleOnlyInTraining: this.updateSampleOnlyInTraining,
      delaySampleUpdate: this.delaySampleUpdate,
      paramVersion: this.paramVersion,
      fused: this.fused,
    };
  }
}

/**
 * RETURNN's `batch_norm` (`BatchNormLayer`, returnn/tf/layers/base.py
 * `LayerBase.batch_norm`): `momentum`, `epsilon` (1e-3), `use_shift` and
 * `use_std` (true), `masked_time`, `update_sample_only_in_training`,
 * `delay_sample_update`, `param_version`, with RETURNN's defaults per
 * `behavior_version` (before 12: momentum 0.99, masked_time true, no
 * sample-update restriction or delay, param_version 0; from 12: 0.1, false,
 * true, true, 2, and `masked_time` must be given): {@link BatchNorm}, given
 * the input's lengths when `masked_time`; RETURNN's fused path ({@link BatchNormArgs.fused})
 * where RETURNN takes it.
 */
export const batchNormLayer: LayerSpec = {
  cls: BatchNorm,
  options: BATCH_NORM_OPTIONS,
  netDict: {
    names: ['batch_norm'],
    sources: 'concat',
    seqLens: (layer) => (layer as BatchNorm).maskedTime,
    derive: (ctx, args) => {
      if ((ctx.behaviorVersion ?? 0) >= 12 && ctx.entry.masked_time === undefined) {
        throw new LayerArgumentError(
          'masked_time must be given from behavior_version 12 (RETURNN: "batch_norm masked_time should be specified explicitly"): true to take the statistics over the valid frames only, false over all. Received: no masked_time.',
        );
      }
      // RETURNN takes tf.compat.v1.nn.fused_batch_norm when param_version >= 2, not masked_time, use_shift and use_std.
      return { fused: args.paramVersion === 2 && args.maskedTime === false && args.center !== false && args.scale !== false };
    },
  },
};
