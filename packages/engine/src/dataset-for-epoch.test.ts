import { setBackend } from '@strata/backend';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { type NetDict, NetDictNetwork } from '@strata/network';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Dataset } from './dataset.js';
import { Engine } from './engine.js';

beforeAll(async () => {
  registerTfjsBackends();
  await setBackend('tfjs-cpu');
});

/** Sequences whose contents depend on the epoch (as RETURNN's generated datasets): records every example read. */
function perEpoch(epoch: number, reads: string[]): Dataset {
  return {
    name: `toy/epoch${epoch}`,
    size: 4,
    extern: { data: { dim: 2, shape: [null, 2] }, classes: { dim: 2, sparse: true, shape: [null] } },
    example: (i) => {
      reads.push(`${epoch}:${i}`);
      const len = 1 + ((i + epoch) % 3);
      return { data: new Float32Array(len * 2).fill(epoch), classes: new Int32Array(len).fill(epoch % 2) };
    },
    forEpoch: (e) => perEpoch(e, reads),
  };
}

const NET: NetDict = { output: { class: 'softmax', loss: 'ce', from: 'data', n_out: 2 } };

describe('Dataset.forEpoch', () => {
  it("training epoch e reads the examples of train.forEpoch(e), every example once; without forEpoch, train's own", async () => {
    const reads: string[] = [];
    const train = perEpoch(1, reads);
    const net = NetDictNetwork.fromDict(NET, { externData: train.extern as Record<string, unknown>, seed: 1 });
    const engine = new Engine(net, { epochs: 3, seed: 2, batchSize: 100, optimizer: { class: 'sgd', learningRate: 0.1 }, progress: false, log: () => {} });
    const r = await engine.train(train);
    expect(r.epochsRun).toBe(3);
    for (const e of [1, 2, 3]) {
      const seen = reads.filter((x) => x.startsWith(`${e}:`));
      expect(new Set(seen)).toEqual(new Set([0, 1, 2, 3].map((i) => `${e}:${i}`)));
    }
    expect(reads.every((x) => /^[123]:/.test(x))).toBe(true);
  });

  it('the dev set of epoch e is dev.forEpoch(e), as RETURNN re-orders its eval datasets per epoch', async () => {
    const trainReads: string[] = [];
    const devReads: string[] = [];
    const train = perEpoch(1, trainReads);
    const net = NetDictNetwork.fromDict(NET, { externData: train.extern as Record<string, unknown>, seed: 1 });
    const engine = new Engine(net, { epochs: 2, seed: 2, batchSize: 100, optimizer: { class: 'sgd', learningRate: 0.1 }, progress: false, log: () => {} });
    await engine.train(train, perEpoch(1, devReads));
    expect(new Set(devReads)).toEqual(new Set(['1:0', '1:1', '1:2', '1:3', '2:0', '2:1', '2:2', '2:3']));
  });
});
