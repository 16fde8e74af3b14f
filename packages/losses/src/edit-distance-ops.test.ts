import { ops, type Tensor } from '@strata/backend';
import { Rng } from '@strata/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { editDistance } from './edit-distance.js';
import { editDistanceOps } from './edit-distance-ops.js';
import { LossShapeError } from './errors.js';
import { useBackend } from './test-utils/setup.js';

beforeAll(() => useBackend());

const ints = (xs: number[], shape: number[]): Tensor => ops.tensor(xs, shape, 'int32');
const read = (x: Tensor): number[] => Array.from(ops.readSync(x));

/** A random batch: padded hyp/ref (padding holds garbage labels), lengths, kept mask; and the host answer. */
function randomBatch(rng: Rng, batch: number, time: number, refTime: number, labels: number) {
  const label = () => Math.floor(rng.uniform() * labels);
  const garbage = () => 100 + Math.floor(rng.uniform() * 5); // never a real label: a bug reading padding would show
  const hyp: number[] = [];
  const kept: number[] = [];
  const ref: number[] = [];
  const hypLens: number[] = [];
  const refLens: number[] = [];
  const want: number[] = [];
  for (let b = 0; b < batch; b++) {
    const hl = Math.floor(rng.uniform() * (time + 1));
    const rl = Math.floor(rng.uniform() * (refTime + 1));
    const h = Array.from({ length: time }, (_, t) => (t < hl ? label() : garbage()));
    const k = Array.from({ length: time }, () => (rng.uniform() < 0.7 ? 1 : 0));
    const r = Array.from({ length: refTime }, (_, j) => (j < rl ? label() : garbage()));
    hyp.push(...h);
    kept.push(...k);
    ref.push(...r);
    hypLens.push(hl);
    refLens.push(rl);
    const hypSeq = h.filter((_, t) => t < hl && k[t] === 1);
    want.push(editDistance(r.slice(0, rl), hypSeq));
  }
  return {
    args: [ints(hyp, [batch, time]), ints(hypLens, [batch]), ints(ref, [batch, refTime]), ints(refLens, [batch])] as const,
    kept: ints(kept, [batch, time]),
    want,
  };
}

describe('editDistanceOps', () => {
  it('equals the host editDistance on 400 random cases with kept-masks, lengths and garbage padding', () => {
    const rng = new Rng(11);
    for (const [time, refTime, labels] of [
      [7, 5, 3],
      [4, 9, 2],
      [12, 1, 4],
      [1, 6, 3],
    ] as const) {
      const x = randomBatch(rng, 100, time, refTime, labels);
      expect(read(editDistanceOps(...x.args, x.kept))).toEqual(x.want);
    }
  });

  it('without hypKept, every valid frame is a label; a bool mask works like 0/1', () => {
    const hyp = ints([1, 2, 3, 9, 1, 1, 2, 2], [2, 4]);
    const ref = ints([1, 3, 0, 2, 2, 2], [2, 3]);
    const hypLens = ints([3, 4], [2]);
    const refLens = ints([2, 3], [2]);
    // [1,2,3] vs [1,3]: 1 (insert 2); [1,1,2,2] vs [2,2,2]: 2.
    expect(read(editDistanceOps(hyp, hypLens, ref, refLens))).toEqual([1, 2]);
    const keptBool = ops.greater(ints([1, 0, 1, 1, 0, 1, 1, 1], [2, 4]), 0);
    // [1,3] vs [1,3]: 0; [1,2,2] vs [2,2,2]: 1.
    expect(read(editDistanceOps(hyp, hypLens, ref, refLens, keptBool))).toEqual([0, 1]);
  });

  it('handles empty sequences: no frames, no reference positions, zero lengths', () => {
    expect(read(editDistanceOps(ints([], [2, 0]), ints([0, 0], [2]), ints([1, 2, 3, 4], [2, 2]), ints([2, 1], [2])))).toEqual([2, 1]);
    expect(read(editDistanceOps(ints([1, 2, 3, 4], [2, 2]), ints([2, 1], [2]), ints([], [2, 0]), ints([0, 0], [2])))).toEqual([2, 1]);
    expect(read(editDistanceOps(ints([5, 5], [1, 2]), ints([0], [1]), ints([5, 5], [1, 2]), ints([0], [1])))).toEqual([0]);
  });

  it('rejects mismatched shapes', () => {
    expect(() => editDistanceOps(ints([1, 2], [2]), ints([1], [1]), ints([1], [1, 1]), ints([1], [1]))).toThrow(LossShapeError);
    expect(() => editDistanceOps(ints([1, 2], [1, 2]), ints([1], [1]), ints([1, 1], [2, 1]), ints([1], [1]))).toThrow(/batch 1/);
    expect(() => editDistanceOps(ints([1, 2], [1, 2]), ints([1, 1], [2]), ints([1], [1, 1]), ints([1], [1]))).toThrow(/hypLens/);
  });
});
