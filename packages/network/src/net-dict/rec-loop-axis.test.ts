// A rec layer without sources over its `axis` Dim: a new axis its `end` layer ends (RETURNN RecLayer), and the errors.
import { ops, setBackend } from '@strata/backend';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import '../index.js';
import { NetDictNetwork } from './net-dict-network.js';
import { endFrame } from './rec-loop-axis.js';

beforeAll(async () => {
  registerTfjsBackends();
  await setBackend('tfjs-cpu');
});

const LOOP = { dim: 'loop', kind: 'spatial', size: null };
const BATCH = { dim: 'global batch', kind: 'batch', size: null };
const extern = { data: { dim: 2 } };

/** A counter from `start` (per sequence) by 1; the loop ends where it reaches 3. */
const net = (rec: Record<string, unknown>) => ({
  start: { class: 'constant', value: 0, dtype: 'float32', shape: [BATCH] },
  output: {
    class: 'rec',
    from: [],
    axis: LOOP,
    unit: {
      i: { class: 'combine', kind: 'add', from: ['prev:i', 'one'], initial_output: 'base:start' },
      one: { class: 'constant', value: 1, dtype: 'float32' },
      end: { class: 'compare', kind: 'greater_equal', from: 'i', value: 3 },
      output: { class: 'copy', from: 'i' },
    },
    ...rec,
  },
});

describe('endFrame (RETURNN end_flag ORed with the previous frame, dyn_seq_len)', () => {
  it('counts a frame until the end, the end frame itself with include_eos', () => {
    const [ended, lens] = [new Uint8Array(2), new Int32Array(2)];
    expect(endFrame(ops.tensor(Uint8Array.from([0, 1]), [2], 'bool'), ended, lens, false)).toBe(false);
    expect(endFrame(ops.tensor(Uint8Array.from([1, 0]), [2], 'bool'), ended, lens, false)).toBe(true);
    expect([...lens]).toEqual([1, 0]);
    const [e2, l2] = [new Uint8Array(2), new Int32Array(2)];
    endFrame(ops.tensor(Uint8Array.from([0, 1]), [2], 'bool'), e2, l2, true);
    endFrame(ops.tensor(Uint8Array.from([1, 0]), [2], 'bool'), e2, l2, true);
    expect([...l2]).toEqual([2, 1]);
  });
});

describe("rec over a new axis its 'end' layer ends", () => {
  it('runs 1, 2, 3 (include_eos) and stops where every sequence ended; without include_eos leaves the end frame out', () => {
    const x = { data: ops.zeros([2, 4, 2]) };
    const a = NetDictNetwork.fromDict(net({ include_eos: true, max_seq_len: 10 }), { externData: extern });
    const out = a.forward(x).get('output')!;
    expect(out.value.shape).toEqual([2, 3]);
    expect(Array.from(ops.readSync(out.value))).toEqual([1, 2, 3, 1, 2, 3]);
    const b = NetDictNetwork.fromDict(net({ max_seq_len: 10 }), { externData: extern });
    expect(b.forward(x).get('output')!.value.shape).toEqual([2, 2]);
    const c = NetDictNetwork.fromDict(net({ include_eos: true, max_seq_len: 2 }), { externData: extern });
    expect(Array.from(ops.readSync(c.forward(x).get('output')!.value))).toEqual([1, 2, 1, 2]);
  });

  it('needs a bound (max_seq_len / max_seq_len_via, not both), and an end layer or an extern time axis', () => {
    const x = { data: ops.zeros([2, 4, 2]) };
    expect(() => NetDictNetwork.fromDict(net({}), { externData: extern }).forward(x)).toThrow(/needs "max_seq_len" or "max_seq_len_via"/);
    expect(() => NetDictNetwork.fromDict({ ...net({ max_seq_len: 3, max_seq_len_via: 'm' }), m: { class: 'constant', value: 3 } }, { externData: extern })).toThrow(/both "max_seq_len" and "max_seq_len_via"/);
    const noEnd = { output: { class: 'rec', from: [], axis: LOOP, unit: { output: { class: 'copy', from: 'prev:output', n_out: 2 } } } };
    expect(() => NetDictNetwork.fromDict(noEnd, { externData: extern })).toThrow(/axis 'loop' is no extern data's time axis, and the unit has no "end" layer/);
  });
});
