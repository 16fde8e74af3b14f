import { ops, type Tensor } from '@strata/backend';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { getActivation } from '../activations.js';
import type { Layer } from '../layer.js';
import { expectClose, randomTensor, randomValues, useBackend } from '../test-utils/setup.js';
import { Conv2D } from './conv2d.js';
import { Linear } from './linear.js';
import { Conv1D } from './seq/conv1d.js';

interface Case {
  name: string;
  make: (activation: string | null) => Layer;
  input: () => Tensor;
  /** `conv(x) + bias` or `x · kernel + bias` from the separate contract ops, given the layer's weights. */
  affine: (layer: Layer, x: Tensor) => Tensor;
  /** The tfjs kernel that computes the product or convolution with its bias. */
  kernel: string;
}

const weightsOf = (l: Layer): Tensor[] => l.weights.map((w) => w.value);

const cases: Case[] = [
  {
    name: 'Linear, rank 3 input',
    make: (activation) => new Linear({ units: 5, activation }),
    input: () => randomTensor([2, 3, 7], 1),
    affine: (l, x) => {
      const [k, b] = weightsOf(l);
      return ops.add(ops.reshape(ops.matMul(ops.reshape(x, [-1, 7]), k!), [2, 3, 5]), b!);
    },
    kernel: '_FusedMatMul',
  },
  {
    name: 'Conv2D same, stride 2',
    make: (activation) => new Conv2D({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation }),
    input: () => randomTensor([2, 7, 6, 3], 2),
    affine: (l, x) => {
      const [k, b] = weightsOf(l);
      return ops.add(ops.conv2d(x, k!, { strides: [2, 2], padding: 'same' }), b!);
    },
    kernel: 'FusedConv2D',
  },
  {
    name: 'Conv1D valid, dilation 2',
    make: (activation) => new Conv1D({ filters: 3, kernelSize: 2, dilationRate: 2, activation }),
    input: () => randomTensor([2, 6, 4], 3),
    affine: (l, x) => {
      const [k, b] = weightsOf(l);
      const image = ops.reshape(x, [2, 1, 6, 4]);
      const y = ops.conv2d(image, ops.reshape(k!, [1, 2, 4, 3]), { dilations: [1, 2] });
      return ops.add(ops.reshape(y, [2, 4, 3]), b!);
    },
    kernel: 'FusedConv2D',
  },
];

describe('Linear, Conv2D and Conv1D use the fused bias + relu epilogue (as tfjs-layers) outside a gradient tape', () => {
  for (const backend of ['tfjs-wasm', 'tfjs-cpu']) {
    for (const c of cases) {
      for (const activation of ['relu', null, 'tanh']) {
        it(`${backend}: ${c.name}, activation=${activation}`, async () => {
          await useBackend(backend);
          const layer = c.make(activation);
          const x = c.input();
          layer.apply(x);
          // A bias of both signs, so that relu cuts some biased outputs that the product alone would not.
          layer.setWeights(layer.weights.map((w, i) => randomValues(w.shape.reduce((a, b) => a * b, 1), 10 + i)));
          const want = ops.readSync(getActivation(activation)(c.affine(layer, x)));
          let got: ArrayLike<number> = [];
          const { kernels } = await tf.profile(() => {
            got = ops.readSync(layer.apply(x));
          });
          const names = kernels.map((k) => k.name);
          expectClose(got, want);
          expect(names).toContain(c.kernel);
          expect(names).not.toContain('Relu');
          expect(names).not.toContain('Add');
          // Other activations follow the fused product + bias as their own op.
          expect(names.includes('Tanh')).toBe(activation === 'tanh');
        });
      }
    }
  }
});
