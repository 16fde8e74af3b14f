// One training flag (issue #14): a user's own sub-layer, called without a
// context inside a subclassed model, runs in training mode under Engine.train
// and in inference mode under Engine.evaluate and predict: dropout inside it
// is active exactly when the engine trains.
import { ops, setBackend, type Tensor } from '@strata/backend';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { type CallContext, Dropout, Layer, Linear } from '@strata/core';
import { LayerModel, Network } from '@strata/network';
import { beforeAll, describe, expect, it } from 'vitest';
import { Engine } from './engine.js';
import { blobs, blobsExtern } from './test-utils/blobs.js';

beforeAll(async () => {
  registerTfjsBackends();
  await setBackend('tfjs-cpu');
});

/** A user's layer: dropout, and a record of each call's training flag and the share of zeros dropout left. */
class NoisyProbe extends Layer {
  static override readonly className: string = 'NoisyProbe';
  drop = new Dropout({ rate: 0.5 });
  seen: { training: boolean; zeros: number }[] = [];
  override call(x: Tensor | Tensor[], ctx: CallContext): Tensor {
    const y = this.drop.apply(x as Tensor); // no context: inherits this call's
    const zeros = ops.readSync(ops.mean(ops.cast(ops.equal(y, 0), 'float32')))[0]!;
    this.seen.push({ training: ctx.training, zeros });
    return y;
  }
}

class Classifier extends Network {
  static override readonly className: string = 'Classifier';
  hidden = new Linear({ units: 16, activation: 'relu', biasInitializer: 'ones' });
  probe = new NoisyProbe();
  out = new Linear({ units: 3, activation: 'softmax' });
  override call(x: Tensor | Tensor[], _ctx: CallContext): Tensor {
    return this.out.apply(this.probe.apply(this.hidden.apply(x)));
  }
}

describe('the training flag reaches a user sub-layer called without a context', () => {
  it('dropout inside it is active under train (half the activations zeroed), inactive under evaluate and predict', async () => {
    const net = new Classifier({ name: 'net', seed: 1 });
    const model = new LayerModel({ layer: net, externData: blobsExtern, loss: 'ce' });
    const data = blobs('blobs', 96, { seed: 3, center: 2, noise: 0.5 });
    const engine = new Engine(model, { batchSize: 32, epochs: 1, seed: 5, optimizer: { class: 'sgd', learningRate: 0.01 }, progress: false, log: () => {} });
    net.probe.seen = [];
    await engine.train(data);
    const trained = net.probe.seen.filter((s) => s.training);
    expect(trained.length).toBeGreaterThanOrEqual(3); // 3 batches of 32
    for (const s of trained) expect(s.zeros).toBeGreaterThan(0.35); // rate 0.5 on positive activations (bias 1): about half zeroed
    net.probe.seen = [];
    engine.evaluate(data);
    engine.predict(data);
    expect(net.probe.seen.length).toBeGreaterThanOrEqual(2);
    for (const s of net.probe.seen) expect(s).toEqual({ training: false, zeros: expect.any(Number) });
    expect(Math.max(...net.probe.seen.map((s) => s.zeros))).toBeLessThan(0.2); // only ReLU's own zeros
  });
});
