import * as tf from '@tensorflow/tfjs-core';

/** Swaps the last two axes. */
export function transposeLast2(x: tf.Tensor): tf.Tensor {
  const perm = [...Array(x.rank).keys()];
  [perm[x.rank - 2], perm[x.rank - 1]] = [perm[x.rank - 1]!, perm[x.rank - 2]!];
  return tf.transpose(x, perm);
}

/** Rank-2 `a · b` whose gradients also avoid transposed matrix products. */
const matMul2d = tf.customGrad(((a: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
  save([a, b]);
  return {
    value: tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D),
    gradFunc: (dy: tf.Tensor, [sa, sb]: tf.Tensor[]) => [
      tf.matMul(dy as tf.Tensor2D, tf.transpose(sb!) as tf.Tensor2D),
      tf.matMul(tf.transpose(sa!) as tf.Tensor2D, dy as tf.Tensor2D),
    ],
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]);

/**
 * `matMul` with explicit transposes, for tfjs `wasm`: its `BatchMatMul` with
 * `transposeA`/`transposeB` is about 10x slower than a `Transpose` followed by
 * a plain product (measured: [64, 3136] x [3136, 128] products, 20 ms vs 2–4 ms),
 * and tfjs' own matMul gradient uses those flags. Rank-2 products (every
 * dense layer) also get a gradient that avoids them, unless
 * `differentiable` is false (no gradient tape records: the custom-gradient
 * wrapper would only cost time).
 */
export function matMulExplicitTranspose(a: tf.Tensor, b: tf.Tensor, transposeA: boolean, transposeB: boolean, differentiable = true): tf.Tensor {
  const a2 = transposeA ? transposeLast2(a) : a;
  const b2 = transposeB ? transposeLast2(b) : b;
  if (differentiable && a2.rank === 2 && b2.rank === 2) return matMul2d(a2, b2) as tf.Tensor;
  return tf.matMul(a2, b2);
}
