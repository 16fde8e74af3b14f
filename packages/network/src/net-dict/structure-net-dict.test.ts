// RETURNN's structure classes in net dicts: concat's (layer, axis) pairs, split's and top_k's sub-layers
// ("<layer>/<i>", "<layer>/indices") as sources, their templates and lengths, and the errors for what
// RETURNN itself rejects or Strata does not take. The numbers are checked against RETURNN in
// tools/returnn-ref (cases/structure.py); here, against ops on the same input.
import { ops, setBackend, type Tensor } from '@strata/backend';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import '../index.js';
import { NetDictNetwork } from './net-dict-network.js';
import type { NetDict } from './schema.js';

beforeAll(async () => {
  registerTfjsBackends();
  await setBackend('tfjs-cpu');
});

const [B, T, F] = [2, 3, 6];
const build = (net: unknown) => NetDictNetwork.fromDict(net as NetDict, { externData: { data: { shape: [null, F] } }, seed: 3 });
const xs = Float32Array.from({ length: B * T * F }, (_, i) => Math.sin(i * 0.37 + 0.1));
const batch = () => ({ data: ops.tensor(xs, [B, T, F]), 'data:size1': ops.tensor([T, T - 1], [B], 'int32') });
const read = (t: Tensor) => Array.from(ops.readSync(t));

describe('structure classes in net dicts', () => {
  it('split parts feed other layers as "<layer>/<i>", keeping the time axis and its lengths', () => {
    const net = build({
      split: { class: 'split', size_splits: [2, 4], from: 'data' },
      output: { class: 'concat', from: [['split/1', 'F'], ['split/0', 'F']] },
    });
    expect(net.outputData('split/0').shape).toEqual([null, 2]);
    const outs = net.forward(batch());
    const x = ops.tensor(xs, [B, T, F]);
    const want = ops.concat([ops.slice(x, [0, 0, 2], [B, T, 4]), ops.slice(x, [0, 0, 0], [B, T, 2])], 2);
    expect(read(outs.get('output')!.value)).toEqual(read(want));
    expect(read(net.outputData('split/1').timeDim!.dynSize!)).toEqual([T, T - 1]);
  });

  it('top_k gives the values and, as "<layer>/indices", int32 positions sparse over the searched axis', () => {
    const net = build({ top: { class: 'top_k', axis: 'F', k: 2, from: 'data' }, output: { class: 'cast', dtype: 'float32', from: 'top/indices' } });
    const idx = net.outputData('top/indices');
    expect(idx.dtype).toBe('int32');
    expect(idx.sparseDim?.size).toBe(F);
    const outs = net.forward(batch());
    const ind = read(outs.get('output')!.value);
    const val = read(outs.get('top')!.value);
    for (let r = 0; r < B * T; r++) {
      const row = Array.from(xs.slice(r * F, (r + 1) * F));
      const order = [...row.keys()].sort((a, b) => row[b]! - row[a]!);
      expect(ind.slice(r * 2, r * 2 + 2)).toEqual(order.slice(0, 2));
      expect(val[r * 2]).toBeCloseTo(row[order[0]!]!, 6);
    }
  });

  it('names what is wrong: plain names in concat, pairs elsewhere, unknown sub-layers and keys', () => {
    expect(() => build({ output: { class: 'concat', from: ['data'] } })).toThrow(/\(layer, axis\) pairs/);
    expect(() => build({ output: { class: 'copy', from: [['data', 'F']] } })).toThrow(/pairs are for class "concat"/);
    expect(() => build({ split: { class: 'split', num_splits: 2, from: 'data' }, output: { class: 'copy', from: 'split/2' } })).toThrow(/no sub-layer '2'\. Its sub-layers: 0, 1/);
    expect(() => build({ output: { class: 'split', num_splits: 4, from: 'data' } })).toThrow(/num_splits 4 does not divide the size 6/);
    expect(() => build({ output: { class: 'split', out_dims: [], from: 'data' } })).toThrow(/unknown key\(s\) 'out_dims'/);
    expect(() => build({ output: { class: 'top_k', axis: 'T', k: 2, from: 'data' } })).toThrow(/static non-batch axis/);
    expect(() => build({ output: { class: 'concat', from: [['data', 'T'], ['data', 'T']] } })).toThrow(/dynamic axis "T"/);
    expect(() => build({ output: { class: 'reshape', in_dims: ['T'], out_dims: ['T'], from: 'data' } })).toThrow(/dynamic/);
  });
});
