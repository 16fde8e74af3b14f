import { Rng } from '@strata/core';
import { describe, expect, it } from 'vitest';
import { editDistance, labelErrorRate, labelErrors } from './edit-distance.js';

const codes = (s: string): number[] => [...s].map((c) => c.charCodeAt(0));
const ed = (a: string, b: string): number => editDistance(codes(a), codes(b));

/** Reference: the textbook recursion over the full table, memoized. */
function referenceDistance(a: readonly number[], b: readonly number[]): number {
  const memo = new Map<number, number>();
  const d = (i: number, j: number): number => {
    if (i === 0) return j;
    if (j === 0) return i;
    const key = i * (b.length + 1) + j;
    const hit = memo.get(key);
    if (hit !== undefined) return hit;
    const v = Math.min(d(i - 1, j) + 1, d(i, j - 1) + 1, d(i - 1, j - 1) + (a[i - 1] === b[j - 1] ? 0 : 1));
    memo.set(key, v);
    return v;
  };
  return d(a.length, b.length);
}

describe('editDistance', () => {
  it('gives the hand-computed textbook values', () => {
    expect(ed('kitten', 'sitting')).toBe(3); // k→s, e→i, +g
    expect(ed('sitting', 'kitten')).toBe(3);
    expect(ed('flaw', 'lawn')).toBe(2); // −f, +n
    expect(ed('intention', 'execution')).toBe(5);
    expect(ed('saturday', 'sunday')).toBe(3);
    expect(ed('ab', 'ba')).toBe(2); // no transpositions: two substitutions
    expect(ed('abc', 'abc')).toBe(0);
  });

  it('counts pure insertions and deletions, including empty sequences', () => {
    expect(ed('', '')).toBe(0);
    expect(ed('', 'abc')).toBe(3);
    expect(ed('abc', '')).toBe(3);
    expect(editDistance(new Int32Array([1, 2, 3]), new Int32Array([1, 3]))).toBe(1);
    expect(editDistance([1, 3], [1, 2, 3])).toBe(1);
    expect(editDistance(new Int32Array(0), [7])).toBe(1);
  });

  it('matches the reference recursion on 300 random pairs, and is symmetric and bounded', () => {
    const rng = new Rng(7);
    for (let t = 0; t < 300; t++) {
      const a = Array.from({ length: rng.int(9) }, () => rng.int(4));
      const b = Array.from({ length: rng.int(9) }, () => rng.int(4));
      const d = editDistance(Int32Array.from(a), b);
      expect(d).toBe(referenceDistance(a, b));
      expect(editDistance(b, a)).toBe(d);
      expect(d).toBeGreaterThanOrEqual(Math.abs(a.length - b.length));
      expect(d).toBeLessThanOrEqual(Math.max(a.length, b.length));
    }
  });
});

describe('labelErrors / labelErrorRate', () => {
  it('returns errors and reference length for one pair', () => {
    expect(labelErrors(codes('kitten'), codes('sitting'))).toEqual({ errors: 3, refLength: 6 });
    expect(labelErrors([], [1, 2])).toEqual({ errors: 2, refLength: 0 });
  });

  it('sums errors and reference lengths over a corpus (not a mean of rates)', () => {
    const r = labelErrorRate([codes('kitten'), codes('abc')], [codes('sitting'), codes('abd')]);
    expect(r).toEqual({ errors: 4, refLength: 9, rate: 4 / 9 });
    expect(labelErrorRate([], []).rate).toBeNaN();
  });

  it('rejects mismatched lists', () => {
    expect(() => labelErrorRate([[1]], [])).toThrow(/one hypothesis per reference/);
  });
});
