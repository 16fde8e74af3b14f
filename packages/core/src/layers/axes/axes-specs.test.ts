// The specs of RETURNN's axis-wise classes, transposed_conv and
// relative_positional_encoding: RETURNN keys map to arguments, unknown and
// refused keys are errors naming the key, cross-argument checks, axis
// descriptions, output lengths (closed forms of RETURNN's rules) and the
// Dims that carry new lengths.
import { ops } from '@strata/backend';
import { beforeAll, describe, expect, it } from 'vitest';
import { Data } from '../../data.js';
import { InputShapeError, LayerArgumentError } from '../../errors.js';
import { INFERENCE } from '../../layer.js';
import { argsFromEntry, checkEntryArgs, type LayerSpec } from '../../layer-spec.js';
import { expectClose, randomTensor, useBackend } from '../../test-utils/setup.js';
import { layerSpecsFor } from '../registry.js';
import { reduceLayer } from '../seq/reduce.js';
import { relativePositionalEncodingLayer } from '../seq/relative-positional-encoding.js';
import { TransposedConv, transposedConvLayer, transposedConvLength } from '../transposed-conv.js';
import { combineDimsLayer } from './combine-dims.js';
import { Dot, dotLayer } from './dot.js';
import { FlattenBatch, flattenBatchLayer } from './flatten-batch.js';
import { Norm, normLayer } from './norm.js';
import { ReinterpretData, reinterpretDataLayer } from './reinterpret-data.js';
import { returnnAxes } from './returnn-axes.js';
import { scatterNdLayer } from './scatter-nd.js';
import { SeqLenMask, seqLenMaskLayer } from './seq-len-mask.js';
import { sliceNdLayer } from './slice-nd.js';
import { UnflattenNd, unflattenNdLayer } from './unflatten-nd.js';

const fromEntry = (spec: LayerSpec, own: Record<string, unknown>): Record<string, unknown> => {
  const args = argsFromEntry(spec, own, '', []);
  checkEntryArgs(spec, args, '');
  return args;
};

beforeAll(() => useBackend('tfjs-cpu'));

describe('net-dict class names', () => {
  it.each([
    ['dot', dotLayer], ['norm', normLayer], ['seq_len_mask', seqLenMaskLayer], ['combine_dims', combineDimsLayer], ['flatten_batch', flattenBatchLayer],
    ['reinterpret_data', reinterpretDataLayer], ['transposed_conv', transposedConvLayer], ['slice_nd', sliceNdLayer], ['scatter_nd', scatterNdLayer],
    ['unflatten_nd', unflattenNdLayer], ['relative_positional_encoding', relativePositionalEncodingLayer],
  ] as const)('%s is registered', (name, spec) => expect(layerSpecsFor(name)).toEqual([spec]));
});

describe('keys', () => {
  it('unknown keys are errors naming the key', () => {
    for (const spec of [dotLayer, normLayer, seqLenMaskLayer, flattenBatchLayer, transposedConvLayer, sliceNdLayer, unflattenNdLayer]) {
      expect(() => argsFromEntry(spec, { not_a_key: 1 }, '', [])).toThrow(/unknown key\(s\) 'not_a_key'/);
    }
    expect(() => argsFromEntry(seqLenMaskLayer, { mask_value: 0, window_start: 'w' }, '', [])).toThrow(/'window_start'/);
  });
  it('reinterpret_data: the options Strata reads map, the others are errors naming the key', () => {
    expect(fromEntry(reinterpretDataLayer, { set_sparse: true, set_sparse_dim: 5, enforce_batch_major: true, size_base: 'data' })).toMatchObject({ setSparse: true, setSparseDim: 5, enforceBatchMajor: true });
    for (const key of ['switch_axes', 'set_axes', 'enforce_time_major', 'batch_dim_base']) {
      expect(() => fromEntry(reinterpretDataLayer, { [key]: key === 'enforce_time_major' ? true : 'x' })).toThrow(new RegExp(`${key}.*not supported by Strata.*remove ${key}`));
    }
    expect(() => fromEntry(reinterpretDataLayer, { set_dim_tags: 'x' })).toThrow(/set_dim_tags must map axis descriptions/);
  });
  it('reinterpret_data set_dim_tags: the axis gets the new Dim, of the same size, reading the old axis\' lengths', () => {
    const d = Data.fromConfig('data', { shape: [null, 5] });
    const newTime = { dim: 'new-time', kind: 'spatial', size: null } as const;
    const layer = new ReinterpretData(fromEntry(reinterpretDataLayer, { set_dim_tags: { T: newTime } }) as never);
    const out = layer.outputTemplate('k', d);
    expect(out.dims[0]!.description).toBe('new-time');
    expect(out.dims[0]).not.toBe(d.dims[0]);
    expect(out.dims[1]).toBe(d.dims[1]);
    const lens = ops.tensor(Int32Array.of(3, 1), [2], 'int32');
    d.dims[0]!.dynSize = lens;
    expect(out.dims[0]!.dynSize).toBe(lens);
    const bad = (tags: unknown) => () => new ReinterpretData(fromEntry(reinterpretDataLayer, { set_dim_tags: tags }) as never).outputTemplate('k', d);
    expect(bad({ F: { dim: 'f2', kind: 'feature', size: 4 } })).toThrow(/set_dim_tags\["F"\]: Dim 'f2' has size 4, but the axis data:feature has size 5/);
    expect(bad({ B: newTime })).toThrow(/set_dim_tags\["B"\]: the batch axis/);
  });
  it('dot: red1/red2 or reduce, and var1/var2 (null for none) are required', () => {
    expect(fromEntry(dotLayer, { reduce: 'F', var1: 'T', var2: null })).toMatchObject({ reduce: 'F', var1: 'T', var2: null });
    expect(() => fromEntry(dotLayer, { red1: 'F', var1: 'T', var2: 'T' })).toThrow(/give the reduced axes: red1 and red2/);
    expect(() => fromEntry(dotLayer, { reduce: 'F', red1: 'F', var1: 'T', var2: 'T' })).toThrow(/give reduce or red1\/red2, not both/);
    expect(() => fromEntry(dotLayer, { red1: 'F', red2: 'F', var1: 'T' })).toThrow(/var2 is required/);
    expect(() => fromEntry(dotLayer, { red1: -1, red2: 'F', var1: 'T', var2: 'T' })).toThrow(/red1 must be a RETURNN axis description/);
  });
  it('norm: exactly one of axes and axis', () => {
    expect(() => fromEntry(normLayer, { axes: 'F', axis: 'F' })).toThrow(/give exactly one of axes and axis/);
    expect(() => fromEntry(normLayer, {})).toThrow(/give exactly one of axes and axis/);
  });
  it('transposed_conv: RETURNN spellings, refused keys, strides of the filter rank', () => {
    expect(fromEntry(transposedConvLayer, { n_out: 3, filter_size: [3], padding: 'VALID' })).toMatchObject({ filters: 3, padding: 'valid', useTimeMask: false });
    expect(fromEntry(transposedConvLayer, { n_out: 3, filter_size: [3], in_spatial_dims: ['T'] })).toMatchObject({ inSpatialDims: ['T'] });
    // out_spatial_dims reaches the layer only as the data a known Dim was resolved to (a net dict reads RETURNN's Dims).
    expect(() => fromEntry(transposedConvLayer, { n_out: 3, filter_size: [3], out_spatial_dims: ['T'] })).toThrow(/out_spatial_dims must name the layer or data holding the output axis/);
    expect(fromEntry(transposedConvLayer, { n_out: 3, filter_size: [3], out_spatial_dims: 'data:data' })).toMatchObject({ outSpatialDims: 'data:data' });
    expect(() => new TransposedConv({ filters: 2, filterSize: [2, 2], outSpatialDims: 'data:data' })).toThrow(/for 1-D transposed_conv without remove_padding only/);
    expect(() => new TransposedConv({ filters: 2, filterSize: [3], removePadding: 1, outSpatialDims: 'data:data' })).toThrow(/Received: filter_size=\[3\], remove_padding=1/);
    expect(() => new TransposedConv({ filters: 2, filterSize: [3], strides: [2, 2] })).toThrow(/strides must have 1 entries/);
  });
  it('reduce takes argmax/argmin in any case', () => {
    expect(fromEntry(reduceLayer, { mode: 'ArgMax', axis: 'F' })).toMatchObject({ mode: 'argmax', axis: 'F' });
  });
  it('slice_nd: a layer name for start becomes an input, an int the fixed start', () => {
    expect(fromEntry(sliceNdLayer, { start: 'pos', size: 3 }).start).toBeUndefined();
    expect(fromEntry(sliceNdLayer, { start: 2, size: 3 }).start).toBe(2);
    expect(() => fromEntry(sliceNdLayer, { start: 'pos' })).toThrow(/size is required/);
  });
});

describe('axes', () => {
  it('RETURNN descriptions on a batch-major shape', () => {
    const shape = [null, null, 4, 3];
    expect(returnnAxes('T', shape, 'l')).toEqual([1]);
    expect(returnnAxes('F', shape, 'l')).toEqual([3]);
    expect(returnnAxes('TF', shape, 'l')).toEqual([1, 3]);
    expect(returnnAxes('dim:4', shape, 'l')).toEqual([2]);
    expect(returnnAxes(['F', 'dim:4'], shape, 'l')).toEqual([3, 2]);
    expect(returnnAxes('except_batch', shape, 'l')).toEqual([1, 2, 3]);
    expect(returnnAxes(null, shape, 'l')).toEqual([]);
    expect(() => returnnAxes('dim:7', shape, 'l')).toThrow(LayerArgumentError);
  });
  it('dot keeps the sources own Dims in its template (both time axes of [B,T,T])', () => {
    const a = Data.fromConfig('a', { shape: [null, 4] });
    const dot = new Dot({ red1: 'F', red2: 'F', var1: 'T', var2: 'T' });
    const out = dot.outputTemplate('o', a, a);
    expect(out.dims).toEqual([a.timeDim, a.timeDim]);
    expect(dot.computeOutputShape([a.batchShape, a.batchShape])).toEqual([null, null, null]);
  });
  it("dot add_var2_if_empty: RETURNN's default before behavior_version 3 (a size-1 feature axis without var2), refused from 3", () => {
    expect(argsFromEntry(dotLayer, { reduce: 'F', var1: null, var2: null }, '', [], 0)).toMatchObject({ addVar2IfEmpty: true });
    expect(argsFromEntry(dotLayer, { reduce: 'F', var1: null, var2: null }, '', [], 3)).toMatchObject({ addVar2IfEmpty: false });
    const a = Data.fromConfig('a', { shape: [null, 4] });
    const dot = new Dot({ red1: 'F', red2: 'F', var1: null, var2: null, addVar2IfEmpty: true });
    expect(dot.computeOutputShape([a.batchShape, a.batchShape])).toEqual([null, null, 1]);
    expect(dot.outputTemplate('o', a, a).dims.map((d) => [d.size, d.kind])).toEqual([[null, 'spatial'], [1, 'feature']]);
    const derive = dotLayer.netDict!.derive!;
    expect(() => derive({ behaviorVersion: 3, entry: { add_var2_if_empty: true } } as never, {})).toThrow(/add_var2_if_empty is not allowed from behavior_version 3/);
    expect(derive({ behaviorVersion: 2, entry: { add_var2_if_empty: true } } as never, {})).toEqual({});
  });
  it("dot pairs the remaining axes by their Dims, as RETURNN does; remaining axes of other sizes in order are an error", () => {
    const a = Data.fromConfig('a', { shape: [2, 3, 4] });
    const b = a.copy({ name: 'b', dims: [a.dims[1]!, a.dims[0]!, a.dims[2]!] });
    const args = { red1: 'F', red2: 'F', var1: null, var2: null } as const;
    expect(new Dot(args).remPairing(a, b)).toEqual([0, 2, 1]);
    const paired = new Dot({ ...args, pairedRemB: [0, 2, 1] });
    expect(paired.computeOutputShape([a.batchShape, b.batchShape])).toEqual([null, 2, 3]);
    const x = randomTensor([2, 2, 3, 4], 7);
    const y = ops.transpose(x, [0, 2, 1, 3]);
    // out[n, i, j] = sum_f x[n, i, j, f] * y[n, j, i, f] = sum_f x[n, i, j, f]^2
    expectClose(ops.readSync(paired.apply([x, y], INFERENCE)), ops.readSync(ops.sum(ops.square(x), [3])), 1e-5);
    expect(() => new Dot(args).computeOutputShape([a.batchShape, b.batchShape])).toThrow(/remaining axes must pair up with the same sizes/);
  });
  it('norm: param_shape must name static axes', () => {
    expect(() => new Norm({ axes: 'F', paramShape: 'T' }).build([null, null, 3])).toThrow(InputShapeError);
  });
  it('seq_len_mask and flatten_batch work on the time axis only', () => {
    expect(() => new SeqLenMask({ maskValue: 0, axis: 'F' }).computeOutputShape([null, null, 3])).toThrow(/must be the time axis/);
    expect(() => new FlattenBatch({ axis: 'F' }).computeOutputShape([null, null, 3])).toThrow(/must be the time axis/);
  });
});

describe('lengths', () => {
  it("transposed_conv lengths follow RETURNN's calc_transposed_conv_out_length", () => {
    // same: n * s; valid: n * s + max(k - s, 0); with output_padding: n * s + k - s - 2 * pad + p.
    expect(transposedConvLength(5, 3, 2, 'same', null)).toBe(10);
    expect(transposedConvLength(5, 3, 2, 'valid', null)).toBe(11);
    expect(transposedConvLength(5, 2, 3, 'valid', null)).toBe(15);
    expect(transposedConvLength(5, 3, 2, 'same', 1)).toBe(10);
    expect(transposedConvLength(5, 3, 2, 'valid', 0)).toBe(11);
    const layer = new TransposedConv({ filters: 2, filterSize: [4], strides: [2], removePadding: 1 });
    expect(Array.from(ops.readSync(layer.outputSeqLens(ops.tensor(Int32Array.from([7, 0, 3]), [3], 'int32'))))).toEqual([12, 0, 4]);
    expect(layer.computeOutputShape([null, 7, 3])).toEqual([null, 12, 2]);
  });
  it('transposed_conv to the length of a reference: TF conv2d_transpose accepts only lengths whose convolution gives the input length', () => {
    const x = ops.zeros([1, 4, 2]);
    const same = new TransposedConv({ filters: 2, filterSize: [2], outSpatialDims: 'data:data' });
    // same, stride 2, 4 input frames: 7 or 8 output frames (ceil(L / 2) = 4).
    expect(same.apply([x, ops.zeros([1, 7])]).shape).toEqual([1, 7, 2]);
    expect(same.apply([x, ops.zeros([1, 8])]).shape).toEqual([1, 8, 2]);
    expect(() => same.apply([x, ops.zeros([1, 9])])).toThrow(/out_spatial_dims gives 9 output frames, but a same convolution \(filter 2, stride 2\) of 9 frames has 5, not the input's 4 frames/);
    expect(same.computeOutputShape([[null, 4, 2], [null, null]])).toEqual([null, null, 2]);
    // valid, k 2, stride 2: floor((L - 2) / 2) + 1 = 4 for L = 8, 9.
    const valid = new TransposedConv({ filters: 2, filterSize: [2], padding: 'valid', outSpatialDims: 'data:data' });
    expect(valid.apply([x, ops.zeros([1, 9])]).shape).toEqual([1, 9, 2]);
    expect(() => valid.apply([x, ops.zeros([1, 7])])).toThrow(/of 7 frames has 3, not the input's 4 frames/);
  });
  it("unflatten_nd's new Dims carry the sizes of the last call", () => {
    const layer = new UnflattenNd({ numAxes: 2 });
    const data = Data.fromConfig('data', { shape: [null, 2] });
    const out = layer.outputTemplate('o', data);
    const x = ops.tensor(new Float32Array(2 * 6 * 2), [2, 6, 2]);
    const y = layer.apply([x, ops.tensor(Int32Array.from([2, 3, 1, 2]), [2, 2], 'int32')], INFERENCE);
    expect(y.shape).toEqual([2, 2, 3, 2]);
    expect(out.dims.slice(0, 2).map((d) => Array.from(ops.readSync(d.dynSize!)))).toEqual([[2, 1], [3, 2]]);
    expect(out.timeDim).toBe(out.dims[0]);
  });
});
