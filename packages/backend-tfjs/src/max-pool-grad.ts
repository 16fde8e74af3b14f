import * as tf from '@tensorflow/tfjs-core';

/**
 * Gradient of non-overlapping max pooling (window = stride, `valid`, sizes
 * divisible): each window's upstream gradient goes to its first maximum
 * (row-major), as tfjs' `MaxPoolGrad` does, computed with `ArgMax` and
 * `OneHot` over windows laid out on the last axis.
 */
function tiledMaxPoolGrad(x: tf.Tensor4D, dy: tf.Tensor4D, [ph, pw]: [number, number]): tf.Tensor {
  const [n, h, w, c] = x.shape;
  const [ho, wo] = [h / ph, w / pw];
  const windows = tf.reshape(tf.transpose(tf.reshape(x, [n, ho, ph, wo, pw, c]), [0, 1, 3, 5, 2, 4]), [n, ho, wo, c, ph * pw]);
  // wasm's OneHot writes int32 bits even when asked for float32: cast instead.
  const mask = tf.cast(tf.oneHot(tf.argMax(windows, -1), ph * pw), 'float32');
  const spread = tf.mul(mask, tf.expandDims(dy, -1));
  return tf.reshape(tf.transpose(tf.reshape(spread, [n, ho, wo, c, ph, pw]), [0, 1, 4, 2, 5, 3]), [n, h, w, c]);
}

/**
 * `maxPool` whose gradient is right (and fast) on tfjs `wasm`.
 *
 * tfjs-backend-wasm 4.22's `MaxPoolGrad` kernel drops the gradient of every
 * window whose values are all negative (the forward `MaxPool` is right), and
 * it is slow (37 ms of a 191 ms MNIST CNN step). Non-overlapping windows, the
 * usual case, get their gradient from `ArgMax`/`OneHot` instead. Otherwise
 * the kernel runs on `x - min(x) + 1` (all positive), where it is correct: the
 * gradient of max pooling does not change when a constant is added. Where a
 * window has several equal maxima, that kernel may pick another one than
 * tfjs-cpu does (an equally valid subgradient).
 */
export function maxPoolPositiveGrad(
  x: tf.Tensor4D,
  poolSize: [number, number],
  strides: [number, number],
  padding: 'same' | 'valid',
): tf.Tensor4D {
  const tiled =
    strides[0] === poolSize[0] && strides[1] === poolSize[1] && x.shape[1] % poolSize[0] === 0 && x.shape[2] % poolSize[1] === 0;
  const f = tf.customGrad(((xi: tf.Tensor, save: tf.GradSaveFunc) => {
    save([xi]);
    return {
      value: tf.maxPool(xi as tf.Tensor4D, poolSize, strides, padding),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const xs = saved[0] as tf.Tensor4D;
        if (tiled) return tiledMaxPoolGrad(xs, dy as tf.Tensor4D, poolSize);
        const shifted = tf.add(tf.sub(xs, tf.min(xs)), 1) as tf.Tensor4D;
        const pooled = tf.maxPool(shifted, poolSize, strides, padding);
        return tf.engine().runKernel(
          'MaxPoolGrad',
          { dy, input: shifted, output: pooled },
          { filterSize: poolSize, strides, pad: padding } as unknown as tf.NamedAttrMap,
        ) as tf.Tensor;
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return f(x) as tf.Tensor4D;
}
