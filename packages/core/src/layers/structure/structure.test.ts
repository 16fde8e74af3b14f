// Sub-outputs of split and top_k (the sub-layers "<layer>/<i>", "<layer>/indices") against tfjs' own
// tf.split and tf.topk, and the argument errors of the structure classes.
import { ops } from '@strata/backend';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { InputShapeError, LayerArgumentError } from '../../errors.js';
import { INFERENCE } from '../../layer.js';
import { expectClose, randomValues, useBackend } from '../../test-utils/setup.js';
import { Cast } from './cast.js';
import { Concat } from './concat.js';
import { Split } from './split.js';
import { subOutputLayerOf } from './sub-outputs.js';
import { TopK } from './top-k.js';

beforeAll(() => useBackend('tfjs-cpu'));

describe('Split sub-outputs', () => {
  it('are tf.split of the input, in order, named "0", "1", ...', () => {
    const v = randomValues(2 * 3 * 6, 5);
    const layer = new Split({ axis: 2, sizeSplits: [1, 3, 2] });
    expect(subOutputLayerOf(layer)?.subOutputNames()).toEqual(['0', '1', '2']);
    const parts = layer.subOutputs(ops.tensor(v, [2, 3, 6]), INFERENCE);
    const want = tf.split(tf.tensor(v, [2, 3, 6]), [1, 3, 2], 2);
    want.forEach((w, i) => {
      expect(parts[String(i)]!.shape).toEqual(w.shape);
      expectClose(ops.readSync(parts[String(i)]!) as Float32Array, w.dataSync() as Float32Array);
    });
  });
  it('rejects sizes that do not add up to the axis', () => {
    expect(() => new Split({ axis: 2, sizeSplits: [2, 2] }).apply(ops.zeros([1, 2, 5]))).toThrow(InputShapeError);
  });
});

describe('TopK indices', () => {
  it('are tf.topk indices over the axis moved last, ties to the lower index', () => {
    // Values in halves: many ties.
    const v = randomValues(2 * 5 * 3, 9).map((x) => Math.round(x * 2) / 2);
    const layer = new TopK({ axis: 1, k: 3 });
    const { indices } = layer.subOutputs(ops.tensor(v, [2, 5, 3]), INFERENCE);
    const want = tf.topk(tf.transpose(tf.tensor(v, [2, 5, 3]), [0, 2, 1]), 3);
    expect(indices!.dtype).toBe('int32');
    expect(Array.from(ops.readSync(indices!))).toEqual(Array.from(want.indices.dataSync()));
    expectClose(ops.readSync(layer.apply(ops.tensor(v, [2, 5, 3]))) as Float32Array, want.values.dataSync() as Float32Array);
  });
  it('rejects k larger than the axis and sorted false', () => {
    expect(() => new TopK({ axis: 1, k: 4 }).apply(ops.zeros([1, 3]))).toThrow(InputShapeError);
    expect(() => new TopK({ axis: 1, k: 1, sorted: false as never })).toThrow(/sorted must be true/);
  });
});

describe('Concat and Cast arguments', () => {
  it('Concat takes one axis position for all inputs, and inputs equal elsewhere', () => {
    expect(() => new Concat({ axes: [1, 2] })).toThrow(LayerArgumentError);
    expect(() => new Concat({ axes: [2, 2] }).apply([ops.zeros([1, 3, 2]), ops.zeros([1, 4, 2])])).toThrow(InputShapeError);
  });
  it('Cast to bool is x != 0 and rejects dtypes Strata does not hold', () => {
    const y = new Cast({ dtype: 'bool' }).apply(ops.tensor([0, 0.5, -2, 0], [1, 4]));
    expect(Array.from(ops.readSync(y)).map(Number)).toEqual([0, 1, 1, 0]);
    expect(() => new Cast({ dtype: 'float64' as never })).toThrow(/dtype must be 'float32', 'int32' or 'bool'/);
  });
});
