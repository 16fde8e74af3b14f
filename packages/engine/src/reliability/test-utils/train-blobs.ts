// The training run of faults.test.ts, shared by the test (the uninterrupted
// reference run, in process) and train-child.ts (the runs that get killed).
import { setBackend } from '@strata/backend';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { Rng } from '@strata/core';
import { NetDictNetwork } from '@strata/network';
import { Engine } from '../../engine.js';

/**
 * Trains a small classifier with dropout on 480 examples (60 steps per
 * epoch) on tfjs-cpu, with one checkpoint per epoch in `modelDir`, resuming
 * from the newest one. `log` gets the engine's lines.
 */
export async function trainBlobs(modelDir: string, epochs: number, log: (line: string) => void): Promise<void> {
  registerTfjsBackends();
  await setBackend('tfjs-cpu');
  const externData = { data: { dim: 6 }, classes: { dim: 3, sparse: true } };
  const rng = new Rng(4);
  const xs = Array.from({ length: 480 }, (_, i) => Float32Array.from({ length: 6 }, (_, k) => (k % 3 === i % 3 ? 1.5 : 0) + rng.normal()));
  const net = NetDictNetwork.fromDict(
    {
      hidden: { class: 'linear', activation: 'relu', n_out: 32, from: 'data' },
      drop: { class: 'dropout', dropout: 0.3, from: 'hidden' },
      output: { class: 'softmax', loss: 'ce', from: 'drop', target: 'classes' },
    },
    { externData, seed: 2 },
  );
  const engine = new Engine(net, {
    batchSize: 8,
    epochs,
    seed: 6,
    optimizer: { class: 'adam', learningRate: 0.003 },
    learningRateDecay: 0.9,
    modelDir,
    configHash: 'faults',
    progress: false,
    log,
  });
  await engine.train({ name: 'blobs', size: xs.length, extern: externData, example: (i) => ({ data: xs[i]!, classes: i % 3 }) });
}
