// Rows of the layer table (layer-rows.ts) for RETURNN's axis-wise classes
// (layers/axes/), transposed_conv and reduce's argmax. References are closed
// forms in tfjs ops (tf.conv2dTranspose for transposed_conv), written from the
// lengths as plain numbers, sharing no code with the layers.
import * as tf from '@tensorflow/tfjs-core';
import { CombineDims } from '../layers/axes/combine-dims.js';
import { Dot } from '../layers/axes/dot.js';
import { FlattenBatch } from '../layers/axes/flatten-batch.js';
import { Norm } from '../layers/axes/norm.js';
import { ReinterpretData } from '../layers/axes/reinterpret-data.js';
import { SeqLenMask } from '../layers/axes/seq-len-mask.js';
import { Reduce } from '../layers/seq/reduce.js';
import { TransposedConv } from '../layers/transposed-conv.js';
import type { Row } from './row.js';
import { maskBy } from './seq-refs.js';

/** `(x - mean) / sqrt(var + eps)` over `axes`, the biased variance. */
const normRef = (x: tf.Tensor, axes: number[], eps: number): tf.Tensor => {
  const mean = tf.mean(x, axes, true);
  const variance = tf.mean(tf.square(tf.sub(x, mean)), axes, true);
  return tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, eps)));
};

/** tfjs' own transposed convolution of `[B, T, C]` (1-D, as a height-T width-1 image) to `outLen` frames. */
const deconv1d = (x: tf.Tensor, w: tf.Tensor, outLen: number, stride: number, pad: 'same' | 'valid'): tf.Tensor => {
  const [b, t, c] = x.shape as [number, number, number];
  const f = w.shape[2]!;
  const y = tf.conv2dTranspose(tf.reshape(x, [b, t, 1, c]) as tf.Tensor4D, w as tf.Tensor4D, [b, outLen, 1, f], [stride, 1], pad);
  return tf.reshape(y, [b, outLen, f]);
};

export const axesRows: Row[] = [
  // ---- Dot ----
  {
    name: 'Dot red F/F, var dim:3/dim:5 ([B,3,4]·[B,5,4] → [B,3,5])',
    make: () => new Dot({ red1: 'F', red2: 'F', var1: 'dim:3', var2: 'dim:5' }),
    inputs: [[2, 3, 4], [2, 5, 4]],
    refFn: ([a, b]) => tf.matMul(a!, b!, false, true),
  },
  {
    name: 'Dot red dim:3/dim:3, var F/none ([B,3,4]·[B,3] → [B,4])',
    make: () => new Dot({ red1: 'dim:3', red2: 'F', var1: 'F', var2: null }),
    inputs: [[2, 3, 4], [2, 3]],
    refFn: ([a, b]) => tf.sum(tf.mul(a!, tf.expandDims(b!, -1)), 1),
  },
  // ---- Norm ----
  {
    name: 'Norm axes F (scale, bias over F)',
    make: () => new Norm({ axes: 'F' }),
    inputs: [[2, 3, 5]],
    refFn: ([x], [scale, bias]) => tf.add(tf.mul(normRef(x!, [2], 1e-6), scale!), bias!),
  },
  {
    name: 'Norm axes except_batch, param_shape dim:3, epsilon 1e-3',
    make: () => new Norm({ axes: 'except_batch', paramShape: 'dim:3', epsilon: 1e-3 }),
    inputs: [[2, 3, 4]],
    refFn: ([x], [scale, bias]) => tf.add(tf.mul(normRef(x!, [1, 2], 1e-3), tf.reshape(scale!, [1, 3, 1])), tf.reshape(bias!, [1, 3, 1])),
  },
  {
    name: 'Norm axes F, no scale, no bias',
    make: () => new Norm({ axis: 'F', scale: false, bias: false }),
    inputs: [[3, 6]],
    refFn: ([x]) => normRef(x!, [1], 1e-6),
  },
  // ---- SeqLenMask ----
  {
    name: 'SeqLenMask mask_value -2 [x, seqLens]',
    make: () => new SeqLenMask({ maskValue: -2 }),
    inputs: [[2, 4, 3]],
    seqLens: [4, 2],
    refFn: ([x]) => tf.add(maskBy(x!, [4, 2]), tf.mul(tf.sub(1, maskBy(tf.onesLike(x!), [4, 2])), -2)),
  },
  // ---- CombineDims ----
  {
    name: 'CombineDims [dim:4, F] ([B,3,4,5] → [B,3,20])',
    make: () => new CombineDims({ axes: ['dim:4', 'F'] }),
    inputs: [[2, 3, 4, 5]],
    refFn: ([x]) => tf.reshape(x!, [2, 3, 20]),
  },
  {
    name: 'CombineDims [F, dim:4] (feature first: transposed, at the feature place)',
    make: () => new CombineDims({ axes: ['F', 'dim:4'] }),
    inputs: [[2, 3, 4, 5]],
    refFn: ([x]) => tf.reshape(tf.transpose(x!, [0, 1, 3, 2]), [2, 3, 20]),
  },
  {
    name: 'CombineDims [dim:3, dim:4] (not the feature: at the first axis)',
    make: () => new CombineDims({ axes: ['dim:3', 'dim:4'] }),
    inputs: [[2, 3, 4, 5]],
    refFn: ([x]) => tf.reshape(x!, [2, 12, 5]),
  },
  // ---- FlattenBatch ----
  {
    name: 'FlattenBatch batch-major [x, seqLens]',
    make: () => new FlattenBatch(),
    inputs: [[2, 4, 3]],
    seqLens: [3, 1],
    refFn: ([x]) => tf.concat([tf.slice(x!, [0, 0, 0], [1, 3, 3]).reshape([3, 3]), tf.slice(x!, [1, 0, 0], [1, 1, 3]).reshape([1, 3])]),
  },
  {
    name: 'FlattenBatch time-major [x, seqLens]',
    make: () => new FlattenBatch({ batchMajor: false }),
    inputs: [[2, 3, 2]],
    seqLens: [3, 2],
    // Frames (b, t) in the order (0,0) (1,0) (0,1) (1,1) (0,2).
    refFn: ([x]) => tf.stack([[0, 0], [1, 0], [0, 1], [1, 1], [0, 2]].map(([b, t]) => tf.slice(x!, [b!, t!, 0], [1, 1, 2]).reshape([2]))),
  },
  // ---- ReinterpretData ----
  { name: 'ReinterpretData set_sparse false (values unchanged)', make: () => new ReinterpretData({ setSparse: false }), inputs: [[2, 3, 4]], refFn: ([x]) => x! },
  // ---- Reduce argmax / argmin ----
  { name: 'Reduce argmax F', make: () => new Reduce({ mode: 'argmax', axis: 'F' }), inputs: [[2, 3, 5]], forwardOnly: true, refFn: ([x]) => tf.argMax(x!, -1) },
  {
    name: 'Reduce argmin T [x, seqLens] (valid frames only)',
    make: () => new Reduce({ mode: 'argmin', axis: 'T' }),
    inputs: [[2, 4, 3]],
    seqLens: [4, 2],
    forwardOnly: true,
    refFn: ([x]) => tf.stack([tf.argMin(tf.slice(x!, [0, 0, 0], [1, 4, 3]).reshape([4, 3]), 0), tf.argMin(tf.slice(x!, [1, 0, 0], [1, 2, 3]).reshape([2, 3]), 0)]),
  },
  // ---- TransposedConv ----
  {
    name: 'TransposedConv 1-D same k3 s2 (tf.conv2dTranspose)',
    make: () => new TransposedConv({ filters: 4, filterSize: [3], strides: [2] }),
    inputs: [[2, 5, 3]],
    refFn: ([x], [w, b]) => tf.add(deconv1d(x!, w!, 10, 2, 'same'), b!),
  },
  {
    name: 'TransposedConv 1-D valid k3 s2 relu, no bias (k > s: overlapping frames)',
    make: () => new TransposedConv({ filters: 2, filterSize: [3], strides: [2], padding: 'valid', activation: 'relu', withBias: false }),
    inputs: [[2, 4, 3]],
    refFn: ([x], [w]) => tf.relu(deconv1d(x!, w!, 9, 2, 'valid')),
  },
  {
    name: 'TransposedConv 1-D valid k2 s3 (k < s: zero frames between), remove_padding 1',
    make: () => new TransposedConv({ filters: 2, filterSize: [2], strides: [3], padding: 'valid', removePadding: 1 }),
    inputs: [[2, 3, 2]],
    refFn: ([x], [w, b]) => tf.add(tf.slice(deconv1d(x!, w!, 9, 3, 'valid'), [0, 1, 0], [-1, 7, -1]), b!),
  },
  {
    name: 'TransposedConv 1-D same k4 s2 [x, seqLens] (lengths 2 * len)',
    make: () => new TransposedConv({ filters: 3, filterSize: [4], strides: [2] }),
    inputs: [[2, 4, 2]],
    seqLens: [4, 2],
    refFn: ([x], [w, b]) => maskBy(tf.add(deconv1d(maskBy(x!, [4, 2]), w!, 8, 2, 'same'), b!), [8, 4]),
  },
  {
    name: 'TransposedConv 2-D same k(3,2) s(2,2)',
    make: () => new TransposedConv({ filters: 3, filterSize: [3, 2], strides: [2, 2] }),
    inputs: [[2, 3, 2, 4]],
    refFn: ([x], [w, b]) => tf.add(tf.conv2dTranspose(x! as tf.Tensor4D, w! as tf.Tensor4D, [2, 6, 4, 3], [2, 2], 'same'), b!),
  },
];
