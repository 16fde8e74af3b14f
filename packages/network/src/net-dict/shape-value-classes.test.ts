// RETURNN's shape and value classes in net dicts (core's layers/shape/ and
// layers/value/): what RETURNN refuses is a typed error naming the key, axis
// descriptions resolve on the source's Dims, lengths of a changed time axis
// live in the output's own Dim, batchless outputs broadcast. Numbers against
// RETURNN are in tools/returnn-ref (cases shape.py, shape_value.py).
import { ops, setBackend, type Tensor } from '@strata/backend';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import '../index.js';
import { CannotHandleUndefinedSourcesError, NetDictError } from '../errors.js';
import { NetDictNetwork } from './net-dict-network.js';
import type { NetDict } from './schema.js';

beforeAll(async () => {
  registerTfjsBackends();
  await setBackend('tfjs-cpu');
});

const read = (t: Tensor) => Array.from(ops.readSync(t));
const SEQ5 = { data: { shape: [null, 5] } };
const build = (network: Record<string, unknown>, externData: Record<string, unknown> = SEQ5) => NetDictNetwork.fromDict(network as NetDict, { externData: externData as never, seed: 3 });
const batch = (time: number, lens: number[], feat = 5) => ({
  data: ops.tensor(Float32Array.from({ length: lens.length * time * feat }, (_, i) => Math.sin(i * 0.7)), [lens.length, time, feat]),
  'data:size1': ops.tensor(lens, [lens.length], 'int32'),
});

describe('RETURNN errors as typed errors naming the key', () => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['an unknown key', { output: { class: 'pad', axes: 'T', padding: 1, out_dims: null, from: 'data' } }, /unknown key\(s\) 'out_dims'/],
    ['a bool switch condition (RETURNN: only from a callable)', { output: { class: 'switch', condition: true, true_from: 'data', false_from: 0 } }, /condition must be the name of a layer/],
    ['tiling the time axis', { output: { class: 'tile', multiples: { T: 2 }, from: 'data' } }, /multiples: axis "T" .* dynamic axis/],
    ['repeat without axis', { output: { class: 'repeat', repetitions: 2, from: 'data' } }, /axis is required/],
    ['shift_axis on a static axis adjusting sizes', { output: { class: 'shift_axis', axis: 'F', amount: 1, from: 'data' } }, /set adjust_size_info to False/],
    ['a float range (len(range()) in RETURNN)', { output: { class: 'range', start: 0.5, limit: 3 } }, /start must be an integer/],
    ['an axis that names no axis', { output: { class: 'cumsum', axis: 'dim:9', from: 'data' } }, /0 axes .* have size 9/],
    ['a pad mode RETURNN does not have', { output: { class: 'pad', axes: 'F', padding: 1, mode: 'circular', from: 'data' } }, /mode must be one of 'constant', 'reflect', 'symmetric', 'replication'/],
  ];
  for (const [what, network, message] of cases) {
    it(what, () => {
      expect(() => build(network)).toThrow(NetDictError);
      expect(() => build(network)).toThrow(message);
    });
  }
});

it('a variable with a batch axis and "from": [] has no batch to take: a typed error', () => {
  expect(() => build({ output: { class: 'variable', shape: [2], add_batch_axis: true, from: [] } })).toThrow(CannotHandleUndefinedSourcesError);
});

describe('templates and lengths', () => {
  it('pad, repeat and shift_axis over time give their outputs lengths of their own', () => {
    const net = build({
      pad: { class: 'pad', axes: 'T', padding: [2, 1], from: 'data' },
      rep: { class: 'repeat', repetitions: 3, axis: 'T', from: 'data' },
      shift: { class: 'shift_axis', axis: 'T', amount: -2, from: 'data' },
      output: { class: 'copy', from: 'data' },
    });
    net.forward(batch(6, [6, 4, 1]));
    expect(read(net.outputData('pad').timeDim!.dynSize!)).toEqual([9, 7, 4]);
    expect(read(net.outputData('rep').timeDim!.dynSize!)).toEqual([18, 12, 3]);
    expect(read(net.outputData('shift').timeDim!.dynSize!)).toEqual([4, 2, 0]);
    // copy keeps the extern data's time Dim: the lengths fed.
    expect(read(net.outputData('output').timeDim!.dynSize!)).toEqual([6, 4, 1]);
  });

  it('range_in_axis over time is a batchless axis carrying the input lengths; constant and variable have no batch axis', () => {
    const net = build({
      pos: { class: 'range_in_axis', axis: 'T', from: 'data' },
      c: { class: 'constant', value: 2 },
      cb: { class: 'constant', value: true, shape: [2], with_batch_dim: true },
      v: { class: 'variable', shape: [5], trainable: false },
      output: { class: 'combine', kind: 'add', from: ['data', 'v'] },
    });
    const outs = net.forward(batch(4, [4, 2]));
    expect(net.outputData('pos').hasBatch).toBe(false);
    expect(read(net.outputData('pos').timeDim!.dynSize!)).toEqual([4, 2]);
    expect(read(outs.get('pos')!.value)).toEqual([0, 1, 2, 3]);
    expect(net.outputData('c').batchShape).toEqual([]);
    expect(net.outputData('c').dtype).toBe('int32');
    expect(net.outputData('cb').batchShape).toEqual([null, 2]);
    expect(outs.get('cb')!.value.dtype).toBe('bool');
    expect(read(outs.get('cb')!.value)).toEqual([1, 1, 1, 1]);
    expect(net.outputData('v').batchShape).toEqual([5]);
    expect(net.outputData('output').batchShape).toEqual([null, null, 5]);
    expect(net.trainableWeights.length).toBe(0);
    expect(net.weights.map((w) => w.name)).toEqual([expect.stringMatching(/v\/v:0$/)]);
  });

  it('expand_dims and squeeze keep the other Dims (the time axis with its lengths)', () => {
    const net = build({
      ex: { class: 'expand_dims', axis: 1, from: 'data' },
      output: { class: 'squeeze', axis: 'dim:1', from: 'ex' },
    });
    const outs = net.forward(batch(3, [3, 2]));
    const time = net.outputData('output').timeDim!;
    expect(net.outputData('ex').batchShape).toEqual([null, 1, null, 5]);
    expect(net.outputData('ex').timeDim).toBe(time);
    expect(read(time.dynSize!)).toEqual([3, 2]);
    expect(outs.get('ex')!.value.shape).toEqual([2, 1, 3, 5]);
    expect(read(outs.get('output')!.value)).toEqual(read(batch(3, [3, 2]).data));
  });
});
