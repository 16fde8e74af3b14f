// The JSON form of RETURNN Dims: the arithmetic against RETURNN's own (fixtures/returnn-dim-math.json, made by
// tools/returnn-ref/dim_math.py with the real returnn.tensor.Dim), the parser's errors, and extern_data entries.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Data } from './data.js';
import { BATCH_DIM_JSON, type DimJson, DimJsonError, dimMath, parseDimJson, SINGLE_STEP_DIM_JSON } from './dim-json.js';

const ref = JSON.parse(readFileSync(new URL('./fixtures/returnn-dim-math.json', import.meta.url), 'utf8')) as { expr: string; dim: string; kind: string; size: number | null }[];
const time: DimJson = { dim: 'time', kind: 'spatial', size: null };
const feat: DimJson = { dim: 'feat', kind: 'feature', size: 6 };
const win: DimJson = { dim: 'win', kind: 'unspecified', size: 3 };
const heads: DimJson = { dim: 'heads', kind: 'feature', size: 2 };
const m = dimMath;
const EXPRS: Record<string, () => DimJson> = {
  'time * 2': () => m('mul', time, 2),
  'time + 1': () => m('add', time, 1),
  '1 + time + 1': () => m('add', m('add', 1, time), 1),
  '(time + 1) + 1': () => m('add', m('add', time, 1), 1),
  'time + time': () => m('add', time, time),
  'time - 1': () => m('sub', time, 1),
  '(time + 2) - 2': () => m('sub', m('add', time, 2), 2),
  'win.ceildiv_right(2)': () => m('ceildiv', win, 2),
  'time.ceildiv_right(2)': () => m('ceildiv', time, 2),
  'feat.div_left(heads)': () => m('truediv_left', feat, heads),
  '2 * time': () => m('mul', 2, time),
  'win // 2': () => m('floordiv', win, 2),
  '(win // 2) + time': () => m('add', m('floordiv', win, 2), time),
  '(time * 2) // 2': () => m('floordiv', m('mul', time, 2), 2),
  'time + win': () => m('add', time, win),
  'feat * 2': () => m('mul', feat, 2),
  'batch_dim + 1': () => m('add', BATCH_DIM_JSON, 1),
  '(win // 2) + time + win.ceildiv_right(2) + (-1)': () => m('add', m('add', m('add', m('floordiv', win, 2), time), m('ceildiv', win, 2)), -1),
  'time.div_right(2)': () => m('truediv', time, 2),
  'feat.ceildiv_left(heads)': () => m('ceildiv_left', feat, heads),
  '(time * 2).div_right(2)': () => m('truediv', m('mul', time, 2), 2),
};

describe("dimMath derives dims as RETURNN's Dim arithmetic does", () => {
  it.each(ref)('$expr', ({ expr, dim, kind, size }) => {
    const got = EXPRS[expr]!();
    expect({ dim: got.dim, kind: got.kind, size: got.size }).toEqual({ dim, kind, size });
    // Every derived dim round-trips through the parser (which re-derives description, kind and size).
    expect(parseDimJson(JSON.parse(JSON.stringify(got)), 'x')).toEqual(got);
  });
  it('covers every case of the fixture', () => expect(Object.keys(EXPRS).sort()).toEqual(ref.map((r) => r.expr).sort()));
  it('refuses what RETURNN configs cannot mean', () => {
    expect(() => m('add', 1, 2)).toThrow(/add of two integers is not a Dim/);
    expect(() => m('sub', time, feat)).toThrow(/Dim - Dim is not supported/);
    expect(() => m('floordiv', time, 0)).toThrow(/division by zero/);
  });
});

describe('parseDimJson', () => {
  it('accepts the fixed forms', () => {
    expect(parseDimJson({ dim: 'global batch', kind: 'batch', size: null }, 'p')).toEqual(BATCH_DIM_JSON);
    expect(parseDimJson({ dim: 'single-step', kind: 'spatial', size: 1, special: true }, 'p')).toEqual(SINGLE_STEP_DIM_JSON);
  });
  const bad = (v: unknown, re: RegExp) => {
    expect(() => parseDimJson(v, 'network.conv.out_dim')).toThrow(DimJsonError);
    expect(() => parseDimJson(v, 'network.conv.out_dim')).toThrow(re);
  };
  it('names the key path of what is wrong', () => {
    bad('time', /^network\.conv\.out_dim: must be a RETURNN Dim in JSON form.*Received: "time"/);
    bad({ dim: 'x', kind: 'time', size: null }, /network\.conv\.out_dim\.kind: must be one of batch, spatial, feature, unspecified/);
    bad({ dim: 'x', kind: 'feature', size: -3 }, /out_dim\.size: must be a non-negative integer/);
    bad({ dim: '', kind: 'feature', size: 3 }, /out_dim\.dim: must be the Dim's description/);
    bad({ dim: 'x', kind: 'feature', size: 3, n: 1 }, /out_dim\.n: is not a key of a JSON Dim/);
    bad({ dim: 'b', kind: 'batch', size: 3 }, /a batch dim has "size": null/);
    bad({ dim: 'x', kind: 'spatial', size: 1, special: true }, /out_dim\.special: is only for single_step_dim/);
    bad({ dim: 'time*3', kind: 'spatial', size: null, derived: { op: 'mul', inputs: [time, 2] } }, /out_dim\.dim: of a derived dim must be what RETURNN derives from its inputs, "time\*2"/);
    bad({ dim: 'x', kind: 'spatial', size: null, derived: { op: 'pow', inputs: [time, 2] } }, /out_dim\.derived\.op: must be one of add, mul/);
    bad({ dim: 'x', kind: 'spatial', size: null, derived: { op: 'mul', inputs: [{ dim: 3 }, 2] } }, /out_dim\.derived\.inputs\[0\]\.dim: must be the Dim's description/);
  });
});

describe('extern_data entries with JSON Dims', () => {
  it('dim_tags / sparse_dim become axes; one description is one Dim', () => {
    const shared = new Map();
    const x = Data.fromConfig('data', { dim_tags: [BATCH_DIM_JSON, time, { dim: 'in', kind: 'feature', size: 5 }] }, shared);
    const y = Data.fromConfig('classes', { dim_tags: [BATCH_DIM_JSON, time], sparse_dim: { dim: 'classes', kind: 'unspecified', size: 7 } }, shared);
    expect(x.shape).toEqual([null, 5]);
    expect(x.dims.map((d) => [d.description, d.kind])).toEqual([['time', 'spatial'], ['in', 'feature']]);
    expect(y.dims[0]).toBe(x.dims[0]);
    expect([y.sparse, y.dim, y.dtype]).toEqual([true, 7, 'int32']);
  });
  it('names the entry and index of a bad Dim', () => {
    expect(() => Data.fromConfig('data', { dim_tags: [BATCH_DIM_JSON, { dim: 't', kind: 'x', size: null } as unknown as DimJson] })).toThrow(/^extern_data\.data\.dim_tags\[1\]\.kind: must be one of/);
    // RETURNN's Tensor(dims=...) (version 2) has no feature axis: refused, with the fix.
    expect(() => Data.fromConfig('data', { dims: [BATCH_DIM_JSON, time], dtype: 'float32' })).toThrow(/extern_data\.data\.dims: is RETURNN's Tensor version 2, which has no feature axis.*write "dim_tags"/);
  });
  it('same_dim_tags_as {"t": Dim} makes the time axis that Dim', () => {
    const shared = new Map();
    const x = Data.fromConfig('data', { dim: 5, same_dim_tags_as: { t: time } }, shared);
    const y = Data.fromConfig('classes', { dim: 7, sparse: true, same_dim_tags_as: { T: time } }, shared);
    expect([x.shape, y.shape, y.dim]).toEqual([[null, 5], [null], 7]);
    expect(y.dims[0]).toBe(x.dims[0]);
  });
});
