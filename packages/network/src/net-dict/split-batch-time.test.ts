// merge_dims over ["B", "T"] of data with a second time axis, and split_batch_time back (RETURNN's
// test_MergeDimsLayer_SplitBatchTimeLayer_two_time_axes): the kept axis' lengths are tiled per merged entry.
import { ops, setBackend } from '@strata/backend';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { NetDictNetwork } from './net-dict-network.js';
import type { NetDict } from './schema.js';

beforeAll(async () => {
  registerTfjsBackends();
  await setBackend('tfjs-cpu');
});

const build = (net: NetDict) => NetDictNetwork.fromDict(net, { externData: { data: { shape: [null, null, 2] } }, seed: 1 });
const read = (t: Parameters<typeof ops.readSync>[0]) => Array.from(ops.readSync(t), Number);

describe('merge_dims of the batch with a second time axis, split_batch_time', () => {
  it('tiles the kept axis lengths over the merged entries and splits back to the input (base defaults to "data")', () => {
    const net = build({
      merge: { class: 'merge_dims', from: 'data', axes: ['B', 'T'] },
      output: { class: 'split_batch_time', from: 'merge' },
    } as never);
    const x = ops.tensor(Float32Array.from({ length: 2 * 3 * 4 * 2 }, (_, i) => i), [2, 3, 4, 2]);
    const outs = net.forward({ data: x, 'data:size1': ops.tensor([3, 2], [2], 'int32'), 'data:size2': ops.tensor([4, 1], [2], 'int32') });
    expect(outs.get('merge')!.value.shape).toEqual([6, 4, 2]);
    // Entry b * 3 + t has the second axis' length of batch entry b.
    expect(read(net.node('merge').output.timeDim!.dynSize!)).toEqual([4, 4, 4, 1, 1, 1]);
    expect(read(outs.get('output')!.value)).toEqual(read(x));
    // The split gives the input's axes back (the merged axis is the input's second time axis again).
    expect(net.node('output').output.dims).toEqual(net.externData.getData('data').dims);
  });
  it('a base without a time axis is an error naming the entry', () => {
    expect(() =>
      build({ red: { class: 'reduce', mode: 'max', axis: 'T', from: 'data' }, red2: { class: 'reduce', mode: 'max', axis: 'T', from: 'red' }, merge: { class: 'merge_dims', from: 'data', axes: ['B', 'T'] }, output: { class: 'split_batch_time', from: 'merge', base: 'red2' } } as never),
    ).toThrow(/'output'.*must have a time axis/s);
  });
});
