// Rows of the layer table (layer-rows.ts) for the sequence layers (layers/seq/)
// and Linear on sparse input. References are tfjs-layers layers where one has
// the same semantics, otherwise closed forms in tfjs ops written per sequence
// from the lengths as plain numbers (slices up to each length, explicit masks),
// so that they share no code with Strata's masking.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { Linear } from '../layers/linear.js';
import { Conv1D } from '../layers/seq/conv1d.js';
import { DotAttention } from '../layers/seq/dot-attention.js';
import { Gather } from '../layers/seq/gather.js';
import { GenericAttention } from '../layers/seq/generic-attention.js';
import { LayerNorm } from '../layers/seq/layer-norm.js';
import { Length } from '../layers/seq/length.js';
import { PositionalEncoding } from '../layers/seq/positional-encoding.js';
import { PostfixInTime } from '../layers/seq/postfix-in-time.js';
import { PrefixInTime } from '../layers/seq/prefix-in-time.js';
import { Reduce, type ReduceMode } from '../layers/seq/reduce.js';
import { Resize } from '../layers/seq/resize.js';
import { SelfAttention } from '../layers/seq/self-attention.js';
import { Slice } from '../layers/seq/slice.js';
import { SoftmaxOverSpatial } from '../layers/seq/softmax-over-spatial.js';
import { Window } from '../layers/seq/window.js';
import type { Row } from './layer-rows.js';

/** `y` `[batch, time, ...]` with frames `t >= lens[b]` zeroed, by a mask built from the numbers. */
function maskBy(y: tf.Tensor, lens: number[]): tf.Tensor {
  const [batch, time] = y.shape;
  const mask = Float32Array.from({ length: batch! * time! }, (_, i) => (i % time! < lens[Math.floor(i / time!)]! ? 1 : 0));
  return tf.mul(y, tf.tensor(mask, [batch!, time!, ...new Array<number>(y.shape.length - 2).fill(1)]));
}

/** `f` applied to each sequence `x[b, :lens[b]]` (features after), results stacked over the batch. */
const perSeq = (x: tf.Tensor, lens: number[], f: (seq: tf.Tensor, b: number) => tf.Tensor): tf.Tensor =>
  tf.stack(lens.map((len, b) => f(tf.slice(tf.squeeze(tf.slice(x, [b], [1]), [0]), [0], [len]), b)));

/** Pads axis 0 of `seq` with zeros up to `time` entries. */
const padTo = (seq: tf.Tensor, time: number): tf.Tensor => tf.pad(seq, seq.shape.map((s, i): [number, number] => (i === 0 ? [0, time - s] : [0, 0])));

const reduceRef = (mode: ReduceMode, seq: tf.Tensor, axis: number, keepDims = false): tf.Tensor =>
  mode === 'sum' ? tf.sum(seq, axis, keepDims) : mode === 'mean' ? tf.mean(seq, axis, keepDims) : mode === 'max' ? tf.max(seq, axis, keepDims) : tf.min(seq, axis, keepDims);

/** Window reference: out[b, t, w] = x[b, t - left + w] inside the sequence, else 0; gathered by index from x plus a zero frame. */
function windowRef(x: tf.Tensor, lens: number[], size: number, left: number, outTime: number, valid: boolean): tf.Tensor {
  const [, time, ...feat] = x.shape;
  return tf.stack(
    lens.map((len, b) => {
      const seq = tf.concat([tf.squeeze(tf.slice(x, [b], [1]), [0]), tf.zeros([1, ...feat])]);
      const idx: number[] = [];
      for (let t = 0; t < outTime; t++) {
        for (let w = 0; w < size; w++) {
          const src = valid ? t + w : t - left + w;
          const ok = src >= 0 && src < len && t < (valid ? len - size + 1 : len);
          idx.push(ok ? src : time!);
        }
      }
      return tf.reshape(tf.gather(seq, tf.tensor1d(idx, 'int32')), [outTime, size, ...feat]);
    }),
  );
}

/** Per-head attention with an explicit boolean mask [batch, queries, keys] and -inf energies, heads concatenated. */
function attentionRef(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, heads: number, allowed: boolean[][][]): tf.Tensor {
  const dk = q.shape[2]! / heads;
  const dv = v.shape[2]! / heads;
  const mask = tf.tensor3d(allowed.map((m) => m.map((r) => r.map(Number))), undefined, 'bool');
  const out = Array.from({ length: heads }, (_, h) => {
    const head = (t: tf.Tensor, d: number) => tf.slice(t, [0, 0, h * d], [-1, -1, d]);
    const energy = tf.matMul(head(q, dk), head(k, dk), false, true);
    const weights = tf.softmax(tf.where(mask, energy, tf.fill(energy.shape, -Infinity)));
    return tf.matMul(weights, head(v, dv));
  });
  return tf.concat(out, -1);
}

const keysAllowed = (lens: number[], queries: number, keys: number, causal = false): boolean[][][] =>
  lens.map((len) => Array.from({ length: queries }, (_, i) => Array.from({ length: keys }, (_, j) => j < len && (!causal || j <= i))));

/** SelfAttention reference: projections written out per head from RETURNN's QKV layout. */
function selfAttentionRef(x: tf.Tensor, w: tf.Tensor, lens: number[], heads: number, keyDim: number, valueDim: number, causal: boolean): tf.Tensor {
  const [batch, time, features] = x.shape as [number, number, number];
  const dk = keyDim / heads;
  const dv = valueDim / heads;
  const block = 2 * dk + dv;
  const proj = tf.reshape(tf.matMul(tf.reshape(x, [batch * time, features]), w), [batch, time, heads, block]);
  const part = (begin: number, size: number) => tf.reshape(tf.slice(proj, [0, 0, 0, begin], [-1, -1, -1, size]), [batch, time, heads * size]);
  const q = tf.div(part(0, dk), Math.sqrt(dk));
  const y = attentionRef(q, part(dk, dk), part(2 * dk, dv), heads, keysAllowed(lens, time, time, causal));
  return maskBy(y, lens);
}

const T5 = [2, 5, 4];
const range = (start: number, end: number, step: number): number[] => Array.from({ length: Math.max(0, Math.ceil((end - start) / step)) }, (_, i) => start + i * step);

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
  // ---- SelfAttention ----
  {
    name: 'SelfAttention 2 heads [x, seqLens]',
    make: () => new SelfAttention({ numHeads: 2, totalKeyDim: 4, units: 6 }),
    inputs: [[2, 5, 3]],
    seqLens: [5, 3],
    refFn: ([x], [w]) => selfAttentionRef(x!, w!, [5, 3], 2, 4, 6, false),
  },
  {
    name: 'SelfAttention 1 head, attentionLeftOnly [x, seqLens]',
    make: () => new SelfAttention({ numHeads: 1, totalKeyDim: 2, units: 3, attentionLeftOnly: true }),
    inputs: [[2, 4, 3]],
    seqLens: [4, 2],
    refFn: ([x], [w]) => selfAttentionRef(x!, w!, [4, 2], 1, 2, 3, true),
  },
  {
    name: 'SelfAttention 2 heads, no seqLens',
    make: () => new SelfAttention({ numHeads: 2, totalKeyDim: 2, units: 4 }),
    inputs: [[1, 3, 2]],
    refFn: ([x], [w]) => selfAttentionRef(x!, w!, [3], 2, 2, 4, false),
  },
  // ---- DotAttention ----
  {
    name: 'DotAttention query [batch, K], energyFactor 0.5',
    make: () => new DotAttention({ energyFactor: 0.5 }),
    inputs: [[2, 4], [2, 5, 4], [2, 5, 3]],
    seqLens: [5, 2],
    paddedInputs: [1, 2],
    refFn: ([q, k, v]) => tf.squeeze(attentionRef(tf.mul(tf.expandDims(q!, 1), 0.5), k!, v!, 1, keysAllowed([5, 2], 1, 5)), [1]),
  },
  {
    name: 'DotAttention query sequence, 2 heads',
    make: () => new DotAttention({ numHeads: 2 }),
    inputs: [[2, 3, 4], [2, 5, 4], [2, 5, 6]],
    seqLens: [3, 5],
    paddedInputs: [1, 2],
    refFn: ([q, k, v]) => attentionRef(q!, k!, v!, 2, keysAllowed([3, 5], 3, 5)),
  },
  // ---- SoftmaxOverSpatial ----
  {
    name: 'SoftmaxOverSpatial energies [batch, time, 1] [x, seqLens]',
    make: () => new SoftmaxOverSpatial(),
    inputs: [[2, 5, 1]],
    seqLens: [5, 2],
    refFn: ([x]) => perSeq(x!, [5, 2], (seq) => padTo(softmaxOverFirst(seq), 5)),
  },
  {
    name: 'SoftmaxOverSpatial energyFactor 2, an empty sequence [x, seqLens]',
    make: () => new SoftmaxOverSpatial({ energyFactor: 2 }),
    inputs: [[3, 4, 2]],
    seqLens: [4, 0, 3],
    refFn: ([x]) => perSeq(tf.mul(x!, 2), [4, 0, 3], (seq) => padTo(softmaxOverFirst(seq), 4)),
  },
  {
    name: 'SoftmaxOverSpatial energyFactor 0.5, no seqLens',
    make: () => new SoftmaxOverSpatial({ energyFactor: 0.5 }),
    inputs: [[2, 3, 2]],
    refFn: ([x]) => tf.stack([0, 1].map((b) => softmaxOverFirst(tf.mul(tf.squeeze(tf.slice(x!, [b], [1]), [0]), 0.5)))),
  },
  // ---- GenericAttention ----
  {
    name: 'GenericAttention weights [batch, time] (tfjs-layers dot over time)',
    make: () => new GenericAttention(),
    inputs: [[2, 4], [2, 4, 3]],
    refLayer: () => tfl.layers.dot({ axes: 1 }),
  },
  {
    name: 'GenericAttention weights [batch, time, 1]',
    make: () => new GenericAttention(),
    inputs: [[2, 5, 1], [2, 5, 3]],
    refFn: ([w, base]) => tf.sum(tf.mul(w!, base!), 1),
  },
  {
    name: 'GenericAttention weights [batch, time, heads, 1], base [batch, time, heads, features]',
    make: () => new GenericAttention(),
    inputs: [[2, 4, 3, 1], [2, 4, 3, 2]],
    // Per sequence and head: the weights [time] times base [time, features] (a matMul).
    refFn: ([w, base]) => {
      const head = (b: number, h: number) =>
        tf.matMul(tf.reshape(tf.slice(w!, [b, 0, h, 0], [1, 4, 1, 1]), [1, 4]), tf.reshape(tf.slice(base!, [b, 0, h, 0], [1, 4, 1, 2]), [4, 2]));
      return tf.reshape(tf.stack([0, 1].map((b) => tf.stack([0, 1, 2].map((h) => head(b, h))))), [2, 3, 2]);
    },
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
    name: 'DotAttention query sequence, querySeqLens',
    make: () => new DotAttention(),
    inputs: [[2, 3, 2], [2, 4, 2], [2, 4, 3], [2], [2]],
    intInputs: { 3: [4, 2], 4: [1, 3] },
    refFn: ([q, k, v]) => maskBy(attentionRef(q!, k!, v!, 1, keysAllowed([4, 2], 3, 4)), [1, 3]),
  },
];

/** Softmax of `seq` `[len, ...]` over its first axis (each feature on its own); an empty sequence stays empty. */
const softmaxOverFirst = (seq: tf.Tensor): tf.Tensor => {
  if (seq.shape[0] === 0) return seq;
  const last = seq.shape.length - 1;
  const perm = seq.shape.map((_, i) => (i === 0 ? last : i === last ? 0 : i));
  return tf.transpose(tf.softmax(tf.transpose(seq, perm)), perm);
};

/** `x` `[batch, time, ...]` with frames gathered by index along time; index `time` is an extra frame of `fill`. */
const framesAt = (x: tf.Tensor, idx: number[], fill = 0): tf.Tensor =>
  tf.gather(tf.concat([x, tf.fill([x.shape[0]!, 1, ...x.shape.slice(2)], fill)], 1), tf.tensor1d(idx, 'int32'), 1);

/** The sinusoids `[1, time, channels]` written from the paper's formula (sin block, then cos block; odd last channel 0). */
function sinusoidsRef(time: number, channels: number): tf.Tensor {
  const half = Math.floor(channels / 2);
  const pos = tf.reshape(tf.range(0, time), [time, 1]);
  const inv = tf.exp(tf.mul(tf.range(0, half), -Math.log(10000) / Math.max(half - 1, 1)));
  const angles = tf.mul(pos, tf.reshape(inv, [1, half]));
  const parts = [tf.sin(angles), tf.cos(angles), ...(channels % 2 ? [tf.zeros([time, 1])] : [])];
  return tf.reshape(tf.concat(parts, 1), [1, time, channels]);
}
