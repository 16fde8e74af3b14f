import { ops } from '@strata/backend';
import { beforeAll, describe, expect, it } from 'vitest';
import { LossShapeError } from './errors.js';
import { L1Loss } from './l1.js';
import { LossHolder } from './loss-holder.js';
import { MeanSquaredErrorLoss } from './mse.js';
import { expectClose, useBackend, valueAndGradOf } from './test-utils/setup.js';

beforeAll(() => useBackend());

const OUT = [0.5, -1.0, 2.0, 0.0, 1.5, -0.5];
const TGT = [1.0, -1.5, 1.0, 0.5, 1.0, 0.0];
const N = 2;

describe('MeanSquaredErrorLoss', () => {
  it('sums over frames the mean over features of (output - target)^2 (RETURNN)', () => {
    const sum = new MeanSquaredErrorLoss({ useNormalizedLoss: true }).computeSum({ output: ops.tensor(OUT, [N, 3]) }, ops.tensor(TGT, [N, 3]));
    const want = OUT.reduce((a, o, i) => a + (o - TGT[i]!) ** 2, 0) / 3;
    expectClose([ops.item(sum)], [want]);
  });

  it('normalises per frame (mean over features); gradient 2·scale·(o - t)/(3N)', () => {
    const holder = new LossHolder({ layerName: 'out', loss: new MeanSquaredErrorLoss({ useNormalizedLoss: true }), scale: 3 });
    const { value, grad } = valueAndGradOf((o) => {
      holder.compute({ output: o }, ops.tensor(TGT, [N, 3]));
      return holder.lossForObjective;
    }, ops.tensor(OUT, [N, 3]));
    const sse = OUT.reduce((a, o, i) => a + (o - TGT[i]!) ** 2, 0);
    expectClose([value], [(3 * sse) / 3 / N]);
    expectClose(grad, OUT.map((o, i) => (2 * 3 * (o - TGT[i]!)) / 3 / N));
  });

  it('one-hot encodes a sparse target and reports the frame error', () => {
    const loss = new MeanSquaredErrorLoss({ useNormalizedLoss: true });
    const out = ops.tensor([0.9, 0.1, 0.2, 0.3], [2, 2]);
    const tgt = ops.tensor([0, 0], [2], 'int32');
    expectClose([ops.item(loss.computeSum({ output: out }, tgt))], [(0.01 + 0.01 + 0.64 + 0.09) / 2]);
    expect(ops.item(loss.computeError({ output: out }, tgt)!)).toBe(1);
    // A dense target: the frame error against its argmax (RETURNN's Loss.get_error).
    expect(ops.item(loss.computeError({ output: out }, ops.tensor([1, 0, 1, 0], [2, 2]))!)).toBe(1);
  });

  it('throws LossShapeError for mismatched shapes', () => {
    expect(() => new MeanSquaredErrorLoss({ useNormalizedLoss: true }).computeSum({ output: ops.zeros([2, 3]) }, ops.zeros([3, 2]))).toThrow(LossShapeError);
  });
});

describe('L1Loss', () => {
  it('sums |output - target|; gradient sign(o - t)/N when normalised', () => {
    const holder = new LossHolder({ layerName: 'out', loss: new L1Loss({ useNormalizedLoss: true }) });
    const { value, grad } = valueAndGradOf((o) => {
      holder.compute({ output: o }, ops.tensor(TGT, [N, 3]));
      return holder.lossForObjective;
    }, ops.tensor(OUT, [N, 3]));
    expectClose([value], [OUT.reduce((a, o, i) => a + Math.abs(o - TGT[i]!), 0) / N]);
    expectClose(grad, OUT.map((o, i) => Math.sign(o - TGT[i]!) / N));
  });
});
