import { batchDim, Data, Dim } from '@strata/core';
import { describe, expect, it } from 'vitest';
import { LayerNotFoundError, NetDictError } from '../errors.js';
import { DatasetMismatchError, DuplicateDataKeyError, ExternData, ExternDataKeyError } from '../extern-data.js';

const TIMIT = {
  name: 'timit/train',
  extern: { data: { dim: 40, shape: [null, 40] }, classes: { dim: 61, sparse: true, shape: [null] }, speaker: { dim: 8, sparse: true } },
  targetKeys: ['classes', 'speaker'],
};

describe('ExternData (seed 003)', () => {
  it('constructor: data, default_input, default_target; getData/hasData; unknown keys list the known ones', () => {
    const ext = new ExternData({ data: { feats: { shape: [3] }, labels: { shape: [], dim: 5, sparse: true } }, defaultInput: 'feats', defaultTarget: 'labels' });
    expect(ext.defaultInputData.shape).toEqual([3]);
    expect(ext.defaultTargetData.dim).toBe(5);
    expect(ext.hasData('feats')).toBe(true);
    expect(ext.hasData('data')).toBe(false);
    expect(() => ext.getData('data')).toThrow(ExternDataKeyError);
    expect(() => ext.getData('data')).toThrow(LayerNotFoundError);
    expect(() => ext.getData('data')).toThrow("extern_data has no key 'data'. Known keys: feats, labels.");
  });

  it('initFromConfig: extern_data and target; legacy num_inputs/num_outputs; a config without data is refused', () => {
    const ext = new ExternData().initFromConfig({ extern_data: { data: { shape: [2] }, phones: { shape: [], dim: 4, sparse: true } }, target: 'phones' });
    expect(ext.keys).toEqual(['data', 'phones']);
    expect(ext.defaultTarget).toBe('phones');
    const legacy = new ExternData().initFromConfig({ num_inputs: 13, num_outputs: { classes: [10, 1], align: [5, 2] } });
    expect(legacy.getData('data').shape).toEqual([null, 13]);
    expect(legacy.getData('classes').shape).toEqual([null]);
    expect(legacy.getData('classes').sparse).toBe(true);
    expect(legacy.getData('align').shape).toEqual([null, 5]);
    expect(new ExternData().initFromConfig({ num_outputs: 7 }).getData('classes').dim).toBe(7);
    expect(() => new ExternData().initFromConfig({})).toThrow(NetDictError);
    expect(() => new ExternData().initFromConfig({ extern_data: { data: { dim: 0 } } })).toThrow(/dim must be a positive integer/);
    // Fields of the wrong type reach Data.fromConfig's typed checks (the implicit-time scan threw TypeErrors, #8).
    expect(() => new ExternData({ data: { data: { shape: 5 } } } as never)).toThrow(/extern_data 'data': shape must be a list of positive integers or null .* Received: shape=5\./);
    expect(() => new ExternData({ data: { data: { dim_tags: 'x' } } } as never)).toThrow(/extern_data 'data': dim_tags must be a list of dim tags/);
    expect(() => new ExternData({ data: { data: { dim_tags: [{ kind: 'batch' }, null] } } } as never)).toThrow(/extern_data 'data': dim_tags\[1\] must be an object/);
  });

  it('initFromDataset and dataKwargsFromDatasetKey: targets are not available for inference, default keys chosen as RETURNN', () => {
    expect(ExternData.dataKwargsFromDatasetKey(TIMIT, 'classes')).toEqual({ dim: 61, sparse: true, shape: [null], available_for_inference: false });
    expect(ExternData.dataKwargsFromDatasetKey(TIMIT, 'data').available_for_inference).toBe(true);
    expect(() => ExternData.dataKwargsFromDatasetKey(TIMIT, 'orth')).toThrow("Dataset 'timit/train' has no key 'orth'. Known keys: data, classes, speaker.");
    const ext = new ExternData().initFromDataset(TIMIT);
    expect(ext.defaultInput).toBe('data');
    expect(ext.defaultTarget).toBe('classes');
    expect(ext.availableForInference('data')).toBe(true);
    expect(ext.availableForInference('speaker')).toBe(false);
    // Without targetKeys every key but "data" is a target; without "classes" the first target is the default.
    const other = new ExternData().initFromDataset({ name: 'x', extern: { feats: { shape: [2] }, phones: { shape: [], dim: 3, sparse: true } }, targetKeys: ['phones'] });
    expect([other.defaultInput, other.defaultTarget]).toEqual(['feats', 'phones']);
  });

  it('checkMatchesDataset reads the dataset with the same defaults: a sparse key without shape next to sequences is a label sequence on both sides', () => {
    const config = { data: { dim: 3, shape: [null, 3] }, classes: { dim: 5, sparse: true } };
    const ext = new ExternData({ data: config });
    expect(ext.getData('classes').shape).toEqual([null]);
    expect(() => ext.checkMatchesDataset('ds', config, ['data', 'classes'])).not.toThrow();
    // A dataset whose labels really are one per sequence must say so, and is refused.
    expect(() => ext.checkMatchesDataset('ds', { ...config, classes: { dim: 5, sparse: true, shape: [] } }, ['data', 'classes'])).toThrow(NetDictError);
  });

  it('checkMatchedDataset names key, field, expected and got; extra added keys and seq_tag are skipped', () => {
    const ext = new ExternData().initFromDataset(TIMIT);
    expect(() => ext.checkMatchedDataset(TIMIT)).not.toThrow();
    const wrong = { name: 'timit/dev', extern: { ...TIMIT.extern, classes: { dim: 48, sparse: true, shape: [null] }, data: { dim: 40, shape: [null, 40], dtype: 'int32' as const } } };
    let err: DatasetMismatchError | undefined;
    try {
      ext.checkMatchedDataset(wrong, ['classes', 'data', 'seq_tag']);
    } catch (e) {
      err = e as DatasetMismatchError;
    }
    expect(err).toBeInstanceOf(DatasetMismatchError);
    expect(err!.mismatches).toEqual([
      { key: 'classes', field: 'dim', expected: '61', got: '48' },
      { key: 'data', field: 'dtype', expected: 'float32', got: 'int32' },
    ]);
    expect(err!.message).toContain("key 'classes' dim: extern_data expects 61, dataset has 48");
    ext.registerData(new Data({ name: 'ctc_align', dims: [new Dim({ description: 't' })], dtype: 'int32' }));
    ext.extraAddedKeys.add('ctc_align');
    expect(() => ext.checkMatchedDataset(TIMIT, ['data', 'ctc_align'])).not.toThrow();
    expect(() => ext.checkMatchedDataset({ name: 'mnist', extern: {} }, ['data'])).toThrow(/key 'data' missing/);
  });

  it('registerData once per key (replace on request); registerDataFromDict', () => {
    const ext = new ExternData({ data: { data: { shape: [3] } } });
    expect(() => ext.registerData(new Data({ name: 'data', dims: [], dtype: 'float32' }))).toThrow(DuplicateDataKeyError);
    ext.registerData(new Data({ name: 'data', dims: [new Dim({ description: 'f', size: 4, kind: 'feature' })], dtype: 'float32' }), { replace: true });
    expect(ext.getData('data').dim).toBe(4);
    ext.registerDataFromDict({ lm: { shape: [], dim: 9, sparse: true } });
    expect(ext.getData('lm').sparse).toBe(true);
  });

  it('getDataDescription, getSortedDataItems (default input first), getQueueArgs (sizes of dynamic axes)', () => {
    const ext = new ExternData({ data: { classes: { dim: 4, sparse: true, shape: [null] }, data: { dim: 2, shape: [null, 2] }, aux: { shape: [1] } } });
    expect(ext.getDataDescription()).toBe(
      "classes: Data{'classes', [B,classes:time:?], int32, sparse classes=4}, data: Data{'data', [B,data:time:?,data:feature:2], float32}, aux: Data{'aux', [B,aux:feature:1], float32}",
    );
    expect(ext.getSortedDataItems().map(([k]) => k)).toEqual(['data', 'aux', 'classes']);
    expect(ext.getQueueArgs(true, 16)).toEqual({
      names: ['aux', 'classes', 'data', 'classes:size1', 'data:size1'],
      shapes: [[16, 1], [16, null], [16, null, 2], [16], [16]],
      dtypes: ['float32', 'int32', 'float32', 'int32', 'int32'],
    });
    expect(ext.getQueueArgs(false).shapes.slice(3)).toEqual([[], []]);
  });

  it('getAllDimensionTags: batch, one time Dim per sequence key (shared through dim_tags), feature Dims', () => {
    const ext = new ExternData({ data: { data: { dim: 2, shape: [null, 2] }, classes: { dim: 4, sparse: true, shape: [null] }, spk: { shape: [2] } } });
    const tags = ext.getAllDimensionTags();
    expect(tags[0]).toBe(batchDim);
    expect(tags.map((d) => d.toString())).toEqual(['batch:?', 'data:time:?', 'data:feature:2', 'classes:time:?', 'spk:feature:2']);
    expect(ext.getAllDimensionTags({ allowSameFeatureDim: true }).map((d) => d.toString())).toEqual(['batch:?', 'data:time:?', 'data:feature:2', 'classes:time:?']);
    const shared = new ExternData({
      data: {
        data: { dim_tags: [{ kind: 'batch' }, { description: 'time' }, { description: 'feature', dimension: 3, kind: 'feature' }] },
        classes: { dim_tags: [{ kind: 'batch' }, { description: 'time' }], sparse_dim: { description: 'phones', dimension: 5 } },
      },
    });
    const t = shared.getAllDimensionTags();
    expect(t.map((d) => d.description)).toEqual(['batch', 'time', 'feature']);
    expect(shared.getData('classes').dims[0]).toBe(t[1]);
  });
});
