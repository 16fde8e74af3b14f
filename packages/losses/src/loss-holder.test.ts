import { getBackend, ops } from '@strata/backend';
import { beforeAll, describe, expect, it } from 'vitest';
import { CrossEntropyLoss } from './ce.js';
import { MaxNorm, NonNeg } from './constraints.js';
import { UnknownLossError } from './errors.js';
import { L1Loss, MeanL1Loss } from './l1.js';
import { LossHolder } from './loss-holder.js';
import { MeanSquaredErrorLoss } from './mse.js';
import { objectiveParts, totalObjective } from './objective.js';
import { getLoss, LOSS_NAMES } from './registry.js';
import { L2 } from './regularizers.js';
import { expectClose, logSoftmaxRow, useBackend, valueAndGradOf } from './test-utils/setup.js';

beforeAll(() => useBackend());

const LOGITS = [
  [2, 0, 0],
  [0, 1, 0],
  [0, 0, -1],
  [1, 1, 1],
];
const TARGET = [0, 2, 2, 1];
const ceSum = LOGITS.reduce((a, z, i) => a - logSoftmaxRow(z)[TARGET[i]!]!, 0);

describe('LossHolder', () => {
  it('normalises by frames: objective scaled, report unscaled, error rate', () => {
    const holder = new LossHolder({ name: 'output/ce', layerName: 'output', loss: new CrossEntropyLoss({ useNormalizedLoss: true, scale: 0.5 }) });
    expect(holder.scale).toBe(0.5);
    const logits = ops.tensor(LOGITS.flat(), [4, 3]);
    const v = holder.compute({ output: ops.softmax(logits), logits }, ops.tensor(TARGET, [4], 'int32'));
    expectClose([ops.item(v.sum)], [ceSum]);
    expect(ops.item(v.numFrames)).toBe(4);
    // argmax rows: 0, 1, 0, 0 (tie → first) vs 0, 2, 2, 1: three wrong.
    expect(ops.item(v.error!)).toBe(3);
    expectClose([ops.item(holder.lossForObjective)], [(0.5 * ceSum) / 4]);
    expectClose([ops.item(holder.lossForReport)], [ceSum / 4]);
    expectClose([ops.item(holder.errorRate!)], [0.75]);
  });

  it('an explicit scale overrides the loss scale; mse reports the frame error against the target\'s argmax', () => {
    const holder = new LossHolder({ layerName: 'out', loss: new MeanSquaredErrorLoss({ useNormalizedLoss: true, scale: 2 }), scale: 4 });
    expect(holder.name).toBe('out');
    holder.compute({ output: ops.tensor([1, 2, 3, 4], [2, 2]) }, ops.zeros([2, 2]));
    // mse per frame is the mean over features (RETURNN): (1 + 4) / 2 + (9 + 16) / 2 = 15.
    expectClose([ops.item(holder.lossForObjective)], [(4 * 15) / 2]);
    expectClose([ops.item(holder.lossForReport)], [15 / 2]);
    expect(ops.item(holder.errorRate!)).toBe(1);
  });

  it('throws before compute', () => {
    expect(() => new LossHolder({ layerName: 'x', loss: new L1Loss({ useNormalizedLoss: true }) }).lossForReport).toThrow(/call compute/);
  });
});

describe('objective', () => {
  it('sums scaled normalised losses and regularization terms; gradient includes 2·l2·w', () => {
    const ce = new LossHolder({ layerName: 'a', loss: new CrossEntropyLoss({ useNormalizedLoss: true, scale: 2 }) });
    const mse = new LossHolder({ layerName: 'b', loss: new MeanSquaredErrorLoss({ useNormalizedLoss: true }) });
    const l2 = new L2({ l2: 0.1 });
    const w0 = [1, -2, 0.5];
    const { value, grad } = valueAndGradOf((w) => {
      const logits = ops.tensor(LOGITS.flat(), [4, 3]);
      ce.compute({ output: ops.softmax(logits), logits }, ops.tensor(TARGET, [4], 'int32'));
      mse.compute({ output: ops.reshape(w, [1, 3]) }, ops.zeros([1, 3]));
      const parts = objectiveParts([ce, mse], { regularization: [l2.apply(w)] });
      expectClose([ops.item(parts.loss)], [(2 * ceSum) / 4 + 5.25 / 3]);
      expectClose([ops.item(parts.constraints)], [0.1 * 5.25]);
      return totalObjective([ce, mse], { regularization: [l2.apply(w)] });
    }, ops.tensor(w0, [3]));
    expectClose([value], [(2 * ceSum) / 4 + 5.25 / 3 + 0.525]);
    expectClose(grad, w0.map((w) => (2 * w) / 3 + 2 * 0.1 * w));
  });

  it('is zero with no holders and no terms', () => {
    expect(ops.item(totalObjective([]))).toBe(0);
  });
});

describe('registry', () => {
  it('creates losses by RETURNN name with options', () => {
    expect(getLoss('ce', { labelSmoothing: 0.1 })).toBeInstanceOf(CrossEntropyLoss);
    expect((getLoss('ce', { labelSmoothing: 0.1 }) as CrossEntropyLoss).labelSmoothing).toBe(0.1);
    expect(getLoss('mse', { scale: 3 }).scale).toBe(3);
    expect(getLoss('l1').name).toBe('l1');
    expect(LOSS_NAMES).toEqual(['ce', 'mse', 'l1', 'mean_l1', 'ctc', 'edit_distance', 'as_is']);
    expect(getLoss('mean_l1')).toBeInstanceOf(MeanL1Loss);
  });

  it('throws UnknownLossError listing the known names', () => {
    const err = (() => {
      try {
        getLoss('crossentropy');
      } catch (e) {
        return e as UnknownLossError;
      }
      return null;
    })();
    expect(err).toBeInstanceOf(UnknownLossError);
    expect(err!.knownNames).toEqual(['ce', 'mse', 'l1', 'mean_l1', 'ctc', 'edit_distance', 'as_is']);
    expect(err!.message).toMatch(/"ce", "mse", "l1", "mean_l1", "ctc", "edit_distance"/);
    expect(() => getLoss('toString')).toThrow(UnknownLossError);
  });
});

describe('regularizers and constraints', () => {
  it('L2 is l2·sum(w^2)', () => {
    expectClose([ops.item(new L2({ l2: 0.5 }).apply(ops.tensor([1, 2, -3], [3])))], [7]);
    expect(new L2({ l2: 0.5 }).getConfig()).toEqual({ l2: 0.5 });
  });

  it('MaxNorm rescales columns above the bound and keeps the others', () => {
    // Columns: [3, 4] (norm 5) and [0.6, 0.8] (norm 1).
    const w = ops.tensor([3, 0.6, 4, 0.8], [2, 2]);
    const out = ops.readSync(new MaxNorm({ maxValue: 2 }).apply(w));
    expectClose(out, [1.2, 0.6, 1.6, 0.8], 1e-5);
  });

  it('NonNeg zeroes negative weights', () => {
    expect(Array.from(ops.readSync(new NonNeg().apply(ops.tensor([-1, 0, 2], [3]))))).toEqual([0, 0, 2]);
  });

  it('leaks no tensors inside tidy', () => {
    const before = getBackend().memory().numTensors;
    ops.tidy(() => {
      const h = new LossHolder({ layerName: 'x', loss: new CrossEntropyLoss({ useNormalizedLoss: true }) });
      const z = ops.tensor(LOGITS.flat(), [4, 3]);
      h.compute({ output: ops.softmax(z), logits: z }, ops.tensor(TARGET, [4], 'int32'));
      return totalObjective([h]);
    }).shape;
    expect(getBackend().memory().numTensors).toBeLessThanOrEqual(before + 1);
  });
});
