// Child process of faults.test.ts: trains a small network with checkpoints in
// <modelDir> (resuming from the newest one), so that the parent can SIGKILL it
// at any point. Run: node --conditions=strata-source --import tsx train-child.ts <modelDir> <epochs>
// Prints the engine's lines (`resuming from ...`, `epoch k/E | ...`) and `done` at the end.
import { writeSync } from 'node:fs';
import { setBackend } from '@strata/backend';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { Rng } from '@strata/core';
import { NetDictNetwork } from '@strata/network';
import { Engine } from '../../engine.js';

const [modelDir, epochs] = process.argv.slice(2);
if (!modelDir || !(Number(epochs) > 0)) throw new Error('usage: train-child.ts <modelDir> <epochs>');
registerTfjsBackends();
await setBackend('tfjs-cpu');

const externData = { data: { dim: 6 }, classes: { dim: 3, sparse: true } };
const rng = new Rng(4);
const xs = Array.from({ length: 960 }, (_, i) => Float32Array.from({ length: 6 }, (_, k) => (k % 3 === i % 3 ? 1.5 : 0) + rng.normal()));
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
  epochs: Number(epochs),
  seed: 6,
  optimizer: { class: 'adam', learningRate: 0.003 },
  learningRateDecay: 0.9,
  modelDir,
  configHash: 'faults',
  progress: false,
  // writeSync: the parent sees each line before the process can be killed after it.
  log: (line) => writeSync(1, `${line}\n`),
});
await engine.train({ name: 'blobs', size: xs.length, extern: externData, example: (i) => ({ data: xs[i]!, classes: i % 3 }) });
writeSync(1, 'done\n');
