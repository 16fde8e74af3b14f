import { describe, expect, it } from 'vitest';
import { Rng } from '../rng.js';
import {
  Constant,
  type ConstantOptions,
  computeFans,
  getInitializer,
  type Initializer,
  INITIALIZER_NAMES,
  initializerFromConfig,
  RandomNormal,
  type RandomNormalOptions,
  RandomUniform,
  type RandomUniformOptions,
  serializeInitializer,
  VarianceScaling,
  type VarianceScalingOptions,
} from './index.js';

const stats = (a: Float32Array) => {
  const mean = a.reduce((s, v) => s + v, 0) / a.length;
  const variance = a.reduce((s, v) => s + (v - mean) ** 2, 0) / a.length;
  return { mean, std: Math.sqrt(variance), min: Math.min(...a), max: Math.max(...a) };
};

describe('initializers (Keras VarianceScaling closed forms)', () => {
  it('fans of dense and conv kernels', () => {
    expect(computeFans([784, 256])).toEqual({ fanIn: 784, fanOut: 256 });
    expect(computeFans([3, 3, 32, 64])).toEqual({ fanIn: 288, fanOut: 576 });
  });

  it('glorot_uniform draws from [-sqrt(6/(in+out)), sqrt(6/(in+out))) with that variance', () => {
    const a = getInitializer('glorot_uniform').generate([400, 200], new Rng(1));
    const limit = Math.sqrt(6 / 600);
    const s = stats(a);
    expect(s.min).toBeGreaterThanOrEqual(-limit);
    expect(s.max).toBeLessThan(limit);
    expect(s.max).toBeGreaterThan(limit * 0.99);
    expect(s.std).toBeCloseTo(limit / Math.sqrt(3), 3);
    expect(Math.abs(s.mean)).toBeLessThan(1e-3);
  });

  it('he_normal has std sqrt(2/fan_in), truncated at two (corrected) standard deviations', () => {
    const a = getInitializer('heNormal').generate([3, 3, 64, 128], new Rng(2));
    const s = stats(a);
    const std = Math.sqrt(2 / (9 * 64));
    expect(s.std).toBeCloseTo(std, 3);
    expect(s.max).toBeLessThanOrEqual((2 * std) / 0.87962566103423978 + 1e-6);
  });

  it('lecun_uniform, zeros, ones, constant', () => {
    expect(stats(getInitializer('lecun_uniform').generate([500, 100], new Rng(3))).std).toBeCloseTo(Math.sqrt(1 / 500), 3);
    expect(Array.from(getInitializer('zeros').generate([3], new Rng(0)))).toEqual([0, 0, 0]);
    expect(Array.from(getInitializer('ones').generate([2, 2], new Rng(0)))).toEqual([1, 1, 1, 1]);
  });

  it('the same seed gives the same values; another seed others', () => {
    const g = getInitializer('glorot_uniform');
    expect(Array.from(g.generate([5, 5], new Rng(7)))).toEqual(Array.from(g.generate([5, 5], new Rng(7))));
    expect(Array.from(g.generate([5, 5], new Rng(7)))).not.toEqual(Array.from(g.generate([5, 5], new Rng(8))));
  });

  it('an unknown name lists the known ones', () => {
    expect(() => getInitializer('glorot_uniformm')).toThrow(new RegExp(INITIALIZER_NAMES.slice(0, 3).join(', ')));
  });
});

describe('initializer options objects (Keras keyword arguments)', () => {
  const made: [string, Initializer, (config: Record<string, unknown>) => Initializer][] = [
    ['Constant', new Constant({ value: 0.25 }), (c) => new Constant(c as ConstantOptions)],
    ['RandomUniform', new RandomUniform({ minval: 1, maxval: 2 }), (c) => new RandomUniform(c as RandomUniformOptions)],
    ['RandomNormal', new RandomNormal({ mean: 3, stddev: 0.5, truncated: true }), (c) => new RandomNormal(c as RandomNormalOptions)],
    ['VarianceScaling', new VarianceScaling({ scale: 2, mode: 'fan_out', distribution: 'uniform' }), (c) => new VarianceScaling(c as VarianceScalingOptions)],
  ];
  it.each(made)('%s: getConfig() is its options, and initializerFromConfig(serializeInitializer(x)) draws the same values', (_name, init, make) => {
    const same = (other: Initializer) => expect(Array.from(other.generate([4, 3], new Rng(5)))).toEqual(Array.from(init.generate([4, 3], new Rng(5))));
    same(make(init.getConfig()));
    const { className, config } = serializeInitializer(init);
    same(initializerFromConfig(className, JSON.parse(JSON.stringify(config))));
  });

  it('defaults are Keras\' (VarianceScaling: scale 1, fan_in, truncated_normal, serialized as variance_scaling)', () => {
    expect(new Constant().getConfig()).toEqual({ value: 0 });
    expect(new RandomUniform().getConfig()).toEqual({ minval: -0.05, maxval: 0.05 });
    expect(new RandomNormal().getConfig()).toEqual({ mean: 0, stddev: 0.05, truncated: false });
    expect(serializeInitializer(new VarianceScaling())).toEqual({ className: 'variance_scaling', config: { scale: 1, mode: 'fan_in', distribution: 'truncated_normal' } });
  });
});
