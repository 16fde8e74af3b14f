import { BackendCapabilityError } from '@strata/backend';
import * as tf from '@tensorflow/tfjs-core';

/** TF's `same` padding along one axis: `[before, after]`. */
export function samePadding(size: number, kernel: number, stride: number, dilation: number): [number, number] {
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + (kernel - 1) * dilation + 1 - size, 0);
  const before = Math.floor(total / 2);
  return [before, total - before];
}

/**
 * One-hot depthwise filter `[kh, kw, c, kh*kw]` that copies each window tap
 * into its own channel: a depthwise convolution with it extracts image
 * patches (im2col) with kernels tfjs `wasm` has.
 */
function patchFilter(kh: number, kw: number, channels: number): tf.Tensor4D {
  const n = kh * kw;
  const eye = new Float32Array(kh * kw * channels * n);
  for (let a = 0; a < kh; a++) for (let b = 0; b < kw; b++) for (let c = 0; c < channels; c++) eye[((a * kw + b) * channels + c) * n + a * kw + b] = 1;
  return tf.tensor4d(eye, [kh, kw, channels, n]);
}

/**
 * `conv2d` whose filter gradient needs no `Conv2DBackpropFilter` kernel.
 *
 * For `y[n,i,j,o] = sum_{a,b,c} xp[n, i*s+a*d, j*s+b*d, c] * w[a,b,c,o]`
 * (`xp` the padded input, `s` stride, `d` dilation), the filter gradient is
 * `dw[a,b,c,o] = sum_{n,i,j} P[(n,i,j), (c,a,b)] * dy[(n,i,j), o]` with `P`
 * the image patches of `xp`. `P` comes from a depthwise convolution with a
 * one-hot filter (`DepthwiseConv2dNative`), and `dw = P^T · dy` is one matrix
 * product. Measured on tfjs `wasm` (2 cores, batch 64, 14x14x32 -> 64, 3x3)
 * this takes about 37 ms, against 188 ms for expressing `dw` as a forward
 * `Conv2D` with `dy` as the filter. The input gradient is a forward `Conv2D`
 * too (see `inputGradFromForwardConv`): wasm's `Conv2DBackpropInput` kernel
 * took 144 ms of a 309 ms MNIST CNN training step. Dilated convolutions,
 * which tfjs cannot differentiate on any backend, get gradients this way too.
 *
 * tfjs `cpu` has a `Conv2DBackpropFilter` kernel, but a naive one (a
 * `TensorBuffer.get` per multiply-add): on the MNIST CNN (batch 32, 5x5,
 * 32 -> 64 channels) it took 107 s of a 110 s training step, the patch
 * product above about 2 s. There `nativeInputGrad` keeps cpu's own
 * `Conv2DBackpropInput` (through `tf.conv2dTranspose`, undilated
 * convolutions only), which is faster on cpu than the forward-conv form.
 *
 * @throws BackendCapabilityError when both stride and dilation exceed 1 (tfjs' convolutions reject that).
 */
export function conv2dWithFilterGradFromForwardConv(
  x: tf.Tensor4D,
  w: tf.Tensor4D,
  strides: [number, number],
  padding: 'same' | 'valid',
  dilations: [number, number],
  backendName = 'tfjs-wasm',
  nativeInputGrad = false,
): tf.Tensor4D {
  const [kh, kw] = [w.shape[0], w.shape[1]];
  const pads: [number, number][] =
    padding === 'same'
      ? [[0, 0], samePadding(x.shape[1], kh, strides[0], dilations[0]), samePadding(x.shape[2], kw, strides[1], dilations[1]), [0, 0]]
      : [[0, 0], [0, 0], [0, 0], [0, 0]];
  const needsPad = pads.some(([a, b]) => a > 0 || b > 0);
  const mixed = (strides[0] > 1 || strides[1] > 1) && (dilations[0] > 1 || dilations[1] > 1);
  if (mixed) {
    throw new BackendCapabilityError({
      backend: backendName,
      op: 'conv2d gradient with both strides > 1 and dilations > 1',
      remedy: 'Use strides 1 with dilation, or train on tfjs-cpu or onnxruntime.',
    });
  }
  const f = tf.customGrad(((xi: tf.Tensor, wi: tf.Tensor, save: tf.GradSaveFunc) => {
    const xp = needsPad ? tf.pad(xi as tf.Tensor4D, pads) : (xi as tf.Tensor4D);
    const y = tf.conv2d(xp as tf.Tensor4D, wi as tf.Tensor4D, strides, 'valid', 'NHWC', dilations);
    save([xp, wi]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xps, ws] = saved as [tf.Tensor4D, tf.Tensor4D];
        const dy4 = dy as tf.Tensor4D;
        const [n, ho, wo, co] = dy4.shape;
        const ci = xps.shape[3];
        const patches = tf.depthwiseConv2d(xps, patchFilter(kh, kw, ci), strides, 'valid', 'NHWC', dilations);
        // P^T · dy with an explicit transpose: wasm's MatMul with transposeA is ~10x slower.
        const pT = tf.transpose(tf.reshape(patches, [n * ho * wo, ci * kh * kw]));
        const dwFlat = tf.matMul(pT, tf.reshape(dy4, [n * ho * wo, co]));
        const dw = tf.transpose(tf.reshape(dwFlat, [ci, kh, kw, co]), [1, 2, 0, 3]);
        const undilated = dilations[0] === 1 && dilations[1] === 1;
        let dx: tf.Tensor =
          nativeInputGrad && undilated
            ? tf.conv2dTranspose(dy4, ws, xps.shape as [number, number, number, number], strides, 'valid')
            : inputGradFromForwardConv(dy4, ws, xps.shape, strides, dilations);
        if (needsPad) dx = tf.slice(dx, [0, pads[1]![0], pads[2]![0], 0], [-1, x.shape[1], x.shape[2], -1]);
        return [dx, dw];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return f(x, w) as tf.Tensor4D;
}

/**
 * The input gradient of a valid convolution of a padded input `xp`
 * (`[n, hp, wp, ci]`) as one forward convolution: `dy` is dilated by the
 * stride (zeros between its rows and columns), padded by `(k-1)·d` on each
 * side, and correlated with the filter flipped in space and with in/out
 * channels swapped, with dilation `d`:
 * `dxp[p] = sum_a dy_dilated[p - a·d] · w[a]`. Rows of `xp` that no window
 * reaches get zero gradient.
 */
function inputGradFromForwardConv(
  dy: tf.Tensor4D,
  w: tf.Tensor4D,
  xpShape: number[],
  strides: [number, number],
  dilations: [number, number],
): tf.Tensor4D {
  const [n, ho, wo, co] = dy.shape;
  const [kh, kw] = [w.shape[0], w.shape[1]];
  let d: tf.Tensor4D = dy;
  if (strides[0] > 1 || strides[1] > 1) {
    // [n, ho, 1, wo, 1, co] padded to [n, ho, s0, wo, s1, co] puts s-1 zeros after each entry.
    const e = tf.reshape(dy, [n, ho, 1, wo, 1, co]);
    const padded = tf.pad(e, [[0, 0], [0, 0], [0, strides[0] - 1], [0, 0], [0, strides[1] - 1], [0, 0]]);
    const full = tf.reshape(padded, [n, ho * strides[0], wo * strides[1], co]);
    d = tf.slice(full, [0, 0, 0, 0], [n, (ho - 1) * strides[0] + 1, (wo - 1) * strides[1] + 1, co]) as tf.Tensor4D;
  }
  const ph = (kh - 1) * dilations[0];
  const pw = (kw - 1) * dilations[1];
  const dPad = tf.pad(d, [[0, 0], [ph, ph], [pw, pw], [0, 0]]);
  const wFlip = tf.transpose(tf.reverse(w, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D;
  const dx = tf.conv2d(dPad, wFlip, 1, 'valid', 'NHWC', dilations);
  const [hp, wp] = [xpShape[1]!, xpShape[2]!];
  const [hr, wr] = [dx.shape[1], dx.shape[2]];
  return hr === hp && wr === wp ? dx : tf.pad(dx, [[0, 0], [0, hp - hr], [0, wp - wr], [0, 0]]);
}
