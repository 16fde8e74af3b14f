// The layers of RETURNN's attention decoders (compare, softmax_over_spatial,
// dot_attention, generic_attention, reduce_out) and resize are layers of
// @strata/core whose net-dict classes come from their specs: an entry's keys
// are RETURNN's option names, errors name the entry and the RETURNN key, the
// layers a class key names (base, base_ctx, weights) are inputs of their own.
import { ops, setBackend, type Tensor } from '@strata/backend';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { Compare, DotAttention, GenericAttention, type Layer, ReduceOut, Resize, SoftmaxOverSpatial } from '@strata/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { lensOf } from '../test-utils/lens.js';
import '../index.js';
import { NetDictError } from '../errors.js';
import { NetDictNetwork } from './net-dict-network.js';
import type { NetDict } from './schema.js';

beforeAll(async () => {
  registerTfjsBackends();
  await setBackend('tfjs-cpu');
});

const ext = { data: { dim: 4, shape: [null, 4] }, classes: { dim: 6, sparse: true, shape: [null] }, q: { dim: 4, shape: [4] } };
/** A net dict of `layers` plus an entry `l` (the output). */
const net = (entry: Record<string, unknown>, layers: Record<string, unknown> = {}): NetDict => ({ ...layers, l: { from: 'data', is_output_layer: true, ...entry } }) as unknown as NetDict;
const build = (dict: NetDict) => NetDictNetwork.fromDict(dict, { externData: ext, seed: 1 });
const layerOf = <L extends Layer>(entry: Record<string, unknown>, layers?: Record<string, unknown>): L => build(net(entry, layers)).node('l').layer as L;
const read = (t: Tensor) => Array.from(ops.readSync(t));
const x = Array.from({ length: 2 * 5 * 4 }, (_, i) => Math.sin(i * 0.7));
const batch = () => ({
  data: ops.tensor(x, [2, 5, 4]),
  'data:size1': ops.tensor([5, 3], [2], 'int32'),
  classes: ops.tensor([1, 2, 2, 0, 5, 2, 3, 2, 0, 0], [2, 5], 'int32'),
  'classes:size1': ops.tensor([5, 3], [2], 'int32'),
  q: ops.tensor([0.5, -1, 0.25, 2, 1, 0, -0.5, 0.75], [2, 4]),
});
/** Frame `t` of sequence `b` of the data. */
const frame = (b: number, t: number) => x.slice((b * 5 + t) * 4, (b * 5 + t + 1) * 4);

/** `entry` fails to construct with NetDictError `message` (the entry, its class, then the RETURNN key's error). */
function expectEntryError(entry: Record<string, unknown>, message: string, layers?: Record<string, unknown>): void {
  expect(() => build(net(entry, layers))).toThrow(NetDictError);
  expect(() => build(net(entry, layers))).toThrow(`Net dict entry 'l' (class '${String(entry.class)}'): ${message}`);
}

const energies = { e: { class: 'linear', activation: null, n_out: 1, from: 'data' } };

describe('attention-decoder layers and resize: errors name the entry and the RETURNN key', () => {
  const cases: [string, Record<string, unknown>, string, Record<string, unknown>?][] = [
    [
      'compare kind',
      { class: 'compare', kind: 'same', value: 0 },
      `kind must be one of 'equal', 'not_equal', 'less', 'less_equal', 'greater', 'greater_equal', '==', '!=', '<>', '<', '<=', '>', '>='. Received: kind="same".`,
    ],
    ['compare value', { class: 'compare', value: 'eos' }, 'value must be a finite number or null. Received: value="eos".'],
    ['compare one source without a value', { class: 'compare' }, "Compare 'l' without a value compares its inputs with each other and needs at least 2 inputs."],
    ['reduce_out mode', { class: 'reduce_out', mode: 'min', num_pieces: 2 }, `mode must be one of 'max', 'sum', 'mean', 'avg'. Received: mode="min".`],
    ['reduce_out num_pieces', { class: 'reduce_out', mode: 'max', num_pieces: 0 }, 'num_pieces must be a positive integer. Received: num_pieces=0.'],
    ['reduce_out without num_pieces', { class: 'reduce_out', mode: 'max' }, 'num_pieces is required. Received: no num_pieces.'],
    ['reduce_out num_pieces divides', { class: 'reduce_out', mode: 'max', num_pieces: 3 }, 'num_pieces must divide the features of the input (4). Received: num_pieces=3.'],
    ['softmax_over_spatial energy_factor', { class: 'softmax_over_spatial', energy_factor: '2' }, 'energy_factor must be a number. Received: energy_factor="2".'],
    ['softmax_over_spatial use_time_mask', { class: 'softmax_over_spatial', use_time_mask: 1 }, 'use_time_mask must be true, false or null. Received: use_time_mask=1.'],
    [
      'softmax_over_spatial masks only the time axis',
      { class: 'softmax_over_spatial', axis: 'F', use_time_mask: true },
      'axis "F" of Data{\'data\', [B,data:time:?,data:feature:4], float32} is static; Strata masks only the time axis with its lengths. Received: axis="F", use_time_mask=true.',
    ],
    ['dot_attention without base_ctx', { class: 'dot_attention', from: 'data:q', base: 'data' }, 'base_ctx must be the name of a layer (e.g. "base:encoder" in a rec unit). Received: base_ctx=undefined.'],
    ['dot_attention base', { class: 'dot_attention', from: 'data:q', base: 3, base_ctx: 'data' }, 'base must be the name of a layer (e.g. "base:encoder" in a rec unit). Received: base=3.'],
    ['dot_attention energy_factor', { class: 'dot_attention', from: 'data:q', base: 'data', base_ctx: 'data', energy_factor: 'x' }, 'energy_factor must be a number. Received: energy_factor="x".'],
    ['dot_attention n_out', { class: 'dot_attention', from: 'data:q', base: 'data', base_ctx: 'data', n_out: 3 }, "n_out must equal the features of base 'data' (4), the attention's output. Received: n_out=3."],
    [
      'generic_attention without weights',
      { class: 'generic_attention', base: 'data' },
      'weights must be the name of a layer (e.g. "att_weights", or "base:encoder" in a rec unit). Received: weights=undefined.',
    ],
    ['generic_attention n_out', { class: 'generic_attention', weights: 'e', base: 'data', n_out: 8 }, "n_out must equal the features of base 'data' (4), the attention's output. Received: n_out=8.", energies],
    ['resize factor', { class: 'resize', factor: 0, axis: 'T' }, 'factor must be a positive number. Received: factor=0.'],
    ['resize fill with a fraction', { class: 'resize', factor: 1.5, axis: 'T', kind: 'fill', fill_value: 0 }, "kind 'fill' needs an integer factor (RETURNN asserts isinstance(factor, int)). Received: factor=1.5."],
    ['resize without factor', { class: 'resize', axis: 'T' }, 'factor is required. Received: no factor.'],
    ['resize axis', { class: 'resize', factor: 2, axis: 'F' }, `axis must be 'T' (time): only the time axis is resized. Received: axis="F".`],
    ['resize kind', { class: 'resize', factor: 2, axis: 'T', kind: 'linear' }, `kind must be one of 'nn' (or 'nearest_neighbor'), 'fill' ('linear' and 'cubic' are not supported). Received: kind="linear".`],
    ['resize fill_value', { class: 'resize', factor: 2, axis: 'T', kind: 'fill', fill_value: 'pad' }, 'fill_value must be a number. Received: fill_value="pad".'],
  ];
  for (const [name, entry, message, layers] of cases) it(name, () => expectEntryError(entry, message, layers));
});

describe("attention-decoder layers and resize: RETURNN's keys in net dicts", () => {
  it('compare: kind in RETURNN spelling, value; a bool output with the sparse source\'s axes (its time Dim), not sparse', () => {
    const n = build(net({ class: 'compare', from: 'data:classes', kind: '!=', value: 2 }));
    expect(n.node('l').layer).toBeInstanceOf(Compare);
    const out = n.node('l').output;
    expect([out.dtype, out.sparse, out.timeDim]).toEqual(['bool', false, n.externData.getData('classes').timeDim]);
    expect(read(n.forward(batch()).get('l')!.value)).toEqual([1, 0, 0, 1, 1, 0, 1, 0, 1, 1]);
    // Two sources are compared with each other (RETURNN's chain), value null: none.
    const chain = build(net({ class: 'compare', from: ['data', 'data'], kind: '>=', value: null }));
    expect(read(chain.forward(batch()).get('l')!.value).every((v) => v === 1)).toBe(true);
  });

  it('softmax_over_spatial: over the valid frames of each sequence, padded frames 0; energy_factor scales; use_time_mask false counts every frame', () => {
    const att = layerOf<SoftmaxOverSpatial>({ class: 'softmax_over_spatial', energy_factor: 2 });
    expect([att.energyFactor, att.useTimeMask]).toEqual([2, true]);
    const n = build(net({ class: 'softmax_over_spatial', energy_factor: 2 }));
    expect(n.node('l').output.timeDim).toBe(n.externData.getData('data').timeDim);
    const w = read(n.forward(batch()).get('l')!.value);
    // Sequence 1, feature 0: frames 0..2 valid.
    const e = [0, 1, 2].map((t) => Math.exp(2 * frame(1, t)[0]!));
    const total = e.reduce((a, b) => a + b, 0);
    [0, 1, 2].forEach((t) => expect(w[(5 + t) * 4]).toBeCloseTo(e[t]! / total, 5));
    expect([w[(5 + 3) * 4], w[(5 + 4) * 4]]).toEqual([0, 0]);
    const unmasked = read(build(net({ class: 'softmax_over_spatial', use_time_mask: false })).forward(batch()).get('l')!.value);
    expect(unmasked[(5 + 4) * 4]).toBeGreaterThan(0);
  });

  it('reduce_out: mode "avg" and num_pieces; the output keeps the source\'s time Dim', () => {
    const r = layerOf<ReduceOut>({ class: 'reduce_out', mode: 'avg', num_pieces: 2 });
    expect([r.mode, r.numPieces]).toEqual(['mean', 2]);
    const n = build(net({ class: 'reduce_out', mode: 'max', num_pieces: 2 }));
    expect(n.node('l').output.batchShape).toEqual([null, null, 2]);
    expect(n.node('l').output.timeDim).toBe(n.externData.getData('data').timeDim);
    const y = read(n.forward(batch()).get('l')!.value);
    const f = frame(0, 1);
    expect([y[2], y[3]]).toEqual([Math.max(f[0]!, f[1]!), Math.max(f[2]!, f[3]!)].map((v) => expect.closeTo(v, 6)));
  });

  it('dot_attention: the source is the query, base_ctx the keys, base the values, masked by base\'s lengths', () => {
    const layers = { vals: { class: 'linear', activation: null, n_out: 3, from: 'data' } };
    const n = build(net({ class: 'dot_attention', from: 'data:q', base: 'vals', base_ctx: 'data', energy_factor: 0.5, n_out: 3 }, layers));
    const att = n.node('l').layer as DotAttention;
    expect(att).toBeInstanceOf(DotAttention);
    expect(att.energyFactor).toBe(0.5);
    expect(n.node('l').output.batchShape).toEqual([null, 3]);
    const outs = n.forward(batch());
    const got = read(outs.get('l')!.value);
    const v = read(outs.get('vals')!.value);
    const q = read(batch().q);
    for (const [b, len] of [[0, 5], [1, 3]] as const) {
      const energy = Array.from({ length: len }, (_, t) => 0.5 * frame(b, t).reduce((s, k, i) => s + k * q[b * 4 + i]!, 0));
      const m = Math.max(...energy);
      const p = energy.map((e) => Math.exp(e - m));
      const z = p.reduce((a, c) => a + c, 0);
      for (let j = 0; j < 3; j++) {
        const want = p.reduce((s, pt, t) => s + (pt / z) * v[(b * 5 + t) * 3 + j]!, 0);
        expect(got[b * 3 + j]).toBeCloseTo(want, 5);
      }
    }
  });

  it('generic_attention: weights and base name layers (no from); the weighted sum over time', () => {
    const layers = { ...energies, w: { class: 'softmax_over_spatial', from: 'e' } };
    const n = build(net({ class: 'generic_attention', weights: 'w', base: 'data', n_out: 4, from: undefined }, layers));
    expect(n.node('l').layer).toBeInstanceOf(GenericAttention);
    expect(n.node('l').output.batchShape).toEqual([null, 4]);
    const outs = n.forward(batch());
    const w = read(outs.get('w')!.value);
    const got = read(outs.get('l')!.value);
    for (let j = 0; j < 4; j++) expect(got[4 + j]).toBeCloseTo([0, 1, 2].reduce((s, t) => s + w[5 + t]! * frame(1, t)[j]!, 0), 5);
  });

  it('resize: factor, axis "time", kind "nn"/"nearest_neighbor" or "fill" with fill_value; an output time Dim of its own, lengths times factor', () => {
    expect(layerOf<Resize>({ class: 'resize', factor: 2, axis: 'time', kind: 'nearest_neighbor' })).toMatchObject({ factor: 2, axis: 'T', kind: 'nn' });
    const n = build(net({ class: 'resize', factor: 2, axis: 'T' }));
    expect(n.node('l').output.timeDim).not.toBe(n.externData.getData('data').timeDim);
    const y = read(n.forward(batch()).get('l')!.value);
    expect(read(lensOf(n, 'l'))).toEqual([10, 6]);
    expect(y.slice(0, 8)).toEqual([...frame(0, 0), ...frame(0, 0)].map((v) => expect.closeTo(v, 6)));
    const filled = build(net({ class: 'resize', factor: 3, axis: 'T', kind: 'fill', fill_value: -1 }));
    const f = read(filled.forward(batch()).get('l')!.value);
    expect(f.slice(0, 12)).toEqual([...frame(0, 0), -1, -1, -1, -1, -1, -1, -1, -1].map((v) => expect.closeTo(v, 6)));
    expect(read(lensOf(filled, 'l'))).toEqual([15, 9]);
  });

  it('resize: kind "fill" without fill_value is an error, as in RETURNN (repeated frames are kind "nn")', () => {
    expect(() => layerOf<Resize>({ class: 'resize', factor: 2, axis: 'T', kind: 'fill' })).toThrow(
      `Net dict entry 'l' (class 'resize'): kind 'fill' needs fill_value, the value of the added frames. Received: kind="fill", fill_value=undefined.`,
    );
  });
});
