// The sequence layers' net-dict classes come from their specs (@strata/core
// layers/seq): an entry's keys are RETURNN's option names, errors name the
// entry and the RETURNN key, RETURNN's defaults and spellings are honoured.
import { ops, setBackend, type Tensor } from '@strata/backend';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { Gather, type Layer, type LayerNorm, type PositionalEncoding, type PostfixInTime, type PrefixInTime, type Reduce, type SelfAttention, type Slice, type Window } from '@strata/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { lensOf } from '../test-utils/lens.js';
import '../index.js';
import { NetDictError } from '../errors.js';
import { NetDictNetwork } from './net-dict-network.js';
import { getNetDictClass } from './registry.js';
import type { NetDict } from './schema.js';

beforeAll(async () => {
  registerTfjsBackends();
  await setBackend('tfjs-cpu');
});

const ext = { data: { dim: 4, shape: [null, 4] }, classes: { dim: 6, sparse: true, shape: [null] } };
/** A net dict of one entry `l` on the data. */
const one = (entry: Record<string, unknown>): NetDict => ({ l: { from: 'data', is_output_layer: true, ...entry } }) as unknown as NetDict;
const build = (net: NetDict) => NetDictNetwork.fromDict(net, { externData: ext, seed: 1 });
const layerOf = <L extends Layer>(entry: Record<string, unknown>): L => build(one(entry)).node('l').layer as L;
const read = (t: Tensor) => Array.from(ops.readSync(t));
const batch = () => ({ data: ops.tensor(Array.from({ length: 2 * 5 * 4 }, (_, i) => Math.sin(i)), [2, 5, 4]), 'data:size1': ops.tensor([5, 3], [2], 'int32') });

/** `entry` fails to construct with NetDictError `message` (the entry, its class, then the RETURNN key's error). */
function expectEntryError(entry: Record<string, unknown>, message: string): void {
  expect(() => build(one(entry))).toThrow(NetDictError);
  expect(() => build(one(entry))).toThrow(`Net dict entry 'l' (class '${String(entry.class)}'): ${message}`);
}

describe('sequence layers: errors name the entry and the RETURNN key', () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ['window window_size', { class: 'window', window_size: 0 }, 'window_size must be a positive integer. Received: window_size=0.'],
    [
      'window sides',
      { class: 'window', window_size: 3, window_left: 3 },
      'window_left + window_right + 1 must equal window_size, both non-negative integers. Received: window_size=3, window_left=3, window_right=undefined.',
    ],
    ['window padding', { class: 'window', window_size: 3, padding: 'full' }, `padding must be one of 'same', 'valid'. Received: padding="full".`],
    ['reduce mode', { class: 'reduce', mode: 'prod', axis: 'T' }, `mode must be one of 'sum', 'mean', 'max', 'min', 'argmax', 'argmin', 'avg' (in any letter case). Received: mode="prod".`],
    ['reduce axis and axes', { class: 'reduce', mode: 'sum', axis: 'T', axes: 'F' }, 'give axis or axes, not both. Received: axis="T", axes="F".'],
    ['reduce keep_dims', { class: 'reduce', mode: 'sum', keep_dims: 1 }, 'keep_dims must be true or false. Received: keep_dims=1.'],
    ['reduce axis naming no axis', { class: 'reduce', mode: 'sum', axes: 'dim:99' }, 'axis "dim:99": 0 axes of'],
    ['reduce axis not a description', { class: 'reduce', mode: 'sum', axes: 'static' }, `axes must be 'T' or 'time', 'F' or 'feature' (in any letter case), a RETURNN axis description naming one axis ("dim:6", "stag:name", "spatial:1"), or a non-batch axis index (not 0). Received: axes="static".`],
    ['layer_norm epsilon', { class: 'layer_norm', epsilon: -1 }, 'epsilon must be a non-negative number. Received: epsilon=-1.'],
    ['positional_encoding add_to_input', { class: 'positional_encoding', add_to_input: 'yes' }, 'add_to_input must be true or false. Received: add_to_input="yes".'],
    [
      'positional_encoding without n_out',
      { class: 'positional_encoding' },
      "give n_out, the encoding's channels, or add_to_input: true to add the encoding to x. Received: n_out=undefined, add_to_input=false.",
    ],
    ['prefix_in_time repeat', { class: 'prefix_in_time', repeat: -1 }, 'repeat must be a non-negative integer. Received: repeat=-1.'],
    ['postfix_in_time postfix', { class: 'postfix_in_time', postfix: 'eos' }, 'postfix must be a number. Received: postfix="eos".'],
    ['postfix_in_time takes no prefix', { class: 'postfix_in_time', prefix: 1 }, "unknown key(s) 'prefix'"],
    ['slice slice_step', { class: 'slice', axis: 'T', slice_step: 0 }, 'slice_step must be a positive integer. Received: slice_step=0.'],
    ['slice slice_start', { class: 'slice', axis: 'T', slice_start: -1 }, 'slice_start must be a non-negative integer. Received: slice_start=-1.'],
    ['slice slice_end', { class: 'slice', axis: 'T', slice_end: 1.5 }, 'slice_end must be an integer or null. Received: slice_end=1.5.'],
    [
      'slice axis',
      { class: 'slice', axis: 'B' },
      "axis must be 'T' or 'time', 'F' or 'feature' (in any letter case), or a non-batch axis index (not 0). Received: axis=\"B\".",
    ],
    ['length axis naming no axis', { class: 'length', axis: 'dim:99' }, 'axis "dim:99": 0 axes of'],
    ['gather axis', { class: 'gather', axis: 0, position: 'data' }, "axis must be 'T' or 'time', 'F' or 'feature' (in any letter case), or a non-batch axis index (not 0). Received: axis=0."],
    ['gather without position', { class: 'gather', axis: 'T' }, 'position must be the name of a layer (or "data:<key>") giving int32 positions, or a non-negative integer. Received: position=undefined.'],
    ['gather negative position', { class: 'gather', axis: 'T', position: -1 }, 'position must be the name of a layer (or "data:<key>") giving int32 positions, or a non-negative integer. Received: position=-1.'],
    ['self_attention num_heads', { class: 'self_attention', num_heads: 0, total_key_dim: 4 }, 'num_heads must be a positive integer. Received: num_heads=0.'],
    ['self_attention heads divide', { class: 'self_attention', num_heads: 3, total_key_dim: 6, n_out: 4 }, 'num_heads must divide total_key_dim and n_out. Received: num_heads=3, total_key_dim=6, n_out=4.'],
    ['self_attention forward_weights_init', { class: 'self_attention', num_heads: 1, total_key_dim: 2, forward_weights_init: 'nope' }, 'forward_weights_init must be an initializer name'],
  ];
  for (const [name, entry, message] of cases) it(name, () => expectEntryError(entry, message));
});

describe("sequence layers: RETURNN's defaults and spellings", () => {
  it('window: padding "same" and a centred window when left out (RETURNN windowed_nd); window_left alone sets the right side', () => {
    const w = layerOf<Window>({ class: 'window', window_size: 3 });
    expect([w.padding, w.windowLeft, w.windowRight]).toEqual(['same', 1, 1]);
    expect(layerOf<Window>({ class: 'window', window_size: 4, window_left: 3 }).windowRight).toBe(0);
    const net = build(one({ class: 'window', window_size: 3 }));
    expect(net.forward(batch()).get('l')!.value.shape).toEqual([2, 5, 3, 4]);
  });

  it('reduce: mode in any case and "avg" for mean, axis or axes with "time"/"feature", "T" when neither, keep_dims false', () => {
    expect(layerOf<Reduce>({ class: 'reduce', mode: 'AVG', axes: 'time' })).toMatchObject({ mode: 'mean', axis: 'T', keepDims: false });
    expect(layerOf<Reduce>({ class: 'reduce', mode: 'Max', axis: 'Feature' })).toMatchObject({ mode: 'max', axis: 'F' });
    expect(layerOf<Reduce>({ class: 'reduce', mode: 'sum' }).axis).toBe('T');
    const net = build(one({ class: 'reduce', mode: 'avg', axes: 'T' }));
    const mean = read(net.forward(batch()).get('l')!.value);
    // The second sequence's mean is over its 3 valid frames only.
    const x = read(batch().data);
    expect(mean[4]).toBeCloseTo((x[20]! + x[24]! + x[28]!) / 3, 5);
  });

  it('layer_norm: epsilon 1e-6 (RETURNN) when left out', () => {
    expect(layerOf<LayerNorm>({ class: 'layer_norm' }).epsilon).toBe(1e-6);
  });

  it("positional_encoding: with add_to_input and no n_out the channels are x's; without add_to_input, n_out or the target's classes", () => {
    const added = layerOf<PositionalEncoding>({ class: 'positional_encoding', add_to_input: true });
    expect([added.addToInput, added.units]).toEqual([true, undefined]);
    expect(layerOf<PositionalEncoding>({ class: 'positional_encoding', n_out: 8 }).units).toBe(8);
    expect(layerOf<PositionalEncoding>({ class: 'positional_encoding', target: 'classes' }).units).toBe(6);
  });

  it('prefix_in_time / postfix_in_time: repeat 1 and value 0 when left out; repeat 0 is allowed (RETURNN asserts repeat >= 0)', () => {
    expect(layerOf<PrefixInTime>({ class: 'prefix_in_time' })).toMatchObject({ repeat: 1, prefix: 0 });
    expect(layerOf<PostfixInTime>({ class: 'postfix_in_time', repeat: 0 })).toMatchObject({ repeat: 0, postfix: 0 });
    const net = build(one({ class: 'prefix_in_time', prefix: 7 }));
    const out = net.forward(batch()).get('l')!;
    expect(read(lensOf(net, 'l'))).toEqual([6, 4]);
    expect(read(out.value).slice(0, 4)).toEqual([7, 7, 7, 7]);
  });

  it('slice: RETURNN None for slice_start and slice_step means 0 and 1; axis "time" is "T"', () => {
    expect(layerOf<Slice>({ class: 'slice', axis: 'time', slice_start: null, slice_end: null, slice_step: null })).toMatchObject({ axis: 'T', start: 0, end: null, step: 1 });
    const net = build(one({ class: 'slice', axis: 'T', slice_start: 1, slice_step: 2 }));
    net.forward(batch());
    expect(read(lensOf(net, 'l'))).toEqual([2, 1]);
  });

  it('length: int32 lengths [batch]', () => {
    const net = build(one({ class: 'length' }));
    expect(net.node('l').output.dtype).toBe('int32');
    expect(read(net.forward(batch()).get('l')!.value)).toEqual([5, 3]);
  });

  it('gather: axis in RETURNN spelling; position names the layer of positions', () => {
    const entry = { class: 'gather', axis: 'Time', position: 'pos' };
    const g = getNetDictClass('gather', 'g', entry).create({ name: 'g', entry: entry as never, sources: [], network: undefined });
    expect(g).toBeInstanceOf(Gather);
    expect((g as Gather).axis).toBe('T');
  });

  // The positions (the layer "position" names) are the layer's second input: [x, positions].
  it('gather: an entry with position constructs and gathers one frame per sequence', () => {
    const net = NetDictNetwork.fromDict(one({ class: 'gather', axis: 'T', position: 'data:pos' }), {
      externData: { data: { dim: 4, shape: [null, 4] }, pos: { dim: 5, sparse: true, shape: [] } },
    });
    expect(net.node('l').output.batchShape).toEqual([null, 4]);
    const out = net.forward({ ...batch(), pos: ops.tensor([1, 2], [2], 'int32') }).get('l')!.value;
    expect(out.shape).toEqual([2, 4]);
    // Frame 1 of sequence 0 and frame 2 of sequence 1.
    const x = read(batch().data);
    expect(read(out)).toEqual([...x.slice(4, 8), ...x.slice(20 + 8, 20 + 12)].map((v) => expect.closeTo(v, 6)));
  });

  it("self_attention: n_out from the target's classes (RETURNN), else the source's features; attention_left_only false; forward_weights_init", () => {
    expect(layerOf<SelfAttention>({ class: 'self_attention', num_heads: 2, total_key_dim: 4, target: 'classes' }).units).toBe(6);
    const att = layerOf<SelfAttention>({ class: 'self_attention', num_heads: 2, total_key_dim: 4, forward_weights_init: 'zeros' });
    expect([att.units, att.attentionLeftOnly]).toEqual([4, false]);
    expect(read(att.qkv.value).every((v) => v === 0)).toBe(true);
  });
});
