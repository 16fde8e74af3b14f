// The Engine collates batch-first, feature-last batches: extern_data declared in RETURNN's other axis orders
// (time-major, features first) is refused with the entries named, not fed transposed.
import { setBackend } from '@strata/backend';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { type NetDict, NetDictNetwork } from '@strata/network';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Dataset } from './dataset.js';
import { Engine } from './engine.js';
import { EngineConfigError } from './errors.js';

beforeAll(async () => {
  registerTfjsBackends();
  await setBackend('tfjs-cpu');
});

const dict = { output: { class: 'softmax', n_out: 3, from: 'data', loss: 'ce' } } as unknown as NetDict;
const dataset: Dataset = {
  name: 'toy',
  size: 2,
  extern: { data: { shape: [null, 4] }, classes: { dim: 3, sparse: true, shape: [null] } },
  example: () => ({ data: new Float32Array(8), classes: Int32Array.of(0, 1) }),
};

describe('Engine and extern_data layouts', () => {
  it('refuses time-major extern data, naming the entry and its declared shape', () => {
    const net = NetDictNetwork.fromDict(dict, { externData: { data: { shape: [null, 4], batch_dim_axis: 1 }, classes: { dim: 3, sparse: true } } as never, seed: 1 });
    const engine = new Engine(net, { batchSize: 10, epochs: 1, seed: 1, optimizer: { class: 'adam', learningRate: 0.01 }, progress: false, log: () => {} });
    expect(() => engine.evaluate(dataset)).toThrow(EngineConfigError);
    expect(() => engine.evaluate(dataset)).toThrow(/extern_data 'data' \[null,null,4\]: declared in another axis order/);
  });
});
