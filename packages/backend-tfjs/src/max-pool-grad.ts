import * as tf from '@tensorflow/tfjs-core';

/**
 * `maxPool` whose gradient is right on tfjs `wasm`.
 *
 * tfjs-backend-wasm 4.22's `MaxPoolGrad` kernel drops the gradient of every
 * window whose values are all negative (the forward `MaxPool` is right). The
 * gradient of max pooling does not change when a constant is added to the
 * input, so the backward pass runs the kernel on `x - min(x) + 1` (all
 * positive), where it is correct. The forward pass is the plain `MaxPool`.
 */
export function maxPoolPositiveGrad(
  x: tf.Tensor4D,
  poolSize: [number, number],
  strides: [number, number],
  padding: 'same' | 'valid',
): tf.Tensor4D {
  const f = tf.customGrad(((xi: tf.Tensor, save: tf.GradSaveFunc) => {
    save([xi]);
    return {
      value: tf.maxPool(xi as tf.Tensor4D, poolSize, strides, padding),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const xs = saved[0] as tf.Tensor4D;
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
