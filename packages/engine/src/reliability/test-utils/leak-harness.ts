// Shared by the leak tests (#8): a small classifier (linear 8→16→4) on random
// data, trained and run through the Engine the way applications do, with the
// live tensor count and the resident set size measured around many calls.
import v8 from 'node:v8';
import vm from 'node:vm';
import { getBackend, setBackend } from '@strata/backend';
import { Rng } from '@strata/core';
import { type NetDict, NetDictNetwork } from '@strata/network';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Dataset } from '../../dataset.js';
import { Engine } from '../../engine.js';

export const externData = { data: { shape: [8] }, classes: { shape: [], dim: 4, sparse: true } };
export const netDict: NetDict = {
  hidden: { class: 'linear', activation: 'tanh', n_out: 16, from: 'data' },
  output: { class: 'softmax', loss: 'ce', from: 'hidden', target: 'classes' },
};

/** `n` random examples: 8 normal features, a label in [0, 4). */
export function randomDataset(n: number, seed: number): Dataset {
  const rng = new Rng(seed);
  const xs = Array.from({ length: n }, () => Float32Array.from({ length: 8 }, () => rng.normal()));
  const ys = Array.from({ length: n }, () => Math.floor(rng.uniform() * 4));
  return { name: `random-${seed}`, size: n, extern: externData, example: (i) => ({ data: xs[i]!, classes: ys[i]! }) };
}

/** An engine on the active backend: batches of 8, Adam. */
export function leakEngine(epochs: number): Engine {
  const net = NetDictNetwork.fromDict(netDict, { externData, seed: 3 });
  return new Engine(net, { batchSize: 8, epochs, seed: 11, optimizer: { class: 'adam', learningRate: 1e-3 }, progress: false, log: () => {} });
}

export interface Usage {
  tensors: number;
  rssMiB: number;
  /** Live JavaScript memory after the GC: heap objects, and buffers outside the heap (typed arrays, wasm memory). */
  liveMiB: number;
}

/** A full garbage collection, so that RSS compares live memory (the flag exposes `gc` to new contexts). */
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

/** Live tensors of the active backend and the process's resident set, after a full GC. */
export function usage(): Usage {
  gc();
  const m = process.memoryUsage();
  return { tensors: getBackend().memory().numTensors, rssMiB: m.rss / 2 ** 20, liveMiB: (m.heapUsed + m.external) / 2 ** 20 };
}

/**
 * How much live JavaScript memory (heap objects and external buffers, after
 * a full GC) may grow over 10,000 calls after the warm-up: measured growth is
 * about 0.3 MiB; a leak of 400 bytes per call (one retained batch) exceeds it.
 */
export const LIVE_GROWTH_BOUND_MIB = 4;
/**
 * How much the resident set may grow over the same calls. RSS keeps pages V8
 * and malloc do not return after a GC (measured: up to 70 MiB over 10,000
 * tfjs-cpu steps, returned later), so this bound is loose; it catches native
 * leaks (a session, a graph or a weight copy per call: gigabytes over 10,000 calls).
 */
export const RSS_GROWTH_BOUND_MIB = 160;

/**
 * The leak tests of one backend: 10,000 training steps (ten `Engine.train`
 * calls of 1,000 batches, after 2,000 warm-up steps that create the optimizer
 * slots) and 10,000 `Engine.predict` calls (after 50 warm-up calls
 * that compile the forward pass) must leave the live tensor count exactly
 * where it was, live JavaScript memory within {@link LIVE_GROWTH_BOUND_MIB}
 * and the resident set within {@link RSS_GROWTH_BOUND_MIB}.
 *
 * @param register registers the backend's package (before the group, which then activates `backend`).
 */
export function defineLeakTests(backend: string, register: () => void): void {
  describe(`leaks on ${backend}`, () => {
    beforeAll(async () => {
      register();
      await setBackend(backend);
    });

    it('10,000 training steps: live tensors unchanged, RSS flat', async () => {
      expect(getBackend().name).toBe(backend);
      const engine = leakEngine(1);
      const train = randomDataset(8_000, 1); // 1,000 batches of 8
      // Warm-up: 2,000 steps create the optimizer slots (and compile the step on a graph backend) and let the heap settle.
      for (let i = 0; i < 2; i++) await engine.train(train);
      const before = usage();
      let loss = NaN;
      for (let i = 0; i < 10; i++) loss = (await engine.train(train)).history[0]!.train.loss;
      const after = usage();
      expect(engine.optimizer.iterations).toBe(12_000);
      expect(loss).toBeLessThan(1.45); // it did train: chance is ln 4 = 1.386 on random labels, overfitting goes below
      expect(after.tensors).toBe(before.tensors);
      expect(after.liveMiB - before.liveMiB).toBeLessThan(LIVE_GROWTH_BOUND_MIB);
      expect(after.rssMiB - before.rssMiB).toBeLessThan(RSS_GROWTH_BOUND_MIB);
    }, 240_000); // 12,000 steps: ~30 s on an idle 2-core machine (tfjs-cpu, tfjs-wasm), twice that and more when the cores are shared

    it('10,000 predict calls: live tensors unchanged, RSS flat', () => {
      expect(getBackend().name).toBe(backend);
      const engine = leakEngine(1);
      const data = randomDataset(8, 2);
      const first = engine.predict(data);
      for (let i = 0; i < 50; i++) engine.predict(data);
      const before = usage();
      let last = first;
      for (let i = 0; i < 10_000; i++) last = engine.predict(data);
      const after = usage();
      expect(Array.from(last.values)).toEqual(Array.from(first.values));
      expect(after.tensors).toBe(before.tensors);
      expect(after.liveMiB - before.liveMiB).toBeLessThan(LIVE_GROWTH_BOUND_MIB);
      expect(after.rssMiB - before.rssMiB).toBeLessThan(RSS_GROWTH_BOUND_MIB);
    });
  });
}
