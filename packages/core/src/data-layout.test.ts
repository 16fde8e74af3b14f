// RETURNN's Data axis defaults (returnn/tensor/_tensor_extra.py infer_dim_tags, _default_time_dim_axis,
// _default_feature_dim_axis) resolved into Strata's canonical order (batch first, feature last).
import { describe, expect, it } from 'vitest';
import { canonicalDataConfig } from './data-layout.js';
import { Data } from './data.js';

const canon = (c: Record<string, unknown>) => canonicalDataConfig('x', c as never);

describe('canonicalDataConfig', () => {
  it('keeps batch-major, feature-last data as it is', () => {
    expect(canon({ shape: [null, 5] })).toMatchObject({ identity: true, config: { shape: [null, 5], dim: 5 }, layout: { toCanonical: [0, 1, 2], timeAxis: 1 } });
    expect(canon({ dim: 7, sparse: true })).toMatchObject({ identity: true, config: { shape: [null], dim: 7, sparse: true } });
  });

  it('time-major data (batch_dim_axis 1): the batch axis moves first', () => {
    const r = canon({ shape: [null, 5], batch_dim_axis: 1 });
    expect(r).toMatchObject({ identity: false, config: { shape: [null, 5], dim: 5 }, layout: { declaredShape: [null, null, 5], toCanonical: [1, 0, 2], timeAxis: 0, hasBatch: true } });
  });

  it('dim_tags with the batch dim not first (RETURNN time-major [time, batch, feature]): the batch dim moves first', () => {
    const time = { dim: 'time', kind: 'spatial', size: null };
    const feat = { dim: 'feat', kind: 'feature', size: 5 };
    const r = canon({ dim_tags: [time, { dim: 'global batch', kind: 'batch', size: null }, feat] });
    expect(r).toMatchObject({ identity: false, layout: { declaredShape: [null, null, 5], toCanonical: [1, 0, 2], hasBatch: true } });
    const d = Data.fromConfig('x', r.config);
    expect(d.dims.map((x) => [x.description, x.size])).toEqual([['time', null], ['feat', 5]]);
    // Data itself reads the dim-tag form batch first only.
    expect(() => Data.fromConfig('x', { dim_tags: [time, { dim: 'global batch', kind: 'batch', size: null }] } as never)).toThrow(/dim_tags must start with the batch axis/);
  });

  it('features first ({"dim": 5, "shape": [5, null]}): RETURNN’s feature axis is the last static one, moved last', () => {
    const r = canon({ dim: 5, shape: [5, null] });
    expect(r).toMatchObject({ identity: false, config: { shape: [null, 5], dim: 5 }, layout: { toCanonical: [0, 2, 1], timeAxis: 2 } });
    expect(canon({ dim: 5, shape: [5, null], time_dim_axis: 2, feature_dim_axis: 1 }).layout.toCanonical).toEqual([0, 2, 1]);
  });

  it('no batch axis, dim None and a static time axis', () => {
    expect(canon({ shape: [5], batch_dim_axis: null, time_dim_axis: null, feature_dim_axis: 0 })).toMatchObject({ config: { shape: [5], dim: 5 }, layout: { hasBatch: false, toCanonical: [0] } });
    const none = canon({ dim: null });
    expect(none.config.shape).toEqual([null, null]);
    expect(none.config.dim).toBeUndefined();
    expect(Data.fromConfig('x', none.config).shape).toEqual([null, null]);
    // RETURNN's test_MeanSquaredError target: a static time axis stays a static axis.
    const stat = canon({ dim: 13, sparse: false, shape: [1, 13], time_dim_axis: 1 });
    expect(stat).toMatchObject({ identity: true, config: { shape: [1, 13], dim: 13 }, layout: { timeAxis: 1 } });
    expect(Data.fromConfig('x', stat.config).timeDim).toBeUndefined();
  });

  it('refuses what does not fit, naming the entry and the key', () => {
    expect(() => canon({ shape: [4, null], dim: 5 })).toThrow(/extern_data 'x': the feature axis .* has size 4, not dim=5/);
    expect(() => canon({ shape: [null, 5], time_dim_axis: 0 })).toThrow(/time_dim_axis must be null or a non-batch axis/);
    expect(() => canon({ shape: [null, null, 5], time_dim_axis: 2 })).toThrow(/time_dim_axis 2 names a dynamic axis after another dynamic one/);
    expect(() => canon({ shape: [null, 5], batch_dim_axis: 3 })).toThrow(/batch_dim_axis 3 is past/);
    expect(() => canon({ shape: [null, 5], feature_dim_axis: 0 })).toThrow(/feature_dim_axis 0 names the batch axis/);
  });
});
