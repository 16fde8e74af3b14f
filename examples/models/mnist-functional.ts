// The README's MNIST MLP as a functional graph (Keras' functional API):
// layers called on symbolic tensors, then Functional({ inputs, outputs }).
import { Dropout, input, Linear } from '@strata/core';
import { Functional } from '@strata/network';

/**
 * `MnistMlp` (examples/models/mnist-mlp.ts) written as a graph: a
 * 784-512-512-10 MLP with one dropout layer (rate 0.3) called twice.
 *
 * Shape: `[batch, 784]` float32 pixels in [0, 1] → `[batch, 10]` class probabilities.
 * Variables (the same names as the subclass'): `mlp/dense/kernel:0` `[784, 512]`, `mlp/dense/bias:0`,
 * `mlp/dense_1/kernel:0` `[512, 512]`, `mlp/dense_1/bias:0`, `mlp/dense_2/kernel:0` `[512, 10]`, `mlp/dense_2/bias:0`.
 */
export function mnistFunctional(name = 'mlp'): Functional {
  const drop = new Dropout({ rate: 0.3 });
  const x = input({ shape: [784] });
  const h1 = new Linear({ units: 512, activation: 'relu' }).apply(x);
  const h2 = new Linear({ units: 512, activation: 'relu' }).apply(drop.apply(h1));
  const y = new Linear({ units: 10, activation: 'softmax' }).apply(drop.apply(h2));
  return new Functional({ inputs: x, outputs: y, name });
}

/** `--model-module examples/models/mnist-functional.ts` takes the default export: a function making the model. */
export default () => mnistFunctional();
