import { sizeOf, type Shape } from '@strata/backend';
import type { Rng } from '../rng.js';
import { computeFans, type Initializer } from './initializer.js';

/** Every element `value`. */
export class Constant implements Initializer {
  readonly className: string = 'constant';
  constructor(readonly value = 0) {}
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
    super(0);
  }
  override getConfig(): Record<string, unknown> {
    return {};
  }
}

/** All ones (batch-norm gamma, moving variances). */
export class Ones extends Constant {
  override readonly className = 'ones';
  constructor() {
    super(1);
  }
  override getConfig(): Record<string, unknown> {
    return {};
  }
}

/** Uniform in `[minval, maxval)`. */
export class RandomUniform implements Initializer {
  readonly className = 'random_uniform';
  constructor(
    readonly minval = -0.05,
    readonly maxval = 0.05,
  ) {}
  generate(shape: Shape, rng: Rng): Float32Array {
    const a = new Float32Array(sizeOf(shape));
    for (let i = 0; i < a.length; i++) a[i] = this.minval + (this.maxval - this.minval) * rng.uniform();
    return a;
  }
  getConfig(): Record<string, unknown> {
    return { minval: this.minval, maxval: this.maxval };
  }
}

/** Normal with `mean` and `stddev`; `truncated` redraws values beyond two standard deviations. */
export class RandomNormal implements Initializer {
  readonly className: string = 'random_normal';
  constructor(
    readonly mean = 0,
    readonly stddev = 0.05,
    readonly truncated = false,
  ) {}
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

/**
 * Keras' `VarianceScaling`: variance `scale / n` with `n` the chosen fan;
 * `uniform` draws from `[-limit, limit)` with `limit = sqrt(3 * scale / n)`,
 * `truncated_normal` from a normal truncated at two standard deviations
 * (standard deviation corrected by 0.87962566103423978 as Keras does).
 * Glorot (Glorot & Bengio 2010), He (He et al. 2015) and LeCun are instances.
 */
export class VarianceScaling implements Initializer {
  constructor(
    readonly className: string,
    readonly scale: number,
    readonly mode: FanMode,
    readonly distribution: 'uniform' | 'truncated_normal' | 'untruncated_normal',
  ) {}
  generate(shape: Shape, rng: Rng): Float32Array {
    const { fanIn, fanOut } = computeFans(shape);
    const n = this.mode === 'fan_in' ? fanIn : this.mode === 'fan_out' ? fanOut : (fanIn + fanOut) / 2;
    const variance = this.scale / Math.max(1, n);
    if (this.distribution === 'uniform') {
      const limit = Math.sqrt(3 * variance);
      return new RandomUniform(-limit, limit).generate(shape, rng);
    }
    const truncated = this.distribution === 'truncated_normal';
    const stddev = truncated ? Math.sqrt(variance) / 0.87962566103423978 : Math.sqrt(variance);
    return new RandomNormal(0, stddev, truncated).generate(shape, rng);
  }
  getConfig(): Record<string, unknown> {
    return { scale: this.scale, mode: this.mode, distribution: this.distribution };
  }
}

export const glorotUniform = (): Initializer => new VarianceScaling('glorot_uniform', 1, 'fan_avg', 'uniform');
export const glorotNormal = (): Initializer => new VarianceScaling('glorot_normal', 1, 'fan_avg', 'truncated_normal');
export const heUniform = (): Initializer => new VarianceScaling('he_uniform', 2, 'fan_in', 'uniform');
export const heNormal = (): Initializer => new VarianceScaling('he_normal', 2, 'fan_in', 'truncated_normal');
export const lecunUniform = (): Initializer => new VarianceScaling('lecun_uniform', 1, 'fan_in', 'uniform');
export const lecunNormal = (): Initializer => new VarianceScaling('lecun_normal', 1, 'fan_in', 'truncated_normal');
