import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setBackend } from '@strata/backend';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { type NetDict, NetDictNetwork } from '@strata/network';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine, type EngineOptions } from './engine.js';
import { EngineConfigError } from './errors.js';
import { LearningRateControl } from './learning-rate-control.js';
import { blobs, blobsExtern } from './test-utils/blobs.js';

const netDict: NetDict = {
  hidden: { class: 'linear', activation: 'relu', n_out: 8, from: 'data' },
  output: { class: 'softmax', loss: 'ce', from: 'hidden', target: 'classes' },
};
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
beforeAll(async () => {
  registerTfjsBackends();
  await setBackend('tfjs-cpu');
});

const train = blobs('train', 96, { seed: 1, center: 1, noise: 1.5 });
const dev = blobs('dev', 48, { seed: 2, center: 1, noise: 1.5 });
const engineWith = (opts: Partial<EngineOptions>) =>
  new Engine(NetDictNetwork.fromDict(netDict, { externData: blobsExtern, seed: 5 }), {
    batchSize: 16,
    epochs: 6,
    seed: 3,
    optimizer: { class: 'sgd', learningRate: 0.5 },
    progress: false,
    log: () => {},
    ...opts,
  });

describe('Engine with learningRateControl (RETURNN learning_rate_control)', () => {
  it("each epoch trains with the rate newbob derives from the previous epochs' dev scores", async () => {
    // A huge threshold: every epoch after the second decays (rel > -10 always).
    const engine = engineWith({ learningRateControl: { kind: 'newbob', relativeErrorThreshold: -10, decay: 0.5 } });
    const result = await engine.train(train, dev);
    const c = engine.learningRateControl!;
    expect([1, 2, 3, 4, 5, 6].map((e) => c.epochData.get(e)!.learningRate)).toEqual([0.5, 0.5, 0.25, 0.125, 0.0625, 0.03125]);
    expect(engine.optimizer.learningRate).toBe(0.03125);
    // The scores recorded are the epoch's train and dev results, under RETURNN's keys.
    expect(c.epochData.get(2)!.error).toEqual({
      train_score: result.history[1]!.train.loss,
      train_error: result.history[1]!.train.errorRate,
      dev_score: result.history[1]!.dev!.loss,
      dev_error: result.history[1]!.dev!.errorRate,
    });
    // Replaying RETURNN's rule on those scores gives the same rates.
    const replay = new LearningRateControl({ kind: 'newbob', learningRate: 0.5, relativeErrorThreshold: -10 });
    result.history.forEach((h) => {
      replay.learningRateForEpoch(h.epoch);
      replay.setEpochError(h.epoch, { dev_score: h.dev!.loss });
    });
    expect([...replay.epochData.values()].map((d) => d.learningRate)).toEqual([...c.epochData.values()].map((d) => d.learningRate));
  });

  it('learning_rates fix the first epochs; the state resumes from the checkpoint', async () => {
    const modelDir = mkdtempSync(join(tmpdir(), 'strata-lrc-'));
    dirs.push(modelDir);
    const opts = { modelDir, learningRateControl: { kind: 'newbob' as const, learningRates: [0.05, 0.1], relativeErrorThreshold: -10 } };
    const full = engineWith({ ...opts, modelDir: mkdtempSync(join(tmpdir(), 'strata-lrc-')) });
    dirs.push(full.options.modelDir!);
    await full.train(train, dev);
    await engineWith({ ...opts, epochs: 3 }).train(train, dev);
    const resumed = engineWith(opts);
    const r = await resumed.train(train, dev);
    expect(r.resumedFrom).toBe(3);
    const rates = (e: Engine) => [...e.learningRateControl!.epochData.values()].map((d) => d.learningRate);
    expect(rates(full)).toEqual([0.05, 0.1, 0.05, 0.025, 0.0125, 0.00625]);
    expect(rates(resumed)).toEqual(rates(full));
  });

  it('refuses learningRateDecay together with learningRateControl', () => {
    expect(() => engineWith({ learningRateDecay: 0.9, learningRateControl: { kind: 'constant' } })).toThrow(EngineConfigError);
  });
});
