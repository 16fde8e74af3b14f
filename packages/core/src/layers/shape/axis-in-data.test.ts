// RETURNN's axis descriptions on a Data template, as RETURNN's
// get_axes_from_description counts them (with the batch axis 0).
import { describe, expect, it } from 'vitest';
import { Data, Dim } from '../../data.js';
import { LayerArgumentError } from '../../errors.js';
import { axesInData, axisInData, seqAxisInData } from './axis-in-data.js';

// [B, T, 4, 3]: time 'data:time' (dynamic), 'data:spatial1' (4), feature (3).
const d = Data.fromConfig('data', { shape: [null, 4, 3] });
// [B, 6] sparse-free static data without time.
const flat = Data.fromConfig('x', { shape: [6] });
// No batch axis: [T, 2] with T shared from d.
const batchless = new Data({ name: 'r', dims: [d.dims[0]!, new Dim({ description: 'r:feature', size: 2, kind: 'feature' })], dtype: 'float32', hasBatch: false });

describe('axesInData / axisInData', () => {
  const table: [string | number | (string | number)[], number[]][] = [
    ['B', [0]],
    ['batch', [0]],
    ['T', [1]],
    ['time', [1]],
    ['t?', [1]],
    ['F', [3]],
    ['feature', [3]],
    ['spatial', [1, 2]],
    ['spatial:1', [2]],
    ['s:-1', [2]],
    ['dyn', [1]],
    ['dyn:0', [1]],
    ['static', [2, 3]],
    ['static:0', [2]],
    ['dim:4', [2]],
    ['dim:3', [3]],
    ['except_batch', [1, 2, 3]],
    ['except_batch:2', [3]],
    ['except_time', [2, 3]],
    ['spatial_except_time', [2]],
    ['stag:spatial1', [2]],
    ['stag:TIME', [1]],
    ['tag:feature', [3]],
    ['TF', [1, 3]],
    [2, [2]],
    [-1, [3]],
    [['F', 'T', 'F'], [3, 1]],
  ];
  for (const [desc, want] of table) it(`${JSON.stringify(desc)} → ${JSON.stringify(want)}`, () => expect(axesInData(d, desc)).toEqual(want));

  it('resolves batchless data without a batch axis', () => {
    expect(axisInData(batchless, 'T')).toBe(0);
    expect(axisInData(batchless, 'F')).toBe(1);
    expect(() => axisInData(batchless, 'B')).toThrow(/no batch axis/);
  });

  it('gives the SeqAxis of a sequence layer: T for the time axis at 1, else the index', () => {
    expect(seqAxisInData(d, 'stag:time')).toBe('T');
    expect(seqAxisInData(d, 'dim:4')).toBe(2);
    expect(seqAxisInData(flat, 'F')).toBe(1);
    expect(() => seqAxisInData(d, 'B')).toThrow(/names the batch axis/);
  });

  it('refuses what RETURNN refuses, naming the description', () => {
    expect(() => axisInData(flat, 'T')).toThrow(LayerArgumentError);
    expect(() => axisInData(flat, 'T')).toThrow(/has no time axis/);
    expect(() => axisInData(d, 'spatial')).toThrow(/must name exactly one axis .* names 2/);
    expect(() => axisInData(d, 'dim:7')).toThrow(/0 axes .* have size 7/);
    expect(() => axisInData(d, 'stag:nothing')).toThrow(/0 axes .* match 'nothing'/);
    expect(() => axisInData(d, 'sideways')).toThrow(/is not a RETURNN axis description/);
    expect(() => axisInData(d, 4)).toThrow(/not an axis/);
    expect(() => axisInData(d, 'spatial:5')).toThrow(/has 2 spatial axes/);
  });
});
