import { sizeOf, type Shape } from '@strata/backend';
import type { Rng } from '../rng.js';
import { computeFans, type Initializer } from './initializer.js';

/** Options of {@link Constant} (Keras `Constant(value)`); its `getConfig()`. */
export interface ConstantOptions {
  /** The value of every element. Default 0. */
  value?: number;
}

/** Every element `value`. */
export class Constant implements Initializer {
  readonly className: string = 'constant';
  /** The value of every element. */
  readonly value: number;
  constructor(options: ConstantOptions = {}) {
    this.value = options.value ?? 0;
  }
  generate(shape: Shape): Float32Array {
    return new Float32Array(sizeOf(shape)).fill(this.value);
  }
  getConfig(): Record<string, unknown> {
    return { value: this.value };
  }
}

/** All zeros (biases, moving means). */
export class Zeros extends Constant {
  override readonly className = 'zeros';
  constructor() {
    super({ value: 0 });
  }
  override getConfig(): Record<string, unknown> {
    return {};
  }
}

/** All ones (batch-norm gamma, moving variances). */
export class Ones extends Constant {
  override readonly className = 'ones';
  constructor() {
    super({ value: 1 });
  }
  override getConfig(): Record<string, unknown> {
    return {};
  }
}

/** Options of {@link RandomUniform} (Keras `RandomUniform(minval, maxval)`); its `getConfig()`. */
export interface RandomUniformOptions {
  /** Lower bound (inclusive) of the values. Default -0.05. */
  minval?: number;
  /** Upper bound (exclusive) of the values. Default 0.05. */
  maxval?: number;
}

/** Uniform in `[minval, maxval)`. */
export class RandomUniform implements Initializer {
  readonly className = 'random_uniform';
  /** Lower bound (inclusive). */
  readonly minval: number;
  /** Upper bound (exclusive). */
  readonly maxval: number;
  constructor(options: RandomUniformOptions = {}) {
    this.minval = options.minval ?? -0.05;
    this.maxval = options.maxval ?? 0.05;
  }
  generate(shape: Shape, rng: Rng): Float32Array {
    const a = new Float32Array(sizeOf(shape));
    for (let i = 0; i < a.length; i++) a[i] = this.minval + (this.maxval - this.minval) * rng.uniform();
    return a;
  }
  getConfig(): Record<string, unknown> {
    return { minval: this.minval, maxval: this.maxval };
  }
}

/** Options of {@link RandomNormal} (Keras `RandomNormal(mean, stddev)`, `TruncatedNormal` with `truncated`); its `getConfig()`. */
export interface RandomNormalOptions {
  /** Mean of the values. Default 0. */
  mean?: number;
  /** Standard deviation (before truncation). Default 0.05. */
  stddev?: number;
  /** Redraw values more than two standard deviations from the mean (Keras `TruncatedNormal`). Default false. */
  truncated?: boolean;
}

/** Normal with `mean` and `stddev`; `truncated` redraws values beyond two standard deviations. */
export class RandomNormal implements Initializer {
  readonly className: string = 'random_normal';
  readonly mean: number;
  readonly stddev: number;
  /** Whether values beyond two standard deviations are redrawn. */
  readonly truncated: boolean;
  constructor(options: RandomNormalOptions = {}) {
    this.mean = options.mean ?? 0;
    this.stddev = options.stddev ?? 0.05;
    this.truncated = options.truncated ?? false;
  }
  generate(shape: Shape, rng: Rng): Float32Array {
    const a = new Float32Array(sizeOf(shape));
    for (let i = 0; i < a.length; i++) {
      let z = rng.normal();
      while (this.truncated && Math.abs(z) > 2) z = rng.normal();
      a[i] = this.mean + this.stddev * z;
    }
    return a;
  }
  getConfig(): Record<string, unknown> {
    return { mean: this.mean, stddev: this.stddev, truncated: this.truncated };
  }
}

/** Which fan {@link VarianceScaling} divides by. */
export type FanMode = 'fan_in' | 'fan_out' | 'fan_avg';

/** How {@link VarianceScaling} draws. */
export type VarianceScalingDistribution = 'uniform' | 'truncated_normal' | 'untruncated_normal';

/**
 * Options of {@link VarianceScaling} (Keras `VarianceScaling(scale, mode,
 * distribution)`, defaults as there); `getConfig()` returns them without `className`.
 */
export interface VarianceScalingOptions {
  /** The registry name the instance serializes under (`glorot_uniform`, `he_normal`, ...). Default `'variance_scaling'`. */
  className?: string;
  /** Multiplier of the variance (2 for He, 1 for Glorot and LeCun). Positive. Default 1. */
  scale?: number;
  /** Which fan the variance is divided by. Default `'fan_in'`. */
  mode?: FanMode;
  /** `uniform` in `[-limit, limit)`, or a normal truncated at two standard deviations, or untruncated. Default `'truncated_normal'`. */
  distribution?: VarianceScalingDistribution;
}

/**
 * Keras' `VarianceScaling`: variance `scale / n` with `n` the chosen fan;
 * `uniform` draws from `[-limit, limit)` with `limit = sqrt(3 * scale / n)`,
 * `truncated_normal` from a normal truncated at two standard deviations
 * (standard deviation corrected by 0.87962566103423978 as Keras does).
 * Glorot (Glorot & Bengio 2010), He (He et al. 2015) and LeCun are instances.
 */
export class VarianceScaling implements Initializer {
  readonly className: string;
  readonly scale: number;
  readonly mode: FanMode;
  readonly distribution: VarianceScalingDistribution;
  constructor(options: VarianceScalingOptions = {}) {
    this.className = options.className ?? 'variance_scaling';
    this.scale = options.scale ?? 1;
    this.mode = options.mode ?? 'fan_in';
    this.distribution = options.distribution ?? 'truncated_normal';
  }
  generate(shape: Shape, rng: Rng): Float32Array {
    const { fanIn, fanOut } = computeFans(shape);
    const n = this.mode === 'fan_in' ? fanIn : this.mode === 'fan_out' ? fanOut : (fanIn + fanOut) / 2;
    const variance = this.scale / Math.max(1, n);
    if (this.distribution === 'uniform') {
      const limit = Math.sqrt(3 * variance);
      return new RandomUniform({ minval: -limit, maxval: limit }).generate(shape, rng);
    }
    const truncated = this.distribution === 'truncated_normal';
    const stddev = truncated ? Math.sqrt(variance) / 0.87962566103423978 : Math.sqrt(variance);
    return new RandomNormal({ mean: 0, stddev, truncated }).generate(shape, rng);
  }
  getConfig(): Record<string, unknown> {
    return { scale: this.scale, mode: this.mode, distribution: this.distribution };
  }
}

export const glorotUniform = (): Initializer => new VarianceScaling({ className: 'glorot_uniform', scale: 1, mode: 'fan_avg', distribution: 'uniform' });
export const glorotNormal = (): Initializer => new VarianceScaling({ className: 'glorot_normal', scale: 1, mode: 'fan_avg', distribution: 'truncated_normal' });
export const heUniform = (): Initializer => new VarianceScaling({ className: 'he_uniform', scale: 2, mode: 'fan_in', distribution: 'uniform' });
export const heNormal = (): Initializer => new VarianceScaling({ className: 'he_normal', scale: 2, mode: 'fan_in', distribution: 'truncated_normal' });
export const lecunUniform = (): Initializer => new VarianceScaling({ className: 'lecun_uniform', scale: 1, mode: 'fan_in', distribution: 'uniform' });
export const lecunNormal = (): Initializer => new VarianceScaling({ className: 'lecun_normal', scale: 1, mode: 'fan_in', distribution: 'truncated_normal' });
