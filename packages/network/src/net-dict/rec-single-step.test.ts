// A rec layer with a cell unit inside a unit runs one step per frame (an rnn_cell entry); keys it cannot honour there are errors.
import { ops, setBackend } from '@strata/backend';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { NetDictError } from '../errors.js';
import '../index.js';
import { NetDictNetwork } from './net-dict-network.js';
import { explicitSingleSteps, singleStepCells } from './rec-single-step.js';
import type { NetDict } from './schema.js';

describe('singleStepCells', () => {
  it('turns frame-wise cell recs into rnn_cell entries, dropping the keys that keep RETURNN defaults; leaves base: recs and the rest', () => {
    const unit = {
      a: { class: 'rec', unit: 'nativelstm2', n_out: 3, from: ['data:source', 'prev:output'], direction: 1, initial_state: 'zeros' },
      b: { class: 'rec', unit: 'lstm', n_out: 3, from: 'base:encoder' },
      output: { class: 'linear', n_out: 2, from: ['a', 'b'] },
    } as unknown as NetDict;
    const out = singleStepCells(unit, 'dec') as unknown as Record<string, Record<string, unknown>>;
    expect(out.a).toEqual({ class: 'rnn_cell', unit: 'nativelstm2', n_out: 3, from: ['data:source', 'prev:output'] });
    expect(out.b).toBe((unit as unknown as Record<string, unknown>).b);
    expect(out.output).toBe((unit as unknown as Record<string, unknown>).output);
    expect(singleStepCells({ output: { class: 'linear', n_out: 1 } } as unknown as NetDict, 'dec')).toEqual({ output: { class: 'linear', n_out: 1 } });
  });

  it("goes into a masked_computation's unit and a subnetwork on frames (not their base:base: layers)", () => {
    const cell = { class: 'rec', unit: 'nativelstm2', n_out: 3, from: 'data' };
    const unit = {
      m: { class: 'masked_computation', mask: 'k', from: 'data:source', unit: cell },
      s: { class: 'subnetwork', from: 'data:source', subnetwork: { l: cell, e: { ...cell, from: 'base:base:enc' }, output: { class: 'copy', from: 'l' } } },
      ms: { class: 'masked_computation', mask: 'k', unit: { class: 'subnetwork', from: 'data', subnetwork: { l: cell, output: { class: 'copy', from: 'l' } } } },
    } as unknown as NetDict;
    const out = singleStepCells(unit, 'dec') as unknown as Record<string, Record<string, Record<string, unknown>>>;
    const asCell = { ...cell, class: 'rnn_cell' };
    expect(out.m!.unit).toEqual(asCell);
    expect((out.s!.subnetwork as Record<string, unknown>).l).toEqual(asCell);
    expect((out.s!.subnetwork as Record<string, unknown>).e).toEqual({ ...cell, from: 'base:base:enc' });
    expect(((out.ms!.unit as Record<string, unknown>).subnetwork as Record<string, unknown>).l).toEqual(asCell);
    expect(() => singleStepCells({ m: { class: 'masked_computation', mask: 'k', unit: { ...cell, direction: -1 } } } as unknown as NetDict, 'dec')).toThrow(/'dec\/m\(unit\)'/);
  });

  it('passes unit_opts on to the rnn_cell (the cell\'s constructor options, as RETURNN)', () => {
    const unit = { output: { class: 'rec', unit: 'standardlstm', n_out: 2, from: 'data:source', unit_opts: { use_peepholes: true } } } as unknown as NetDict;
    expect((singleStepCells(unit, 'dec') as Record<string, Record<string, unknown>>).output).toEqual({ class: 'rnn_cell', unit: 'standardlstm', n_out: 2, from: 'data:source', unit_opts: { use_peepholes: true } });
  });

  it('refuses direction -1 and a non-zero initial_state, naming the entry', () => {
    for (const extra of [{ direction: -1 }, { initial_state: 'var' }]) {
      const unit = { output: { class: 'rec', unit: 'lstm', n_out: 2, from: 'data:source', ...extra } } as unknown as NetDict;
      expect(() => singleStepCells(unit, 'dec')).toThrow(NetDictError);
      expect(() => singleStepCells(unit, 'dec')).toThrow(/'dec\/output'/);
    }
  });
});

describe("rec's explicit single step (RETURNN: state given, or axis single_step_dim)", () => {
  beforeAll(async () => {
    registerTfjsBackends();
    await setBackend('tfjs-cpu');
  });
  const ext = { externData: { data: { dim: 3 } } };
  const red = { class: 'reduce', mode: 'mean', axis: 'T', from: 'data' };

  it('becomes an rnn_cell entry keeping state (axis dropped); other entries are unchanged', () => {
    const single = { dim: 'single-step', kind: 'spatial', size: 1, special: true };
    const dict = {
      a: { class: 'rec', unit: 'lstm', n_out: 3, from: 'red', state: { h: 'red', c: 'red' } },
      b: { class: 'rec', unit: 'lstm', n_out: 3, from: 'data', axis: single, direction: 1 },
      c: { class: 'rec', unit: 'lstm', n_out: 3, from: 'data' },
    } as unknown as NetDict;
    const out = explicitSingleSteps(dict) as unknown as Record<string, unknown>;
    expect(out.a).toEqual({ class: 'rnn_cell', unit: 'lstm', n_out: 3, from: 'red', state: { h: 'red', c: 'red' } });
    expect(out.b).toEqual({ class: 'rnn_cell', unit: 'lstm', n_out: 3, from: 'data' });
    expect(out.c).toBe((dict as unknown as Record<string, unknown>).c);
    expect(() => explicitSingleSteps({ a: { ...(dict as unknown as Record<string, object>).a, direction: -1 } } as unknown as NetDict)).toThrow(/'a' .*direction=-1 is not supported/);
  });

  it('runs one step from the state: h and c by name (swapping them changes the output); a state that does not name h and c is refused', () => {
    const cell = (state: unknown, more = {}) => ({ class: 'rec', unit: 'lstm', n_out: 3, from: 'red', state, ...more });
    const layers = { red, h: { class: 'copy', from: 'red' }, c: { class: 'activation', activation: 'tanh', from: 'red' } };
    const net = NetDictNetwork.fromDict({ ...layers, o1: cell({ h: 'h', c: 'c' }), o2: cell({ h: 'c', c: 'h' }, { reuse_params: 'o1' }), output: cell({ c: 'c', h: 'h' }, { reuse_params: 'o1' }), o1o: { class: 'copy', from: 'o1', is_output_layer: true }, o2o: { class: 'copy', from: 'o2', is_output_layer: true } } as unknown as NetDict, ext);
    const x = ops.tensor(Float32Array.from({ length: 2 * 4 * 3 }, (_, i) => Math.sin(i)), [2, 4, 3]);
    const outs = net.forward({ data: x });
    const y = (k: string) => Array.from(ops.readSync(outs.get(k)!.value));
    expect(y('o1')).toHaveLength(6);
    expect(y('output')).toEqual(y('o1'));
    expect(y('o2')).not.toEqual(y('o1'));
    const run = (state: unknown) => NetDictNetwork.fromDict({ ...layers, output: cell(state) } as unknown as NetDict, ext).forward({ data: x });
    expect(() => run('h')).toThrow(/names one layer, but the cell has 2 state parts/);
    expect(() => run({ h: 'h' })).toThrow(/must give the cell's state parts "h", "c"/);
  });
});
