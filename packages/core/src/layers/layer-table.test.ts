// One table of layers (PyTorch's common_modules style): each row is a Strata
// layer, its reference (a tfjs-layers layer given the same weights, or a
// closed form in tfjs ops) and its inputs. The table drives forward and
// gradient equality against the reference on tfjs-cpu, tfjs-wasm vs tfjs-cpu
// parity, and the getConfig/fromConfig round trip.
//
// Tolerance everywhere: |actual - expected| <= 1e-5 + 1e-4 * |expected| (expectClose's default).
import { ops, type Tensor } from '@strata/backend';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CallContext, INFERENCE, type Layer } from '../layer.js';
import { expectClose, gradsOfMany, randomValues, refVariables, useBackend } from '../test-utils/setup.js';
import { ActivationLayer } from './activation.js';
import { BatchNorm } from './batch-norm.js';
import { Combine, type CombineKind } from './combine.js';
import { Conv2D } from './conv2d.js';
import { Copy } from './copy.js';
import { Dropout } from './dropout.js';
import { Linear } from './linear.js';
import { Flatten, MergeDims } from './merge-dims.js';
import { Pool2D } from './pool2d.js';
import { layerFromConfig, serializeLayer } from './registry.js';
import { Softmax } from './softmax.js';
import { Reshape, SplitDims } from './split-dims.js';

// The part of a tfjs-layers layer the table uses (tfjs-layers exports no common Layer type from its index).
type RefLayer = Pick<ReturnType<typeof tfl.layers.dense>, 'apply' | 'setWeights' | 'trainableWeights'>;

interface Row {
  name: string;
  make: () => Layer;
  /** Input shapes, batch first; one entry = a single-tensor input. */
  inputs: number[][];
  /** A tfjs-layers layer whose weights (same order as Strata's) are copied from the Strata layer. */
  refLayer?: () => RefLayer;
  /** Or a closed form in tfjs ops. */
  refFn?: (xs: tf.Tensor[]) => tf.Tensor;
  /** Run in training mode (dropout masks seeded with SEED, batch statistics). */
  training?: boolean;
  /** Values of weight `i` of `shape` (default: uniform in [-1, 1)). */
  weight?: (i: number, shape: number[]) => Float32Array;
  /** Values of input `i` (default: uniform in [-1, 1)). */
  input?: (i: number, n: number) => Float32Array;
  /**
   * Gradients tfjs-cpu cannot take (dilated conv2d): the forward is compared,
   * and the gradient must throw this on tfjs-cpu.
   */
  noGrad?: { cpu: RegExp };
}

// tfjs-backend-wasm 4.22's MaxPoolGrad drops the gradient of all-negative windows;
// @strata/backend-tfjs works around it (max-pool-grad.ts), and the max-pool rows below,
// with inputs in [-1, 1), check that on wasm.

const SEED = 1234;
const ctxOf = (row: Row): CallContext => (row.training ? { training: true, nextSeed: () => SEED } : INFERENCE);
const size = (s: number[]): number => s.reduce((a, b) => a * b, 1);
const inputValues = (row: Row): Float32Array[] => row.inputs.map((s, i) => row.input?.(i, size(s)) ?? randomValues(size(s), 11 + i));
const positive = (n: number, seed: number): Float32Array => randomValues(n, seed).map((v) => Math.abs(v) + 0.5);
const unwrap = <T>(row: Row, xs: T[]): T | T[] => (row.inputs.length === 1 ? xs[0]! : xs);

const combineRef: Partial<Record<CombineKind, () => RefLayer>> = {
  add: () => tfl.layers.add({}),
  mul: () => tfl.layers.multiply({}),
  maximum: () => tfl.layers.maximum({}),
  minimum: () => tfl.layers.minimum({}),
  average: () => tfl.layers.average({}),
};

const rows: Row[] = [
  { name: 'Linear relu', make: () => new Linear({ units: 5, activation: 'relu' }), inputs: [[4, 7]], refLayer: () => tfl.layers.dense({ units: 5, activation: 'relu' }) },
  { name: 'Linear rank 3, no bias', make: () => new Linear({ units: 3, withBias: false }), inputs: [[2, 3, 5]], refLayer: () => tfl.layers.dense({ units: 3, useBias: false }) },
  { name: 'Softmax', make: () => new Softmax({ units: 6 }), inputs: [[4, 5]], refLayer: () => tfl.layers.dense({ units: 6, activation: 'softmax' }) },
  ...(['relu', 'tanh', 'sigmoid', 'elu', 'softplus', 'softmax', 'swish'] as const).map((a) => ({
    name: `Activation ${a}`,
    make: () => new ActivationLayer({ activation: a }),
    inputs: [[3, 4, 5]],
    refLayer: () => tfl.layers.activation({ activation: a }),
  })),
  { name: 'Activation gelu (tanh form)', make: () => new ActivationLayer({ activation: 'gelu' }), inputs: [[3, 6]], refLayer: () => tfl.layers.activation({ activation: 'gelu_new' }) },
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
    // tfjs-wasm differentiates dilated convs (backend-tfjs conv2d-grad.test.ts checks it against an expanded kernel).
    noGrad: { cpu: /dilation rates greater than 1/ },
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
];

/** Builds the Strata layer of `row` on the active backend, with the row's weights. */
function buildOurs(row: Row): { layer: Layer; xs: Tensor[]; weights: Float32Array[] } {
  const layer = row.make();
  const xs = inputValues(row).map((v, i) => ops.tensor(v, row.inputs[i]!));
  layer.apply(unwrap(row, xs), INFERENCE);
  const weights = layer.weights.map((w, i) => row.weight?.(i, w.shape) ?? randomValues(size(w.shape), 30 + i));
  layer.setWeights(weights);
  return { layer, xs, weights };
}

/** Output and gradients (inputs, then trainable weights) of the Strata layer on the active backend. */
function runOurs(row: Row): { out: Float32Array; grads: Float32Array[]; trainable: number } {
  const { layer, xs } = buildOurs(row);
  const trainable = layer.trainableWeights.map((w) => w.value);
  if (row.noGrad) return { out: Float32Array.from(ops.readSync(layer.apply(unwrap(row, xs), ctxOf(row)))), grads: [], trainable: 0 };
  const res = gradsOfMany((ys) => layer.apply(unwrap(row, ys), ctxOf(row)), xs, trainable);
  layer.dispose();
  ops.dispose(xs);
  return { ...res, trainable: trainable.length };
}

function runReference(row: Row): { out: Float32Array; grads: Float32Array[] } {
  const { layer, xs, weights } = buildOurs(row);
  const kwargs = { training: row.training ?? false };
  let f: (ys: tf.Tensor[]) => tf.Tensor;
  let vars: Tensor[] = [];
  if (row.refLayer) {
    const ref = row.refLayer();
    ref.apply(unwrap(row, xs as unknown as tf.Tensor[]));
    ref.setWeights(weights.map((w, i) => tf.tensor(w, layer.weights[i]!.shape)));
    vars = refVariables(ref);
    f = (ys) => ref.apply(unwrap(row, ys), kwargs) as tf.Tensor;
  } else f = row.refFn!;
  const res = row.noGrad
    ? { out: f(xs as unknown as tf.Tensor[]).dataSync() as Float32Array, grads: [] }
    : gradsOfMany((ys) => f(ys as unknown as tf.Tensor[]) as unknown as Tensor, xs, vars);
  layer.dispose();
  return res;
}

function expectSame(got: { out: Float32Array; grads: Float32Array[] }, want: { out: Float32Array; grads: Float32Array[] }): void {
  expectClose(got.out, want.out);
  expect(got.grads.length).toBe(want.grads.length);
  got.grads.forEach((g, i) => expectClose(g, want.grads[i]!));
}

describe('layer table: forward and gradients vs reference (tfjs-cpu, atol 1e-5, rtol 1e-4)', () => {
  beforeAll(() => useBackend('tfjs-cpu'));
  for (const row of rows) {
    it(row.name, () => {
      const got = runOurs(row);
      const want = runReference(row);
      // Every input and every trainable weight gets a gradient.
      if (!row.noGrad) expect(got.grads.length).toBe(row.inputs.length + got.trainable);
      expectSame(got, want);
      if (row.noGrad) expect(() => gradOnly(row)).toThrow(row.noGrad.cpu);
    });
  }
});

/** Takes the gradient of the row's layer (for rows whose gradient must fail). */
function gradOnly(row: Row): void {
  const { layer, xs } = buildOurs(row);
  try {
    gradsOfMany((ys) => layer.apply(unwrap(row, ys), ctxOf(row)), xs, layer.trainableWeights.map((w) => w.value));
  } finally {
    layer.dispose();
  }
}

describe('layer table: tfjs-wasm vs tfjs-cpu parity (atol 1e-5, rtol 1e-4)', () => {
  const onCpu = new Map<string, { out: Float32Array; grads: Float32Array[] }>();
  beforeAll(async () => {
    await useBackend('tfjs-cpu');
    for (const row of rows) onCpu.set(row.name, runOurs(row));
    await useBackend('tfjs-wasm');
  });
  afterAll(() => useBackend('tfjs-cpu'));
  for (const row of rows) {
    it(row.name, () => {
      expectSame(runOurs(row), onCpu.get(row.name)!);
    });
  }
});

describe('layer table: getConfig / layerFromConfig round trip', () => {
  beforeAll(() => useBackend('tfjs-cpu'));
  for (const row of rows) {
    it(row.name, () => {
      const { layer, xs, weights } = buildOurs(row);
      const serialized = serializeLayer(layer);
      const copy = layerFromConfig(JSON.parse(JSON.stringify(serialized)));
      expect(copy.constructor).toBe(layer.constructor);
      expect(serializeLayer(copy)).toEqual(serialized);
      // Same config and same weights give the same function.
      copy.apply(unwrap(row, xs), INFERENCE);
      copy.setWeights(weights);
      expectClose(ops.readSync(copy.apply(unwrap(row, xs), ctxOf(row))), ops.readSync(layer.apply(unwrap(row, xs), ctxOf(row))));
    });
  }
});
