import * as tf from '@tensorflow/tfjs-core';
import { samePadding } from './conv2d-grad.js';

/** `[before, after]` padding and output size of one axis of a TF `same` window. */
function sameAxis(size: number, k: number, stride: number): { out: number; pads: [number, number] } {
  return { out: Math.ceil(size / stride), pads: samePadding(size, k, stride, 1) };
}

/** Real (unpadded) taps of each window along one axis. */
function taps(out: number, size: number, k: number, stride: number, before: number): number[] {
  return Array.from({ length: out }, (_, i) => Math.min(size, i * stride - before + k) - Math.max(0, i * stride - before));
}

/**
 * Average pooling with `same` padding whose gradient is right at the border.
 * tfjs 4.22's `AvgPoolGrad` (cpu, and the wasm backend, which falls back to
 * it) divides every window's gradient by the full window size, also where
 * `same` padding cut the window, although its forward divides those by the
 * real taps: the gradient there is too small. Here the forward is a `valid`
 * average pool of the zero-padded input rescaled per output position by
 * `window size / real taps` (a constant computed from the shapes), which tfjs
 * differentiates exactly. Same values as `tf.avgPool(..., 'same')`.
 *
 * `x`: `[batch, height, width, channels]`; returns `[batch, ceil(h / sh), ceil(w / sw), channels]`.
 */
export function avgPoolSameExactGrad(x: tf.Tensor4D, poolSize: [number, number], strides: [number, number]): tf.Tensor4D {
  return tf.tidy(() => {
    const [, h, w] = x.shape;
    const ah = sameAxis(h, poolSize[0], strides[0]);
    const aw = sameAxis(w, poolSize[1], strides[1]);
    const padded = tf.pad(x, [[0, 0], ah.pads, aw.pads, [0, 0]]);
    const pooled = tf.avgPool(padded, poolSize, strides, 'valid');
    const th = taps(ah.out, h, poolSize[0], strides[0], ah.pads[0]);
    const tw = taps(aw.out, w, poolSize[1], strides[1], aw.pads[0]);
    const full = poolSize[0] * poolSize[1];
    const rescale = new Float32Array(ah.out * aw.out);
    th.forEach((a, i) => tw.forEach((b, j) => (rescale[i * aw.out + j] = full / (a * b))));
    return tf.mul(pooled, tf.tensor4d(rescale, [1, ah.out, aw.out, 1]));
  });
}

/** True when `same` padding actually pads (otherwise tfjs' own gradient is exact). */
export function samePadsSomething(shape: readonly number[], poolSize: [number, number], strides: [number, number]): boolean {
  const ah = sameAxis(shape[1]!, poolSize[0], strides[0]);
  const aw = sameAxis(shape[2]!, poolSize[1], strides[1]);
  return ah.pads[0] + ah.pads[1] + aw.pads[0] + aw.pads[1] > 0;
}
