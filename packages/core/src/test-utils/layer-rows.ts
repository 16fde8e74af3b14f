// The layer table shared by core's tests (PyTorch's common_modules style): each
// row is a Strata layer, its reference (a tfjs-layers layer given the same
// weights, or a closed form in tfjs ops) and its inputs. layer-table.test.ts
// checks forward and gradients against the references and the config round
// trip; backend-parity.test.ts runs every row on every installed backend.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { ActivationLayer } from '../layers/activation.js';
import { BatchNorm } from '../layers/batch-norm.js';
import { Combine, type CombineKind } from '../layers/combine.js';
import { Compare } from '../layers/compare.js';
import { Conv2D } from '../layers/conv2d.js';
import { Copy } from '../layers/copy.js';
import { Dropout } from '../layers/dropout.js';
import { Linear } from '../layers/linear.js';
import { Flatten, MergeDims } from '../layers/merge-dims.js';
import { Pool2D } from '../layers/pool2d.js';
import { Rec } from '../layers/rec/rec.js';
import { ReduceOut } from '../layers/reduce-out.js';
import { RnnCell } from '../layers/rec/rnn-cell.js';
import { recUnitRows } from './rec-units-rows.js';
import { lstmCellRows } from './lstm-cell-rows.js';
import { Softmax } from '../layers/softmax.js';
import { Reshape, SplitDims } from '../layers/split-dims.js';
import { attentionRows } from './attention-rows.js';
import { evalRows } from './eval-rows.js';
import { axesRows } from './axes-rows.js';
import { layerKeysRows } from './layer-keys-rows.js';
import { halves, positive, type RefLayer, type Row, SEED, size } from './row.js';
import { seqRows } from './seq-rows.js';
import { shapeRows } from './shape-rows.js';
import { structureRows } from './structure-rows.js';
import { randomValues } from './setup.js';

const combineRef: Partial<Record<CombineKind, () => RefLayer>> = {
  add: () => tfl.layers.add({}),
  mul: () => tfl.layers.multiply({}),
  maximum: () => tfl.layers.maximum({}),
  minimum: () => tfl.layers.minimum({}),
  average: () => tfl.layers.average({}),
};

export const rows: Row[] = [
  { name: 'Linear relu', make: () => new Linear({ units: 5, activation: 'relu' }), inputs: [[4, 7]], refLayer: () => tfl.layers.dense({ units: 5, activation: 'relu' }) },
  { name: 'Linear rank 3, no bias', make: () => new Linear({ units: 3, withBias: false }), inputs: [[2, 3, 5]], refLayer: () => tfl.layers.dense({ units: 3, useBias: false }) },
  {
    // RETURNN in_dim naming a spatial axis: that axis (size 4) is contracted, the others keep their order, units last.
    name: 'Linear inDim spatial:1 (contracts a non-feature axis)',
    make: () => new Linear({ units: 3, inDim: 'spatial:1' }),
    inputs: [[2, 5, 4, 6]],
    refFn: ([x], w) => tf.add(tf.reshape(tf.matMul(tf.reshape(tf.transpose(x!, [0, 1, 3, 2]), [-1, 4]), w[0]!), [2, 5, 6, 3]), w[1]!),
  },
  { name: 'Softmax', make: () => new Softmax({ units: 6 }), inputs: [[4, 5]], refLayer: () => tfl.layers.dense({ units: 6, activation: 'softmax' }) },
  ...(['relu', 'tanh', 'sigmoid', 'elu', 'softplus', 'softmax', 'swish'] as const).map((a) => ({
    name: `Activation ${a}`,
    make: () => new ActivationLayer({ activation: a }),
    inputs: [[3, 4, 5]],
    refLayer: () => tfl.layers.activation({ activation: a }),
  })),
  { name: 'Activation gelu_new (tanh form)', make: () => new ActivationLayer({ activation: 'gelu_new' }), inputs: [[3, 6]], refLayer: () => tfl.layers.activation({ activation: 'gelu_new' }) },
  { name: 'Activation log_softmax', make: () => new ActivationLayer({ activation: 'log_softmax' }), inputs: [[3, 6]], refFn: ([x]) => tf.logSoftmax(x!) },
  { name: 'Copy one input', make: () => new Copy(), inputs: [[3, 4]], refFn: ([x]) => tf.clone(x!) },
  {
    name: 'Copy three inputs (concat features)',
    make: () => new Copy(),
    inputs: [[2, 3, 4], [2, 3, 2], [2, 3, 5]],
    refLayer: () => tfl.layers.concatenate({ axis: -1 }),
  },
  ...(['add', 'mul', 'maximum', 'minimum', 'average'] as const).map((kind) => ({
    name: `Combine ${kind} of three`,
    make: () => new Combine({ kind }),
    inputs: [[2, 3, 4], [2, 3, 4], [2, 3, 4]],
    refLayer: combineRef[kind],
  })),
  { name: 'Combine sub', make: () => new Combine({ kind: 'sub' }), inputs: [[3, 5], [3, 5]], refFn: ([a, b]) => tf.sub(a!, b!) },
  {
    name: 'Combine truediv',
    make: () => new Combine({ kind: 'truediv' }),
    inputs: [[3, 5], [3, 5]],
    input: (i, n) => (i === 1 ? positive(n, 21) : randomValues(n, 20)),
    refFn: ([a, b]) => tf.div(a!, b!),
  },
  {
    name: 'Combine add broadcast + tanh',
    make: () => new Combine({ kind: 'add', activation: 'tanh' }),
    inputs: [[2, 3, 4], [2, 1, 4], [4]],
    refFn: ([a, b, c]) => tf.tanh(tf.add(tf.add(a!, b!), c!)),
  },
  // Compare: bool outputs (no gradient); inputs on a grid of halves, so that equal values occur.
  {
    name: 'Compare equal to a value, int32 class indices',
    make: () => new Compare({ value: 2 }),
    inputs: [[2, 5]],
    intInputs: { 0: [0, 2, 1, 2, 3, 2, 2, 0, 4, 1] },
    refFn: ([x]) => tf.equal(x!, 2),
    forwardOnly: true,
  },
  {
    name: 'Compare greater_equal a value',
    make: () => new Compare({ kind: 'greater_equal', value: 0 }),
    inputs: [[3, 4]],
    input: (i, n) => halves(n, 70 + i),
    refFn: ([x]) => tf.greaterEqual(x!, 0),
    forwardOnly: true,
  },
  {
    name: 'Compare less chain x1 < x2 < 0.5',
    make: () => new Compare({ kind: 'less', value: 0.5 }),
    inputs: [[3, 4], [3, 4]],
    input: (i, n) => halves(n, 72 + i),
    refFn: ([a, b]) => tf.logicalAnd(tf.less(a!, b!), tf.less(b!, 0.5)),
    forwardOnly: true,
  },
  {
    name: 'Compare not_equal, broadcast, no value',
    make: () => new Compare({ kind: 'not_equal' }),
    inputs: [[2, 3, 4], [2, 1, 4]],
    input: (i, n) => halves(n, 74 + i),
    refFn: ([a, b]) => tf.notEqual(a!, b!),
    forwardOnly: true,
  },
  {
    name: 'Compare less_equal',
    make: () => new Compare({ kind: 'less_equal' }),
    inputs: [[3, 5], [3, 5]],
    input: (i, n) => halves(n, 76 + i),
    refFn: ([a, b]) => tf.lessEqual(a!, b!),
    forwardOnly: true,
  },
  // ReduceOut: groups of consecutive features reduced (maxout).
  {
    name: 'ReduceOut max, 2 pieces',
    make: () => new ReduceOut({ mode: 'max', numPieces: 2 }),
    inputs: [[2, 3, 6]],
    refFn: ([x]) => tf.max(tf.reshape(x!, [2, 3, 3, 2]), -1),
  },
  { name: 'ReduceOut sum, 3 pieces, rank 2', make: () => new ReduceOut({ mode: 'sum', numPieces: 3 }), inputs: [[4, 6]], refFn: ([x]) => tf.sum(tf.reshape(x!, [4, 2, 3]), -1) },
  { name: 'ReduceOut mean, 2 pieces', make: () => new ReduceOut({ mode: 'mean', numPieces: 2 }), inputs: [[2, 2, 4]], refFn: ([x]) => tf.mean(tf.reshape(x!, [2, 2, 2, 2]), -1) },
  { name: 'Dropout inference', make: () => new Dropout({ rate: 0.5 }), inputs: [[4, 6]], refFn: ([x]) => tf.clone(x!) },
  {
    name: 'Dropout training (seeded)',
    make: () => new Dropout({ rate: 0.3 }),
    inputs: [[5, 8]],
    training: true,
    refFn: ([x]) => {
      const keep = tf.cast(tf.greaterEqual(tf.randomUniform(x!.shape, 0, 1, 'float32', SEED), 0.3), 'float32');
      return tf.mul(x!, tf.div(keep, 0.7));
    },
  },
  {
    name: 'Conv2D valid 3x3 relu',
    make: () => new Conv2D({ filters: 4, kernelSize: 3, activation: 'relu' }),
    inputs: [[2, 6, 7, 3]],
    refLayer: () => tfl.layers.conv2d({ filters: 4, kernelSize: 3, activation: 'relu' }),
  },
  {
    name: 'Conv2D same 3x2 stride 2',
    make: () => new Conv2D({ filters: 3, kernelSize: [3, 2], strides: 2, padding: 'same' }),
    inputs: [[2, 7, 6, 2]],
    refLayer: () => tfl.layers.conv2d({ filters: 3, kernelSize: [3, 2], strides: 2, padding: 'same' }),
  },
  {
    name: 'Conv2D valid stride [1,2] no bias',
    make: () => new Conv2D({ filters: 2, kernelSize: 2, strides: [1, 2], withBias: false }),
    inputs: [[1, 5, 6, 3]],
    refLayer: () => tfl.layers.conv2d({ filters: 2, kernelSize: 2, strides: [1, 2], useBias: false }),
  },
  {
    name: 'Conv2D same dilation 2',
    make: () => new Conv2D({ filters: 2, kernelSize: 3, padding: 'same', dilationRate: 2 }),
    inputs: [[2, 7, 7, 2]],
    refLayer: () => tfl.layers.conv2d({ filters: 2, kernelSize: 3, padding: 'same', dilationRate: 2 }),
    // Strata differentiates dilated convs on both tfjs backends (backend-tfjs conv2d-grad.test.ts checks it against an expanded kernel).
    noRefGrad: { cpu: true },
  },
  {
    name: 'Pool2D max 2x2',
    make: () => new Pool2D({ mode: 'max', poolSize: 2 }),
    inputs: [[2, 6, 5, 3]],
    refLayer: () => tfl.layers.maxPooling2d({ poolSize: 2 }),
  },
  {
    name: 'Pool2D max 2x2, positive input (as after relu)',
    make: () => new Pool2D({ mode: 'max', poolSize: 2 }),
    inputs: [[2, 6, 5, 3]],
    input: (i, n) => positive(n, 60 + i),
    refLayer: () => tfl.layers.maxPooling2d({ poolSize: 2 }),
  },
  {
    name: 'Pool2D max 3x3 same stride 2',
    make: () => new Pool2D({ mode: 'max', poolSize: 3, strides: 2, padding: 'same' }),
    inputs: [[2, 7, 5, 2]],
    refLayer: () => tfl.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }),
  },
  {
    name: 'Pool2D max 3x3 same stride 2, positive input',
    make: () => new Pool2D({ mode: 'max', poolSize: 3, strides: 2, padding: 'same' }),
    inputs: [[2, 7, 5, 2]],
    input: (i, n) => positive(n, 62 + i),
    refLayer: () => tfl.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }),
  },
  { name: 'Pool2D avg 2x3', make: () => new Pool2D({ mode: 'avg', poolSize: [2, 3] }), inputs: [[2, 6, 6, 2]], refLayer: () => tfl.layers.averagePooling2d({ poolSize: [2, 3] }) },
  {
    name: 'Pool2D avg 3x3 same stride 2',
    make: () => new Pool2D({ mode: 'avg', poolSize: 3, strides: 2, padding: 'same' }),
    inputs: [[2, 7, 6, 3]],
    refLayer: () => tfl.layers.averagePooling2d({ poolSize: 3, strides: 2, padding: 'same' }),
    // tfjs' own AvgPoolGrad is wrong at borders cut by 'same' padding; Strata's (backend-tfjs avg-pool-grad.ts) is exact.
    noRefGrad: { cpu: true },
  },
  { name: 'Flatten', make: () => new Flatten(), inputs: [[2, 3, 4, 5]], refLayer: () => tfl.layers.flatten() },
  { name: 'MergeDims rank 3', make: () => new MergeDims(), inputs: [[3, 4, 2]], refLayer: () => tfl.layers.flatten() },
  { name: 'SplitDims 24 -> [2, -1, 3]', make: () => new SplitDims({ dims: [2, -1, 3] }), inputs: [[2, 24]], refLayer: () => tfl.layers.reshape({ targetShape: [2, 4, 3] }) },
  { name: 'SplitDims axis 1', make: () => new SplitDims({ dims: [2, 3], axis: 1 }), inputs: [[2, 6, 5]], refFn: ([x]) => tf.reshape(x!, [2, 2, 3, 5]) },
  { name: 'Reshape [3, -1]', make: () => new Reshape({ targetShape: [3, -1] }), inputs: [[2, 4, 6]], refLayer: () => tfl.layers.reshape({ targetShape: [3, 8] }) },
  {
    name: 'BatchNorm inference',
    make: () => new BatchNorm(),
    inputs: [[4, 5]],
    refLayer: () => tfl.layers.batchNormalization({ momentum: 0.9 }),
    weight: (i, s) => (i === 3 ? positive(size(s), 40 + i) : randomValues(size(s), 40 + i)),
  },
  {
    name: 'BatchNorm training NHWC',
    make: () => new BatchNorm({ momentum: 0.2, epsilon: 1e-2 }),
    inputs: [[3, 4, 5, 3]],
    training: true,
    refLayer: () => tfl.layers.batchNormalization({ momentum: 0.8, epsilon: 1e-2 }),
    weight: (i, s) => (i === 3 ? positive(size(s), 40 + i) : randomValues(size(s), 40 + i)),
  },
  {
    name: 'BatchNorm no center/scale inference',
    make: () => new BatchNorm({ center: false, scale: false }),
    inputs: [[4, 2, 3]],
    // tfjs' batchNorm gradient fails without a scale, so the reference is the closed form.
    refFn: ([x]) => tf.div(tf.sub(x!, tf.tensor(randomValues(3, 51))), tf.sqrt(tf.add(tf.tensor(positive(3, 50)), 1e-3))),
    weight: (i, s) => (i === 1 ? positive(size(s), 50) : randomValues(size(s), 51)),
  },
  ...(['lstm', 'gru', 'rnn'] as const).map((unit) => ({
    name: `Rec ${unit}`,
    make: () => new Rec({ unit, units: 4 }),
    inputs: [[2, 5, 3]],
    refLayer: () =>
      unit === 'lstm'
        ? tfl.layers.lstm({ units: 4, returnSequences: true, recurrentActivation: 'sigmoid' })
        : unit === 'gru'
          ? tfl.layers.gru({ units: 4, returnSequences: true, recurrentActivation: 'sigmoid' })
          : tfl.layers.simpleRNN({ units: 4, returnSequences: true }),
  })),
  ...(['lstm', 'gru', 'rnn'] as const).map((unit) => ({
    // One frame from zero states: the recurrent layer over a one-frame sequence.
    name: `RnnCell ${unit}`,
    make: () => new RnnCell({ unit, units: 4 }),
    inputs: [[2, 3]],
    // tfjs-layers' cell, called once on zero states (its RNN over one frame fails to differentiate: an empty Unpack gradient).
    refLayer: (): RefLayer => {
      const cell =
        unit === 'lstm'
          ? tfl.layers.lstmCell({ units: 4, recurrentActivation: 'sigmoid' })
          : unit === 'gru'
            ? tfl.layers.gruCell({ units: 4, recurrentActivation: 'sigmoid' })
            : tfl.layers.simpleRNNCell({ units: 4 });
      const states = unit === 'lstm' ? 2 : 1;
      cell.build([2, 3]);
      const step = (x: tf.Tensor) => (cell.call([x, ...Array.from({ length: states }, () => tf.zeros([x.shape[0]!, 4]))], {}) as tf.Tensor[])[0]!;
      return { apply: ((x: tf.Tensor) => step(x)) as RefLayer['apply'], setWeights: (w) => cell.setWeights(w), get trainableWeights() { return cell.trainableWeights; } };
    },
  })),
  {
    name: 'Rec lstm backward (direction -1)',
    make: () => new Rec({ unit: 'lstm', units: 3, direction: -1 }),
    inputs: [[2, 4, 3]],
    refLayer: () => tfl.layers.lstm({ units: 3, returnSequences: true, recurrentActivation: 'sigmoid', goBackwards: true }),
    // tfjs-layers returns goBackwards outputs in processing order; Strata aligns them with the input.
    refOutput: (y: tf.Tensor) => tf.reverse(y, 1),
  },
  ...seqRows,
  ...recUnitRows,
  ...lstmCellRows,
  ...shapeRows,
  ...structureRows,
  ...attentionRows,
  ...evalRows,
  ...axesRows,
  ...layerKeysRows,
];
