// Rows of the layer table for the RETURNN layer keys of RETURNN's own test
// nets: length over the batch or a static axis, range_from_length of a scalar,
// split_dims of the time axis, resize by a factor layer (tfjs closed forms).
import * as tf from '@tensorflow/tfjs-core';
import { SplitBatchTime } from '../layers/axes/split-batch-time.js';
import { UnflattenBatch } from '../layers/axes/unflatten-batch.js';
import { Dropout } from '../layers/dropout.js';
import { MergeBatchDims } from '../layers/merge-batch-dims.js';
import { Conv1D } from '../layers/seq/conv1d.js';
import { Length } from '../layers/seq/length.js';
import { Resize } from '../layers/seq/resize.js';
import { ReduceBatch } from '../layers/seq/reduce-batch.js';
import { PositionalEncoding } from '../layers/seq/positional-encoding.js';
import { SelfAttention } from '../layers/seq/self-attention.js';
import { SplitDims } from '../layers/split-dims.js';
import { Concat } from '../layers/structure/concat.js';
import { RangeFromLength } from '../layers/structure/range-from-length.js';
import { TopK } from '../layers/structure/top-k.js';
import { RangeInAxis } from '../layers/value/range-in-axis.js';
import { type Row, SEED } from './row.js';
import { framesAt, maskBy } from './seq-refs.js';

/** The sinusoidal encoding of positions `pos` (any shape) with `c` channels (even), computed with tf: sin then cos of `pos * 1e4^(-i / (c/2 - 1))`. */
function encodingRef(pos: tf.Tensor, c: number): tf.Tensor {
  const half = c / 2;
  const scales = tf.exp(tf.mul(tf.range(0, half), -Math.log(1e4) / Math.max(half - 1, 1)));
  const angles = tf.mul(tf.expandDims(tf.cast(pos, 'float32'), -1), scales);
  return tf.concat([tf.sin(angles), tf.cos(angles)], -1);
}

/** Self-attention with RETURNN's key_shift in tf: per head softmax(q kᵀ + q · keyShift[i, j]) v, RETURNN's per-head [q, k, v] column blocks. */
function selfAttentionKeyShiftRef(x: tf.Tensor, ks: tf.Tensor, w: tf.Tensor, heads: number, keyDim: number): tf.Tensor {
  const [b, t] = x.shape as number[];
  const per = w.shape[1]! / heads;
  const p = tf.transpose(tf.reshape(tf.matMul(tf.reshape(x, [b! * t!, -1]), w), [b!, t!, heads, per]), [0, 2, 1, 3]);
  const q = tf.mul(tf.slice(p, [0, 0, 0, 0], [-1, -1, -1, keyDim]), keyDim ** -0.5);
  const k = tf.slice(p, [0, 0, 0, keyDim], [-1, -1, -1, keyDim]);
  const v = tf.slice(p, [0, 0, 0, 2 * keyDim], [-1, -1, -1, -1]);
  const shift = tf.sum(tf.mul(tf.expandDims(q, 3), tf.reshape(ks, [1, 1, t!, t!, keyDim])), -1);
  const y = tf.matMul(tf.softmax(tf.add(tf.matMul(q, k, false, true), shift), -1), v);
  return tf.reshape(tf.transpose(y, [0, 2, 1, 3]), [b!, t!, -1]);
}

export const layerKeysRows: Row[] = [
  // ---- split_batch_time: [batch * time, ...] back to [batch, time, ...] by base's sizes ----
  {
    name: 'SplitBatchTime [x, base] ([6,2,3] by base [2,3] → [2,3,2,3])',
    make: () => new SplitBatchTime(),
    inputs: [[6, 2, 3], [2, 3]],
    intInputs: { 1: [0, 1, 2, 3, 4, 5] },
    refFn: ([x]) => tf.reshape(x!, [2, 3, 2, 3]),
  },
  // ---- resize with factor naming a layer (its size depends on the value, read per run) ----
  {
    name: 'Resize factor input int32 3 [x, factor, seqLens]',
    compiledError: /cannot run 'readSync'/,
    make: () => new Resize({ factorInput: true }),
    inputs: [[2, 3, 2], []],
    intInputs: { 1: [3] },
    seqLens: [3, 1],
    refFn: ([x]) => maskBy(framesAt(x!, [0, 0, 0, 1, 1, 1, 2, 2, 2]), [9, 3]),
  },
  {
    // RETURNN top_k over axes (3, 2) of [B, 2, 3, 4]: the axes moved last in that order, flattened row-major, tf.topk.
    name: 'TopK k=4 jointly over two axes',
    make: () => new TopK({ axis: [2, 1], k: 4 }),
    inputs: [[2, 2, 3, 4]],
    refFn: ([x]) => {
      // tf.topk's positions, the values picked by a one-hot product (differentiable).
      const flat = tf.reshape(tf.transpose(x!, [0, 3, 2, 1]), [2, 4, 6]);
      // Indices from a copy off the tape: the positions are constants, as in tf.nn.top_k's gradient.
      const hot = tf.oneHot(tf.topk(tf.tensor(flat.dataSync(), flat.shape), 4).indices, 6);
      return tf.sum(tf.mul(tf.expandDims(flat, 2), hot), -1);
    },
  },
  { name: 'MergeBatchDims [B, T] (row b * T + t)', make: () => new MergeBatchDims({ axes: [0, 1] }), inputs: [[2, 3, 4]], refFn: ([x]) => tf.reshape(x!, [6, 4]) },
  { name: 'MergeBatchDims [T, B] (row t * B + b)', make: () => new MergeBatchDims({ axes: [1, 0] }), inputs: [[2, 3, 4]], refFn: ([x]) => tf.reshape(tf.transpose(x!, [1, 0, 2]), [6, 4]) },
  { name: 'Concat of inputs without a batch axis over axis 0', make: () => new Concat({ axes: [0, 0] }), inputs: [[3, 2], [4, 2]], refFn: ([a, b]) => tf.concat([a!, b!], 0) },
  { name: 'RangeInAxis over the batch axis', make: () => new RangeInAxis({ axis: 'B' }), inputs: [[3, 2, 4]], forwardOnly: true, refFn: () => tf.range(0, 3, 1, 'int32') },
  {
    // RETURNN reduce mean over ["B", "T"]: the valid frames' mean per feature (numpy.nanmean with padding as NaN).
    name: 'ReduceBatch mean over batch and time (lengths [3, 1])',
    make: () => new ReduceBatch({ mode: 'mean', axes: [0, 1], maskTime: true }),
    inputs: [[2, 3, 4]],
    seqLens: [3, 1],
    refFn: ([x, lens]) => {
      const mask = tf.expandDims(tf.cast(tf.less(tf.range(0, 3, 1, 'int32').expandDims(0), tf.expandDims(lens!, 1)), 'float32'), -1);
      return tf.div(tf.sum(tf.mul(x!, mask), [0, 1]), tf.sum(tf.mul(mask, tf.onesLike(x!)), [0, 1]));
    },
  },
  {
    name: 'ReduceBatch max over batch and time (lengths [2, 3])',
    make: () => new ReduceBatch({ mode: 'max', axes: [0, 1], maskTime: true }),
    inputs: [[2, 3, 4]],
    seqLens: [2, 3],
    refFn: ([x, lens]) => {
      const mask = tf.expandDims(tf.less(tf.range(0, 3, 1, 'int32').expandDims(0), tf.expandDims(lens!, 1)), -1);
      return tf.max(tf.where(tf.logicalAnd(mask, tf.onesLike(x!).cast('bool')), x!, tf.fill(x!.shape, -3.4e38)), [0, 1]);
    },
  },
  { name: 'ReduceBatch sum over every axis', make: () => new ReduceBatch({ mode: 'sum', axes: [0, 1, 2] }), inputs: [[2, 3, 4]], refFn: ([x]) => tf.sum(x!) },
  {
    // Packed sequence after sequence (lengths 3, 1, 2): each sequence's frames split off and zero-padded to 3.
    name: 'UnflattenBatch batch-major (lengths [3, 1, 2])',
    make: () => new UnflattenBatch(),
    inputs: [[6, 2], [3]],
    intInputs: { 1: [3, 1, 2] },
    compiledError: /cannot run 'readSync'/,
    refFn: ([x]) => tf.stack(tf.split(x!, [3, 1, 2], 0).map((s) => tf.pad(s, [[0, 3 - s.shape[0]!], [0, 0]]))),
  },
  {
    // Packed frame index after frame index: t=0 of b=0,1,2; t=1 of b=0,2; t=2 of b=0.
    name: 'UnflattenBatch time-major (lengths [3, 1, 2])',
    make: () => new UnflattenBatch({ batchMajor: false }),
    inputs: [[6, 2], [3]],
    intInputs: { 1: [3, 1, 2] },
    compiledError: /cannot run 'readSync'/,
    refFn: ([x]) => {
      const r = (i: number) => tf.slice(x!, [i, 0], [1, 2]);
      const z = tf.zeros([1, 2]);
      return tf.stack([tf.concat([r(0), r(3), r(5)]), tf.concat([r(1), z, z]), tf.concat([r(2), r(4), z])]);
    },
  },
  {
    name: 'SelfAttention with key_shift (2 heads)',
    make: () => new SelfAttention({ numHeads: 2, totalKeyDim: 4, units: 6, withKeyShift: true }),
    inputs: [[2, 3, 5], [3, 3, 2]],
    refFn: ([x, ks], [w]) => selfAttentionKeyShiftRef(x!, ks!, w!, 2, 2),
  },
  {
    // RETURNN conv `filter`: the kernel is an input (gradient to it as to x), only the bias a weight.
    name: 'Conv1D with the filter as an input (same, with bias)',
    make: () => new Conv1D({ filters: 4, kernelSize: 3, padding: 'same', withFilter: true }),
    inputs: [[2, 5, 3], [3, 3, 4]],
    refFn: ([x, f], [b]) => tf.add(tf.conv1d(x! as tf.Tensor3D, f! as tf.Tensor3D, 1, 'same'), b!),
  },
  {
    name: 'Conv1D with the filter as an input (valid, stride 2, no bias)',
    make: () => new Conv1D({ filters: 2, kernelSize: 2, strides: 2, padding: 'valid', withBias: false, withFilter: true }),
    inputs: [[2, 7, 3], [2, 3, 2]],
    refFn: ([x, f]) => tf.conv1d(x! as tf.Tensor3D, f! as tf.Tensor3D, 2, 'valid'),
  },
  {
    name: 'PositionalEncoding constant 5 (every frame position 5)',
    make: () => new PositionalEncoding({ units: 6, constant: 5 }),
    inputs: [[2, 4, 3]],
    refFn: ([x]) => tf.mul(tf.onesLike(tf.slice(x!, [0, 0, 0], [-1, -1, 1])), encodingRef(tf.fill([1, 4], 5), 6)),
  },
  {
    name: 'PositionalEncoding addToInput with offsets per sequence',
    make: () => new PositionalEncoding({ addToInput: true, withOffset: true }),
    inputs: [[2, 3, 4], [2]],
    intInputs: { 1: [3, 7] },
    // The offsets are read on the host: no ONNX graph of symbolic offsets.
    compiledError: /cannot run 'readSync'/,
    refFn: ([x, off]) => tf.add(x!, encodingRef(tf.add(tf.range(0, 3, 1, 'int32').expandDims(0), tf.expandDims(off!, 1)), 4)),
  },
  {
    // RETURNN's default dropout noise: one draw per feature, shared by the batch entries and frames.
    name: 'Dropout training with noiseShape [1, 1, null] (seeded)',
    make: () => new Dropout({ rate: 0.4, noiseShape: [1, 1, null] }),
    inputs: [[3, 4, 6]],
    training: true,
    refFn: ([x]) => tf.mul(x!, tf.div(tf.cast(tf.greaterEqual(tf.randomUniform([1, 1, 6], 0, 1, 'float32', SEED), 0.4), 'float32'), 0.6)),
  },
  { name: 'Length axis B (the batch size)', make: () => new Length({ axis: 'B' }), inputs: [[3, 4, 2]], forwardOnly: true, refFn: ([x]) => tf.scalar(x!.shape[0]!, 'int32') },
  { name: 'Length of a static axis (float32)', make: () => new Length({ axis: 'F', staticSize: 2, dtype: 'float32' }), inputs: [[3, 4, 2]], forwardOnly: true, refFn: () => tf.scalar(2) },
  {
    name: 'RangeFromLength of a scalar',
    make: () => new RangeFromLength(),
    inputs: [[]],
    intInputs: { 0: [4] },
    forwardOnly: true,
    compiledError: /cannot run 'readSync'/,
    refFn: () => tf.range(0, 4, 1, 'int32'),
  },
  { name: 'SplitDims of the time axis into [-1, 1]', make: () => new SplitDims({ dims: [-1, 1], axis: 1 }), inputs: [[2, 4, 3]], refFn: ([x]) => tf.reshape(x!, [2, 4, 1, 3]) },
  {
    name: 'SplitDims featureAt: the first new axis moved last (RETURNN feature axis of Dims)',
    make: () => new SplitDims({ dims: [2, 3], axis: -1, featureAt: 0 }),
    inputs: [[2, 4, 6]],
    refFn: ([x]) => tf.transpose(tf.reshape(x!, [2, 4, 2, 3]), [0, 1, 3, 2]),
  },
];
