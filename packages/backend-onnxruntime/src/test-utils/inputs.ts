// Deterministic test inputs shared by the op tables (op-parity.test.ts,
// autodiff/op-grads.test.ts) and the export tests: one 32-bit LCG.
import type { DType } from '@strata/backend';

/** One input of an op row: values (row-major), shape and dtype. */
export interface Input {
  values: number[];
  shape: number[];
  dtype: DType;
}

const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** A deterministic generator of floats in `[0, 1)` (32-bit LCG). */
export function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** `shape`'s element count of values in `[-0.5, 0.5)` from their own stream `seed`. */
export function centered(shape: readonly number[], seed: number): Float32Array {
  const next = lcg(seed);
  return Float32Array.from({ length: size(shape) }, () => next() - 0.5);
}

let next = lcg(12345);

/** Float32 values uniform in `[lo, hi)` (one shared deterministic stream per test file). */
export function f32(shape: number[], lo = -2, hi = 2): Input {
  return { values: Array.from({ length: size(shape) }, () => Math.fround(lo + (hi - lo) * next())), shape, dtype: 'float32' };
}

/**
 * Float32 values uniform in `lo..hi` but at least `margin` away from each of
 * `kinks` (where the op is not differentiable: finite differences straddling
 * one would be wrong).
 */
export function f32away(shape: number[], kinks: number[], margin = 0.1, lo = -2, hi = 2): Input {
  const values = Array.from({ length: size(shape) }, () => {
    for (;;) {
      const v = Math.fround(lo + (hi - lo) * next());
      if (kinks.every((k) => Math.abs(v - k) >= margin)) return v;
    }
  });
  return { values, shape, dtype: 'float32' };
}

/**
 * Pairwise distinct float32 values (a shuffled grid with spacing `step`,
 * shifted by `phase`): maxima are unique by at least `step`, so max, pooling
 * and maximum/minimum are differentiable there with room for the FD step.
 * Two inputs with phases differing by `step / 2` never tie with each other.
 */
export function distinct(shape: number[], step = 0.1, phase = 0): Input {
  const n = size(shape);
  const perm = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [perm[i], perm[j]] = [perm[j]!, perm[i]!];
  }
  return { values: perm.map((p) => Math.fround((p - n / 2) * step + phase)), shape, dtype: 'float32' };
}

/** Float32 values drawn from a few small integers, so that comparisons and maxima tie. */
export function ties(shape: number[], choices = [-1, 0, 1, 2]): Input {
  return { values: Array.from({ length: size(shape) }, () => choices[Math.floor(next() * choices.length)]!), shape, dtype: 'float32' };
}

/** Float32 values drawn from a few small integers (via float32 `f32` draws), so that comparisons hit ties. */
export function f32ints(shape: number[], choices = [-1, 0, 1, 2]): Input {
  const r = f32(shape, 0, choices.length);
  return { ...r, values: r.values.map((v) => choices[Math.floor(v)]!) };
}

export const f32v = (values: number[], shape: number[]): Input => ({ values, shape, dtype: 'float32' });
export const i32 = (values: number[], shape: number[]): Input => ({ values, shape, dtype: 'int32' });
export const bool = (values: number[], shape: number[]): Input => ({ values, shape, dtype: 'bool' });
