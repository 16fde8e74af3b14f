import { getBackend, ops, type Pool2dOptions, setBackend } from '@strata/backend';
import { describe, expect, it } from 'vitest';
import { registerTfjsBackends } from './register.js';
import { lcgValues } from './test-utils/values.js';

registerTfjsBackends();

/** Inputs with all-negative windows and, after rounding to 0.25 steps and a ReLU, many ties. */
function inputs(n: number, seed: number, kind: 'negative' | 'ties'): Float32Array {
  const v = lcgValues(n, seed);
  return kind === 'negative' ? v.map((x) => x - 0.3) : v.map((x) => Math.max(0, Math.round(x * 4) / 4));
}

async function grads(backend: string, shape: number[], o: Pool2dOptions, kind: 'negative' | 'ties') {
  await setBackend(backend);
  const b = getBackend();
  const x = b.variable(ops.tensor(inputs(shape.reduce((p, q) => p * q), 5, kind), shape), true);
  const { value, grads: g } = b.valueAndGrads(() => {
    const y = ops.maxPool2d(x, o);
    const n = y.shape.reduce((p, q) => p * q);
    return { value: ops.sum(ops.mul(y, ops.reshape(ops.tensor(lcgValues(n, 6), [n]), y.shape))) };
  }, [x]);
  const out = { value: ops.item(value), dx: Array.from(ops.readSync(g[0]!)) };
  b.dispose([x, value, ...g]);
  return out;
}

describe('maxPool2d gradient on tfjs-wasm matches tfjs-cpu (wasm MaxPoolGrad loses all-negative windows)', () => {
  const cases: [string, number[], Pool2dOptions][] = [
    ['2x2 tiled', [2, 8, 6, 3], { poolSize: [2, 2] }],
    ['3x2 tiled', [1, 9, 4, 2], { poolSize: [3, 2] }],
    ['3x3 stride 2 same (overlapping)', [2, 7, 7, 2], { poolSize: [3, 3], strides: [2, 2], padding: 'same' }],
    ['2x2 valid, odd size (not tiled)', [1, 7, 5, 2], { poolSize: [2, 2] }],
  ];
  for (const [label, shape, o] of cases) {
    // With ties, overlapping/untiled windows use wasm's own kernel, which may pick another of the
    // equal maxima than tfjs-cpu (an equally valid subgradient): only tiled windows are compared with ties.
    const kinds = label.includes('(') ? (['negative'] as const) : (['negative', 'ties'] as const);
    for (const kind of kinds) {
      it(`${label}, ${kind} inputs`, async () => {
        const ref = await grads('tfjs-cpu', shape, o, kind);
        const got = await grads('tfjs-wasm', shape, o, kind);
        expect(got.value).toBeCloseTo(ref.value, 5);
        const diff = got.dx.map((v, i) => (Math.abs(v - ref.dx[i]!) > 1e-6 ? i : -1)).filter((i) => i >= 0);
        expect(diff.map((i) => [i, got.dx[i], ref.dx[i]])).toEqual([]);
      });
    }
  }
});
