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
 * `conv2d` whose filter gradient needs only the forward `Conv2D` kernel.
 *
 * For `y[n,i,j,o] = sum_{a,b,c} xp[n, i*s+a*d, j*s+b*d, c] * w[a,b,c,o]`
 * (`xp` the padded input, `s` stride, `d` dilation), the filter gradient is
 * `dw[a,b,c,o] = sum_{n,i,j} xp[n, i*s+a*d, j*s+b*d, c] * dy[n,i,j,o]`: a
 * valid convolution of `xp` transposed to `[c, H, W, n]` with `dy` transposed
 * to `[i, j, n, o]` as its filter, with stride `d` and dilation `s`. The
 * input gradient uses `Conv2DBackpropInput`, which tfjs `wasm` has.
 *
 * @throws BackendCapabilityError when both stride and dilation exceed 1 on an axis pair (tfjs' Conv2D rejects that).
 */
export function conv2dWithFilterGradFromForwardConv(
  x: tf.Tensor4D,
  w: tf.Tensor4D,
  strides: [number, number],
  padding: 'same' | 'valid',
  dilations: [number, number],
): tf.Tensor4D {
  const [kh, kw] = [w.shape[0], w.shape[1]];
  const pads: [number, number][] =
    padding === 'same'
      ? [[0, 0], samePadding(x.shape[1], kh, strides[0], dilations[0]), samePadding(x.shape[2], kw, strides[1], dilations[1]), [0, 0]]
      : [[0, 0], [0, 0], [0, 0], [0, 0]];
  const needsPad = pads.some(([a, b]) => a > 0 || b > 0);
  const mixed = (strides[0] > 1 || strides[1] > 1) && (dilations[0] > 1 || dilations[1] > 1);
  if (mixed) {
    throw new BackendCapabilityError(
      'tfjs-wasm',
      'conv2d gradient with both strides > 1 and dilations > 1',
      'Use strides 1 with dilation, or train on tfjs-cpu or onnxruntime.',
    );
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
        const xT = tf.transpose(xps, [3, 1, 2, 0]);
        const dyT = tf.transpose(dy4, [1, 2, 0, 3]);
        const full = tf.conv2d(xT as tf.Tensor4D, dyT as tf.Tensor4D, dilations, 'valid', 'NHWC', strides);
        const dwAll = tf.transpose(full, [1, 2, 0, 3]);
        const dw = tf.slice(dwAll, [0, 0, 0, 0], [kh, kw, -1, -1]);
        if (dilations[0] > 1 || dilations[1] > 1) {
          throw new BackendCapabilityError('tfjs-wasm', 'conv2d input gradient with dilations > 1', 'tfjs has no such kernel; train dilated convolutions on onnxruntime.');
        }
        let dx: tf.Tensor = tf.conv2dTranspose(dy4, ws, xps.shape as [number, number, number, number], strides, 'valid');
        if (needsPad) dx = tf.slice(dx, [0, pads[1]![0], pads[2]![0], 0], [-1, x.shape[1], x.shape[2], -1]);
        return [dx, dw];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return f(x, w) as tf.Tensor4D;
}
