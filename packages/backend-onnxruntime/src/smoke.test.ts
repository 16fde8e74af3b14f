import { ops, setBackend } from '@strata/backend';
import { describe, expect, it } from 'vitest';
import { registerOnnxruntimeBackends } from './register.js';

describe('smoke', () => {
  it('runs eager and compiled', async () => {
    registerOnnxruntimeBackends();
    const b = await setBackend('onnxruntime');
    const a = ops.tensor([1, 2, 3, 4, 5, 6], [2, 3]);
    const w = b.variable(ops.tensor([1, 0, 0, 1, 1, 1], [3, 2]), true);
    const y = ops.relu(ops.sub(ops.matMul(a, w), 4));
    expect(Array.from(ops.readSync(y))).toEqual([0, 1, 6, 7]);
    const f = b.compile((x: any) => ({ y: ops.softmax(ops.matMul(x, w)), s: ops.sum(x) }));
    const r = f(a) as any;
    expect(ops.item(r.s)).toBe(21);
    console.log(ops.readSync(r.y));
    const x = ops.tensor(Float32Array.from({ length: 2 * 5 * 5 * 3 }, (_, i) => (i % 7) - 3), [2, 5, 5, 3]);
    const k = ops.tensor(Float32Array.from({ length: 3 * 3 * 3 * 4 }, (_, i) => (i % 5) - 2), [3, 3, 3, 4]);
    const c = ops.conv2d(x, k, { padding: 'same', strides: [2, 2] });
    console.log(c.shape, ops.readSync(ops.maxPool2d(c, { poolSize: [2, 2], padding: 'same' })));
    console.log(ops.readSync(ops.oneHot(ops.tensor([0, 2, 1], [3], 'int32'), 3)), ops.readSync(ops.argMax(a, -1)), ops.randomUniform([3], 0, 1, 5).shape);
  });
});
