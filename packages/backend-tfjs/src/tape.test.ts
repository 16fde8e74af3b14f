import { getBackend, ops, setBackend, type Tensor } from '@strata/backend';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { registerTfjsBackends } from './register.js';
import { recordingGradients } from './tape.js';
import { lcgValues as rand } from './test-utils/values.js';

registerTfjsBackends();

/** conv2d (same, stride 2), maxPool2d, matMul with transposeB and gather of fixed inputs, read back. */
function forwardOps(): number[][] {
  const x = ops.tensor(rand(2 * 7 * 6 * 3, 1), [2, 7, 6, 3]);
  const w = ops.tensor(rand(3 * 3 * 3 * 4, 2), [3, 3, 3, 4]);
  const a = ops.tensor(rand(5 * 4, 3), [5, 4]);
  const b = ops.tensor(rand(6 * 4, 4), [6, 4]);
  const outs: Tensor[] = [
    ops.conv2d(x, w, { strides: [2, 2], padding: 'same' }),
    ops.maxPool2d(x, { poolSize: [2, 2], padding: 'same' }),
    ops.matMul(a, b, false, true),
    ops.gather(b, ops.tensor([3, 0, 3], [3], 'int32')),
  ];
  return outs.map((t) => Array.from(ops.readSync(t)));
}

/** The same ops with tfjs' own kernels on tfjs cpu. */
function reference(): number[][] {
  const x = tf.tensor4d(rand(2 * 7 * 6 * 3, 1), [2, 7, 6, 3]);
  const w = tf.tensor4d(rand(3 * 3 * 3 * 4, 2), [3, 3, 3, 4]);
  const a = tf.tensor2d(rand(5 * 4, 3), [5, 4]);
  const b = tf.tensor2d(rand(6 * 4, 4), [6, 4]);
  return [
    tf.conv2d(x, w, 2, 'same'),
    tf.maxPool(x, 2, 2, 'same'),
    tf.matMul(a, b, false, true),
    tf.gather(b, tf.tensor1d([3, 0, 3], 'int32')),
  ].map((t) => Array.from(t.dataSync()));
}

describe('recordingGradients: plain tfjs ops outside a gradient tape, gradient workarounds inside', () => {
  it('is false outside valueAndGrads and true inside it', async () => {
    await setBackend('tfjs-wasm');
    const b = getBackend();
    expect(recordingGradients()).toBe(false);
    const v = b.variable(ops.scalar(2), true);
    let inside = false;
    const { value, grads } = b.valueAndGrads(() => {
      inside = recordingGradients();
      return { value: ops.mul(v, v) };
    }, [v]);
    expect(inside).toBe(true);
    expect(ops.item(grads[0]!)).toBeCloseTo(4, 6);
    b.dispose([v, value, ...grads]);
  });

  for (const backend of ['tfjs-wasm', 'tfjs-cpu']) {
    it(`${backend}: conv2d, maxPool2d, matMul and gather give tfjs' own values with and without a tape`, async () => {
      await setBackend('tfjs-cpu');
      const ref = ops.tidy(reference);
      await setBackend(backend);
      const b = getBackend();
      const plain = ops.tidy(forwardOps);
      const v = b.variable(ops.scalar(1), true);
      let taped: number[][] = [];
      const r = b.valueAndGrads(() => {
        taped = forwardOps();
        return { value: ops.mul(v, v) };
      }, [v]);
      b.dispose([v, r.value, ...r.grads]);
      for (const got of [plain, taped]) {
        expect(got.map((o) => o.length)).toEqual(ref.map((o) => o.length));
        got.forEach((o, i) => o.forEach((x, j) => expect(x).toBeCloseTo(ref[i]![j]!, 5)));
      }
    });
  }
});
