// RETURNN training options through the Engine: stop_on_nonfinite_train_score = False,
// cleanup_old_models, and accum_grad_multiple_step / gradient_noise across epochs and resume.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setBackend } from '@strata/backend';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { type NetDict, NetDictNetwork } from '@strata/network';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkpointEpochs, checkpointPath } from './checkpoints.js';
import type { Dataset } from './dataset.js';
import { Engine, type EngineOptions } from './engine.js';
import { EngineConfigError } from './errors.js';
import { blobFeatures, blobsExtern as externData } from './test-utils/blobs.js';

const netDict: NetDict = {
  hidden: { class: 'linear', activation: 'relu', n_out: 8, from: 'data' },
  output: { class: 'softmax', loss: 'ce', from: 'hidden', target: 'classes' },
};

/** 96 blob examples (6 batches of 16); example 37 can be switched to 3e38 (its loss overflows). */
function blobs(poisonAt?: number): Dataset {
  const xs = blobFeatures(96, { seed: 1, center: 2, noise: 0.5 });
  return { name: 'blobs', size: 96, extern: externData, example: (i) => ({ data: i === poisonAt ? new Float32Array(6).fill(3e38) : xs[i]!, classes: i % 3 }) };
}
const dev: Dataset = { ...blobs(), name: 'dev' };

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'strata-returnn-options-'));
  dirs.push(d);
  return d;
};
const makeEngine = (opts: Partial<EngineOptions> = {}, lines: string[] = []) =>
  new Engine(NetDictNetwork.fromDict(netDict, { externData, seed: 5 }), {
    batchSize: 16,
    epochs: 2,
    seed: 9,
    optimizer: { class: 'sgd', learningRate: 0.1 },
    progress: false,
    log: (l) => lines.push(l),
    ...opts,
  });
const weights = (e: Engine) => e.model.variables.map((v) => Array.from(v.readSync()));

beforeAll(async () => {
  registerTfjsBackends();
  await setBackend('tfjs-cpu');
});
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('stopOnNonfiniteTrainScore = false (RETURNN stop_on_nonfinite_train_score = False)', () => {
  it('goes on after a non-finite step: the epoch score is not finite, a note is logged, checkpoints are written', async () => {
    const dir = tempDir();
    const lines: string[] = [];
    // The poisoned step's global gradient norm is not finite: clip_by_global_norm makes every gradient NaN,
    // gradient_nan_inf_filter makes them 0, so that step changes nothing and the weights stay finite.
    const optimizer = { class: 'sgd' as const, learningRate: 0.1, globalClipNorm: 1e6, gradientNanInfFilter: true };
    const engine = makeEngine({ modelDir: dir, stopOnNonfiniteTrainScore: false, optimizer }, lines);
    const r = await engine.train(blobs(37));
    expect(r.epochsRun).toBe(2);
    expect(Number.isFinite(r.history[0]!.train.loss)).toBe(false);
    expect(lines.filter((l) => l.startsWith('note: 1 of 6 steps of epoch'))).toHaveLength(2);
    expect(checkpointEpochs(dir)).toEqual([1, 2]);
    expect(weights(engine).flat().every(Number.isFinite)).toBe(true);
    // Without the filter the non-finite update is applied as RETURNN applies it: training still goes on.
    const broken = makeEngine({ stopOnNonfiniteTrainScore: false });
    expect((await broken.train(blobs(37))).epochsRun).toBe(2);
    expect(weights(broken).flat().some((x) => !Number.isFinite(x))).toBe(true);
  });
});

describe('cleanupOldModels (RETURNN cleanup_old_models)', () => {
  it('keeps the keep list and the newest keepLastN, deleting only after the new checkpoint is written', async () => {
    const dir = tempDir();
    const lines: string[] = [];
    await makeEngine({ modelDir: dir, epochs: 6, cleanupOldModels: { keepLastN: 2, keepBestN: 0, keep: [3] } }, lines).train(blobs(), dev);
    expect(checkpointEpochs(dir)).toEqual([3, 5, 6]);
    // Epoch e's cleanup (e ≥ 3) deletes e - 2 unless it is 3: epochs 1, 2, 4.
    expect(lines.filter((l) => l.startsWith('cleanup_old_models'))).toEqual([
      'cleanup_old_models: deleted the checkpoints of epochs 1',
      'cleanup_old_models: deleted the checkpoints of epochs 2',
      'cleanup_old_models: deleted the checkpoints of epochs 4',
    ]);
  });

  it('keeps the best epoch of each score, with the scores of epochs before a resume (saved in the checkpoints)', async () => {
    const dir = tempDir();
    const opts = { modelDir: dir, cleanupOldModels: { keepLastN: 1, keepBestN: 1, keep: [] } };
    const first = await makeEngine({ ...opts, epochs: 3, optimizer: { class: 'sgd', learningRate: 0.3 } }).train(blobs(), dev);
    const second = await makeEngine({ ...opts, epochs: 6, optimizer: { class: 'sgd', learningRate: 0.3 } }).train(blobs(), dev);
    expect(second.resumedFrom).toBe(3);
    const history = [...first.history, ...second.history];
    const best = (f: (h: (typeof history)[number]) => number) => history.reduce((a, h) => (f(h) < f(a) ? h : a)).epoch;
    const kept = checkpointEpochs(dir);
    expect(kept).toContain(6);
    expect(kept).toContain(best((h) => h.dev!.loss));
    expect(kept).toContain(best((h) => h.train.loss));
    expect(kept.length).toBeLessThan(6);
    expect(existsSync(checkpointPath(dir, 6))).toBe(true);
  });

  it('rejects bad options with the field named', () => {
    expect(() => makeEngine({ cleanupOldModels: { keepLastN: 0 } })).toThrow(EngineConfigError);
    expect(() => makeEngine({ cleanupOldModels: { keep_last_n: 2 } as never })).toThrow(/keep_last_n, keep_best_n, keep are keepLastN, keepBestN, keep/);
  });
});

describe('accumGradMultipleStep and gradientNoise through the engine', () => {
  it('windows run across epochs; a resumed run (running sum and phase from the checkpoint) equals an uninterrupted one', async () => {
    const optimizer = { class: 'sgd' as const, learningRate: 0.1, accumGradMultipleStep: 4 };
    const whole = makeEngine({ optimizer, epochs: 2 });
    await whole.train(blobs());
    // 12 steps, windows of 4: 3 updates; 6 steps per epoch, so epoch 2's first window began in epoch 1.
    expect(whole.optimizer.iterations).toBe(3);
    const dir = tempDir();
    const first = makeEngine({ optimizer, epochs: 1, modelDir: dir });
    await first.train(blobs());
    expect([first.optimizer.iterations, first.optimizer.accumGradPhase]).toEqual([1, 2]);
    const resumed = makeEngine({ optimizer, epochs: 2, modelDir: dir });
    await resumed.train(blobs());
    expect(weights(resumed)).toEqual(weights(whole));
  });

  it('gradient noise is seeded by the engine: same seed, same weights; other seed or no noise, other weights', async () => {
    const run = async (seed: number, gradientNoise: number) => {
      const e = makeEngine({ seed, epochs: 1, optimizer: { class: 'sgd', learningRate: 0.1, gradientNoise } });
      await e.train(blobs());
      return weights(e).flat();
    };
    const a = await run(9, 0.05);
    expect(await run(9, 0.05)).toEqual(a);
    const other = await run(10, 0.05);
    const quiet = await run(9, 0);
    // Noise of stddev 0.05 over 6 steps at lr 0.1: weights move by ~0.01, far above float rounding.
    const maxDiff = (x: number[]) => Math.max(...x.map((v, i) => Math.abs(v - a[i]!)));
    expect(maxDiff(quiet)).toBeGreaterThan(1e-3);
    expect(maxDiff(other)).toBeGreaterThan(1e-3);
  });
});
