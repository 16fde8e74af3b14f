// Shared by the gradient checks of the recorded-graph autodiff (op-grads.test.ts):
// tolerance checks and central finite differences (inputs: ../../test-utils/inputs.ts).
import type { Backend, Tensor, TensorData } from '@strata/backend';
import type { Input } from '../../test-utils/inputs.js';

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
