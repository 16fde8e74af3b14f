// Rows of the layer table (layer-rows.ts) for the attention layers: SelfAttention,
// DotAttention, SoftmaxOverSpatial, GenericAttention.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { DotAttention } from '../layers/seq/dot-attention.js';
import { GenericAttention } from '../layers/seq/generic-attention.js';
import { SelfAttention } from '../layers/seq/self-attention.js';
import { SoftmaxOverSpatial } from '../layers/seq/softmax-over-spatial.js';
import { attentionRef, keysAllowed, maskBy, padTo, perSeq, selfAttentionRef, softmaxOverFirst } from './seq-refs.js';
import type { Row } from './row.js';

export const attentionRows: Row[] = [
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
  {
    name: 'GenericAttention weights [batch, time, 2] kept (RETURNN var1), base [batch, time, features]',
    make: () => new GenericAttention(),
    inputs: [[2, 4, 2], [2, 4, 3]],
    // Per sequence: weights^T [2, time] times base [time, features].
    refFn: ([w, base]) => tf.stack([0, 1].map((b) => tf.matMul(tf.reshape(tf.slice(w!, [b], [1]), [4, 2]), tf.reshape(tf.slice(base!, [b], [1]), [4, 3]), true, false))),
  },
  {
    name: 'GenericAttention autoSqueeze false: weights [batch, time, 1] keep their 1',
    make: () => new GenericAttention({ autoSqueeze: false }),
    inputs: [[2, 5, 1], [2, 5, 3]],
    refFn: ([w, base]) => tf.expandDims(tf.sum(tf.mul(w!, base!), 1), 1),
  },
  {
    name: 'GenericAttention weightsTimeAxis 2: weights [batch, heads, time], base [batch, time, heads, features]',
    make: () => new GenericAttention({ weightsTimeAxis: 2 }),
    inputs: [[2, 3, 4], [2, 4, 3, 2]],
    refFn: ([w, base]) => tf.sum(tf.mul(tf.expandDims(tf.transpose(w!, [0, 2, 1]), 3), base!), 1),
  },
  {
    name: 'SoftmaxOverSpatial axis 2 (x [batch, heads, time]) with seqLens along it',
    make: () => new SoftmaxOverSpatial({ axis: 2 }),
    inputs: [[3, 2, 4]],
    seqLens: [4, 1, 3],
    refFn: ([x]) => tf.transpose(perSeq(tf.transpose(x!, [0, 2, 1]), [4, 1, 3], (seq) => padTo(softmaxOverFirst(seq), 4)), [0, 2, 1]),
  },
  {
    name: 'SoftmaxOverSpatial logSpace, no seqLens',
    make: () => new SoftmaxOverSpatial({ logSpace: true }),
    inputs: [[2, 3, 2]],
    refFn: ([x]) => tf.logSoftmax(tf.transpose(x!, [0, 2, 1])).transpose([0, 2, 1]),
  },
  {
    name: 'DotAttention query sequence, querySeqLens',
    make: () => new DotAttention(),
    inputs: [[2, 3, 2], [2, 4, 2], [2, 4, 3], [2], [2]],
    intInputs: { 3: [4, 2], 4: [1, 3] },
    refFn: ([q, k, v]) => maskBy(attentionRef(q!, k!, v!, 1, keysAllowed([4, 2], 3, 4)), [1, 3]),
  },
];
