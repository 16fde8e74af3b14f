// Test helpers of @strata/losses (not part of the published API).
import { getBackend, ops, setBackend, type Tensor } from '@strata/backend';
import { registerTfjsBackends } from '@strata/backend-tfjs';

registerTfjsBackends();

/** Activates the reference backend. */
export async function useBackend(name = 'tfjs-cpu'): Promise<void> {
  await setBackend(name);
}

/** Asserts |a - b| <= atol + rtol * |b| elementwise. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, atol = 1e-5, rtol = 1e-5): void {
  if (actual.length !== expected.length) throw new Error(`length ${actual.length} != ${expected.length}`);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (!(Math.abs(a - e) <= atol + rtol * Math.abs(e))) {
      throw new Error(`mismatch at ${i}: actual ${a} vs expected ${e} (atol ${atol}, rtol ${rtol})`);
    }
  }
}

/** Value of `f(x)` and its gradient with respect to `x`, both read back. */
export function valueAndGradOf(f: (x: Tensor) => Tensor, x: Tensor): { value: number; grad: Float32Array } {
  const b = getBackend();
  const v = b.variable(x, true);
  const { value, grads } = b.valueAndGrads(() => ({ value: f(v) }), [v]);
  const res = { value: ops.item(value), grad: Float32Array.from(ops.readSync(grads[0]!) as Float32Array) };
  b.dispose([v, value, ...grads]);
  return res;
}

/** Plain-JS softmax of one row. */
export function softmaxRow(z: readonly number[]): number[] {
  const m = Math.max(...z);
  const e = z.map((v) => Math.exp(v - m));
  const s = e.reduce((a, c) => a + c, 0);
  return e.map((v) => v / s);
}

/** Plain-JS log-softmax of one row (stable). */
export function logSoftmaxRow(z: readonly number[]): number[] {
  const m = Math.max(...z);
  const lse = m + Math.log(z.reduce((a, v) => a + Math.exp(v - m), 0));
  return z.map((v) => v - lse);
}
