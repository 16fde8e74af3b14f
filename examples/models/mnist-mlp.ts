// The README's subclassed model: a Network whose sub-layers are class fields
// (tracked on assignment), trained by the engine like a net dict.
import type { Tensor } from '@strata/backend';
import { type CallContext, Dropout, Linear } from '@strata/core';
import { Network } from '@strata/network';

/**
 * A 784-512-512-10 MLP for MNIST digits with dropout (Srivastava et al.
 * 2014) before the second and the output layer: `examples/mnist-mlp.json`
 * written as a `Network` subclass.
 *
 * Shape: `[batch, 784]` float32 pixels in [0, 1] → `[batch, 10]` class probabilities.
 * Variables: `mlp/dense/kernel:0` `[784, 512]`, `mlp/dense/bias:0`,
 * `mlp/dense_1/kernel:0` `[512, 512]`, `mlp/dense_1/bias:0`,
 * `mlp/dense_2/kernel:0` `[512, 10]`, `mlp/dense_2/bias:0`.
 */
export class MnistMlp extends Network {
  static override readonly className: string = 'MnistMlp';
  hidden = [new Linear({ units: 512, activation: 'relu' }), new Linear({ units: 512, activation: 'relu' })];
  out = new Linear({ units: 10, activation: 'softmax' });
  drop = new Dropout({ rate: 0.3 });

  override call(x: Tensor | Tensor[], ctx: CallContext): Tensor {
    // Sub-layers called without a context inherit this call's: dropout is on in training only.
    const h1 = this.hidden[0]!.apply(x, ctx);
    const h2 = this.hidden[1]!.apply(this.drop.apply(h1));
    return this.out.apply(this.drop.apply(h2));
  }
}

/** `--model-module examples/models/mnist-mlp.ts` takes the default export: a function making the model. */
export default () => new MnistMlp({ name: 'mlp' });
