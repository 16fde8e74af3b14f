// NaN guard (#8): a non-finite loss stops training with a NonFiniteLossError
// naming the layer where NaN/Inf first appear, the epoch and the batch, and the
// last good checkpoint stays byte for byte (the broken state is never saved).
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setBackend } from '@strata/backend';
import * as ort from '@strata/backend-onnxruntime';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { type NetDict, NetDictNetwork } from '@strata/network';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkpointPath } from './checkpoints.js';
import type { Dataset } from './dataset.js';
import { Engine, type EngineOptions } from './engine.js';
import { DataError, NonFiniteLossError } from './errors.js';
import { blobFeatures, blobsExtern as externData } from './test-utils/blobs.js';

const netDict: NetDict = {
  hidden: { class: 'linear', activation: 'relu', n_out: 16, from: 'data' },
  drop: { class: 'dropout', dropout: 0.1, from: 'hidden' },
  output: { class: 'softmax', loss: 'ce', from: 'drop', target: 'classes' },
};

/** 3 Gaussian blobs in 6-D; `poison(i)` may replace example i's features once the returned switch is on. */
function blobs(n: number, poison?: (i: number) => Float32Array | undefined): Dataset & { poisoned: { on: boolean } } {
  const xs = blobFeatures(n, { seed: 1, center: 2, noise: 0.5 });
  const poisoned = { on: false };
  return {
    name: 'blobs',
    size: n,
    extern: externData,
    poisoned,
    example: (i) => ({ data: (poisoned.on && poison?.(i)) || xs[i]!, classes: i % 3 }),
  };
}

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'strata-nan-guard-'));
  dirs.push(d);
  return d;
};
const makeEngine = (opts: Partial<EngineOptions>) =>
  new Engine(NetDictNetwork.fromDict(netDict, { externData, seed: 5 }), {
    batchSize: 16,
    epochs: 2,
    seed: 9,
    optimizer: { class: 'sgd', learningRate: 0.1 },
    progress: false,
    log: () => {},
    ...opts,
  });

const allFinite = (e: Engine) => e.model.variables.every((w) => w.readSync().every((v) => Number.isFinite(v)));

beforeAll(async () => {
  registerTfjsBackends();
  await setBackend('tfjs-cpu');
});
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('NaN guard', () => {
  it('names the first layer whose output overflows (huge finite inputs), the epoch and batch, and keeps the last good checkpoint', async () => {
    const dir = tempDir();
    // Example 37 becomes 3e38 (finite, so the data check passes) in epoch 2: the first matmul overflows to ±Inf.
    const train = blobs(96, (i) => (i === 37 ? new Float32Array(6).fill(3e38) : undefined));
    await makeEngine({ modelDir: dir, epochs: 1 }).train(train);
    const good = readFileSync(checkpointPath(dir, 1));

    train.poisoned.on = true;
    const engine = makeEngine({ modelDir: dir });
    const err = (await engine.train(train).catch((e: unknown) => e)) as NonFiniteLossError;
    expect(err).toBeInstanceOf(NonFiniteLossError);
    expect(err.layer).toBe('hidden');
    expect(err.epoch).toBe(2);
    expect(err.message).toMatch(/^The training objective became (NaN|-?Infinity) in epoch 2, batch \d+\. /);
    expect(err.message).toMatch(/Non-finite values first appear in the output of layer 'hidden' \(\d+ of \d+ values, the first is (NaN|-?Infinity)\)\./);
    expect(err.message).toContain(`The last good checkpoint ${checkpointPath(dir, 1)} is kept (the broken state is not saved).`);
    // The batch named is the one holding example 37.
    expect(err.message).toContain(`batch ${err.batch! + 1}.`);
    expect(readFileSync(checkpointPath(dir, 1)).equals(good)).toBe(true);
    expect(existsSync(checkpointPath(dir, 2))).toBe(false);
    // The guard leaves the state before the failing step in memory: finite.
    expect(allFinite(engine)).toBe(true);
  });

  it('a huge learning rate: stops at the first non-finite loss, names a layer, never saves the broken epoch', async () => {
    const dir = tempDir();
    const train = blobs(96);
    // Epoch 1 trains at 0.1, epoch 2 at 0.1 * 1e12: the weights explode within a few steps.
    const engine = makeEngine({ modelDir: dir, learningRateDecay: 1e12 });
    const err = (await engine.train(train).catch((e: unknown) => e)) as NonFiniteLossError;
    expect(err).toBeInstanceOf(NonFiniteLossError);
    expect(err.epoch).toBe(2);
    expect(err.batch).toBeGreaterThan(0);
    expect(['hidden', 'output']).toContain(err.layer);
    expect(err.message).toMatch(/Non-finite values first appear in the (output|weights) of layer '(hidden|output)'/);
    expect(err.message).toContain(`The last good checkpoint ${checkpointPath(dir, 1)} is kept`);
    expect(existsSync(checkpointPath(dir, 1))).toBe(true);
    expect(existsSync(checkpointPath(dir, 2))).toBe(false);
    expect(allFinite(engine)).toBe(true);

    // Resuming with a sane learning rate continues from the kept checkpoint.
    const r = await makeEngine({ modelDir: dir }).train(train);
    expect(r.resumedFrom).toBe(1);
    expect(r.history[0]!.train.loss).toBeLessThan(1);
  });

  it('an overflowing L2 term: names the layer whose regularization is not finite', async () => {
    const dict: NetDict = { ...netDict, hidden: { ...(netDict.hidden as object), L2: 1e38 } as NetDict[string] };
    const engine = new Engine(NetDictNetwork.fromDict(dict, { externData, seed: 5 }), {
      batchSize: 16,
      epochs: 1,
      optimizer: { class: 'sgd', learningRate: 0.1 },
      progress: false,
      log: () => {},
    });
    const err = (await engine.train(blobs(48)).catch((e: unknown) => e)) as NonFiniteLossError;
    expect(err).toBeInstanceOf(NonFiniteLossError);
    expect(err.layer).toBe('hidden');
    expect(err.message).toMatch(/^The training objective became Infinity in epoch 1, batch 1\. Non-finite values first appear in the regularization of layer 'hidden' \(1 of 1 values, the first is Infinity\)\./);
  });

  it('data with NaN or Inf never reach a step: DataError naming the example, nothing saved', async () => {
    const dir = tempDir();
    for (const bad of [NaN, Infinity, -Infinity]) {
      const train = blobs(48, (i) => (i === 20 ? Float32Array.of(0, 0, bad, 0, 0, 0) : undefined));
      train.poisoned.on = true;
      await expect(makeEngine({ modelDir: dir }).train(train)).rejects.toThrow(DataError);
      await expect(makeEngine({ modelDir: dir }).train(train)).rejects.toThrow(`example 20, key 'data': value ${bad} is not finite`);
    }
    expect(existsSync(checkpointPath(dir, 1))).toBe(false);
  });

  it('on onnxruntime too: the diagnostic forward and the replay run on the graph backend', async () => {
    ort.registerOnnxruntimeBackends();
    await setBackend('onnxruntime');
    try {
      const train = blobs(96, (i) => (i === 37 ? new Float32Array(6).fill(3e38) : undefined));
      train.poisoned.on = true;
      const engine = makeEngine({ epochs: 1 });
      const err = (await engine.train(train).catch((e: unknown) => e)) as NonFiniteLossError;
      expect(err).toBeInstanceOf(NonFiniteLossError);
      expect(err.layer).toBe('hidden');
      expect(err.message).toMatch(/Non-finite values first appear in the output of layer 'hidden'/);
      expect(err.message).toContain('No checkpoint was written (the broken state is not saved).');
      expect(allFinite(engine)).toBe(true);
    } finally {
      await setBackend('tfjs-cpu');
    }
  });
});
