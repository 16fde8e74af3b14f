// Bad arguments throw LayerArgumentError in Keras' "... Received: arg=value" form;
// inputs of the wrong rank or size throw InputShapeError naming the received shape
// (at build time the symbolic shape, batch axis `None`; at call time the concrete one).
import { ops, type Tensor } from '@strata/backend';
import { beforeAll, describe, expect, it } from 'vitest';
import { InputShapeError, LayerArgumentError } from '../errors.js';
import type { Layer } from '../layer.js';
import { randomTensor, useBackend } from '../test-utils/setup.js';
import { ActivationLayer } from './activation.js';
import { BatchNorm } from './batch-norm.js';
import { Combine, type CombineKind } from './combine.js';
import { Conv2D } from './conv2d.js';
import { Copy } from './copy.js';
import { Dropout } from './dropout.js';
import { MergeDims } from './merge-dims.js';
import { Pool2D } from './pool2d.js';
import { layerFromConfig } from './registry.js';
import { Softmax } from './softmax.js';
import { Reshape, SplitDims } from './split-dims.js';

beforeAll(() => useBackend('tfjs-cpu'));

const badArgs: [string, () => unknown, string][] = [
  ['Softmax units=0', () => new Softmax({ units: 0 }), 'Received: units=0.'],
  ['Softmax activation=relu', () => new Softmax({ units: 2, activation: 'relu' as 'softmax' }), 'Received: activation="relu".'],
  ['Activation unknown', () => new ActivationLayer({ activation: 'nope' }), 'Received: activation="nope".'],
  ['Activation missing', () => new ActivationLayer({} as { activation: string }), 'Received: activation=undefined.'],
  ['Combine kind', () => new Combine({ kind: 'power' as CombineKind }), 'Received: kind="power".'],
  ['Combine activation', () => new Combine({ kind: 'add', activation: 'bogus' }), 'Received: activation="bogus".'],
  ['Dropout rate', () => new Dropout({ rate: 1 }), 'Received: rate=1.'],
  ['Conv2D filters', () => new Conv2D({ filters: 2.5, kernelSize: 3 }), 'Conv2D: filters must be a positive integer. Received: filters=2.5.'],
  ['Conv2D kernelSize', () => new Conv2D({ filters: 2, kernelSize: [3, 0] }), 'Conv2D: kernelSize[1] must be a positive integer. Received: kernelSize[1]=0.'],
  [
    'Conv2D kernelSize rank',
    () => new Conv2D({ filters: 2, kernelSize: [3] as unknown as [number, number] }),
    'Conv2D: kernelSize must be a positive integer or a pair [height, width] of them. Received: kernelSize=[3].',
  ],
  ['Conv2D strides', () => new Conv2D({ filters: 2, kernelSize: 3, strides: 0 }), 'Conv2D: strides must be a positive integer or a pair [height, width] of them. Received: strides=0.'],
  ['Conv2D padding', () => new Conv2D({ filters: 2, kernelSize: 3, padding: 'full' as 'same' }), `Conv2D: padding must be one of 'same', 'valid'. Received: padding="full".`],
  [
    'Conv2D strides+dilation',
    () => new Conv2D({ filters: 2, kernelSize: 3, strides: 2, dilationRate: 2 }),
    "Conv2D: strides > 1 and dilationRate > 1 cannot be combined in a 2-D convolution (RETURNN's ConvLayer runs them together only 1-D, or channels-first on a GPU). Received: strides=2, dilationRate=2.",
  ],
  ['Conv2D activation', () => new Conv2D({ filters: 2, kernelSize: 3, activation: 'bogus' }), 'Conv2D: activation must be one of'],
  ['Pool2D mode', () => new Pool2D({ mode: 'min' as 'max', poolSize: 2 }), `Pool2D: mode must be one of 'max', 'avg'. Received: mode="min".`],
  ['Pool2D poolSize', () => new Pool2D({ mode: 'max', poolSize: -2 }), 'Pool2D: poolSize must be a positive integer or a pair [height, width] of them. Received: poolSize=-2.'],
  ['Pool2D padding', () => new Pool2D({ mode: 'avg', poolSize: 2, padding: 'causal' as 'same' }), `Pool2D: padding must be one of 'same', 'valid'. Received: padding="causal".`],
  ['MergeDims axes', () => new MergeDims({ axes: 3 as never }), 'MergeDims: axes must be a RETURNN axis description ("T", "F", "B", "TF", "spatial", "static", "except_batch", "except_time", "dim:N", "stag:name", ...) or a list of them. Received: axes=3.'],
  ['SplitDims two -1', () => new SplitDims({ dims: [-1, -1] }), 'SplitDims: dims must be a non-empty list of positive integers with at most one -1. Received: dims=[-1,-1].'],
  ['SplitDims zero', () => new SplitDims({ dims: [0, 3] }), 'SplitDims: dims[0] must be a positive integer or -1. Received: dims[0]=0.'],
  [
    'SplitDims batch axis',
    () => new SplitDims({ dims: [2, 2], axis: 0 }),
    'SplitDims: axis must be a non-batch axis: a non-zero integer (negative counts from the end; 0 is the batch axis). Received: axis=0.',
  ],
  ['Reshape', () => new Reshape({ targetShape: [] }), 'Reshape: targetShape must be a non-empty list of positive integers with at most one -1. Received: targetShape=[].'],
  [
    'BatchNorm momentum',
    () => new BatchNorm({ momentum: 2 }),
    "BatchNorm: momentum must be a number in [0, 1] (the weight of the new batch, RETURNN's convention: Keras' momentum 0.9 is 0.1 here). Received: momentum=2.",
  ],
  ['layerFromConfig unknown', () => layerFromConfig('Nope', { name: 'x', trainable: true }), "Received: className='Nope'."],
];

describe('bad arguments throw LayerArgumentError with "Received: ..."', () => {
  for (const [name, make, received] of badArgs) {
    it(name, () => {
      expect(make).toThrow(LayerArgumentError);
      expect(make).toThrow(received);
    });
  }
});

const badInputs: [string, () => Layer, () => Tensor | Tensor[], string][] = [
  ['Conv2D rank 3', () => new Conv2D({ filters: 2, kernelSize: 3 }), () => randomTensor([2, 5, 5], 1), '[None, 5, 5]'],
  ['Conv2D valid window too large', () => new Conv2D({ filters: 2, kernelSize: 5 }), () => randomTensor([1, 3, 6, 1], 1), '[None, 3, 6, 1]'],
  ['Pool2D rank 2', () => new Pool2D({ mode: 'max', poolSize: 2 }), () => randomTensor([2, 8], 1), '[None, 8]'],
  ['Pool2D valid window too large', () => new Pool2D({ mode: 'avg', poolSize: 4 }), () => randomTensor([1, 3, 3, 1], 1), '[None, 3, 3, 1]'],
  ['MergeDims rank 1', () => new MergeDims(), () => randomTensor([5], 1), '[5]'],
  ['SplitDims product', () => new SplitDims({ dims: [5, 5] }), () => randomTensor([2, 24], 1), '[2, 24]'],
  ['SplitDims -1 not dividing', () => new SplitDims({ dims: [5, -1] }), () => randomTensor([2, 24], 1), '[2, 24]'],
  ['SplitDims axis out of range', () => new SplitDims({ dims: [2, 2], axis: 3 }), () => randomTensor([2, 4], 1), '[2, 4]'],
  ['Reshape size', () => new Reshape({ targetShape: [5, -1] }), () => randomTensor([2, 4, 6], 1), '[2, 4, 6]'],
  ['Copy mismatched axes', () => new Copy(), () => [randomTensor([2, 3, 4], 1), randomTensor([2, 4, 4], 2)], '[None, 4, 4]'],
  ['Combine not broadcastable', () => new Combine({ kind: 'add' }), () => [randomTensor([2, 3], 1), randomTensor([2, 4], 2)], '[None, 4]'],
  ['BatchNorm rank 1', () => new BatchNorm(), () => randomTensor([4], 1), '[None]'],
];

describe('inputs of the wrong shape throw InputShapeError naming the shape', () => {
  for (const [name, make, input, shape] of badInputs) {
    it(name, () => {
      const layer = make();
      expect(() => layer.apply(input())).toThrow(InputShapeError);
      expect(() => make().apply(input())).toThrow(`Received: input shape ${shape}`);
    });
  }

  it('a built Conv2D rejects a later input of another rank', () => {
    const conv = new Conv2D({ filters: 2, kernelSize: 1 });
    conv.apply(randomTensor([1, 2, 2, 3], 1));
    expect(() => conv.apply(ops.reshape(randomTensor([1, 2, 2, 3], 1), [2, 2, 3]))).toThrow(InputShapeError);
  });

  it('Combine sub with three inputs throws LayerArgumentError naming the count', () => {
    const xs = [1, 2, 3].map((s) => randomTensor([2, 3], s));
    expect(() => new Combine({ kind: 'sub' }).apply(xs)).toThrow(LayerArgumentError);
    expect(() => new Combine({ kind: 'sub' }).apply(xs)).toThrow('Received: 3 inputs with shapes');
  });
});

describe("MergeDims with RETURNN's axis descriptions (MergeDimsLayer)", () => {
  it("'static' on [batch, time, 4, 3] merges the two static axes in place of the feature axis; data moves row-major", () => {
    const md = new MergeDims({ axes: 'static' });
    md.build([null, null, 4, 3]);
    expect(md.computeOutputShape([null, null, 4, 3])).toEqual([null, null, 12]);
    const x = Float32Array.from({ length: 2 * 5 * 12 }, (_, i) => i);
    expect(Array.from(ops.readSync(md.apply(ops.tensor(x, [2, 5, 4, 3]))))).toEqual(Array.from(x));
  });
  it("['F', 'dim:4'] with keepOrder merges in the order named (a transpose); without, in axis order", () => {
    const x = Float32Array.from({ length: 4 * 3 }, (_, i) => i);
    const named = new MergeDims({ axes: ['F', 'dim:4'] });
    named.build([null, 4, 3]);
    // out[b, f * 4 + d] = x[b, d, f]
    expect(Array.from(ops.readSync(named.apply(ops.tensor(x, [1, 4, 3]))))).toEqual([0, 3, 6, 9, 1, 4, 7, 10, 2, 5, 8, 11]);
    const sorted = new MergeDims({ axes: ['F', 'dim:4'], keepOrder: false });
    sorted.build([null, 4, 3]);
    expect(Array.from(ops.readSync(sorted.apply(ops.tensor(x, [1, 4, 3]))))).toEqual(Array.from(x));
  });
});
