import { ops } from '@strata/backend';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { LayerArgumentError, LayerNotBuiltError } from '../errors.js';
import { expectClose, gradsOf, randomTensor, randomValues, refVariables, useBackend } from '../test-utils/setup.js';
import { Linear } from './linear.js';

beforeAll(() => useBackend('tfjs-cpu'));

describe('Linear (tfjs-layers Dense reference)', () => {
  for (const activation of ['relu', 'tanh', 'sigmoid', null] as const) {
    it(`forward and gradients match tf.layers.dense, activation=${activation}`, () => {
      const layer = new Linear({ units: 5, activation });
      const x = randomTensor([4, 7], 1);
      layer.apply(x);
      const kernel = randomValues(35, 2);
      const bias = randomValues(5, 3);
      layer.setWeights([kernel, bias]);

      const ref = tfl.layers.dense({ units: 5, activation: activation ?? 'linear', inputShape: [7] });
      ref.apply(tf.zeros([1, 7]));
      ref.setWeights([tf.tensor(kernel, [7, 5]), tf.tensor(bias, [5])]);

      const got = gradsOf((xx) => layer.apply(xx), x, [layer.kernel.value, layer.bias!.value]);
      const want = gradsOf((xx) => ref.apply(xx as tf.Tensor) as tf.Tensor, x, refVariables(ref));
      expectClose(got.out, want.out);
      got.grads.forEach((g, i) => expectClose(g, want.grads[i]!));
    });
  }

  it('applyWithLogits gives the pre-softmax scores only for a softmax activation', () => {
    const x = randomTensor([3, 4], 8);
    const soft = new Linear({ units: 5, activation: 'softmax' });
    const { value, logits } = soft.applyWithLogits(x);
    expectClose(ops.readSync(value), ops.readSync(soft.apply(x)));
    expectClose(ops.readSync(logits!), ops.readSync(soft.preActivation(x)));
    expect(new Linear({ units: 5, activation: 'relu' }).applyWithLogits(x).logits).toBeUndefined();
  });

  it('applies over the last axis of rank-3 input', () => {
    const layer = new Linear({ units: 3 });
    const x = randomTensor([2, 4, 6], 5);
    const y = layer.apply(x);
    expect(y.shape).toEqual([2, 4, 3]);
    const flat = layer.apply(ops.reshape(x, [8, 6]));
    expectClose(ops.readSync(y), ops.readSync(flat));
  });

  it('counts params only after build, and names weights', () => {
    const layer = new Linear({ units: 3 });
    expect(() => layer.countParams()).toThrow(LayerNotBuiltError);
    layer.apply(randomTensor([1, 4], 1));
    expect(layer.countParams()).toBe(4 * 3 + 3);
    expect(layer.weights.map((w) => w.name)).toEqual(['dense/kernel:0', 'dense/bias:0']);
  });

  it('rejects a bad units value in Keras form', () => {
    expect(() => new Linear({ units: 0.5 })).toThrow(LayerArgumentError);
    expect(() => new Linear({ units: 0.5 })).toThrow(/Received: units=0.5/);
  });
});
