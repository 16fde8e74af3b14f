// A rec layer with a cell unit inside a unit runs one step per frame (an rnn_cell entry); keys it cannot honour there are errors.
import { setBackend } from '@strata/backend';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { NetDictError } from '../errors.js';
import '../index.js';
import { NetDictNetwork } from './net-dict-network.js';
import { singleStepCells } from './rec-single-step.js';
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

describe("rec's state key (RETURNN: the explicit previous state of a single step)", () => {
  beforeAll(async () => {
    registerTfjsBackends();
    await setBackend('tfjs-cpu');
  });

  it('is refused with why, naming the key', () => {
    const net = {
      red: { class: 'reduce', mode: 'mean', axis: 'T', from: 'data' },
      output: { class: 'rec', unit: 'lstm', n_out: 3, from: 'red', state: { h: 'red', c: 'red' } },
    } as unknown as NetDict;
    expect(() => NetDictNetwork.fromDict(net, { externData: { data: { dim: 3 } } })).toThrow(/state is the explicit previous state of a single step/);
  });
});
