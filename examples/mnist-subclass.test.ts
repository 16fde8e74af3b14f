// The README's subclassed model (a Network with its sub-layers in fields),
// trained, evaluated, saved and reloaded through the engine, and through the
// strata command (a TS config with get_model, and --model-module).
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setBackend } from '@strata/backend';
import { registerOnnxruntimeBackends } from '@strata/backend-onnxruntime';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { loadMnist } from '@strata/datasets';
import { checkpointPath, Engine } from '@strata/engine';
import { LayerModel } from '@strata/network';
import { load } from '@strata/savers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { strata } from './strata-cli.js';
import { MnistMlp } from './models/mnist-mlp.js';

const dir = mkdtempSync(join(tmpdir(), 'strata-subclass-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeAll(async () => {
  registerTfjsBackends();
  registerOnnxruntimeBackends();
  await setBackend('onnxruntime');
});

const externData = { data: { shape: [784] }, classes: { shape: [], dim: 10, sparse: true } };
const newModel = () => new LayerModel({ layer: new MnistMlp({ name: 'mlp' }), externData, loss: 'ce' });

describe('the README subclass example through the engine', () => {
  it('trains to >= 95% dev accuracy on MNIST (8,000 / 2,000 digits), evaluates, saves and reloads', async () => {
    const model = newModel();
    expect(model.variables.map((v) => v.name)).toEqual([
      'mlp/dense/kernel:0',
      'mlp/dense/bias:0',
      'mlp/dense_1/kernel:0',
      'mlp/dense_1/bias:0',
      'mlp/dense_2/kernel:0',
      'mlp/dense_2/bias:0',
    ]);
    const { train, dev } = loadMnist();
    const modelDir = join(dir, 'engine');
    const options = { batchSize: 64, epochs: 15, seed: 42, optimizer: { class: 'adam' as const, learningRate: 1e-3 }, learningRateDecay: 0.85, modelDir, progress: false, log: () => {} };
    const result = await new Engine(model, options).train(train, dev);
    const final = result.history.at(-1)!.dev!;
    expect(result.epochsRun).toBe(15);
    expect(final.accuracy).toBeGreaterThanOrEqual(0.95);
    // Dropout was active in training (the sub-layers inherit the step's context): train error is measured with it.
    expect(result.history[0]!.train.errorRate).toBeGreaterThan(final.errorRate / 4);

    // A fresh model (new weights) loads the checkpoint and gives the same dev numbers, on another backend too.
    const reloaded = newModel();
    const { metadata } = await load(reloaded, checkpointPath(modelDir, 15));
    expect(metadata.epoch).toBe('15');
    const again = new Engine(reloaded, { ...options, modelDir: undefined }).evaluate(dev);
    expect(again.accuracy).toBe(final.accuracy);
    expect(again.loss).toBeCloseTo(final.loss, 5);
    await setBackend('tfjs-wasm');
    try {
      const onWasm = newModel();
      await load(onWasm, checkpointPath(modelDir, 15));
      const wasm = new Engine(onWasm, { ...options, modelDir: undefined }).evaluate(dev);
      expect(Math.abs(wasm.accuracy - final.accuracy)).toBeLessThanOrEqual(0.0005);
    } finally {
      await setBackend('onnxruntime');
    }
  });
});

describe('the README subclass example through the strata command', () => {
  it('a TS config with get_model trains, evaluates (same numbers), infers and exports', () => {
    const model = join(dir, 'cli');
    const trained = strata('train', 'examples/mnist-subclass.ts', '--epochs', '2', '--model', model, '--no-progress');
    expect(trained.out).toMatch(/backend onnxruntime, 669706 params/);
    expect(trained.status).toBe(0);
    const accuracy = /dev accuracy: (\d+\.\d+)%/.exec(trained.out)![1]!;
    expect(Number(accuracy)).toBeGreaterThan(90);

    const evaluated = strata('eval', 'examples/mnist-subclass.ts', '--model', model, '--backend', 'tfjs-wasm');
    expect(evaluated.status).toBe(0);
    expect(evaluated.out).toContain(`dev accuracy: ${accuracy}%`);

    const preds = join(dir, 'preds.jsonl');
    const inferred = strata('infer', 'examples/mnist-subclass.ts', '--model', model, '--output', preds);
    expect(inferred.status).toBe(0);
    expect(inferred.out).toContain(`agreement with 'classes': ${accuracy}%`);
    expect(readFileSync(preds, 'utf8').trim().split('\n')).toHaveLength(2000);

    const onnx = join(dir, 'mlp.onnx');
    const exported = strata('export', 'examples/mnist-subclass.ts', '--model', model, '--out', onnx);
    expect(exported.status).toBe(0);
    expect(exported.out).toContain('input  data: float32 [batch, 784]');
    expect(exported.out).toContain('output output: float32 [batch, 10]');
    expect(existsSync(onnx)).toBe(true);
  });

  it('--model-module takes the model from a module next to a JSON config without a network', () => {
    const config = join(dir, 'module.json');
    writeFileSync(
      config,
      JSON.stringify({ backend: 'onnxruntime', dataset: 'mnist', extern_data: externData, loss: 'ce', batch_size: 64, num_epochs: 1, learning_rate: 0.001 }),
    );
    const model = join(dir, 'module');
    const trained = strata('train', config, '--model-module', 'examples/models/mnist-mlp.ts', '--model', model, '--no-progress');
    expect(trained.status).toBe(0);
    expect(trained.out).toMatch(/epoch 1\/1 .* accuracy (9\d)\.\d\d%/);
    expect(existsSync(checkpointPath(model, 1))).toBe(true);

    const both = strata('train', 'examples/mnist-subclass.ts', '--model-module', 'examples/models/mnist-mlp.ts', '--model', model);
    expect(both.status).toBe(1);
    expect(both.out).toMatch(/give the model exactly one way.*Received: "get_model" and --model-module/);
  });
});
