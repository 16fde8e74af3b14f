import { getBackend, ops, setBackend } from '@strata/backend';
import { describe, expect, it } from 'vitest';
import { registerTfjsBackends } from './register.js';
import { lcgValues as values } from './test-utils/values.js';

registerTfjsBackends();

/** Value and gradient of sum(gather(x, idx, axis) * w) w.r.t. x. */
async function run(backend: string, shape: number[], idx: number[], idxShape: number[], axis: number) {
  await setBackend(backend);
  const b = getBackend();
  const x = b.variable(ops.tensor(values(shape.reduce((p, c) => p * c), 1), shape), true);
  const indices = ops.tensor(idx, idxShape, 'int32');
  const { value, grads } = b.valueAndGrads(() => {
    const y = ops.gather(x, indices, axis);
    const n = y.shape.reduce((p, c) => p * c);
    return { value: ops.sum(ops.mul(y, ops.reshape(ops.tensor(values(n, 3), [n]), y.shape))) };
  }, [x]);
  const out = { value: ops.item(value), grad: Array.from(ops.readSync(grads[0]!)) };
  b.dispose([x, value, ...grads]);
  return out;
}

describe('gather on tfjs-wasm (gradient by one-hot matMul, no UnsortedSegmentSum) matches tfjs-cpu', () => {
  const cases: [string, number[], number[], number[], number][] = [
    // An embedding lookup with repeated ids: their gradients add up.
    ['axis 0, [batch, time] ids with repeats', [6, 4], [0, 5, 5, 2, 0, 1], [2, 3], 0],
    ['axis 1 of a rank-3 tensor', [2, 5, 3], [4, 0, 4], [3], 1],
    ['axis -1', [3, 4], [3, 3, 1], [3], -1],
  ];
  for (const [name, shape, idx, idxShape, axis] of cases) {
    it(`${name} (atol 1e-5)`, async () => {
      const ref = await run('tfjs-cpu', shape, idx, idxShape, axis);
      const got = await run('tfjs-wasm', shape, idx, idxShape, axis);
      expect(got.value).toBeCloseTo(ref.value, 5);
      expect(got.grad.length).toBe(ref.grad.length);
      ref.grad.forEach((v, j) => expect(Math.abs(got.grad[j]! - v)).toBeLessThan(1e-5));
      // Rows never gathered get exactly zero gradient.
      if (axis === 0) expect(got.grad.slice(3 * 4, 4 * 4)).toEqual([0, 0, 0, 0]);
    });
  }
});
