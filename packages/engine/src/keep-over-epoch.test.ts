// initial_state "keep_over_epoch" under the engine (RETURNN: the kept state starts from zeros at step 0 of every
// run, training epoch or evaluation pass): two evaluations of the same data give the same scores (each starts over),
// several batches per pass give other scores than one batch (the state goes on from batch to batch), and training
// runs its epochs. tfjs-cpu.
import { setBackend } from '@strata/backend';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { Rng } from '@strata/core';
import { NetDictNetwork } from '@strata/network';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Dataset } from './dataset.js';
import { Engine } from './engine.js';

beforeAll(async () => {
  registerTfjsBackends();
  await setBackend('tfjs-cpu');
});

const [V, LEN, N] = [3, 4, 8];
const extern = { data: { dim: V, shape: [null, V] }, classes: { dim: V, sparse: true, shape: [null] } };

/** N sequences of LEN random frames (equal lengths: every batch of 2 has 2 sequences), tagged with the next symbol. */
function data(): Dataset {
  const rng = new Rng(4);
  const syms = Array.from({ length: N }, () => Array.from({ length: LEN }, () => rng.int(V)));
  return {
    name: 'tags',
    size: N,
    extern,
    example: (i) => ({ data: Float32Array.from(syms[i]!.flatMap((k) => Array.from({ length: V }, (_, j) => (j === k ? 1 : 0)))), classes: Int32Array.from(syms[i]!, (k) => (k + 1) % V) }),
  };
}

function engineFor(evalBatchSize: number, maxSeqs: number): Engine {
  const net = NetDictNetwork.fromDict(
    {
      lstm: { class: 'rec', unit: 'nativelstm2', n_out: 4, initial_state: 'keep_over_epoch', from: 'data' },
      output: { class: 'softmax', from: 'lstm', loss: 'ce', target: 'classes' },
    } as never,
    { externData: extern as never, seed: 1 },
  );
  return new Engine(net, { batchSize: 2 * LEN, maxSeqs, evalBatchSize, epochs: 2, seed: 3, optimizer: { class: 'sgd', learningRate: 0.1 }, progress: false, log: () => {} });
}

describe('keep_over_epoch in the engine', () => {
  it('each evaluation starts from zeros; across batches of one pass the state goes on', () => {
    const multi = engineFor(2 * LEN, 2);
    const first = multi.evaluate(data());
    expect(multi.evaluate(data())).toEqual(first);
    const one = engineFor(N * LEN, N).evaluate(data()); // one batch: every sequence from zeros
    expect(Math.abs(one.loss - first.loss)).toBeGreaterThan(1e-4);
  });

  it('trains its epochs (each from zeros) to finite scores', async () => {
    const engine = engineFor(2 * LEN, 2);
    const res = await engine.train(data());
    expect(res.history.length).toBe(2);
    for (const h of res.history) expect(Number.isFinite(h.train.loss)).toBe(true);
  });
});
