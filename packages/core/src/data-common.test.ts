// RETURNN's broadcasting by dims (Tensor.get_common_data, copy_compatible_to): the common axes of several sources and
// each source brought to them. Expected axes follow RETURNN's rules (returnn/tensor/_tensor_extra.py); the values
// follow from numpy broadcasting of the moved axes, computed here by hand.
import { ops, setBackend } from '@strata/backend';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { axesIn, broadcastToData, commonData, sameDimForBroadcast } from './data-common.js';
import { Data, Dim } from './data.js';
import { LayerArgumentError } from './errors.js';

beforeAll(async () => {
  registerTfjsBackends();
  await setBackend('tfjs-cpu');
});

const t1 = new Dim({ description: 'in1:time' });
const t2 = new Dim({ description: 'in2:time' });
const f5a = new Dim({ description: 'in1:feature', size: 5, kind: 'feature' });
const f5b = new Dim({ description: 'in2:feature', size: 5, kind: 'feature' });
const in1 = new Data({ name: 'in1', dims: [t1, f5a], dtype: 'float32' });
const in2 = new Data({ name: 'in2', dims: [t2, f5b], dtype: 'float32' });

describe('sameDimForBroadcast (RETURNN Dim.is_equal as get_common_data calls it)', () => {
  it('two dynamic dims are one axis only when they are one Dim (or derived from one)', () => {
    expect(sameDimForBroadcast(t1, t2)).toBe(false);
    expect(sameDimForBroadcast(t1, t1)).toBe(true);
    expect(sameDimForBroadcast(new Dim({ description: 'conv', derivedFrom: t1 }), t1)).toBe(true);
  });
  it('static dims of one size are one axis, feature or spatial; of other sizes not', () => {
    expect(sameDimForBroadcast(f5a, f5b)).toBe(true);
    expect(sameDimForBroadcast(f5a, new Dim({ description: 's', size: 5 }))).toBe(true);
    expect(sameDimForBroadcast(f5a, f5b, true)).toBe(false);
    expect(sameDimForBroadcast(f5a, new Dim({ description: 'g', size: 4, kind: 'feature' }))).toBe(false);
  });
});

describe('commonData (RETURNN Tensor.get_common_data)', () => {
  it('[B,T1,F] and [B,T2,F] broadcast to [B,T1,T2,F] (the new dynamic axis after the last dynamic one)', () => {
    const c = commonData([in1, in2], { name: 'out' })!;
    expect(c.dims).toEqual([t1, t2, f5a]); // the first source's feature Dim (RETURNN: the first of get_all_dimension_tags)
    expect(c.hasBatch).toBe(true);
    expect(commonData([in2, in1])!.dims).toEqual([t2, t1, f5b]);
  });
  it('a batchless static source joins the batch axis; without a feature axis ([B,T]) a new dim goes last', () => {
    const p = new Data({ name: 'p', dims: [new Dim({ description: 'p', size: 5, kind: 'feature' })], dtype: 'float32', hasBatch: false });
    expect(commonData([p, in1])!.dims.map((d) => d.description)).toEqual(['in1:time', 'p']);
    const r1 = new Data({ name: 'r1', dims: [t1], dtype: 'float32' });
    const r2 = new Data({ name: 'r2', dims: [t2], dtype: 'float32' });
    expect(commonData([r1, r2])!.dims).toEqual([t1, t2]);
  });
  it('refuses broadcasting every source when told so, or from behavior_version 4 without out_shape', () => {
    expect(() => commonData([in1, in2], { allowBroadcastAllSources: false })).toThrow(LayerArgumentError);
    expect(() => commonData([in1, in2], { behaviorVersion: 4 })).toThrow(/require broadcasting/);
    expect(commonData([in1, in2], { behaviorVersion: 4, allowBroadcastAllSources: true })!.dims.length).toBe(3);
  });
});

describe('broadcastToData (RETURNN copy_compatible_to)', () => {
  it('moves each axis to its place in the common axes with size-1 axes for the others', () => {
    const c = commonData([in1, in2])!;
    expect(axesIn(in1, c)).toEqual([0, 1, 3]);
    expect(axesIn(in2, c)).toEqual([0, 2, 3]);
    const x = ops.tensor([1, 2, 3, 4, 5, 6], [1, 2, 3]); // [B=1, T1=2, F=3]
    const srcX = new Data({ name: 'x', dims: [t1, new Dim({ description: 'f', size: 3, kind: 'feature' })], dtype: 'float32' });
    // [B, T2, T1] target: x's feature axis has no place → undefined; a [B, T1] source goes to [B, 1, T1].
    const tgt = new Data({ name: 'y', dims: [t2, t1], dtype: 'float32' });
    expect(broadcastToData(x, srcX, tgt)).toBeUndefined();
    const r = new Data({ name: 'r', dims: [t1], dtype: 'float32' });
    const y = broadcastToData(ops.tensor([7, 8], [1, 2]), r, tgt)!;
    expect(y.shape).toEqual([1, 1, 2]);
    // [B, F, T1] source to [B, T1, F]: a transpose.
    const fDim = new Dim({ description: 'f', size: 3, kind: 'feature' });
    const swapped = new Data({ name: 's', dims: [fDim, t1], dtype: 'float32' });
    const z = broadcastToData(ops.tensor([1, 2, 3, 4, 5, 6], [1, 3, 2]), swapped, new Data({ name: 'z', dims: [t1, fDim], dtype: 'float32' }))!;
    expect(z.shape).toEqual([1, 2, 3]);
    expect(Array.from(ops.readSync(z))).toEqual([1, 3, 5, 2, 4, 6]);
  });
});
