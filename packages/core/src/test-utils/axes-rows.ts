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
import { ScatterNd } from '../layers/axes/scatter-nd.js';
import { SeqLenMask } from '../layers/axes/seq-len-mask.js';
import { SliceNd } from '../layers/axes/slice-nd.js';
import { UnflattenNd } from '../layers/axes/unflatten-nd.js';
import { Reduce } from '../layers/seq/reduce.js';
import { RelativePositionalEncoding } from '../layers/seq/relative-positional-encoding.js';
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

/** `E[clip(k - q, -c, c) + c]` for every query q and key k of `time` frames, the index matrix from tfjs ops. */
const relPosRef = (table: tf.Tensor, time: number, c: number): tf.Tensor => {
  const pos = tf.range(0, time, 1, 'int32');
  const idx = tf.cast(tf.add(tf.clipByValue(tf.sub(tf.expandDims(pos, 0), tf.expandDims(pos, 1)), -c, c), c), 'int32');
  return tf.gather(table, idx);
};

/** Tensor2Tensor's sinusoids of positions 0 .. n-1 over `ch` channels (sin half, cos half), in tfjs ops. */
const sinusoidsTf = (n: number, ch: number): tf.Tensor => {
  const half = Math.floor(ch / 2);
  const inv = tf.exp(tf.mul(tf.range(0, half), -Math.log(1e4) / Math.max(half - 1, 1)));
  const angles = tf.mul(tf.expandDims(tf.range(0, n), 1), tf.expandDims(inv, 0));
  return tf.concat([tf.sin(angles), tf.cos(angles)], 1);
};

/** `x[b, t0 : t0 + n]` as a `[n, ...]` tensor. */
const frames = (x: tf.Tensor, b: number, t0: number, n: number): tf.Tensor => tf.squeeze(tf.slice(x, [b, t0], [1, n]), [0]);

export const axesRows: Row[] = [
  // ---- SliceNd ----
  {
    name: 'SliceNd start per sequence [1, 3], size 3 [x, start, seqLens] (past the end: zeros)',
    make: () => new SliceNd({ size: 3 }),
    inputs: [[2, 5, 3], [2]],
    intInputs: { 1: [1, 3] },
    seqLens: [5, 4],
    refFn: ([x]) => tf.stack([frames(x!, 0, 1, 3), tf.concat([frames(x!, 1, 3, 1), tf.zeros([2, 3])])]),
  },
  {
    name: 'SliceNd fixed start 2, size 2',
    make: () => new SliceNd({ size: 2, start: 2 }),
    inputs: [[2, 5, 3]],
    refFn: ([x]) => tf.slice(x!, [0, 2], [-1, 2]),
  },
  {
    name: 'SliceNd size null (to the end), start per sequence [1, 3] [x, start, seqLens]: lengths [4, 1]',
    compiledError: /cannot run 'readSync'/,
    make: () => new SliceNd({ size: null }),
    inputs: [[2, 5, 3], [2]],
    intInputs: { 1: [1, 3] },
    seqLens: [5, 4],
    refFn: ([x]) => tf.stack([frames(x!, 0, 1, 4), tf.concat([frames(x!, 1, 3, 1), tf.zeros([3, 3])])]),
  },
  {
    name: 'SliceNd size null, fixed start 2, no lengths: the static rest of the axis',
    make: () => new SliceNd({ size: null, start: 2 }),
    inputs: [[2, 5, 3]],
    refFn: ([x]) => tf.slice(x!, [0, 2], [-1, 3]),
  },
  // ---- ScatterNd ----
  {
    name: 'ScatterNd positions [[2,0,5,1],[3,3,-1,0]] into 4 frames (out of range dropped, repeats added)',
    make: () => new ScatterNd({ outTime: 4, filterInvalidIndices: true }),
    inputs: [[2, 4, 3], [2, 4]],
    intInputs: { 1: [2, 0, 5, 1, 3, 3, -1, 0] },
    refFn: ([x]) => {
      const f = (b: number, t: number) => frames(x!, b, t, 1).reshape([3]);
      const zero = tf.zeros([3]);
      return tf.stack([tf.stack([f(0, 1), f(0, 3), f(0, 0), zero]), tf.stack([f(1, 3), zero, zero, tf.add(f(1, 0), f(1, 1))])]);
    },
  },
  // ---- UnflattenNd ----
  {
    name: 'UnflattenNd 2 axes, sizes [[2, 3], [1, 2]] ([B,6,2] → [B,2,3,2])',
    compiledError: /cannot run 'readSync'/,
    make: () => new UnflattenNd({ numAxes: 2 }),
    inputs: [[2, 6, 2], [2, 2]],
    intInputs: { 1: [2, 3, 1, 2] },
    refFn: ([x]) => tf.stack([tf.reshape(frames(x!, 0, 0, 6), [2, 3, 2]), tf.pad(tf.reshape(frames(x!, 1, 0, 2), [1, 2, 2]), [[0, 1], [0, 1], [0, 0]])]),
  },
  // ---- RelativePositionalEncoding ----
  {
    name: 'RelativePositionalEncoding learned, clipping 2 ([B,5,3] → [5,5,4])',
    make: () => new RelativePositionalEncoding({ units: 4, clipping: 2 }),
    inputs: [[2, 5, 3]],
    intInputs: { 0: new Array<number>(30).fill(0) },
    refFn: (_xs, [table]) => relPosRef(table!, 5, 2),
  },
  {
    name: 'RelativePositionalEncoding fixed (sinusoids), clipping 3',
    make: () => new RelativePositionalEncoding({ units: 6, clipping: 3, fixed: true }),
    inputs: [[2, 4, 3]],
    intInputs: { 0: new Array<number>(24).fill(0) },
    forwardOnly: true,
    refFn: () => relPosRef(sinusoidsTf(7, 6), 4, 3),
  },
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
    compiledError: /cannot run 'readSync'/,
    make: () => new FlattenBatch(),
    inputs: [[2, 4, 3]],
    seqLens: [3, 1],
    refFn: ([x]) => tf.concat([tf.slice(x!, [0, 0, 0], [1, 3, 3]).reshape([3, 3]), tf.slice(x!, [1, 0, 0], [1, 1, 3]).reshape([1, 3])]),
  },
  {
    name: 'FlattenBatch time-major [x, seqLens]',
    compiledError: /cannot run 'readSync'/,
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
    name: 'TransposedConv 1-D same k3 s2 to the length of ref (RETURNN out_spatial_dims naming a known Dim: 4 frames → 7)',
    make: () => new TransposedConv({ filters: 3, filterSize: [3], strides: [2], outSpatialDims: 'data:data' }),
    inputs: [[2, 4, 2], [2, 7]],
    intInputs: { 1: new Array<number>(14).fill(0) },
    refFn: ([x], [w, b]) => tf.add(deconv1d(x!, w!, 7, 2, 'same'), b!),
  },
  {
    name: 'TransposedConv 1-D valid k2 s2 to the length of ref [x, ref, seqLens] (3 frames → 7, the last one bias only)',
    make: () => new TransposedConv({ filters: 2, filterSize: [2], padding: 'valid', outSpatialDims: 'data:data' }),
    inputs: [[2, 3, 2], [2, 7]],
    intInputs: { 1: new Array<number>(14).fill(0) },
    seqLens: [3, 2],
    refFn: ([x], [w, b]) => tf.add(deconv1d(maskBy(x!, [3, 2]), w!, 7, 2, 'valid'), b!),
  },
  {
    name: 'TransposedConv 2-D same k(3,2) s(2,2)',
    make: () => new TransposedConv({ filters: 3, filterSize: [3, 2], strides: [2, 2] }),
    inputs: [[2, 3, 2, 4]],
    refFn: ([x], [w, b]) => tf.add(tf.conv2dTranspose(x! as tf.Tensor4D, w! as tf.Tensor4D, [2, 6, 4, 3], [2, 2], 'same'), b!),
  },
];
