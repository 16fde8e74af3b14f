// The layer as a field of a Network subclass, made a model by LayerModel:
// tracked (its weights under the network's scope), trained by the engine,
// and checkpointed across backends.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Tensor } from '@strata/backend';
import { type CallContext, Linear } from '@strata/core';
import { Engine } from '@strata/engine';
import { LayerModel, Network } from '@strata/network';
import { load, save } from '@strata/savers';
import { afterAll, expect, it } from 'vitest';
import { GatedLinearUnit } from '../src/index.js';
import { MNIST_EXTERN as externData, mnistSubset, useBackend } from './helpers.js';

/** `[batch, 784]` → GLU (32) → softmax (10). */
class GatedClassifier extends Network {
  static override readonly className: string = 'GatedClassifier';
  glu = new GatedLinearUnit({ units: 32 });
  out = new Linear({ units: 10, activation: 'softmax' });

  override call(x: Tensor | Tensor[], ctx: CallContext): Tensor {
    return this.out.apply(this.glu.apply(x, ctx));
  }
}

const dir = mkdtempSync(join(tmpdir(), 'strata-custom-layer-net-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('works as a tracked field of a Network subclass in a LayerModel: trains on onnxruntime, reloads on tfjs-cpu', async () => {
  await useBackend('onnxruntime');
  const newModel = () => new LayerModel({ layer: new GatedClassifier({ name: 'net', seed: 3 }), externData, loss: 'ce' });
  const model = newModel();
  expect(model.variables.map((v) => v.name)).toEqual([
    'net/gated_linear_unit/kernel:0',
    'net/gated_linear_unit/bias:0',
    'net/gated_linear_unit/gate_kernel:0',
    'net/gated_linear_unit/gate_bias:0',
    'net/dense/kernel:0',
    'net/dense/bias:0',
  ]);
  const { train, dev } = mnistSubset();
  const options = { batchSize: 64, epochs: 6, seed: 42, optimizer: { class: 'adam' as const, learningRate: 1e-3 }, progress: false, log: () => {} };
  const { history } = await new Engine(model, options).train(train, dev);
  console.log(`Network subclass on onnxruntime: ${history.map((h) => `epoch ${h.epoch} train loss ${h.train.loss.toFixed(4)} dev acc ${(100 * h.dev!.accuracy).toFixed(1)}%`).join('; ')}`);
  const last = history.at(-1)!;
  expect(last.train.loss).toBeLessThan(0.5 * history[0]!.train.loss);
  expect(last.dev!.accuracy).toBeGreaterThan(0.8); // chance: 0.1; measured 86.2%

  const file = join(dir, 'net.safetensors');
  await save(model, file);
  await useBackend('tfjs-cpu');
  const reloaded = newModel();
  await load(reloaded, file);
  const again = new Engine(reloaded, options).evaluate(dev);
  expect(again.accuracy).toBe(last.dev!.accuracy);
  expect(again.loss).toBeCloseTo(last.dev!.loss, 5);
});
