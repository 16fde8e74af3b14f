// RETURNN's initializer strings (get_initializer in returnn/tf/util/basic.py) read without eval:
// each maps onto the Strata initializer with TF 1's meaning (init_ops.py defaults), checked by
// the distribution's closed form over many draws and by the config.
import { describe, expect, it } from 'vitest';
import { Orthogonal, recInitializer } from '../layers/rec/orthogonal.js';
import { Rng } from '../rng.js';
import { getInitializer, parseReturnnInitializer, ReturnnInitializerError, VarianceScaling } from './index.js';

const stats = (a: Float32Array) => {
  const mean = a.reduce((s, v) => s + v, 0) / a.length;
  const std = Math.sqrt(a.reduce((s, v) => s + (v - mean) ** 2, 0) / a.length);
  return { mean, std, min: Math.min(...a), max: Math.max(...a) };
};
const draw = (spec: string, shape = [200, 100]) => getInitializer(spec).generate(shape, new Rng(5));

describe('RETURNN initializer strings', () => {
  it('parses names, positional and keyword literals, with TF 1 defaults filled in', () => {
    expect(parseReturnnInitializer('random_normal_initializer(stddev=0.1)')).toEqual({ name: 'random_normal', args: { mean: 0, stddev: 0.1 } });
    expect(parseReturnnInitializer('random_uniform(-0.5, 0.5)')).toEqual({ name: 'random_uniform', args: { minval: -0.5, maxval: 0.5 } });
    expect(parseReturnnInitializer("variance_scaling_initializer(scale=2., mode='fan_avg', distribution=\"uniform\", seed=None)")).toEqual({
      name: 'variance_scaling',
      args: { scale: 2, mode: 'fan_avg', distribution: 'uniform' },
    });
    expect(parseReturnnInitializer('VarianceScaling(1e-1)')).toEqual({ name: 'variance_scaling', args: { scale: 0.1, mode: 'fan_in', distribution: 'truncated_normal' } });
    expect(parseReturnnInitializer('glorot_uniform')).toEqual({ name: 'glorot_uniform', args: {} });
  });

  it('random_normal_initializer(stddev=0.1): normal, mean 0, std 0.1', () => {
    const s = stats(draw('random_normal_initializer(stddev=0.1)'));
    expect(Math.abs(s.mean)).toBeLessThan(0.003);
    expect(Math.abs(s.std - 0.1)).toBeLessThan(0.003);
    expect(s.max).toBeGreaterThan(0.3); // not truncated at 2 std
  });

  it('truncated_normal_initializer(mean=1.0, stddev=0.5): within mean ± 2 std', () => {
    const s = stats(draw('truncated_normal_initializer(mean=1.0, stddev=0.5)'));
    expect(s.min).toBeGreaterThanOrEqual(0);
    expect(s.max).toBeLessThanOrEqual(2);
    expect(Math.abs(s.mean - 1)).toBeLessThan(0.01);
  });

  it('random_uniform_initializer() is TF 1 [0, 1); with minval/maxval their range', () => {
    const u = stats(draw('random_uniform_initializer()'));
    expect(u.min).toBeGreaterThanOrEqual(0);
    expect(u.max).toBeLessThan(1);
    expect(Math.abs(u.mean - 0.5)).toBeLessThan(0.01);
    const r = stats(draw('random_uniform_initializer(minval=-0.2, maxval=0.2)'));
    expect(r.min).toBeGreaterThanOrEqual(-0.2);
    expect(r.max).toBeLessThan(0.2);
  });

  it("variance_scaling_initializer: uniform limit sqrt(3 scale / fan); 'normal' is TF 1's truncated normal", () => {
    // [200, 100] kernel: fan_in 200, fan_out 100, fan_avg 150.
    const u = stats(draw("variance_scaling_initializer(scale=2.0, mode='fan_avg', distribution='uniform')"));
    const limit = Math.sqrt((3 * 2) / 150);
    expect(u.max).toBeLessThanOrEqual(limit);
    expect(u.max).toBeGreaterThan(0.98 * limit);
    const n = getInitializer("variance_scaling_initializer(scale=0.5, mode='fan_out', distribution='normal')") as VarianceScaling;
    expect(n).toBeInstanceOf(VarianceScaling);
    expect([n.scale, n.mode, n.distribution]).toEqual([0.5, 'fan_out', 'truncated_normal']);
    // TF 1's truncated normal: std sqrt(scale / fan) after truncation (stddev / .8796 before).
    const s = stats(n.generate([200, 100], new Rng(3)));
    expect(Math.abs(s.std - Math.sqrt(0.5 / 100))).toBeLessThan(0.002);
  });

  it('glorot_uniform, zeros_initializer, constant_initializer(0.3) and orthogonal_initializer(gain=2.0)', () => {
    expect(stats(draw('glorot_uniform_initializer()')).max).toBeLessThanOrEqual(Math.sqrt(6 / 300));
    expect(Array.from(draw('zeros_initializer', [3]))).toEqual([0, 0, 0]);
    expect(Array.from(draw('constant_initializer(0.3)', [2]))).toEqual([Math.fround(0.3), Math.fround(0.3)]);
    const o = recInitializer('orthogonal_initializer(gain=2.0)');
    expect(o).toBeInstanceOf(Orthogonal);
    // Orthogonal columns of norm gain: W^T W = gain^2 I.
    const w = o.generate([6, 4], new Rng(1));
    for (let i = 0; i < 4; i++) {
      for (let j = 0; j < 4; j++) {
        let dot = 0;
        for (let r = 0; r < 6; r++) dot += w[r * 4 + i]! * w[r * 4 + j]!;
        expect(dot).toBeCloseTo(i === j ? 4 : 0, 4);
      }
    }
  });

  it('refuses what it cannot read without running code, naming the string', () => {
    expect(() => getInitializer('random_normal_initializer(stddev=sqrt(2))')).toThrow(ReturnnInitializerError);
    expect(() => getInitializer('random_normal_initializer(stddev=sqrt(2))')).toThrow('the argument "sqrt(2)" is not a literal');
    expect(() => getInitializer('load_weights_initializer(1)')).toThrow("'load_weights_initializer' is not an initializer Strata knows.");
    expect(() => getInitializer('random_normal_initializer(std=0.1)')).toThrow("random_normal has no argument 'std' (it takes mean, stddev, seed)");
    expect(() => getInitializer('random_normal_initializer(0, 1, 2, 3)')).toThrow('random_normal takes 2 positional argument(s); got 4.');
    expect(() => getInitializer("variance_scaling_initializer(mode='fan_sum')")).toThrow("mode must be 'fan_in', 'fan_out' or 'fan_avg'");
    expect(() => getInitializer('orthogonal_initializer()')).toThrow('made by the recurrent layers only');
  });
});
