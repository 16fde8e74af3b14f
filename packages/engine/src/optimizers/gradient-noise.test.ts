import { getBackend, ops, setBackend, type Tensor } from '@strata/backend';
import { registerOnnxruntimeBackends } from '@strata/backend-onnxruntime';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { Variable, type VariableOwner } from '@strata/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { OptimizerStateError } from './errors.js';
import { erfinv, truncatedNormal } from './gradient-noise.js';
import { SGD } from './sgd.js';

registerTfjsBackends();
registerOnnxruntimeBackends();

// tf.truncated_normal(stddev=1): N(0, 1) conditioned on |x| <= 2. Φ(1), Φ(2) and φ(2) to 12 digits.
const PHI1 = 0.841344746069;
const PHI2 = 0.977249868052;
const DENS2 = 0.053990966513;
const Z = 2 * PHI2 - 1;
/** Standard deviation of the truncated N(0, 1): sqrt(1 - 2·2·φ(2) / Z) ≈ 0.87962. */
const TRUNC_STD = Math.sqrt(1 - (4 * DENS2) / Z);
/** P(|x| > 1) under the truncated N(0, 1). */
const P_BEYOND_1 = (2 * (PHI2 - PHI1)) / Z;

function stats(v: ArrayLike<number>): { mean: number; std: number; maxAbs: number; beyond: (t: number) => number } {
  let s = 0;
  let s2 = 0;
  let maxAbs = 0;
  for (let i = 0; i < v.length; i++) {
    s += v[i]!;
    s2 += v[i]! * v[i]!;
    maxAbs = Math.max(maxAbs, Math.abs(v[i]!));
  }
  const mean = s / v.length;
  return {
    mean,
    std: Math.sqrt(s2 / v.length - mean * mean),
    maxAbs,
    beyond: (t) => Array.from(v).filter((x) => Math.abs(x) > t).length / v.length,
  };
}

const N = 200_000;
const SIGMA = 0.3;

/** The noise statistics of RETURNN's gradient_noise: mean 0, sd 0.87962σ, all within ±2σ, P(|x| > σ) = 0.28478. */
function expectTruncatedNormal(v: ArrayLike<number>, sigma: number, n: number): void {
  const s = stats(v);
  const sd = TRUNC_STD * sigma;
  // 5 standard errors.
  expect(Math.abs(s.mean)).toBeLessThan((5 * sd) / Math.sqrt(n));
  expect(Math.abs(s.std - sd)).toBeLessThan((5 * sd) / Math.sqrt(2 * n));
  expect(s.maxAbs).toBeLessThanOrEqual(2 * sigma * (1 + 1e-6));
  expect(s.maxAbs).toBeGreaterThan(1.99 * sigma);
  expect(Math.abs(s.beyond(sigma) - P_BEYOND_1)).toBeLessThan(5 * Math.sqrt((P_BEYOND_1 * (1 - P_BEYOND_1)) / n));
}

describe('truncatedNormal (RETURNN gradient_noise: tf.truncated_normal)', () => {
  beforeAll(() => setBackend('tfjs-cpu'));

  it('√2 · erfinv(2p - 1) is Φ⁻¹(p) (reference values of the normal quantile)', () => {
    const p = [0.5, 0.975, 0.025, 0.2, 0.841344746069, 0.158655253931, 0.6, 0.977249868052];
    const want = [0, 1.959963985, -1.959963985, -0.841621234, 1, -1, 0.253347103, 2];
    const got = Array.from(ops.readSync(ops.mul(erfinv(ops.tensor(p.map((x) => 2 * x - 1), [p.length])), Math.SQRT2)));
    got.forEach((g, i) => expect(g).toBeCloseTo(want[i]!, 5));
  });

  it(`has the statistics of tf.truncated_normal(stddev=${SIGMA}) over ${N} samples`, () => {
    expectTruncatedNormal(ops.readSync(truncatedNormal([N], SIGMA, 1234)), SIGMA, N);
  });

  it('same seed, same samples; another seed, other samples', () => {
    const a = Array.from(ops.readSync(truncatedNormal([1000], 1, 7)));
    expect(Array.from(ops.readSync(truncatedNormal([1000], 1, 7)))).toEqual(a);
    const c = Array.from(ops.readSync(truncatedNormal([1000], 1, 8)));
    expect(c.filter((x, i) => x === a[i]).length).toBeLessThan(5);
  });

  it('SGD with gradientNoise: a zero gradient moves w by -lr · noise; needs a seed source', () => {
    const b = getBackend();
    const w = new Variable({ owner: { scopeName: 'net', effectiveTrainable: true }, name: 'w', value: b.variable(ops.zeros([N]), true) });
    const opt = new SGD({ learningRate: 1, gradientNoise: SIGMA });
    expect(() => opt.apply([w], [ops.zeros([N])])).toThrow(OptimizerStateError);
    let seed = 99;
    opt.apply([w], [ops.zeros([N])], { nextSeed: () => seed++ });
    expectTruncatedNormal(Array.from(ops.readSync(w.value)).map((x) => -x), SIGMA, N);
    expect(Array.from(ops.readSync(w.value)).slice(0, 20)).toEqual(Array.from(ops.readSync(ops.neg(truncatedNormal([N], SIGMA, 99)))).slice(0, 20));
  });

  it('comes before the clipping (RETURNN _post_process_grad order): noise of stddev 1 clipped to ±0.01', () => {
    const b = getBackend();
    const w = new Variable({ owner: { scopeName: 'net', effectiveTrainable: true }, name: 'v', value: b.variable(ops.zeros([10_000]), true) });
    const opt = new SGD({ learningRate: 1, gradientNoise: 1, clipValue: 0.01 });
    opt.apply([w], [ops.zeros([10_000])], { nextSeed: () => 3 });
    const d = Array.from(ops.readSync(w.value));
    expect(Math.max(...d.map(Math.abs))).toBeLessThanOrEqual(0.01 + 1e-9);
    // P(|x| <= 0.01) for the truncated N(0, 1) is about 0.0084: nearly every element sits on the clip bound.
    expect(d.filter((x) => Math.abs(Math.abs(x) - 0.01) < 1e-9).length / d.length).toBeGreaterThan(0.98);
  });
});

describe('gradientNoise in a compiled step on onnxruntime', () => {
  beforeAll(() => setBackend('onnxruntime'));

  it('draws fresh noise on every run of the graph, with the right statistics; same seeds, same sequence', () => {
    const n = 50_000;
    const runs = (seed: number): number[][] => {
      const b = getBackend();
      const w = new Variable({ owner: { scopeName: 'net', effectiveTrainable: true }, name: 'w', value: b.variable(ops.zeros([n]), true) });
      const opt = new SGD({ learningRate: 1, gradientNoise: SIGMA });
      opt.createSlots([w]);
      let s = seed;
      const step = b.compile((g: Tensor) => {
        opt.apply([w], [g], { nextSeed: () => s++ });
        return [ops.sum(w.value)];
      });
      const deltas: number[][] = [];
      let before = new Float32Array(n);
      for (let r = 0; r < 3; r++) {
        ops.tidy(() => void step(ops.zeros([n])));
        const now = Float32Array.from(w.readSync());
        deltas.push(Array.from(now, (x, i) => before[i]! - x));
        before = now;
      }
      opt.dispose();
      b.dispose(w.value);
      return deltas;
    };
    const a = runs(5);
    for (const d of a) expectTruncatedNormal(d, SIGMA, n);
    // Different per step: the runs' noises are (nearly) uncorrelated.
    const corr = a[0]!.reduce((acc, x, i) => acc + x * a[1]![i]!, 0) / (n * (TRUNC_STD * SIGMA) ** 2);
    expect(Math.abs(corr)).toBeLessThan(5 / Math.sqrt(n));
    const again = runs(5);
    expect(again[2]!.slice(0, 50)).toEqual(a[2]!.slice(0, 50));
  });
});
