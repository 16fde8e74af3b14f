// The sequence layers' specs (one vocabulary per layer): which RETURNN keys
// each class takes, how RETURNN's spellings map to the arguments
// (argsFromEntry), that cross-argument checks name arguments in the caller's
// vocabulary, and that the registries derive from the specs.
import { describe, expect, it } from 'vitest';
import { LayerArgumentError } from '../../errors.js';
import { argsFromEntry, checkEntryArgs, type LayerSpec } from '../../layer-spec.js';
import { layerFromConfig, layerSpecsFor, netDictLayerNames, serializeLayer } from '../registry.js';
import { compareLayer } from '../compare.js';
import { reduceOutLayer } from '../reduce-out.js';
import { DotAttention, dotAttentionLayer } from './dot-attention.js';
import { gatherLayer } from './gather.js';
import { genericAttentionLayer } from './generic-attention.js';
import { layerNormLayer } from './layer-norm.js';
import { lengthLayer } from './length.js';
import { positionalEncodingLayer } from './positional-encoding.js';
import { postfixInTimeLayer } from './postfix-in-time.js';
import { prefixInTimeLayer } from './prefix-in-time.js';
import { Reduce, reduceLayer } from './reduce.js';
import { Resize, resizeLayer } from './resize.js';
import { selfAttentionLayer } from './self-attention.js';
import { reduceBatchLayer } from './reduce-batch.js';
import { sliceLayer } from './slice.js';
import { SoftmaxOverSpatial, softmaxOverSpatialLayer } from './softmax-over-spatial.js';
import { Window, windowLayer } from './window.js';

const returnnKeys = (spec: LayerSpec): string[] => Object.values(spec.options).flatMap((o) => (o.returnn ? [o.returnn] : []));
/** A net-dict entry's own keys as constructor arguments, checked as the net-dict adapter does. */
const fromEntry = (spec: LayerSpec, own: Record<string, unknown>): Record<string, unknown> => {
  const args = argsFromEntry(spec, own, '', []);
  checkEntryArgs(spec, args, '');
  return args;
};

describe('sequence layer specs', () => {
  const table: [LayerSpec, string, string[]][] = [
    [windowLayer, 'window', ['window_size', 'window_left', 'window_right', 'padding']],
    [reduceLayer, 'reduce', ['mode', 'axis', 'axes', 'keep_dims']],
    [layerNormLayer, 'layer_norm', ['epsilon']],
    [positionalEncodingLayer, 'positional_encoding', ['add_to_input', 'n_out', 'constant', 'offset']],
    [prefixInTimeLayer, 'prefix_in_time', ['repeat', 'prefix']],
    [postfixInTimeLayer, 'postfix_in_time', ['repeat', 'postfix']],
    [sliceLayer, 'slice', ['axis', 'slice_start', 'slice_end', 'slice_step']],
    [lengthLayer, 'length', ['axis', 'dtype', 'sparse']],
    [gatherLayer, 'gather', ['axis', 'position']],
    [selfAttentionLayer, 'self_attention', ['num_heads', 'total_key_dim', 'n_out', 'attention_left_only', 'forward_weights_init', 'key_shift']],
  ];
  for (const [spec, name, keys] of table) {
    it(`${name}: registered under its RETURNN name, with RETURNN's option keys`, () => {
      // reduce over the batch axis is a spec of its own (reduceBatchLayer), told apart by netDict.when.
      expect(layerSpecsFor(name)).toEqual(name === 'reduce' ? [spec, reduceBatchLayer] : [spec]);
      expect(returnnKeys(spec)).toEqual(keys);
      // Every one takes its input's lengths but gather, whose inputs are [x, positions], and length, which takes them for the time axis only.
      if (name === 'length') expect(typeof spec.netDict!.seqLens).toBe('function');
      else expect(spec.netDict!.seqLens).toBe(name === 'gather' ? undefined : true);
    });
  }

  // The layers of RETURNN's attention decoders: the references (base, weights) are inputs of their own after the source.
  const decoderTable: [LayerSpec, string, string[], { refKeys?: string[]; seqLens?: true; seqLensFrom?: string; sources: string }][] = [
    [compareLayer, 'compare', ['allow_broadcast_all_sources', 'kind', 'value'], { sources: 'list' }],
    [reduceOutLayer, 'reduce_out', ['mode', 'num_pieces'], { sources: 'concat' }],
    // seqLens: the lengths of the softmax axis, given when it is masked (checked below).
    [softmaxOverSpatialLayer, 'softmax_over_spatial', ['energy_factor', 'use_time_mask', 'axis', 'log_space'], { sources: 'concat', seqLens: expect.any(Function) }],
    [dotAttentionLayer, 'dot_attention', ['energy_factor', 'base', 'base_ctx'], { sources: 'concat', refKeys: ['base_ctx', 'base'], seqLens: true, seqLensFrom: 'base' }],
    [genericAttentionLayer, 'generic_attention', ['weights', 'base', 'auto_squeeze'], { sources: 'none', refKeys: ['weights', 'base'] }],
    [resizeLayer, 'resize', ['factor', 'axis', 'kind', 'fill_value'], { sources: 'concat', refKeys: ['factor'], seqLens: true }],
  ];
  for (const [spec, name, keys, nd] of decoderTable) {
    it(`${name}: registered under its RETURNN name, with RETURNN's option keys, its inputs ${JSON.stringify(nd)}`, () => {
      // reduce over the batch axis is a spec of its own (reduceBatchLayer), told apart by netDict.when.
      expect(layerSpecsFor(name)).toEqual(name === 'reduce' ? [spec, reduceBatchLayer] : [spec]);
      expect(returnnKeys(spec)).toEqual(keys);
      const { sources, refKeys, seqLens, seqLensFrom } = spec.netDict!;
      expect({ sources, refKeys, seqLens, seqLensFrom }).toEqual({ refKeys: undefined, seqLens: undefined, seqLensFrom: undefined, ...nd });
    });
  }

  it('DotAttention is the net dict\'s dot_attention (base_ctx the keys, base the values); its config has no net-dict references', () => {
    const att = new DotAttention({ numHeads: 2, energyFactor: 0.5, name: 'att' });
    expect(layerFromConfig(serializeLayer(att)).getConfig()).toEqual(att.getConfig());
    expect(new DotAttention({ base: 'enc', baseCtx: 'enc_ctx' }).getConfig()).not.toHaveProperty('base');
    expect(() => new DotAttention({ energyFactor: Number.POSITIVE_INFINITY })).toThrow('DotAttention: energyFactor must be a number. Received: energyFactor=Infinity.');
  });

  it("maps RETURNN's spellings and defaults to the arguments", () => {
    expect(fromEntry(reduceLayer, { mode: 'AVG', axes: 'time' })).toEqual({ mode: 'mean', axes: 'T' });
    expect(fromEntry(reduceLayer, { mode: 'Max', axis: 'feature', keep_dims: true })).toEqual({ mode: 'max', axis: 'F', keepDims: true });
    expect(fromEntry(sliceLayer, { axis: -1, slice_start: null, slice_end: null, slice_step: null })).toEqual({ axis: -1, start: 0, end: null, step: 1 });
    expect(fromEntry(windowLayer, { window_size: 5, window_left: 4 })).toEqual({ windowSize: 5, windowLeft: 4 });
    // n_out left out: null, for the spec's derive to choose (not the target's class count the adapter fills in otherwise).
    expect(fromEntry(selfAttentionLayer, { num_heads: 1, total_key_dim: 2 })).toEqual({ numHeads: 1, totalKeyDim: 2, units: null });
    expect(fromEntry(positionalEncodingLayer, { add_to_input: true })).toEqual({ addToInput: true, units: null });
  });

  it("maps RETURNN's spellings and defaults of the attention-decoder layers", () => {
    expect(fromEntry(compareLayer, { kind: '<=', value: 0 })).toEqual({ kind: 'less_equal', value: 0 });
    expect(fromEntry(compareLayer, { kind: '<>' })).toEqual({ kind: 'not_equal' });
    expect(fromEntry(reduceOutLayer, { mode: 'avg', num_pieces: 2 })).toEqual({ mode: 'mean', numPieces: 2 });
    expect(fromEntry(softmaxOverSpatialLayer, { energy_factor: null, use_time_mask: null })).toEqual({ energyFactor: 1, useTimeMask: true });
    expect(fromEntry(softmaxOverSpatialLayer, { axis: 'time', log_space: true })).toEqual({ axis: 'time', logSpace: true });
    const lens = softmaxOverSpatialLayer.netDict!.seqLens as (l: unknown) => boolean;
    expect([lens(new SoftmaxOverSpatial()), lens(new SoftmaxOverSpatial({ axis: 2, useTimeMask: false }))]).toEqual([true, false]);
    expect(fromEntry(resizeLayer, { factor: 2, axis: 'time', kind: 'nearest_neighbor' })).toEqual({ factor: 2, axis: 'T', kind: 'nn' });
    expect(fromEntry(resizeLayer, { factor: 3, axis: 'T', kind: 'fill', fill_value: 0 })).toEqual({ factor: 3, axis: 'T', kind: 'fill', fillValue: 0 });
    expect(() => fromEntry(resizeLayer, { factor: 2, kind: 'linear' })).toThrow("kind must be one of 'nn' (or 'nearest_neighbor'), 'fill' ('linear' and 'cubic' are not supported). Received: kind=\"linear\".");
    expect(() => fromEntry(resizeLayer, { factor: 2, axis: 'F' })).toThrow("axis must be 'T' (time): only the time axis is resized. Received: axis=\"F\".");
    expect(() => fromEntry(resizeLayer, { factor: 2, kind: 'fill' })).toThrow('kind \'fill\' needs fill_value, the value of the added frames. Received: kind="fill", fill_value=undefined.');
    expect(() => new Resize({ factor: 2, kind: 'fill' })).toThrow('Resize: kind \'fill\' needs fillValue, the value of the added frames. Received: kind="fill", fillValue=undefined.');
  });

  it('cross-argument checks name the arguments in each vocabulary', () => {
    expect(() => fromEntry(reduceLayer, { mode: 'sum', axis: 'T', axes: 'T' })).toThrow('give axis or axes, not both. Received: axis="T", axes="T".');
    expect(() => new Reduce({ mode: 'sum', axis: 'T', axes: 'F' })).toThrow('Reduce: give axis or axes, not both. Received: axis="T", axes="F".');
    expect(() => new Reduce({ mode: 'sum' } as never)).toThrow(LayerArgumentError);
    expect(() => new Reduce({ mode: 'sum' } as never)).toThrow("Reduce: axis must be 'T' (time), 'F' (feature) or a non-batch axis index (not 0). Received: axis=undefined.");
    expect(() => fromEntry(windowLayer, { window_size: 2, window_left: 0, window_right: 0 })).toThrow(
      'window_left + window_right + 1 must equal window_size, both non-negative integers. Received: window_size=2, window_left=0, window_right=0.',
    );
    expect(() => new Window({ windowSize: 2, windowLeft: -1 })).toThrow('Window: windowLeft must be a non-negative integer. Received: windowLeft=-1.');
    expect(() => fromEntry(selfAttentionLayer, { num_heads: 2, total_key_dim: 3, n_out: 4 })).toThrow(
      'num_heads must divide total_key_dim and n_out. Received: num_heads=2, total_key_dim=3, n_out=4.',
    );
  });

  it('Reduce takes axes as another name of axis; its config has axis', () => {
    const r = new Reduce({ mode: 'max', axes: 'F' } as never);
    expect(r.axis).toBe('F');
    const copy = layerFromConfig(JSON.parse(JSON.stringify(serializeLayer(r)))) as Reduce;
    expect([copy.axis, copy.mode, copy.keepDims]).toEqual(['F', 'max', false]);
  });
});
