// The MNIST MLP as a functional graph (Keras' functional API) is a model like
// the subclassed one: the same variables, the same training run step for step
// through the engine, checkpoints that load into either, and the strata
// command's --model-module (train, export).
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ops, setBackend } from '@strata/backend';
import { registerOnnxruntimeBackends } from '@strata/backend-onnxruntime';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { loadMnist } from '@strata/datasets';
import { type Dataset, Engine } from '@strata/engine';
import { LayerModel } from '@strata/network';
import { load, save } from '@strata/savers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { strata } from './strata-cli.js';
import { mnistFunctional } from './models/mnist-functional.js';
import { MnistMlp } from './models/mnist-mlp.js';

const dir = mkdtempSync(join(tmpdir(), 'strata-functional-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeAll(async () => {
  registerTfjsBackends();
  registerOnnxruntimeBackends({ intraOpNumThreads: 1 });
  await setBackend('onnxruntime');
});

const externData = { data: { shape: [784] }, classes: { shape: [], dim: 10, sparse: true } };
const head = (d: Dataset, size: number): Dataset => ({ name: `${d.name}[:${size}]`, size, extern: d.extern, example: (i) => d.example(i) });

describe('the MNIST MLP as a Functional graph', () => {
  it('has the subclass\' variables and trains step for step as it does (dropout included); checkpoints load across both', async () => {
    const functional = new LayerModel({ layer: mnistFunctional('mlp'), externData, loss: 'ce' });
    const subclass = new LayerModel({ layer: new MnistMlp({ name: 'mlp' }), externData, loss: 'ce' });
    expect(functional.variables.map((v) => v.name)).toEqual(subclass.variables.map((v) => v.name));
    functional.variables.forEach((v, i) => expect(Array.from(ops.readSync(v.value))).toEqual(Array.from(ops.readSync(subclass.variables[i]!.value))));

    const mnist = loadMnist();
    const [train, dev] = [head(mnist.train, 2000), head(mnist.dev, 500)];
    const options = { batchSize: 64, epochs: 2, seed: 42, optimizer: { class: 'adam' as const, learningRate: 1e-3 }, progress: false, log: () => {} };
    const a = await new Engine(functional, options).train(train, dev);
    const b = await new Engine(subclass, options).train(train, dev);
    console.log(`Functional MLP: ${a.history.map((h) => `epoch ${h.epoch} train loss ${h.train.loss.toFixed(5)} dev acc ${(100 * h.dev!.accuracy).toFixed(1)}%`).join('; ')}`);
    for (const [i, h] of a.history.entries()) {
      expect(h.train.loss).toBeCloseTo(b.history[i]!.train.loss, 4);
      expect(h.dev!.accuracy).toBe(b.history[i]!.dev!.accuracy);
    }
    expect(a.history.at(-1)!.dev!.accuracy).toBeGreaterThan(0.85); // chance 0.1

    const file = join(dir, 'functional.safetensors');
    await save(functional, file);
    const intoSubclass = new LayerModel({ layer: new MnistMlp({ name: 'mlp' }), externData, loss: 'ce' });
    await load(intoSubclass, file);
    expect(new Engine(intoSubclass, options).evaluate(dev).accuracy).toBe(a.history.at(-1)!.dev!.accuracy);
  });
});

describe('the Functional graph through the strata command', () => {
  it('--model-module trains it and exports it to ONNX', () => {
    const config = join(dir, 'functional.json');
    writeFileSync(config, JSON.stringify({ backend: 'onnxruntime', dataset: 'mnist', extern_data: externData, loss: 'ce', batch_size: 64, num_epochs: 1, learning_rate: 0.001 }));
    const model = join(dir, 'cli');
    const module = 'examples/models/mnist-functional.ts';
    const trained = strata('train', config, '--model-module', module, '--model', model, '--no-progress');
    expect(trained.out).toMatch(/669706 params/);
    expect(trained.status).toBe(0);
    expect(trained.out).toMatch(/epoch 1\/1 .* accuracy (9\d)\.\d\d%/);
    const onnx = join(dir, 'functional.onnx');
    const exported = strata('export', config, '--model-module', module, '--model', model, '--out', onnx);
    expect(exported.status).toBe(0);
    expect(exported.out).toContain('input  data: float32 [batch, 784]');
    expect(exported.out).toContain('output output: float32 [batch, 10]');
    expect(existsSync(onnx)).toBe(true);
  });
});
