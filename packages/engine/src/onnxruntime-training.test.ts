/**
 * Training on onnxruntime (issue #5): the engine's compiled step (forward,
 * losses, backward, Adam, batch-norm updates in one ONNX graph) trains like
 * the tfjs path, and checkpoints cross between the backends mid-training
 * (weights, Adam slots, step counter, batch-norm statistics).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setBackend } from '@strata/backend';
import { registerOnnxruntimeBackends } from '@strata/backend-onnxruntime';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { type NetDict, NetDictNetwork } from '@strata/network';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine, type TrainResult } from './engine.js';
import { blobs, blobsExtern as externData } from './test-utils/blobs.js';

/** No dropout: both backends must compute the same numbers up to float32 rounding. */
const deterministic: NetDict = {
  hidden: { class: 'linear', activation: 'tanh', n_out: 12, from: 'data' },
  norm: { class: 'batch_norm', masked_time: false, from: 'hidden' },
  hidden2: { class: 'linear', activation: 'relu', n_out: 8, from: 'norm' },
  output: { class: 'softmax', loss: 'ce', from: 'hidden2', target: 'classes' },
};
const withDropout: NetDict = {
  hidden: { class: 'linear', activation: 'relu', n_out: 16, dropout: 0.2, from: 'data' },
  output: { class: 'softmax', loss: 'ce', from: 'hidden', target: 'classes' },
};
const train = blobs('train', 90, { seed: 1, center: 1.5, noise: 0.6 });
const dev = blobs('dev', 30, { seed: 2, center: 1.5, noise: 0.6 });
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'strata-ort-train-'));
  dirs.push(d);
  return d;
};

async function trainOn(backend: string, netDict: NetDict, epochs: number, modelDir?: string): Promise<{ result: TrainResult; weights: Float32Array[] }> {
  await setBackend(backend);
  const net = NetDictNetwork.fromDict(netDict, { externData, seed: 7, behaviorVersion: 12 });
  const engine = new Engine(net, {
    batchSize: 16,
    epochs,
    seed: 3,
    optimizer: { class: 'adam', learningRate: 0.02 },
    learningRateDecay: 0.9,
    progress: false,
    log: () => {},
    modelDir,
  });
  const result = await engine.train(train, dev);
  return { result, weights: net.weights.map((v) => Float32Array.from(v.readSync() as Float32Array)) };
}

function expectClose(a: Float32Array[], b: Float32Array[], tol: number): void {
  expect(a.length).toBe(b.length);
  expect(a.reduce((n, x) => n + x.length, 0)).toBeGreaterThan(100);
  a.forEach((x, i) => x.forEach((v, k) => expect(Math.abs(v - b[i]![k]!)).toBeLessThan(tol * (1 + Math.abs(b[i]![k]!)))));
}

beforeAll(() => {
  registerTfjsBackends();
  registerOnnxruntimeBackends();
});

describe('training on onnxruntime', () => {
  it('matches tfjs-cpu epoch by epoch: losses, dev accuracy and final weights (Adam, lr decay, batch norm)', async () => {
    const ref = await trainOn('tfjs-cpu', deterministic, 3);
    const ort = await trainOn('onnxruntime', deterministic, 3);
    ort.result.history.forEach((h, e) => {
      const r = ref.result.history[e]!;
      expect(h.train.loss).toBeCloseTo(r.train.loss, 4);
      expect(h.dev!.loss).toBeCloseTo(r.dev!.loss, 4);
      expect(h.dev!.accuracy).toBe(r.dev!.accuracy);
    });
    expect(ort.result.history[2]!.dev!.accuracy).toBeGreaterThan(0.9);
    expectClose(ort.weights, ref.weights, 1e-4);
  });

  it('trains with dropout (seeded masks drawn per step): the loss falls and dev accuracy is high', async () => {
    const { result } = await trainOn('onnxruntime', withDropout, 4);
    expect(result.history[3]!.train.loss).toBeLessThan(result.history[0]!.train.loss * 0.7);
    expect(result.history[3]!.dev!.accuracy).toBeGreaterThan(0.9);
  });

  for (const [first, second] of [
    ['onnxruntime', 'tfjs-cpu'],
    ['tfjs-cpu', 'onnxruntime'],
  ] as const) {
    it(`a checkpoint written on ${first} resumes on ${second} as if training had not moved`, async () => {
      const straight = await trainOn(first, deterministic, 3);
      const dir = tempDir();
      await trainOn(first, deterministic, 1, dir);
      const resumed = await trainOn(second, deterministic, 3, dir);
      expect(resumed.result.resumedFrom).toBe(1);
      expect(resumed.result.epochsRun).toBe(2);
      resumed.result.history.forEach((h, e) => expect(h.train.loss).toBeCloseTo(straight.result.history[e + 1]!.train.loss, 4));
      expectClose(resumed.weights, straight.weights, 1e-4);
    });
  }
});
