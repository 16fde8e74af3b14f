// Data.fromConfig checks the types and ranges of an extern_data entry before
// reading it (fuzz finding #8: {"shape": "T"} gave "shape.map is not a function").
import { describe, expect, it } from 'vitest';
import { Data } from './data.js';
import { LayerArgumentError } from './errors.js';

const from = (c: unknown) => () => Data.fromConfig('data', c as never);

describe('Data.fromConfig input checks', () => {
  it('a valid entry still gives its Data', () => {
    expect(Data.fromConfig('data', { shape: [null, 40] }).shape).toEqual([null, 40]);
    expect(Data.fromConfig('classes', { shape: [], dim: 5, sparse: true }).dim).toBe(5);
    const tags = Data.fromConfig('x', { dim_tags: [{ kind: 'batch' }, { description: 'time' }, { dimension: 3, kind: 'feature' }] });
    expect(tags.shape).toEqual([null, 3]);
  });

  it("dim_tags with sparse: true and dim (no sparse_dim) is sparse with a class axis of size dim, as RETURNN's Tensor makes one", () => {
    const labels = Data.fromConfig('data', { dim_tags: [{ kind: 'batch' }, { description: 'time' }], sparse: true, dim: 20 });
    expect([labels.sparse, labels.dim, labels.dtype, labels.shape, labels.sparseDim?.description]).toEqual([true, 20, 'int32', [null], 'data:sparse-dim']);
    const mask = Data.fromConfig('mask', { dim_tags: [{ kind: 'batch' }, { description: 'time' }], sparse: true, dim: 2, dtype: 'bool' });
    expect([mask.sparse, mask.dim, mask.dtype]).toEqual([true, 2, 'bool']);
    expect(() => Data.fromConfig('data', { dim_tags: [{ kind: 'batch' }, { description: 'time' }], sparse: true })).toThrow(/sparse data needs "dim"/);
  });

  it('names the entry, the field and the value for each wrong type or range', () => {
    expect(from({ shape: 'T' })).toThrow(LayerArgumentError);
    expect(from({ shape: 'T' })).toThrow(`extern_data 'data': shape must be a list of positive integers or null (dynamic axes), e.g. [null, 40]. Received: shape="T".`);
    expect(from({ shape: [0] })).toThrow(/shape must be .* Received: shape=\[0\]/);
    expect(from({ shape: [null, 1.5] })).toThrow(/Received: shape=\[null,1\.5\]/);
    expect(from(null)).toThrow(`extern_data 'data': the entry must be an object like {"shape": [10]} or {"shape": [null, 40]}. Received: the entry=null.`);
    expect(from([3])).toThrow(/the entry must be an object/);
    expect(from({ dim: 1e308 })).toThrow(/dim must be a positive integer \(a safe integer, at most 2\^53 - 1\)\. Received: dim=1e\+308/);
    expect(from({ dim: 2 ** 53 })).toThrow(/Received: dim=9007199254740992/);
    expect(from({ dim: '16' })).toThrow(/Received: dim="16"/);
    expect(from({ dim: 4, sparse: 'yes' })).toThrow(/sparse must be true or false\. Received: sparse="yes"/);
    expect(from({ dim: 4, dtype: 'float64' })).toThrow(/dtype must be one of float32, int32, int64, bool\. Received: dtype="float64"/);
    expect(from({ dim_tags: 'batch,time' })).toThrow(/dim_tags must be a list of dim tags/);
    expect(from({ dim_tags: [{ kind: 'batch' }, null] })).toThrow(/dim_tags\[1\] must be an object/);
    expect(from({ dim_tags: [{ kind: 'batch' }, { dimension: -2 }] })).toThrow(/dim_tags\[1\]\.dimension must be a positive integer or null\. Received: dim_tags\[1\]\.dimension=-2/);
    expect(from({ dim_tags: [{ kind: 'batch' }, { kind: 'time' }] })).toThrow(/dim_tags\[1\]\.kind must be one of batch, spatial, feature/);
    expect(from({ dim_tags: [{ kind: 'batch' }], sparse_dim: { dimension: 1e12, description: 7 } })).toThrow(/sparse_dim\.description must be a string/);
  });
});

describe("Data.fromConfig reads RETURNN's Data kwargs as RETURNN does (infer_dim_tags)", () => {
  it('without shape an entry is a sequence: [batch, time, dim] dense, [batch, time] sparse; time_dim_axis null removes the time axis', () => {
    const dense = Data.fromConfig('data', { dim: 6 });
    expect(dense.shape).toEqual([null, 6]);
    expect(dense.timeDim?.description).toBe('data:time');
    expect(dense.dim).toBe(6);
    const labels = Data.fromConfig('classes', { dim: 5, sparse: true });
    expect(labels.shape).toEqual([null]);
    expect([labels.sparse, labels.dim, labels.dtype]).toEqual([true, 5, 'int32']);
    // RETURNN's int64 labels (TF's usual sparse dtype) are held as int32; the readers narrow their values exactly.
    const labels64 = Data.fromConfig('classes', { dim: 5, sparse: true, dtype: 'int64' });
    expect([labels64.sparse, labels64.dim, labels64.dtype, labels64.shape]).toEqual([true, 5, 'int32', [null]]);
    expect(Data.fromConfig('ids', { shape: [null, 2], dtype: 'int64' }).dtype).toBe('int32');
    expect(Data.fromConfig('ids', { dim_tags: [{ kind: 'batch' }, { description: 'time' }], sparse_dim: { dimension: 3 }, dtype: 'int64' }).dtype).toBe('int32');
    expect(Data.fromConfig('data', { dim: 6, time_dim_axis: null }).shape).toEqual([6]);
    expect(Data.fromConfig('classes', { dim: 5, sparse: true, time_dim_axis: null }).shape).toEqual([]);
    // With shape, the axes are exactly those (MNIST-style fixed-size data).
    expect(Data.fromConfig('data', { shape: [784] }).timeDim).toBeUndefined();
    expect(Data.fromConfig('data', { shape: [null, 40], time_dim_axis: 1, feature_dim_axis: 2, batch_dim_axis: 0, available_for_inference: true }).shape).toEqual([null, 40]);
  });

  it('refuses what it cannot honour, naming the key: unknown keys, another batch, time or feature axis', () => {
    expect(from({ dim: 6, beam: 'x' })).toThrow(/extern_data 'data': unknown key 'beam'\. Strata reads RETURNN's Data keys dim, shape, .*remove 'beam'/);
    expect(from({ dim: 6, same_dim_tags_as: { t: 'x' } })).toThrow(/extern_data\.data\.same_dim_tags_as\.t: must be a RETURNN Dim in JSON form/);
    expect(from({ dim: 6, same_dim_tags_as: { f: { dim: 'f', kind: 'feature', size: 6 } } })).toThrow(/same_dim_tags_as: Strata reads only the time axis here/);
    expect(from({ dim: 6, batch_dim_axis: 1 })).toThrow(/batch_dim_axis must be 0 .* Received: batch_dim_axis=1/);
    expect(from({ dim: 6, time_dim_axis: 2 })).toThrow(/time_dim_axis must be null \(no time axis\) or 1 .* Received: time_dim_axis=2/);
    expect(from({ shape: [7, null, 3], time_dim_axis: 1 })).toThrow(/time_dim_axis 1 names the first axis of shape \[7,null,3\], which is static/);
    expect(from({ shape: [null, 40], feature_dim_axis: 1 })).toThrow(/feature_dim_axis 1 is not supported: Strata keeps the feature axis last \(2 with the batch axis, or -1\)/);
  });
});
