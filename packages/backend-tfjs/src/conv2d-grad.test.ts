import { getBackend, ops, registerBackend, setBackend } from '@strata/backend';
import { describe, expect, it } from 'vitest';
import { registerTfjsBackends } from './register.js';

registerTfjsBackends();

function rand(n: number, seed: number): Float32Array {
  const a = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = s / 2 ** 32 - 0.5;
  }
  return a;
}

async function convGrads(backend: string, xShape: number[], wShape: number[], strides: [number, number], padding: 'same' | 'valid') {
  await setBackend(backend);
  const xv = rand(xShape.reduce((a, b) => a * b), 1);
  const wv = rand(wShape.reduce((a, b) => a * b), 2);
  const b = getBackend();
  const x = b.variable(ops.tensor(xv, xShape), true);
  const w = b.variable(ops.tensor(wv, wShape), true);
  // A non-uniform upstream gradient: weight each output by its index.
  const { value, grads } = b.valueAndGrads(() => {
    const y = ops.conv2d(x, w, { strides, padding });
    const n = y.shape.reduce((a, c) => a * c);
    const weights = ops.reshape(ops.tensor(rand(n, 3), [n]), y.shape);
    return { value: ops.sum(ops.mul(y, weights)) };
  }, [x, w]);
  const out = { value: ops.item(value), dx: Array.from(ops.readSync(grads[0]!)), dw: Array.from(ops.readSync(grads[1]!)) };
  b.dispose([x, w, value, ...grads]);
  return out;
}

describe('conv2d filter gradient on tfjs-wasm (no Conv2DBackpropFilter kernel)', () => {
  const cases: [string, number[], number[], [number, number], 'same' | 'valid'][] = [
    ['3x3 same stride 1', [2, 7, 6, 3], [3, 3, 3, 4], [1, 1], 'same'],
    ['5x5 valid stride 1', [2, 9, 8, 2], [5, 5, 2, 3], [1, 1], 'valid'],
    ['3x3 same stride 2', [1, 8, 7, 2], [3, 3, 2, 2], [2, 2], 'same'],
    ['2x4 valid stride (2,1)', [3, 7, 9, 1], [2, 4, 1, 5], [2, 1], 'valid'],
  ];
  for (const [label, xs, ws, st, pad] of cases) {
    it(`matches tfjs-cpu's Conv2DBackpropFilter: ${label}`, async () => {
      const ref = await convGrads('tfjs-cpu', xs, ws, st, pad);
      const got = await convGrads('tfjs-wasm', xs, ws, st, pad);
      expect(got.value).toBeCloseTo(ref.value, 4);
      expect(got.dw.length).toBe(ref.dw.length);
      for (let i = 0; i < ref.dw.length; i++) expect(got.dw[i]).toBeCloseTo(ref.dw[i]!, 4);
      for (let i = 0; i < ref.dx.length; i++) expect(got.dx[i]).toBeCloseTo(ref.dx[i]!, 4);
    });
  }
  it('a missing tfjs package names the package to install', async () => {
    await expect(setBackend('tfjs-node')).rejects.toThrow(/@tensorflow\/tfjs-node is not installed.*pnpm add @tensorflow\/tfjs-node/s);
    registerBackend('unused', () => { throw new Error('x'); });
  });
});
