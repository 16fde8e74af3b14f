import { getBackend, ops, setBackend } from '@strata/backend';
import { describe, expect, it } from 'vitest';
import { registerTfjsBackends } from './register.js';
import { lcgValues as values } from './test-utils/values.js';

registerTfjsBackends();


async function run(backend: string, aShape: number[], bShape: number[], ta: boolean, tb: boolean) {
  await setBackend(backend);
  const b = getBackend();
  const x = b.variable(ops.tensor(values(aShape.reduce((p, c) => p * c), 1), aShape), true);
  const y = b.variable(ops.tensor(values(bShape.reduce((p, c) => p * c), 2), bShape), true);
  const { value, grads } = b.valueAndGrads(() => {
    const z = ops.matMul(x, y, ta, tb);
    const n = z.shape.reduce((p, c) => p * c);
    return { value: ops.sum(ops.mul(z, ops.reshape(ops.tensor(values(n, 3), [n]), z.shape))) };
  }, [x, y]);
  const out = { value: ops.item(value), grads: grads.map((g) => Array.from(ops.readSync(g))) };
  b.dispose([x, y, value, ...grads]);
  return out;
}

describe('matMul on tfjs-wasm (explicit transposes) matches tfjs-cpu', () => {
  const cases: [number[], number[], boolean, boolean][] = [
    [[5, 7], [7, 3], false, false],
    [[7, 5], [7, 3], true, false],
    [[5, 7], [3, 7], false, true],
    [[7, 5], [3, 7], true, true],
    [[2, 5, 7], [2, 7, 3], false, false],
    [[2, 7, 5], [2, 3, 7], true, true],
  ];
  for (const [as, bs, ta, tb] of cases) {
    it(`[${as}] x [${bs}] transposeA=${ta} transposeB=${tb}: value and both gradients (atol 1e-5)`, async () => {
      const ref = await run('tfjs-cpu', as, bs, ta, tb);
      const got = await run('tfjs-wasm', as, bs, ta, tb);
      expect(got.value).toBeCloseTo(ref.value, 5);
      ref.grads.forEach((g, i) => g.forEach((v, j) => expect(Math.abs(got.grads[i]![j]! - v)).toBeLessThan(1e-5)));
    });
  }
});
