import { Rng } from '@strata/core';
import { describe, expect, it } from 'vitest';
import { collateSequences, paddingStats, type SequenceBatchOptions, sequenceBatches } from './bucketing.js';
import { DataError, EngineConfigError } from './errors.js';

/** 3,000 lengths shaped like CMUdict words: 2..17 frames, most 5..10, plus one of 500 (longer than any budget below). */
function wordLikeLengths(): number[] {
  const rng = new Rng(3);
  const lengths = Array.from({ length: 3000 }, () => 2 + Math.min(15, Math.round(Math.abs(rng.normal() * 2.5 + 5.5))));
  lengths[1234] = 500;
  return lengths;
}

const LENGTHS = wordLikeLengths();
const OPTS: SequenceBatchOptions = { batchSize: 200, maxSeqs: 32, seed: 42, epoch: 1, bucketSortWindow: 500 };

describe('sequenceBatches', () => {
  it('respects batchSize (padded frames) and maxSeqs; a too-long sequence is alone', () => {
    const batches = sequenceBatches(LENGTHS, OPTS);
    for (const b of batches) {
      const max = Math.max(...b.map((i) => LENGTHS[i]!));
      if (b.length > 1) expect(max * b.length).toBeLessThanOrEqual(200);
      expect(b.length).toBeLessThanOrEqual(32);
    }
    expect(batches.filter((b) => b.includes(1234))).toEqual([[1234]]);
  });

  it('yields every index exactly once per epoch', () => {
    for (const epoch of [1, 2, 7]) {
      const all = sequenceBatches(LENGTHS, { ...OPTS, epoch }).flat();
      expect(all.length).toBe(LENGTHS.length);
      expect([...all].sort((a, b) => a - b)).toEqual(LENGTHS.map((_, i) => i));
    }
  });

  it('is deterministic per (seed, epoch) and differs across epochs and seeds', () => {
    const a = sequenceBatches(LENGTHS, OPTS);
    expect(sequenceBatches(LENGTHS, { ...OPTS })).toEqual(a);
    expect(sequenceBatches(LENGTHS, { ...OPTS, epoch: 2 })).not.toEqual(a);
    expect(sequenceBatches(LENGTHS, { ...OPTS, seed: 43 })).not.toEqual(a);
    // Not just a reordering of the same batches: the first batch's members change.
    expect(sequenceBatches(LENGTHS, { ...OPTS, epoch: 2 })[0]).not.toEqual(a[0]);
  });

  it('pads far less than unsorted batching with the same budgets (computed efficiencies)', () => {
    const sorted = paddingStats(sequenceBatches(LENGTHS, OPTS), LENGTHS);
    const unsorted = paddingStats(sequenceBatches(LENGTHS, { ...OPTS, bucketSortWindow: 1 }), LENGTHS);
    expect(sorted.frames).toBe(unsorted.frames);
    // Fixed by the seeded Rng (22,948 real frames): windows of 500 pad 3.5%, no sorting 36%.
    expect([sorted.frames, sorted.paddedFrames, unsorted.paddedFrames]).toEqual([22_948, 23_776, 35_767]);
    expect(sorted.efficiency).toBeCloseTo(0.9652, 4);
    expect(unsorted.efficiency).toBeCloseTo(0.6416, 4);
    // Fewer, fuller batches too: 125 instead of 184.
    expect([sequenceBatches(LENGTHS, OPTS).length, sequenceBatches(LENGTHS, { ...OPTS, bucketSortWindow: 1 }).length]).toEqual([125, 184]);
  });

  it('packs a hand-computed example greedily (one ascending window)', () => {
    // Sorted by length: 1(1) 3(2) 4(3) 2(4) 0(5) 5(6). Budget 8 frames, 3 seqs:
    // [1,3] (+4 would be 3×3=9) · [4,2] (4×2=8) · [0] (+5 would be 6×2=12) · [5].
    const opts = { batchSize: 8, maxSeqs: 3, seed: 0, epoch: 1, shuffle: false, bucketSortWindow: 6 };
    expect(sequenceBatches([5, 1, 4, 2, 3, 6], opts)).toEqual([[1, 3], [4, 2], [0], [5]]);
    expect(sequenceBatches([1, 1, 1, 1, 1], opts)).toEqual([[0, 1, 2], [3, 4]]); // maxSeqs closes the batch
  });

  it('sorts windows ascending, then descending (laplace), stably', () => {
    // Two windows of 3: [0,1,2] ascending → 1,2,0; [3,4,5] descending → 4,5,3.
    const opts = { batchSize: 100, maxSeqs: 1, seed: 0, epoch: 1, shuffle: false, bucketSortWindow: 3 };
    expect(sequenceBatches([3, 1, 2, 1, 3, 2], opts).flat()).toEqual([1, 2, 0, 4, 5, 3]);
    expect(sequenceBatches([2, 2, 1, 2], { ...opts, bucketSortWindow: 4 }).flat()).toEqual([2, 0, 1, 3]);
  });

  it('counts zero-length sequences as 1 frame, and handles no sequences', () => {
    expect(sequenceBatches([0, 0, 0, 0, 0], { batchSize: 2, seed: 0, epoch: 1, shuffle: false })).toEqual([[0, 1], [2, 3], [4]]);
    expect(sequenceBatches([], OPTS)).toEqual([]);
  });

  it('rejects bad options and lengths with the received value', () => {
    expect(() => sequenceBatches([1], { ...OPTS, batchSize: 0 })).toThrow(EngineConfigError);
    expect(() => sequenceBatches([1], { ...OPTS, maxSeqs: 2.5 })).toThrow(/maxSeqs must be a positive integer. Received: maxSeqs=2.5/);
    expect(() => sequenceBatches([1], { ...OPTS, bucketSortWindow: 0 })).toThrow(EngineConfigError);
    expect(() => sequenceBatches([1, -2], OPTS)).toThrow(DataError);
  });
});

describe('collateSequences', () => {
  const I = (...v: number[]) => Int32Array.from(v);

  it('pads int32 sequences with 0 and returns the true lengths', () => {
    const batch = collateSequences(
      [
        { data: I(1, 2, 3), classes: I(4) },
        { data: I(5), classes: I(6, 7) },
      ],
      ['data', 'classes'],
    );
    expect(batch.size).toBe(2);
    expect(batch.arrays.data).toEqual({ values: I(1, 2, 3, 5, 0, 0), shape: [2, 3], seqLens: I(3, 1) });
    expect(batch.arrays.classes).toEqual({ values: I(4, 0, 6, 7), shape: [2, 2], seqLens: I(1, 2) });
  });

  it('adds a feature axis for dense keys with a dim, and checks sparse ids against dim', () => {
    const f = (...v: number[]) => Float32Array.from(v);
    const batch = collateSequences(
      [
        { feat: f(1, 2, 3, 4), classes: I(0, 4) },
        { feat: f(5, 6), classes: I() },
      ],
      { feat: { dim: 2 }, classes: { dim: 5, sparse: true } },
    );
    expect(batch.arrays.feat).toEqual({ values: f(1, 2, 3, 4, 5, 6, 0, 0), shape: [2, 2, 2], seqLens: I(2, 1) });
    expect(batch.arrays.classes).toEqual({ values: I(0, 4, 0, 0), shape: [2, 2], seqLens: I(2, 0) });
    expect(() => collateSequences([{ classes: I(1, 5) }], { classes: { dim: 5, sparse: true } })).toThrow(/frame 1: class id 5 is outside \[0, 5\)/);
  });

  it('rejects missing keys, scalars, mixed dtypes, ragged features, non-finite values and empty batches', () => {
    expect(() => collateSequences([{ a: I(1) }], ['b'])).toThrow(/example 0 has no value for key 'b'/);
    expect(() => collateSequences([{ a: 3 }], ['a'])).toThrow(/single number/);
    expect(() => collateSequences([{ a: I(1) }, { a: Float32Array.from([1]) }], ['a'])).toThrow(/mixes Int32Array and Float32Array/);
    expect(() => collateSequences([{ a: Float32Array.from([1, 2, 3]) }], { a: { dim: 2 } })).toThrow(/not a multiple of dim=2/);
    expect(() => collateSequences([{ a: Float32Array.from([Number.NaN]) }], ['a'])).toThrow(DataError);
    expect(() => collateSequences([], ['a'])).toThrow(/no examples/);
  });
});
