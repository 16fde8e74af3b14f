// Rec on class indices (sparseInputDim, RETURNN's native LSTMs on sparse data) equals Rec on their one-hot
// vectors with the same weights: forward and gradients w.r.t. every weight (tfjs-cpu, atol 1e-6).
import { ops } from '@strata/backend';
import { beforeAll, describe, expect, it } from 'vitest';
import { LayerArgumentError } from '../../errors.js';
import { Data } from '../../data.js';
import { expectClose, gradsOfMany, useBackend } from '../../test-utils/setup.js';
import { Rec } from './rec.js';
import { recSparseInputDim } from './sparse-input.js';

const [B, T, V, U] = [2, 4, 5, 3];
const ids = [0, 4, 2, 2, 1, 3, 0, 4];

describe('Rec with sparseInputDim (tfjs-cpu)', () => {
  beforeAll(() => useBackend('tfjs-cpu'));

  it('equals the dense Rec on one-hot input: forward and gradients', () => {
    const x = ops.tensor(Int32Array.from(ids), [B, T], 'int32');
    const sparse = new Rec({ unit: 'lstm', units: U, sparseInputDim: V, seed: 3 });
    const dense = new Rec({ unit: 'lstm', units: U, seed: 3 });
    expect(sparse.computeOutputShape([null, null])).toEqual([null, null, U]);
    sparse.apply(x);
    const oneHot = ops.oneHot(x, V);
    dense.apply(oneHot);
    dense.setWeights(sparse.weights.map((w) => ops.readSync(w.value) as Float32Array));
    expect(sparse.weights[0]!.shape).toEqual([V, 4 * U]);
    const got = gradsOfMany(() => sparse.apply(x), [], sparse.trainableWeights.map((w) => w.value));
    const want = gradsOfMany(() => dense.apply(oneHot), [], dense.trainableWeights.map((w) => w.value));
    expectClose(got.out, want.out, 1e-6, 0);
    got.grads.forEach((g, i) => expectClose(g, want.grads[i]!, 1e-6, 0));
  });

  it('net dicts: derived from a sparse source of a native LSTM unit; a TF RNNCell unit or a second source is an error', () => {
    const s = new Data({ name: 'data', dims: [], dtype: 'int32' }).withShape('data', [null]);
    const sparse = s.copy({ sparseDim: s.dims[0] }) as Data;
    const ctx = (unit: string, sources: Data[]) => ({ name: 'out', entry: { unit }, sources, network: undefined });
    expect(recSparseInputDim(ctx('lstm', [])).sparseInputDim).toBeUndefined();
    expect(() => recSparseInputDim(ctx('standardlstm', [sparse]))).toThrow(LayerArgumentError);
    expect(() => recSparseInputDim(ctx('nativelstm2', [sparse, sparse]))).toThrow(/must be its only source/);
  });
});
