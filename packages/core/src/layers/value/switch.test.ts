// Switch's elementwise path with a bool condition (the layer table's rows
// take float32/int32 inputs only): forward and gradients against tf.where.
import { ops } from '@strata/backend';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { InputShapeError } from '../../errors.js';
import { INFERENCE } from '../../layer.js';
import { expectClose, gradsOfMany, randomValues, useBackend } from '../../test-utils/setup.js';
import { Switch } from './switch.js';

beforeAll(() => useBackend('tfjs-cpu'));

describe('Switch with a bool condition', () => {
  const cond = [true, false, false, true, true, false, true, true, false, false, true, false];
  const a = randomValues(12, 5);
  const b = randomValues(4, 6);

  it('takes trueFrom where the condition holds, a broadcast falseFrom elsewhere; gradients as tf.where', () => {
    const layer = new Switch({ condition: 'c', trueFrom: 'a', falseFrom: 'b' });
    const c = ops.tensor(Uint8Array.from(cond.map(Number)), [3, 4], 'bool');
    const run = (xs: ReturnType<typeof ops.tensor>[]) => layer.apply([c, xs[0]!, xs[1]!], INFERENCE);
    const got = gradsOfMany(run, [ops.tensor(a, [3, 4]), ops.tensor(b, [4])], []);
    const tc = tf.tensor(cond, [3, 4], 'bool');
    const want = gradsOfMany((xs) => tf.where(tc, xs[0] as never, tf.broadcastTo(xs[1] as never, [3, 4])) as never, [tf.tensor(a, [3, 4]), tf.tensor(b, [4])] as never, []);
    expectClose(got.out, want.out);
    got.grads.forEach((g, i) => expectClose(g, want.grads[i]!));
    expect(Array.from(got.out)).toEqual(cond.map((t, i) => (t ? a[i]! : b[i % 4]!)));
  });

  it('inputAxes: a condition [batch] against branches [batch, f] (RETURNN broadcasting by dims); gradients as tf.where', () => {
    const layer = new Switch({ condition: 'c', trueFrom: 'a', falseFrom: 'b', inputAxes: [[0], [0, 1], [1]] });
    const cb = [true, false, true];
    const c = ops.tensor(Uint8Array.from(cb.map(Number)), [3], 'bool');
    const run = (xs: ReturnType<typeof ops.tensor>[]) => layer.apply([c, xs[0]!, xs[1]!], INFERENCE);
    const got = gradsOfMany(run, [ops.tensor(a, [3, 4]), ops.tensor(b, [4])], []);
    const tc = tf.tensor(cb.flatMap((t) => [t, t, t, t]), [3, 4], 'bool');
    const want = gradsOfMany((xs) => tf.where(tc, xs[0] as never, tf.broadcastTo(xs[1] as never, [3, 4])) as never, [tf.tensor(a, [3, 4]), tf.tensor(b, [4])] as never, []);
    expectClose(got.out, want.out);
    got.grads.forEach((g, i) => expectClose(g, want.grads[i]!));
    expect(layer.computeOutputShape([[null], [null, 4], [4]])).toEqual([null, 4]);
    expect(() => new Switch({ condition: 'c', trueFrom: 'a', falseFrom: 1, inputAxes: [[1, 0], [0, 1]] }).apply([c, ops.tensor(a, [3, 4])], INFERENCE)).toThrow(InputShapeError);
  });

  it('makes a number branch a constant of the layer branch dtype', () => {
    const layer = new Switch({ condition: 'c', trueFrom: -0.5, falseFrom: 'x' });
    const y = layer.apply([ops.tensor(Uint8Array.from([1, 0, 1]), [3], 'bool'), ops.tensor([1, 2, 3], [3])], INFERENCE);
    expect(Array.from(ops.readSync(y))).toEqual([-0.5, 2, -0.5]);
  });

  it('refuses a condition that is not bool (RETURNN asserts bool)', () => {
    const layer = new Switch({ condition: 'c', trueFrom: 1, falseFrom: 'x' });
    expect(() => layer.apply([ops.tensor([1, 0], [2]), ops.tensor([1, 2], [2])], INFERENCE)).toThrow(InputShapeError);
  });
});
