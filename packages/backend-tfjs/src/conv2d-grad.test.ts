import { getBackend, ops, setBackend } from '@strata/backend';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { registerTfjsBackends } from './register.js';
import { lcgValues as rand } from './test-utils/values.js';

registerTfjsBackends();


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

/** The reference: tfjs' own Conv2D gradient kernels (Conv2DBackpropFilter/Input) on tfjs cpu, called directly. */
async function nativeGrads(xShape: number[], wv: Float32Array, wShape: number[], strides: [number, number], padding: 'same' | 'valid') {
  await setBackend('tfjs-cpu');
  const x = tf.tensor4d(rand(xShape.reduce((a, b) => a * b), 1), xShape as [number, number, number, number]);
  const w = tf.tensor4d(wv, wShape as [number, number, number, number]);
  const f = (xi: tf.Tensor, wi: tf.Tensor): tf.Scalar => {
    const y = tf.conv2d(xi as tf.Tensor4D, wi as tf.Tensor4D, strides, padding);
    return tf.sum(tf.mul(y, tf.reshape(tf.tensor(rand(y.size, 3)), y.shape)));
  };
  const value = f(x, w).dataSync()[0]!;
  const [dx, dw] = tf.grads(f)([x, w]);
  const out = { value, dx: Array.from(dx!.dataSync()), dw: Array.from(dw!.dataSync()) };
  tf.dispose([x, w, dx!, dw!]);
  return out;
}

describe('conv2d gradients on tfjs-wasm (no Conv2DBackpropFilter kernel; slow Conv2DBackpropInput) and tfjs-cpu (slow Conv2DBackpropFilter)', () => {
  const cases: [string, number[], number[], [number, number], 'same' | 'valid'][] = [
    ['3x3 same stride 1', [2, 7, 6, 3], [3, 3, 3, 4], [1, 1], 'same'],
    ['5x5 valid stride 1', [2, 9, 8, 2], [5, 5, 2, 3], [1, 1], 'valid'],
    ['3x3 same stride 2', [1, 8, 7, 2], [3, 3, 2, 2], [2, 2], 'same'],
    ['2x4 valid stride (2,1)', [3, 7, 9, 1], [2, 4, 1, 5], [2, 1], 'valid'],
  ];
  for (const [label, xs, ws, st, pad] of cases) {
    for (const backend of ['tfjs-wasm', 'tfjs-cpu']) {
      it(`${backend} matches tfjs' own Conv2DBackpropFilter/Input kernels: ${label}`, async () => {
        const ref = await nativeGrads(xs, rand(ws.reduce((a, b) => a * b), 2), ws, st, pad);
        const got = await convGrads(backend, xs, ws, st, pad);
        expect(got.value).toBeCloseTo(ref.value, 4);
        expect(got.dw.length).toBe(ref.dw.length);
        expect(got.dx.length).toBe(ref.dx.length);
        for (let i = 0; i < ref.dw.length; i++) expect(got.dw[i]).toBeCloseTo(ref.dw[i]!, 4);
        for (let i = 0; i < ref.dx.length; i++) expect(got.dx[i]).toBeCloseTo(ref.dx[i]!, 4);
      });
    }
  }
  it("dilated conv gradients on wasm equal tfjs' own kernels' for the equivalent expanded kernel", async () => {
    // A 3x3 kernel with dilation 2 is a 5x5 kernel with zeros between the taps.
    const xs = [2, 9, 8, 2];
    const ws = [3, 3, 2, 3];
    const wv = rand(3 * 3 * 2 * 3, 2);
    const expanded = new Float32Array(5 * 5 * 2 * 3);
    for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) for (let c = 0; c < 6; c++) expanded[((2 * a) * 5 + 2 * b) * 6 + c] = wv[(a * 3 + b) * 6 + c]!;
    const grads = async (backend: string, w: Float32Array, wShape: number[], dil: [number, number]) => {
      await setBackend(backend);
      const b = getBackend();
      const x = b.variable(ops.tensor(rand(xs.reduce((p, q) => p * q), 1), xs), true);
      const wt = b.variable(ops.tensor(w, wShape), true);
      const { value, grads: g } = b.valueAndGrads(() => {
        const y = ops.conv2d(x, wt, { padding: 'same', dilations: dil });
        const n = y.shape.reduce((p, q) => p * q);
        return { value: ops.sum(ops.mul(y, ops.reshape(ops.tensor(rand(n, 3), [n]), y.shape))) };
      }, [x, wt]);
      const out = { value: ops.item(value), dx: Array.from(ops.readSync(g[0]!)), dw: Array.from(ops.readSync(g[1]!)) };
      b.dispose([x, wt, value, ...g]);
      return out;
    };
    const ref = await nativeGrads(xs, expanded, [5, 5, 2, 3], [1, 1], 'same');
    const got = await grads('tfjs-wasm', wv, ws, [2, 2]);
    expect(got.value).toBeCloseTo(ref.value, 4);
    got.dx.forEach((v, i) => expect(v).toBeCloseTo(ref.dx[i]!, 4));
    for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) for (let c = 0; c < 6; c++) {
      expect(got.dw[(a * 3 + b) * 6 + c]).toBeCloseTo(ref.dw[((2 * a) * 5 + 2 * b) * 6 + c]!, 4);
    }
  });

  it('a missing tfjs package names the package to install', async () => {
    await expect(setBackend('tfjs-node')).rejects.toThrow(/@tensorflow\/tfjs-node is not installed.*npm install @tensorflow\/tfjs-node/s);
  });
});
