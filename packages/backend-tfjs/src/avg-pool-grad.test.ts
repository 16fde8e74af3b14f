// avgPool2d 'same': Strata's gradient on tfjs is the exact derivative of the forward (average pooling
// is linear, so each input's gradient is Σ over its windows of R / real taps), where tfjs 4.22's own
// AvgPoolGrad divides border windows by the full window size.
import { getBackend, ops, type Pool2dOptions, setBackend } from '@strata/backend';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { registerTfjsBackends } from './register.js';
import { lcgValues } from './test-utils/values.js';

registerTfjsBackends();

/** d Σ avgPool(x)·R / dx by definition: each window adds R / (its real taps) to each of its real taps. */
function exactGrad(shape: number[], o: Required<Pool2dOptions>, r: Float32Array, outShape: number[]): Float32Array {
  const [n, h, w, c] = shape as [number, number, number, number];
  const [, oh, ow] = outShape as [number, number, number, number];
  const pad = (size: number, out: number, k: number, s: number) => Math.floor(Math.max((out - 1) * s + k - size, 0) / 2);
  const [ph, pw] = [pad(h, oh, o.poolSize[0], o.strides[0]), pad(w, ow, o.poolSize[1], o.strides[1])];
  const g = new Float32Array(n * h * w * c);
  for (let b = 0; b < n; b++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++) {
        const rows = [];
        const cols = [];
        for (let di = 0; di < o.poolSize[0]; di++) if (i * o.strides[0] - ph + di >= 0 && i * o.strides[0] - ph + di < h) rows.push(i * o.strides[0] - ph + di);
        for (let dj = 0; dj < o.poolSize[1]; dj++) if (j * o.strides[1] - pw + dj >= 0 && j * o.strides[1] - pw + dj < w) cols.push(j * o.strides[1] - pw + dj);
        for (let ch = 0; ch < c; ch++) {
          const share = r[((b * oh + i) * ow + j) * c + ch]! / (rows.length * cols.length);
          for (const y of rows) for (const x of cols) g[((b * h + y) * w + x) * c + ch]! += share;
        }
      }
  return g;
}

describe("avgPool2d 'same' gradient on tfjs is exact at the borders", () => {
  const cases: [string, number[], Required<Pool2dOptions>][] = [
    ['3x3 stride 2', [2, 7, 6, 3], { poolSize: [3, 3], strides: [2, 2], padding: 'same' }],
    ['3x3 stride 1 (overlapping)', [1, 5, 5, 2], { poolSize: [3, 3], strides: [1, 1], padding: 'same' }],
    ['2x2 stride 3 (gaps)', [2, 7, 8, 2], { poolSize: [2, 2], strides: [3, 3], padding: 'same' }],
  ];
  for (const backend of ['tfjs-cpu', 'tfjs-wasm']) {
    for (const [name, shape, o] of cases) {
      it(`${backend}, ${name}: forward as tf.avgPool, gradient as the closed form`, async () => {
        await setBackend(backend);
        const b = getBackend();
        const xv = lcgValues(shape.reduce((p, q) => p * q), 3);
        const x = b.variable(ops.tensor(xv, shape), true);
        const want = tf.avgPool(tf.tensor4d(xv, shape as [number, number, number, number]), o.poolSize, o.strides, 'same');
        const r = lcgValues(want.size, 4);
        const { value, grads } = b.valueAndGrads(() => {
          const y = ops.avgPool2d(x, o);
          return { value: ops.sum(ops.mul(y, ops.tensor(r, y.shape))) };
        }, [x]);
        const fwd = ops.avgPool2d(x, o);
        expect(Array.from(ops.readSync(fwd))).toEqual(Array.from(want.dataSync()));
        const exact = exactGrad(shape, o, r, want.shape);
        Array.from(ops.readSync(grads[0]!)).forEach((g, i) => expect(g).toBeCloseTo(exact[i]!, 5));
        // tfjs's own gradient differs at the border (the reason for the workaround); if this fails, tfjs fixed it.
        const own = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.avgPool(t as tf.Tensor4D, o.poolSize, o.strides, 'same'), tf.tensor(r, want.shape))))(tf.tensor4d(xv, shape as [number, number, number, number]));
        expect(Array.from(own.dataSync()).some((g, i) => Math.abs(g - exact[i]!) > 1e-3)).toBe(true);
        b.dispose([x, value, fwd, ...grads]);
        tf.dispose([want, own]);
      });
    }
  }
});
