import { ops } from '@strata/backend';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectClose, randomTensor, randomValues, useBackend } from '../test-utils/setup.js';
import { Linear } from './linear.js';
import { Softmax } from './softmax.js';

beforeAll(() => useBackend('tfjs-cpu'));

describe('Softmax', () => {
  const kernel = randomValues(5 * 4, 1);
  const bias = randomValues(4, 2);

  it('logits equal a Linear with the same weights, and the output is their softmax', () => {
    const x = randomTensor([3, 5], 3);
    const sm = new Softmax({ units: 4 });
    sm.apply(x);
    sm.setWeights([kernel, bias]);
    const lin = new Linear({ units: 4 });
    lin.apply(x);
    lin.setWeights([kernel, bias]);
    const logits = ops.readSync(sm.logits(x));
    expectClose(logits, ops.readSync(lin.apply(x)));
    const probs = ops.readSync(sm.apply(x));
    for (let r = 0; r < 3; r++) {
      const row = Array.from(logits.slice(r * 4, r * 4 + 4));
      const z = row.reduce((a, b) => a + Math.exp(b), 0);
      expectClose(probs.slice(r * 4, r * 4 + 4), row.map((v) => Math.exp(v) / z));
    }
  });

  it('keeps log-probabilities finite through logits where log(probabilities) is not', () => {
    const x = randomTensor([3, 5], 3);
    const sm = new Softmax({ units: 4 });
    sm.apply(x);
    sm.setWeights([kernel.map((v) => v * 500), bias]);
    const viaProbs = ops.readSync(ops.log(sm.apply(x)));
    const viaLogits = ops.readSync(ops.logSoftmax(sm.logits(x)));
    expect(Array.from(viaProbs).some((v) => v === -Infinity)).toBe(true);
    expect(Array.from(viaLogits).every(Number.isFinite)).toBe(true);
  });

  it('is named softmax and stores no activation in its config', () => {
    const sm = new Softmax({ units: 2 });
    expect(sm.name).toBe('softmax');
    expect(sm.getConfig()).not.toHaveProperty('activation');
    expect(sm.getConfig()).toMatchObject({ units: 2, withBias: true });
  });
});
