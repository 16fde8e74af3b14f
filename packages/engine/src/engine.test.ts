import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getBackend, setBackend } from '@strata/backend';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { Rng } from '@strata/core';
import { NetDictError, type NetDict, NetDictNetwork } from '@strata/network';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkpointPath } from './checkpoints.js';
import type { Dataset, Example } from './dataset.js';
import { Engine, type EngineOptions } from './engine.js';
import { DataError, EngineConfigError } from './errors.js';

/** Two Gaussian blobs per class in 6-D, 3 classes: learnable to ~100% by a small MLP. */
function blobs(name: string, n: number, seed: number, corrupt?: (i: number, e: Example) => Example): Dataset {
  const rng = new Rng(seed);
  const centers = [
    [2, 0, 0, 1, 0, 0],
    [0, 2, 0, 0, 1, 0],
    [0, 0, 2, 0, 0, 1],
  ];
  const xs: Float32Array[] = [];
  const ys: number[] = [];
  for (let i = 0; i < n; i++) {
    const y = i % 3;
    xs.push(Float32Array.from(centers[y]!, (c) => c + 0.5 * rng.normal()));
    ys.push(y);
  }
  return {
    name,
    size: n,
    extern: { data: { shape: [6] }, classes: { shape: [], dim: 3, sparse: true } },
    example: (i) => (corrupt ? corrupt(i, { data: xs[i]!, classes: ys[i]! }) : { data: xs[i]!, classes: ys[i]! }),
  };
}

const netDict: NetDict = {
  hidden: { class: 'linear', activation: 'relu', n_out: 16, from: 'data' },
  drop: { class: 'dropout', dropout: 0.2, from: 'hidden' },
  // behavior_version 12 (makeEngine): evaluation leaves the moving statistics alone (RETURNN's default since 12).
  norm: { class: 'batch_norm', masked_time: false, from: 'drop' },
  output: { class: 'softmax', loss: 'ce', from: 'norm', target: 'classes' },
};
const externData = { data: { shape: [6] }, classes: { shape: [], dim: 3, sparse: true } };
const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'strata-engine-'));
  dirs.push(d);
  return d;
};
function makeEngine(opts: Partial<EngineOptions> = {}): Engine {
  const net = NetDictNetwork.fromDict(netDict, { externData, seed: 7, behaviorVersion: 12 });
  return new Engine(net, { batchSize: 16, epochs: 3, seed: 3, optimizer: { class: 'adam', learningRate: 0.01 }, progress: false, log: () => {}, ...opts });
}

beforeAll(async () => {
  registerTfjsBackends();
  await setBackend('tfjs-cpu');
});
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('Engine', () => {
  const train = blobs('blobs/train', 240, 1);
  const dev = blobs('blobs/dev', 90, 2);

  it('trains: loss falls and dev accuracy is high; one summary line per epoch', async () => {
    const lines: string[] = [];
    const engine = makeEngine({ log: (l) => lines.push(l) });
    const before = engine.evaluate(dev);
    const r = await engine.train(train, dev);
    expect(r.epochsRun).toBe(3);
    expect(lines).toHaveLength(3);
    expect(lines[2]).toMatch(/^epoch 3\/3 \| train loss \d\.\d{4} error \d+\.\d\d% \| dev loss .* accuracy \d+\.\d\d% \| \d+ samples\/s \| [\d.]+ s$/);
    const after = r.history.at(-1)!.dev!;
    expect(after.loss).toBeLessThan(before.loss * 0.5);
    expect(after.accuracy).toBeGreaterThan(0.95);
  });

  it('does not leak tensors: the live count is the same after one and after two more epochs', async () => {
    const engine = makeEngine({ epochs: 1 });
    await engine.train(train, dev); // creates the optimizer slots
    const live = getBackend().memory().numTensors;
    await engine.train(train, dev);
    await engine.train(train, dev);
    expect(getBackend().memory().numTensors).toBe(live);
  });

  it('writes a checkpoint per epoch; resuming gives exactly the weights of an uninterrupted run', async () => {
    const full = tempDir();
    const a = makeEngine({ modelDir: full, learningRateDecay: 0.5 });
    await a.train(train, dev);
    expect([1, 2, 3].every((e) => existsSync(checkpointPath(full, e)))).toBe(true);

    const resumed = tempDir();
    await makeEngine({ modelDir: resumed, epochs: 1, learningRateDecay: 0.5 }).train(train, dev); // "killed" after epoch 1
    const b = makeEngine({ modelDir: resumed, learningRateDecay: 0.5 });
    expect(b.optimizer.learningRate).toBe(0.01);
    const r = await b.train(train, dev);
    expect(r.resumedFrom).toBe(1);
    expect(r.epochsRun).toBe(2);
    expect(b.optimizer.learningRate).toBe(0.01 * 0.5 ** 2);
    expect(b.optimizer.iterations).toBe(a.optimizer.iterations);
    const wa = a.model.variables.map((v) => v.readSync());
    const wb = b.model.variables.map((v) => v.readSync());
    wa.forEach((w, i) => expect(Array.from(wb[i]!)).toEqual(Array.from(w)));
  });

  it('evaluating a saved checkpoint reproduces the dev accuracy and loss exactly', async () => {
    const dir = tempDir();
    const r = await makeEngine({ modelDir: dir }).train(train, dev);
    const fresh = makeEngine({ modelDir: dir });
    const info = await fresh.loadWeights(checkpointPath(dir, 3));
    expect(info.epoch).toBe(3);
    const e = fresh.evaluate(dev);
    expect(e.accuracy).toBe(r.history.at(-1)!.dev!.accuracy);
    expect(e.loss).toBe(r.history.at(-1)!.dev!.loss);
  });

  it('rejects bad data with a DataError naming the example and key, before training', async () => {
    const badLabel = blobs('bad', 32, 1, (i, e) => (i === 5 ? { ...e, classes: 3 } : e));
    await expect(makeEngine().train(badLabel)).rejects.toThrow(DataError);
    await expect(makeEngine().train(badLabel)).rejects.toThrow(/example 5, key 'classes': class index 3 is outside \[0, 3\)/);
    const nan = blobs('nan', 32, 1, (i, e) => (i === 2 ? { ...e, data: new Float32Array(6).fill(NaN) } : e));
    await expect(makeEngine().train(nan)).rejects.toThrow(/example 2, key 'data': value NaN is not finite/);
    const short = blobs('short', 32, 1, (i, e) => (i === 0 ? { ...e, data: new Float32Array(5) } : e));
    await expect(makeEngine().train(short)).rejects.toThrow(/expected 6 values/);
  });

  it('rejects a dataset that does not match extern_data', async () => {
    const other: Dataset = { ...blobs('other', 30, 1), extern: { data: { shape: [7] }, classes: { shape: [], dim: 3, sparse: true } } };
    await expect(makeEngine().train(other)).rejects.toThrow(NetDictError);
    await expect(makeEngine().train(other)).rejects.toThrow(/'data': dataset has .*feature:7.* extern_data expects .*feature:6/);
  });

  it('rejects bad options in "Received:" form', () => {
    expect(() => makeEngine({ batchSize: 0 })).toThrow(/batch_size must be a positive integer. Received: batch_size=0/);
    expect(() => makeEngine({ epochs: 1.5 })).toThrow(/num_epochs/);
    // evalBatchSize 0 made predict's epochBatches loop forever (fuzz finding, #8).
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      expect(() => makeEngine({ evalBatchSize: bad })).toThrow(EngineConfigError);
      expect(() => makeEngine({ evalBatchSize: bad })).toThrow(`evalBatchSize must be a positive integer (examples, or frames for sequence data), or left out for the default. Received: evalBatchSize=${JSON.stringify(bad)}.`);
    }
    expect(() => makeEngine().predict(blobs('p', 3, 1), { batchSize: 0 })).toThrow(/predict: batchSize must be a positive integer. Received: batchSize=0/);
    expect(() => makeEngine({ optimizer: null as never })).toThrow(/optimizer must be an object like \{class: 'adam', learningRate: 0.001\}. Received: optimizer=null/);
  });

  it('rejects example values of a type the Dataset type does not allow (null, plain arrays), naming the example and key', () => {
    const engine = makeEngine({ epochs: 1 });
    const plain = blobs('plain', 8, 1, (i, e) => (i === 4 ? { ...e, data: [1, 2, 3, 4, 5, 6] as never } : e));
    expect(() => engine.predict(plain)).toThrow(DataError);
    expect(() => engine.predict(plain)).toThrow(
      "Dataset 'plain', example 4, key 'data': expected a Float32Array, an Int32Array or a number, got a plain array of 6 items. Convert it with Float32Array.from(value)",
    );
    const nul = blobs('nul', 8, 1, (i, e) => (i === 2 ? { ...e, classes: null as never } : e));
    return expect(engine.train(nul)).rejects.toThrow("Dataset 'nul', example 2, key 'classes': expected a Float32Array, an Int32Array or a number, got null.");
  });
});
