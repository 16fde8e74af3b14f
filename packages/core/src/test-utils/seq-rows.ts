// Rows of the layer table (layer-rows.ts) for the sequence layers (layers/seq/)
// and Linear on sparse input. References are tfjs-layers layers where one has
// the same semantics, otherwise closed forms in tfjs ops written per sequence
// from the lengths as plain numbers (slices up to each length, explicit masks),
// so that they share no code with Strata's masking.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { Linear } from '../layers/linear.js';
import { Conv1D } from '../layers/seq/conv1d.js';
import { Pool1D } from '../layers/seq/pool1d.js';
import { Gather } from '../layers/seq/gather.js';
import { LayerNorm } from '../layers/seq/layer-norm.js';
import { Length } from '../layers/seq/length.js';
import { PositionalEncoding } from '../layers/seq/positional-encoding.js';
import { PostfixInTime } from '../layers/seq/postfix-in-time.js';
import { PrefixInTime } from '../layers/seq/prefix-in-time.js';
import { Reduce } from '../layers/seq/reduce.js';
import { Resize } from '../layers/seq/resize.js';
import { Slice } from '../layers/seq/slice.js';
import { Window } from '../layers/seq/window.js';
import { framesAt, maskBy, padTo, perSeq, range, reduceRef, sinusoidsRef, T5, tapsConvRef, windowRef } from './seq-refs.js';
import type { Row } from './row.js';

export const seqRows: Row[] = [
  // ---- Linear on sparse input (embedding) ----
  {
    name: 'Linear sparse input (embedding), no bias',
    make: () => new Linear({ units: 3, sparseInputDim: 6, withBias: false }),
    inputs: [[2, 5]],
    intInputs: { 0: [0, 5, 2, 2, 1, 3, 4, 0, 5, 1] },
    refLayer: () => tfl.layers.embedding({ inputDim: 6, outputDim: 3 }),
  },
  {
    name: 'Linear sparse input rank 3 + bias, relu',
    make: () => new Linear({ units: 4, sparseInputDim: 5, activation: 'relu' }),
    inputs: [[2, 2, 3]],
    intInputs: { 0: [4, 0, 1, 1, 3, 2, 0, 0, 4, 2, 3, 1] },
    refFn: ([x], [kernel, bias]) => tf.relu(tf.add(tf.gather(kernel!, x!), bias!)),
  },
  // ---- LayerNorm ----
  { name: 'LayerNorm', make: () => new LayerNorm(), inputs: [T5], refLayer: () => tfl.layers.layerNormalization({ epsilon: 1e-6 }) },
  { name: 'LayerNorm rank 2, epsilon 1e-3', make: () => new LayerNorm({ epsilon: 1e-3 }), inputs: [[3, 6]], refLayer: () => tfl.layers.layerNormalization({ epsilon: 1e-3 }) },
  {
    name: 'LayerNorm [x, seqLens] (padded frames zero)',
    make: () => new LayerNorm(),
    inputs: [T5],
    seqLens: [5, 2],
    refLayer: () => tfl.layers.layerNormalization({ epsilon: 1e-6 }),
    refOutput: (y) => maskBy(y, [5, 2]),
  },
  // ---- Pool1D (RETURNN pool with pool_size [k]) ----
  {
    name: 'Pool1D max k2 same',
    make: () => new Pool1D({ mode: 'max', poolSize: 2, padding: 'same' }),
    inputs: [[2, 7, 3]],
    refLayer: () => tfl.layers.maxPooling1d({ poolSize: 2, padding: 'same' }),
  },
  {
    name: 'Pool1D avg k3 stride 2 valid',
    make: () => new Pool1D({ mode: 'avg', poolSize: 3, strides: 2 }),
    inputs: [[2, 7, 3]],
    refLayer: () => tfl.layers.averagePooling1d({ poolSize: 3, strides: 2 }),
  },
  // ---- Conv1D ----
  {
    name: 'Conv1D valid k3 relu',
    make: () => new Conv1D({ filters: 4, kernelSize: 3, activation: 'relu' }),
    inputs: [[2, 6, 3]],
    refLayer: () => tfl.layers.conv1d({ filters: 4, kernelSize: 3, activation: 'relu' }),
  },
  {
    name: 'Conv1D same k3 stride 2 [x, seqLens]',
    make: () => new Conv1D({ filters: 3, kernelSize: 3, strides: 2, padding: 'same' }),
    inputs: [[2, 7, 3]],
    seqLens: [7, 4],
    refLayer: () => tfl.layers.conv1d({ filters: 3, kernelSize: 3, strides: 2, padding: 'same' }),
    refInput: ([x]) => maskBy(x!, [7, 4]),
    refOutput: (y) => maskBy(y, [4, 2]), // ceil(len / 2)
  },
  {
    name: 'Conv1D valid k2 stride 2 no bias [x, seqLens]',
    make: () => new Conv1D({ filters: 2, kernelSize: 2, strides: 2, withBias: false }),
    inputs: [[2, 6, 2]],
    seqLens: [6, 3],
    refLayer: () => tfl.layers.conv1d({ filters: 2, kernelSize: 2, strides: 2, useBias: false }),
    refInput: ([x]) => maskBy(x!, [6, 3]),
    refOutput: (y) => maskBy(y, [3, 1]), // ceil((len - 1) / 2)
  },
  {
    name: 'Conv1D same k3 dilation 2 [x, seqLens]',
    make: () => new Conv1D({ filters: 2, kernelSize: 3, padding: 'same', dilationRate: 2 }),
    inputs: [[2, 6, 2]],
    seqLens: [6, 4],
    refLayer: () => tfl.layers.conv1d({ filters: 2, kernelSize: 3, padding: 'same', dilationRate: 2 }),
    refInput: ([x]) => maskBy(x!, [6, 4]),
    refOutput: (y) => maskBy(y, [6, 4]),
    noRefGrad: { cpu: true },
  },
  {
    // TF's conv2d takes strides and dilations together (RETURNN's ConvLayer runs it); the backend conv2d does not.
    name: 'Conv1D valid k2 stride 2 dilation 2 [x, seqLens] (taps reference)',
    make: () => new Conv1D({ filters: 3, kernelSize: 2, strides: 2, dilationRate: 2 }),
    inputs: [[2, 9, 3]],
    seqLens: [9, 5],
    // out = ceil((time - 2) / 2); lengths ceil((len - 2) / 2).
    refFn: ([x], [w, b]) => maskBy(tapsConvRef(maskBy(x!, [9, 5]), w!, b!, { k: 2, s: 2, d: 2, before: 0, outTime: 4 }), [4, 2]),
  },
  {
    name: 'Conv1D same k3 stride 3 dilation 2 tanh [x, seqLens] (taps reference)',
    make: () => new Conv1D({ filters: 2, kernelSize: 3, strides: 3, dilationRate: 2, padding: 'same', activation: 'tanh' }),
    inputs: [[2, 10, 2]],
    seqLens: [10, 7],
    // out = ceil(10 / 3) = 4; TF's padding max((4 - 1) * 3 + 5 - 10, 0) = 4, 2 before; lengths ceil(len / 3).
    refFn: ([x], [w, b]) => maskBy(tf.tanh(tapsConvRef(maskBy(x!, [10, 7]), w!, b!, { k: 3, s: 3, d: 2, before: 2, outTime: 4 })), [4, 3]),
  },
  // ---- Window ----
  {
    name: 'Window 3 centred [x, seqLens]',
    make: () => new Window({ windowSize: 3 }),
    inputs: [[2, 5, 2]],
    seqLens: [5, 3],
    refFn: ([x]) => windowRef(x!, [5, 3], 3, 1, 5, false),
  },
  { name: 'Window 4, left 3 (past only)', make: () => new Window({ windowSize: 4, windowLeft: 3 }), inputs: [[2, 4, 3]], refFn: ([x]) => windowRef(x!, [4, 4], 4, 3, 4, false) },
  {
    name: 'Window 2 valid [x, seqLens]',
    make: () => new Window({ windowSize: 2, padding: 'valid' }),
    inputs: [[2, 5, 2]],
    seqLens: [5, 3],
    refFn: ([x]) => windowRef(x!, [5, 3], 2, 0, 4, true),
  },
  // ---- Reduce ----
  ...(['sum', 'mean', 'max', 'min'] as const).map(
    (mode): Row => ({
      name: `Reduce ${mode} over T [x, seqLens]`,
      make: () => new Reduce({ mode, axis: 'T' }),
      inputs: [[2, 5, 3]],
      seqLens: [5, 2],
      refFn: ([x]) => perSeq(x!, [5, 2], (seq) => reduceRef(mode, seq, 0)),
    }),
  ),
  {
    name: 'Reduce max over T keepDims, an empty sequence [x, seqLens]',
    make: () => new Reduce({ mode: 'max', axis: 'T', keepDims: true }),
    inputs: [[3, 4, 2]],
    seqLens: [2, 0, 4],
    refFn: ([x]) => perSeq(x!, [2, 0, 4], (seq) => (seq.shape[0] === 0 ? tf.zeros([1, 2]) : reduceRef('max', seq, 0, true))),
  },
  { name: 'Reduce mean over T, no seqLens', make: () => new Reduce({ mode: 'mean', axis: 'T' }), inputs: [[2, 4, 3]], refFn: ([x]) => tf.mean(x!, 1) },
  {
    name: 'Reduce sum over F [x, seqLens] (padded frames zero)',
    make: () => new Reduce({ mode: 'sum', axis: 'F' }),
    inputs: [[2, 5, 3]],
    seqLens: [4, 2],
    refFn: ([x]) => maskBy(tf.sum(x!, 2), [4, 2]),
  },
  { name: 'Reduce min over axis 2 of rank 4', make: () => new Reduce({ mode: 'min', axis: 2 }), inputs: [[2, 3, 4, 2]], refFn: ([x]) => tf.min(x!, 2) },
  // ---- PositionalEncoding ----
  {
    name: 'PositionalEncoding addToInput [x, seqLens]',
    make: () => new PositionalEncoding({ addToInput: true }),
    inputs: [[2, 5, 6]],
    seqLens: [5, 3],
    refFn: ([x]) => maskBy(tf.add(x!, sinusoidsRef(5, 6)), [5, 3]),
  },
  {
    name: 'PositionalEncoding units 7 (odd) [x, seqLens]',
    make: () => new PositionalEncoding({ units: 7 }),
    inputs: [[2, 5, 2]],
    seqLens: [5, 2],
    refFn: () => maskBy(tf.tile(sinusoidsRef(5, 7), [2, 1, 1]), [5, 2]),
    forwardOnly: true,
  },
  {
    name: 'PositionalEncoding units 4, no seqLens',
    make: () => new PositionalEncoding({ units: 4 }),
    inputs: [[2, 3, 2]],
    refFn: () => tf.tile(sinusoidsRef(3, 4), [2, 1, 1]),
    forwardOnly: true,
  },
  // ---- PrefixInTime / PostfixInTime ----
  {
    name: 'PrefixInTime repeat 2, prefix 0.5 [x, seqLens]',
    make: () => new PrefixInTime({ repeat: 2, prefix: 0.5 }),
    inputs: [[2, 4, 3]],
    seqLens: [4, 2],
    refFn: ([x]) => perSeq(x!, [4, 2], (seq) => padTo(tf.concat([tf.fill([2, 3], 0.5), seq]), 6)),
  },
  { name: 'PrefixInTime default (1 zero frame)', make: () => new PrefixInTime(), inputs: [[2, 3, 2]], refFn: ([x]) => tf.concat([tf.zeros([2, 1, 2]), x!], 1) },
  {
    name: 'PostfixInTime repeat 2, postfix -1 [x, seqLens]',
    make: () => new PostfixInTime({ repeat: 2, postfix: -1 }),
    inputs: [[2, 4, 3]],
    seqLens: [4, 1],
    refFn: ([x]) => perSeq(x!, [4, 1], (seq) => padTo(tf.concat([seq, tf.fill([2, 3], -1)]), 6)),
  },
  { name: 'PostfixInTime rank 2, no seqLens', make: () => new PostfixInTime({ postfix: 2 }), inputs: [[2, 3]], refFn: ([x]) => tf.concat([x!, tf.fill([2, 1], 2)], 1) },
  // ---- Slice ----
  {
    name: 'Slice T [1:-1:2] [x, seqLens]',
    make: () => new Slice({ axis: 'T', start: 1, end: -1, step: 2 }),
    inputs: [[2, 7, 3]],
    seqLens: [7, 4],
    // Frames 1, 3, ... before len - 1 (tfjs' stridedSlice has no gradient, so gathered by index).
    refFn: ([x]) => perSeq(x!, [7, 4], (seq) => padTo(tf.gather(seq, range(1, seq.shape[0]! - 1, 2)), 3)),
  },
  {
    name: 'Slice T [2:4] [x, seqLens]',
    make: () => new Slice({ axis: 'T', start: 2, end: 4 }),
    inputs: [[2, 6, 2]],
    seqLens: [6, 3],
    refFn: ([x]) => perSeq(x!, [6, 3], (seq) => padTo(tf.slice(seq, [2], [Math.min(seq.shape[0]!, 4) - 2]), 2)),
  },
  { name: 'Slice F [1::2]', make: () => new Slice({ axis: 'F', start: 1, step: 2 }), inputs: [[2, 3, 6]], refFn: ([x]) => tf.gather(x!, [1, 3, 5], 2) },
  {
    name: 'Slice F [:-2] [x, seqLens] (padded frames zero)',
    make: () => new Slice({ axis: 'F', end: -2 }),
    inputs: [[2, 4, 5]],
    seqLens: [4, 2],
    refFn: ([x]) => maskBy(tf.slice(x!, [0, 0, 0], [2, 4, 3]), [4, 2]),
  },
  // ---- Length ----
  { name: 'Length', make: () => new Length(), inputs: [[2, 5, 3]], seqLens: [5, 2], refFn: ([, lens]) => tf.clone(lens!), forwardOnly: true },
  // ---- Gather ----
  {
    name: 'Gather T, positions [batch]',
    make: () => new Gather({ axis: 'T' }),
    inputs: [[2, 5, 3], [2]],
    intInputs: { 1: [4, 0] },
    refFn: ([x]) => tf.stack([4, 0].map((p, b) => tf.gather(tf.squeeze(tf.slice(x!, [b], [1]), [0]), p))),
  },
  {
    name: 'Gather F, positions [batch, 3]',
    make: () => new Gather({ axis: 'F' }),
    inputs: [[2, 4, 5], [2, 3]],
    intInputs: { 1: [4, 0, 4, 1, 2, 3] },
    refFn: ([x]) => tf.stack([[4, 0, 4], [1, 2, 3]].map((p, b) => tf.gather(tf.squeeze(tf.slice(x!, [b], [1]), [0]), p, 1))),
  },
  {
    name: 'Gather axis 2 of rank 4, positions [batch, 2]',
    make: () => new Gather({ axis: 2 }),
    inputs: [[2, 3, 4, 2], [2, 2]],
    intInputs: { 1: [3, 1, 0, 0] },
    refFn: ([x]) => tf.stack([[3, 1], [0, 0]].map((p, b) => tf.gather(tf.squeeze(tf.slice(x!, [b], [1]), [0]), p, 1))),
  },
  // ---- Resize ----
  {
    name: 'Resize nn factor 2 [x, seqLens]',
    make: () => new Resize({ factor: 2 }),
    inputs: [[2, 3, 2]],
    seqLens: [3, 1],
    refFn: ([x]) => maskBy(framesAt(x!, [0, 0, 1, 1, 2, 2]), [6, 2]),
  },
  {
    // Batch 1: tfjs-cpu's ResizeNearestNeighborGrad mixes up the entries of a larger batch (tfjs 4.22).
    name: 'Resize nn factor 3, batch 1 (tfjs-layers upSampling2d)',
    make: () => new Resize({ factor: 3 }),
    inputs: [[1, 4, 3]],
    refLayer: () => tfl.layers.upSampling2d({ size: [3, 1] }),
    refInput: ([x]) => tf.reshape(x!, [1, 4, 1, 3]),
    refOutput: (y) => tf.reshape(y, [1, 12, 3]),
  },
  { name: 'Resize nn factor 3, rank 2', make: () => new Resize({ factor: 3 }), inputs: [[2, 2]], refFn: ([x]) => tf.squeeze(framesAt(tf.expandDims(x!, 2), [0, 0, 0, 1, 1, 1]), [2]) },
  {
    name: 'Resize fill factor 3, fillValue -1',
    make: () => new Resize({ factor: 3, kind: 'fill', fillValue: -1 }),
    inputs: [[2, 2, 3]],
    refFn: ([x]) => framesAt(x!, [0, 2, 2, 1, 2, 2], -1),
  },
  {
    name: 'Resize fill factor 2, fillValue 0.5 [x, seqLens]',
    make: () => new Resize({ factor: 2, kind: 'fill', fillValue: 0.5 }),
    inputs: [[2, 3, 2]],
    seqLens: [3, 2],
    refFn: ([x]) => maskBy(framesAt(x!, [0, 3, 1, 3, 2, 3], 0.5), [6, 4]),
  },
  {
    // TF1 resize_nearest_neighbor of the padded batch: out = ceil(7 * 0.5) = 4, frame floor(t * 7/4); lengths ceil(len * 0.5).
    name: 'Resize nn factor 0.5 [x, seqLens] (frames 0, 1, 3, 5)',
    make: () => new Resize({ factor: 0.5 }),
    inputs: [[2, 7, 2]],
    seqLens: [7, 3],
    refFn: ([x]) => maskBy(framesAt(x!, [0, 1, 3, 5]), [4, 2]),
  },
  {
    name: 'Resize nn factor 1.7 (frames floor(t * 3/6))',
    make: () => new Resize({ factor: 1.7 }),
    inputs: [[2, 3, 2]],
    refFn: ([x]) => framesAt(x!, [0, 0, 1, 1, 2, 2]),
  },
];
