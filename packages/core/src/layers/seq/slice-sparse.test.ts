// slice on class indices (int32 [batch, time]): entries kept per sequence, padding zeroed, the template stays sparse.
import { ops } from '@strata/backend';
import { beforeAll, describe, expect, it } from 'vitest';
import { Data } from '../../data.js';
import { Dim } from '../../dim.js';
import { LayerArgumentError } from '../../errors.js';
import { useBackend } from '../../test-utils/setup.js';
import { Slice } from './slice.js';
import { sliceSparseData } from './slice-sparse.js';

describe('slice on sparse data', () => {
  beforeAll(() => useBackend('tfjs-cpu'));

  it('slices each sequence within its length and keeps int32 (slice_start 1, slice_end -1)', () => {
    const x = ops.tensor(Int32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), [2, 5], 'int32');
    const layer = new Slice({ axis: 'T', start: 1, end: -1 });
    const y = layer.apply([x, ops.tensor([5, 3], [2], 'int32')]);
    expect(y.dtype).toBe('int32');
    // Sequence 0 (length 5): frames 1..3; sequence 1 (length 3): frame 1 only, then padding zeros.
    expect(Array.from(ops.readSync(y))).toEqual([2, 3, 4, 7, 0, 0]);
  });

  it('the template keeps the sparse dim with a new time axis; axis "F" is refused', () => {
    const src = new Data({ name: 'data', dims: [new Dim({ description: 'time', size: null })], dtype: 'int32', sparseDim: new Dim({ description: 'classes', size: 11, kind: 'feature' }) });
    const layer = new Slice({ axis: 'T', start: 1 });
    const d = sliceSparseData({ name: 'sl', entry: {}, sources: [src], network: undefined, layer })!;
    expect(d.sparse).toBe(true);
    expect(d.dtype).toBe('int32');
    expect(d.dims[0]!.derivedFrom).toBe(src.dims[0]);
    expect(() => sliceSparseData({ name: 'sl', entry: {}, sources: [src], network: undefined, layer: new Slice({ axis: 'F', start: 1 }) })).toThrow(LayerArgumentError);
  });
});
