// Shared by the gradient checks of the recorded-graph autodiff (op-grads.test.ts):
// deterministic inputs, tolerance checks and central finite differences.
import type { Backend, DType, Tensor, TensorData } from '@strata/backend';

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

let next = lcg(12345);

/** Float32 values uniform in `[lo, hi)` (one shared deterministic stream). */
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

export const f32v = (values: number[], shape: number[]): Input => ({ values, shape, dtype: 'float32' });
export const i32 = (values: number[], shape: number[]): Input => ({ values, shape, dtype: 'int32' });
export const bool = (values: number[], shape: number[]): Input => ({ values, shape, dtype: 'bool' });

/** The entries where `|got - want| > atol + rtol·|want|` (or NaN disagrees), as readable strings (first 5). */
export function mismatches(got: ArrayLike<number>, want: ArrayLike<number>, atol: number, rtol: number): string[] {
  if (got.length !== want.length) return [`length ${got.length} != ${want.length}`];
  const bad: string[] = [];
  for (let i = 0; i < want.length; i++) {
    const g = got[i]!;
    const w = want[i]!;
    const ok = Number.isNaN(w) ? Number.isNaN(g) : Math.abs(g - w) <= atol + rtol * Math.abs(w);
    if (!ok && bad.length < 5) bad.push(`[${i}] got ${g}, want ${w}`);
  }
  return bad;
}

/** `Σ y·r` in float64. */
export function dot(y: ArrayLike<number>, r: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) s += y[i]! * r[i]!;
  return s;
}

/**
 * Central finite differences of `Σ forward(xs)·r` with respect to the
 * elements `elements` (all by default) of input `k`: each element is moved
 * by `±eps` (the float32-rounded steps are used as the denominator) and the
 * output of the compiled `forward` is weighted by `r` in float64 on the host,
 * so that only the forward's own rounding adds noise.
 */
export function finiteDifferences(
  b: Backend,
  forward: (...xs: Tensor[]) => Tensor,
  inputs: readonly Input[],
  k: number,
  r: ArrayLike<number>,
  eps: number,
  elements?: readonly number[],
): Float64Array {
  const x = inputs[k]!;
  const at = (values: number[]): number =>
    b.tidy(() => {
      const ts = inputs.map((inp, i) => b.tensor(i === k ? values : inp.values, inp.shape, inp.dtype));
      return dot(b.readSync(forward(...ts)) as TensorData, r);
    });
  const which = elements ?? x.values.map((_, j) => j);
  const out = new Float64Array(which.length);
  which.forEach((j, n) => {
    const v = x.values[j]!;
    const up = Math.fround(v + eps);
    const down = Math.fround(v - eps);
    const plus = [...x.values];
    plus[j] = up;
    const minus = [...x.values];
    minus[j] = down;
    out[n] = (at(plus) - at(minus)) / (up - down);
  });
  return out;
}
