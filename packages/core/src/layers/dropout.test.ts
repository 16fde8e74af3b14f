import { ops } from '@strata/backend';
import { beforeAll, describe, expect, it } from 'vitest';
import { LayerArgumentError } from '../errors.js';
import { type CallContext, INFERENCE, trainingContext } from '../layer.js';
import { Rng } from '../rng.js';
import { expectClose, gradsOf, randomValues, useBackend } from '../test-utils/setup.js';
import { applyDropout, Dropout } from './dropout.js';

beforeAll(() => useBackend('tfjs-cpu'));

const seeded = (seed: number): CallContext => ({ training: true, nextSeed: () => seed });
// Values in [0.5, 1.5): never zero, so a zero in the output is a dropped element.
const values = randomValues(200 * 100, 3).map((v) => Math.abs(v) + 0.5);
const x = () => ops.tensor(values, [200, 100]);

describe('Dropout', () => {
  it('is the identity in inference', () => {
    const y = new Dropout({ rate: 0.5 }).apply(x(), INFERENCE);
    expect(Array.from(ops.readSync(y))).toEqual(Array.from(values));
  });

  it('in training zeroes about `rate` of the elements and scales survivors by 1/(1-rate)', () => {
    const rate = 0.3;
    const y = ops.readSync(new Dropout({ rate }).apply(x(), seeded(42)));
    let zeros = 0;
    for (let i = 0; i < y.length; i++) {
      if (y[i] === 0) zeros++;
      else expect(y[i]).toBeCloseTo(values[i]! / (1 - rate), 5);
    }
    // 20000 Bernoulli(0.3) draws: standard deviation 0.0032, so 0.3 ± 0.015 is ~4.6 sigma.
    expect(Math.abs(zeros / y.length - rate)).toBeLessThan(0.015);
  });

  it('gives the same mask for the same seed and another for another seed', () => {
    const layer = new Dropout({ rate: 0.5 });
    const a = ops.readSync(layer.apply(x(), seeded(7)));
    const b = ops.readSync(layer.apply(x(), seeded(7)));
    const c = ops.readSync(layer.apply(x(), seeded(8)));
    expect(Array.from(a)).toEqual(Array.from(b));
    const differ = a.filter((v, i) => (v === 0) !== (c[i] === 0)).length;
    expect(differ).toBeGreaterThan(a.length / 4);
  });

  it('draws a fresh seed per call from a training context, reproducibly from the Rng seed', () => {
    const layer = new Dropout({ rate: 0.5 });
    const ctx1 = trainingContext(new Rng(1));
    const first = ops.readSync(layer.apply(x(), ctx1));
    const second = ops.readSync(layer.apply(x(), ctx1));
    const again = ops.readSync(layer.apply(x(), trainingContext(new Rng(1))));
    expect(Array.from(first)).not.toEqual(Array.from(second));
    expect(Array.from(again)).toEqual(Array.from(first));
  });

  it('passes the gradient through kept elements only, scaled by 1/(1-rate)', () => {
    const rate = 0.25;
    const small = ops.tensor(values.slice(0, 60), [6, 10]);
    const y = ops.readSync(applyDropout(small, rate, seeded(5)));
    const { grads } = gradsOf((xx) => applyDropout(xx, rate, seeded(5)), small, [], 0);
    const upstream = randomValues(60, 0);
    const want = Array.from(y, (v, i) => (v === 0 ? 0 : upstream[i]! / (1 - rate)));
    expectClose(grads[0]!, want);
  });

  it('with rate 0 returns its input in training', () => {
    const t = x();
    expect(applyDropout(t, 0, seeded(1))).toBe(t);
  });

  for (const rate of [1, -0.1, 1.5, Number.NaN]) {
    it(`rejects rate=${rate} in Keras form`, () => {
      expect(() => new Dropout({ rate })).toThrow(LayerArgumentError);
      expect(() => new Dropout({ rate })).toThrow(`Received: rate=${rate}.`);
      expect(() => applyDropout(x(), rate, INFERENCE)).toThrow(LayerArgumentError);
    });
  }
});
