// The training run of faults.test.ts, shared by the test (the uninterrupted
// reference run, in process) and train-child.ts (the runs that get killed).
import { setBackend } from '@strata/backend';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { NetDictNetwork } from '@strata/network';
import { Engine } from '../../engine.js';
import { blobs, blobsExtern as externData } from '../../test-utils/blobs.js';

/**
 * Trains a small classifier with dropout on 480 examples (60 steps per
 * epoch) on tfjs-cpu, with one checkpoint per epoch in `modelDir`, resuming
 * from the newest one. `log` gets the engine's lines.
 */
export async function trainBlobs(modelDir: string, epochs: number, log: (line: string) => void): Promise<void> {
  registerTfjsBackends();
  await setBackend('tfjs-cpu');
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
  await engine.train(blobs('blobs', 480, { seed: 4, center: 1.5, noise: 1 }));
}
