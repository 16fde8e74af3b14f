// RETURNN's as_is loss (AsIsLoss, need_target False): the output summed over its valid frames, reports divided by
// the output's frames; gradient 1 at valid frames, 0 at padding.
import { ops } from '@strata/backend';
import { beforeAll, describe, expect, it } from 'vitest';
import { AsIsLoss } from './as-is.js';
import { LossArgumentError } from './errors.js';
import { LossHolder } from './loss-holder.js';
import { getLoss } from './registry.js';
import { expectClose, useBackend, valueAndGradOf } from './test-utils/setup.js';

beforeAll(() => useBackend());

// [batch 2, time 3, features 2]; the second sequence has 2 frames.
const X = [0.5, -1, 2, 0.25, 1.5, -0.5, 3, 1, -2, 0.75, 9, 9];
const LENS = [3, 2];

describe('AsIsLoss', () => {
  it('sums the output over valid frames; reports per output frame; gradient 1 inside, 0 at padding', () => {
    const lens = ops.tensor(LENS, [2], 'int32');
    const holder = new LossHolder({ layerName: 'l', loss: getLoss('as_is') });
    const { value, grad } = valueAndGradOf((o) => {
      holder.compute({ output: o, seqLens: lens }, o, lens);
      return holder.lossForObjective;
    }, ops.tensor(X, [2, 3, 2]));
    const want = X.slice(0, 6).reduce((a, b) => a + b, 0) + X.slice(6, 10).reduce((a, b) => a + b, 0);
    expectClose([value], [want]);
    expectClose(Array.from(grad), [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0]);
    const x = ops.tensor(X, [2, 3, 2]);
    holder.compute({ output: x, seqLens: lens }, x, lens);
    expectClose([ops.item(holder.lossForReport)], [want / 5]);
  });

  it('without a time axis: the sum over the batch, reported per batch entry', () => {
    const holder = new LossHolder({ layerName: 'l', loss: new AsIsLoss() });
    const o = ops.tensor([1, 2, 3, 4], [2, 2]);
    holder.compute({ output: o }, o);
    expectClose([ops.item(holder.lossForReport)], [10 / 2]);
  });

  it('takes no target (need_target false) and refuses as_error', () => {
    expect(AsIsLoss.needTarget).toBe(false);
    expect(() => getLoss('as_is', { asError: true })).toThrow(LossArgumentError);
  });
});
