/**
 * Models exported with traceToOnnx (@strata/onnx) from weights on tfjs-cpu,
 * run with onnxruntime-node's public API at several batch (and time) sizes:
 * the symbolic reshapes must compute their shapes at run time and give the
 * values tfjs-cpu computes eagerly.
 */
import { type Backend, BackendCapabilityError, ops, setBackend, type Tensor } from '@strata/backend';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { type TracedModel, traceToOnnx } from '@strata/onnx';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { centered } from './test-utils/inputs.js';

let tfjs: Backend;

beforeAll(async () => {
  registerTfjsBackends();
  tfjs = await setBackend('tfjs-cpu');
});

/** Runs the exported model on `x` in onnxruntime and, eagerly, `fn` on tfjs-cpu; both results. */
async function runBoth(model: TracedModel, fn: (x: Tensor) => Tensor, data: Float32Array, shape: number[]) {
  const session = await ort.InferenceSession.create(model.bytes, { intraOpNumThreads: 1 });
  const out = await session.run({ [model.inputs[0]!.name]: new ort.Tensor('float32', data, shape) });
  const got = out[model.outputs[0]!.name]!;
  const want = tfjs.tidy(() => {
    const y = fn(tfjs.tensor(data, shape, 'float32'));
    return { shape: y.shape, values: tfjs.readSync(y) as Float32Array };
  });
  return { session, got: { shape: got.dims.map(Number), values: got.data as Float32Array }, want };
}

function expectClose(got: Float32Array, want: Float32Array) {
  expect(got.length).toBe(want.length);
  const bad = Array.from(want).flatMap((w, i) => (Math.abs(got[i]! - w) <= 1e-5 + 1e-5 * Math.abs(w) ? [] : [`[${i}] ${got[i]} vs ${w}`]));
  expect(bad.slice(0, 5)).toEqual([]);
}

describe('exported models run in onnxruntime at several sizes', () => {
  it('reshape [B,T,F] → [B*T,F] → dense → [B,T,U] with dynamic batch and time', async () => {
    const F = 4;
    const U = 3;
    const kernel = ops.tensor(centered([F, U], 1), [F, U]);
    const bias = ops.tensor(centered([U], 2), [U]);
    const fn = (x: Tensor) => {
      const [b, t] = x.shape as [number, number];
      const h = ops.add(ops.matMul(ops.reshape(x, [b * t, F]), kernel), bias);
      return ops.tanh(ops.reshape(h, [b, t, U]));
    };
    const model = traceToOnnx(fn, [{ name: 'x', dtype: 'float32', shape: ['batch', 'time', F] }]);
    expect(model.outputs[0]!.dims).toEqual(['batch', 'time', U]);
    for (const [b, t, seed] of [[2, 3, 10], [5, 1, 11], [1, 7, 12]] as const) {
      const { session, got, want } = await runBoth(model, fn, centered([b, t, F], seed), [b, t, F]);
      expect(got.shape).toEqual([b, t, U]);
      expect(want.shape).toEqual([b, t, U]);
      expectClose(got.values, want.values);
      if (b === 2) {
        const meta = session.outputMetadata[0]!;
        expect(meta.isTensor && meta.shape).toEqual(['batch', 'time', U]);
      }
    }
  });

  it('reshape with only batch dynamic, time static', async () => {
    const T = 5;
    const F = 2;
    const kernel = ops.tensor(centered([F, 4], 3), [F, 4]);
    const fn = (x: Tensor) => ops.reshape(ops.matMul(ops.reshape(x, [-1, F]), kernel), [x.shape[0]!, T, 4]);
    const model = traceToOnnx(fn, [{ name: 'x', dtype: 'float32', shape: ['batch', T, F] }]);
    expect(model.outputs[0]!.dims).toEqual(['batch', T, 4]);
    for (const [b, seed] of [[3, 20], [8, 21]] as const) {
      const { got, want } = await runBoth(model, fn, centered([b, T, F], seed), [b, T, F]);
      expect(got.shape).toEqual([b, T, 4]);
      expectClose(got.values, want.values);
    }
  });

  it('conv → pool → flatten [B,H,W,C] → [B,H*W*C] → dense → softmax with dynamic batch', async () => {
    const filter = ops.tensor(centered([3, 3, 2, 4], 4), [3, 3, 2, 4]);
    const dense = ops.tensor(centered([3 * 3 * 4, 5], 5), [36, 5]);
    const fn = (x: Tensor) => {
      const c = ops.relu(ops.conv2d(x, filter, { padding: 'same' }));
      const p = ops.maxPool2d(c, { poolSize: [2, 2], padding: 'same' });
      const [b, h, w, ch] = p.shape as [number, number, number, number];
      return ops.softmax(ops.matMul(ops.reshape(p, [b, h * w * ch]), dense));
    };
    const model = traceToOnnx(fn, [{ name: 'image', dtype: 'float32', shape: ['batch', 6, 6, 2] }]);
    expect(model.inputs[0]!.dims).toEqual(['batch', 6, 6, 2]);
    expect(model.outputs[0]!.dims).toEqual(['batch', 5]);
    for (const [b, seed] of [[1, 30], [4, 31]] as const) {
      const { got, want } = await runBoth(model, fn, centered([b, 6, 6, 2], seed), [b, 6, 6, 2]);
      expect(got.shape).toEqual([b, 5]);
      expectClose(got.values, want.values);
    }
  });

  it('an int32 output (argMax) and a second input sharing the batch symbol', async () => {
    const fn = (a: Tensor, b: Tensor) => ({ best: ops.argMax(ops.add(a, b), -1), total: ops.sum(ops.mul(a, b), [1]) });
    const model = traceToOnnx(fn, [
      { name: 'a', dtype: 'float32', shape: ['batch', 4] },
      { name: 'b', dtype: 'float32', shape: ['batch', 4] },
    ]);
    expect(model.outputs.map((o) => [o.name, o.dtype, o.dims])).toEqual([
      ['best', 'int32', ['batch']],
      ['total', 'float32', ['batch']],
    ]);
    const session = await ort.InferenceSession.create(model.bytes, { intraOpNumThreads: 1 });
    for (const n of [2, 6]) {
      const a = centered([n, 4], 40 + n);
      const b = centered([n, 4], 50 + n);
      const out = await session.run({ a: new ort.Tensor('float32', a, [n, 4]), b: new ort.Tensor('float32', b, [n, 4]) });
      const want = tfjs.tidy(() => {
        const r = fn(tfjs.tensor(a, [n, 4], 'float32'), tfjs.tensor(b, [n, 4], 'float32'));
        return { best: Array.from(tfjs.readSync(r.best)), total: tfjs.readSync(r.total) as Float32Array };
      });
      expect(out.best!.type).toBe('int32');
      expect(Array.from(out.best!.data as Int32Array)).toEqual(want.best);
      expectClose(out.total!.data as Float32Array, want.total);
    }
  });
});

describe('what cannot be exported', () => {
  it('reading a traced value (readSync inside the traced function) throws BackendCapabilityError', () => {
    const w = ops.tensor([1, 2], [2]);
    expect(() =>
      traceToOnnx((x) => ops.mul(x, ops.scalar(ops.readSync(ops.sum(x))[0]!)), [{ name: 'x', dtype: 'float32', shape: ['batch', 2] }]),
    ).toThrow(BackendCapabilityError);
    // capturing weights from the active backend (tfjs) is fine
    expect(() => traceToOnnx((x) => ops.mul(x, w), [{ name: 'x', dtype: 'float32', shape: ['batch', 2] }])).not.toThrow();
  });
});
