import * as tf from '@tensorflow/tfjs-core';

/**
 * `gather(x, indices, axis)` whose gradient needs no `UnsortedSegmentSum`
 * kernel (tfjs `wasm` lacks it, so embeddings could not train there).
 *
 * The gathered axis is moved to the front; for `y = x[indices]` the gradient
 * is `dx = onehot(indices)^T · dy`, with `onehot(indices)` `[N, V]` for the
 * `N` flattened indices and `V = x.shape[axis]`: one matrix product, whose
 * cost grows with `N · V` (fine for vocabularies of symbols; an embedding of
 * a 50k-word vocabulary would rather want the kernel).
 */
export function gatherWithMatMulGrad(x: tf.Tensor, indices: tf.Tensor, axis: number): tf.Tensor {
  const rank = x.rank;
  const a = axis < 0 ? axis + rank : axis;
  if (a !== 0) {
    const toFront = [a, ...Array.from({ length: rank }, (_, i) => i).filter((i) => i !== a)];
    const y = gatherAxis0(tf.transpose(x, toFront), indices);
    // y: [...indices.shape, ...rest]; rest is x's axes except a, in order. Put the index axes back at a.
    const k = indices.rank;
    const perm = [...Array.from({ length: a }, (_, i) => k + i), ...Array.from({ length: k }, (_, i) => i), ...Array.from({ length: rank - 1 - a }, (_, i) => k + a + i)];
    return tf.transpose(y, perm);
  }
  return gatherAxis0(x, indices);
}

function gatherAxis0(x: tf.Tensor, indices: tf.Tensor): tf.Tensor {
  const vocab = x.shape[0]!;
  const rest = x.shape.slice(1);
  const f = tf.customGrad(((v: tf.Tensor, idx: tf.Tensor, save: tf.GradSaveFunc) => {
    save([idx]);
    return {
      value: tf.gather(v, idx, 0),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const flat = tf.reshape(saved[0]!, [-1]);
        const hot = tf.cast(tf.oneHot(tf.cast(flat, 'int32'), vocab), 'float32');
        const dyFlat = tf.reshape(dy, [flat.shape[0]!, -1]);
        const dx = tf.reshape(tf.matMul(hot, dyFlat, true, false), [vocab, ...rest]);
        return [dx, tf.zerosLike(saved[0]!)];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return f(x, indices) as tf.Tensor;
}
