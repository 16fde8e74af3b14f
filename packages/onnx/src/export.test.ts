/**
 * traceToOnnx: the structure of exported models (symbolic dims, initializers
 * from captured tensors, output names, opsets) and what cannot be exported.
 * Running the models in onnxruntime is tested in
 * @strata/backend-onnxruntime (src/export.test.ts).
 */
import {
  type Backend,
  BackendCapabilityError,
  getBackend,
  ops,
  registerBackend,
  setBackend,
  type Tensor,
  type TensorData,
} from '@strata/backend';
import { beforeAll, describe, expect, it } from 'vitest';
import { traceToOnnx } from './export.js';
import { DEFAULT_OPSET } from './model.js';
import { decodeModel } from './test-utils/decode-model.js';

/** A source backend that only holds values (what the tracer reads captured tensors from). */
const held = new Map<Tensor, TensorData>();
const source = {
  name: 'values',
  kind: 'eager',
  init: async () => {},
  readSync: (t: Tensor) => {
    const v = held.get(t);
    if (!v) throw new Error('not a tensor of this backend');
    return v;
  },
} as unknown as Backend;
const weight = (values: number[], shape: number[]): Tensor => {
  const t = { shape, dtype: 'float32' } as Tensor;
  held.set(t, Float32Array.from(values));
  return t;
};

beforeAll(async () => {
  registerBackend('values', () => source);
  await setBackend('values');
});

describe('dynamic axes', () => {
  it('a dense layer over [batch, 4]: output [batch, 3], weights as named initializers', () => {
    const w = weight(Array.from({ length: 12 }, (_, i) => i / 10), [4, 3]);
    const bias = weight([1, 2, 3], [3]);
    let traced: number[] = [];
    const m = traceToOnnx(
      (x) => {
        traced = x.shape;
        return ops.relu(ops.add(ops.matMul(x, w), bias));
      },
      [{ name: 'data', dtype: 'float32', shape: ['batch', 4] }],
      { names: new Map([[w, 'dense/kernel']]) },
    );
    // Dynamic axes are traced at primes above 1000, so that no static size is mistaken for one.
    expect(traced).toEqual([1009, 4]);
    expect(m.inputs).toEqual([{ name: 'data', dtype: 'float32', dims: ['batch', 4] }]);
    expect(m.outputs).toEqual([{ name: 'output', dtype: 'float32', dims: ['batch', 3] }]);
    const d = decodeModel(m.bytes);
    expect(d.inputs).toEqual([{ name: 'data', dims: ['batch', 4] }]);
    expect(d.outputs).toEqual([{ name: 'output', dims: ['batch', 3] }]);
    const kernel = d.initializers.get('dense/kernel');
    expect(kernel?.dims).toEqual([4, 3]);
    expect(kernel?.values).toEqual(Array.from(Float32Array.from({ length: 12 }, (_, i) => i / 10)));
    expect(d.nodes.map((n) => n.opType)).toEqual(['MatMul', 'Add', 'Relu']);
  });

  it('reshape [batch, time, F] → [batch*time, F] → [batch, time, U]', () => {
    const w = weight(Array.from({ length: 8 }, (_, i) => i - 4), [4, 2]);
    const m = traceToOnnx(
      (x) => {
        const [b, t, f] = x.shape as [number, number, number];
        const y = ops.matMul(ops.reshape(x, [b * t, f]), w);
        return ops.reshape(y, [b, t, 2]);
      },
      [{ name: 'x', dtype: 'float32', shape: ['batch', 'time', 4] }],
    );
    expect(m.inputs[0]!.dims).toEqual(['batch', 'time', 4]);
    expect(m.outputs[0]!.dims).toEqual(['batch', 'time', 2]);
    expect(decodeModel(m.bytes).outputs[0]!.dims).toEqual(['batch', 'time', 2]);
  });

  it('flatten [batch, H, W, C] → [batch, H*W*C]', () => {
    const m = traceToOnnx((x) => ops.reshape(x, [x.shape[0]!, 2 * 3 * 4]), [{ name: 'x', dtype: 'float32', shape: ['batch', 2, 3, 4] }]);
    expect(m.outputs[0]!.dims).toEqual(['batch', 24]);
  });

  it('the same symbol on two inputs is one size; traceSizes sets the traced size', () => {
    let shapes: number[][] = [];
    const m = traceToOnnx(
      (a, b) => {
        shapes = [a.shape, b.shape];
        return ops.add(a, b);
      },
      [
        { name: 'a', dtype: 'float32', shape: ['batch', 3] },
        { name: 'b', dtype: 'float32', shape: ['batch', 3] },
      ],
      { traceSizes: { batch: 5 } },
    );
    expect(shapes).toEqual([[5, 3], [5, 3]]);
    expect(m.outputs[0]!.dims).toEqual(['batch', 3]);
  });

  it('a concatenation along a dynamic axis has an unknown size', () => {
    const m = traceToOnnx((x) => ops.concat([x, x], 0), [{ name: 'x', dtype: 'float32', shape: ['batch', 3] }]);
    expect(m.outputs[0]!.dims).toEqual([null, 3]);
  });
});

describe('outputs and opsets', () => {
  it('names outputs of arrays and objects', () => {
    const spec = [{ name: 'x', dtype: 'float32' as const, shape: [2] }];
    expect(traceToOnnx((x) => [ops.neg(x), ops.abs(x)], spec).outputs.map((o) => o.name)).toEqual(['output', 'output_1']);
    expect(traceToOnnx((x) => [ops.neg(x), ops.abs(x)], spec, { outputNames: ['n', 'a'] }).outputs.map((o) => o.name)).toEqual(['n', 'a']);
    const obj = traceToOnnx((x) => ({ logits: ops.neg(x), argmax: ops.argMax(x) }), spec);
    expect(obj.outputs.map((o) => [o.name, o.dtype])).toEqual([['logits', 'float32'], ['argmax', 'int32']]);
  });

  it('writes the opset and the IR version that goes with it', () => {
    const spec = [{ name: 'x', dtype: 'float32' as const, shape: [2] }];
    const at17 = decodeModel(traceToOnnx((x) => ops.mean(x), spec, { opset: 17 }).bytes);
    expect([at17.opset, at17.irVersion]).toEqual([17, 8]);
    const byDefault = decodeModel(traceToOnnx((x) => ops.mean(x), spec).bytes);
    expect([byDefault.opset, byDefault.irVersion]).toEqual([DEFAULT_OPSET, 11]);
    // ReduceMean takes axes as an attribute at 17 and as an input from 18
    expect(at17.nodes.find((n) => n.opType === 'ReduceMean')!.inputs).toHaveLength(1);
    expect(byDefault.nodes.find((n) => n.opType === 'ReduceMean')!.inputs).toHaveLength(2);
  });

  it('rejects opsets outside the supported range', () => {
    const spec = [{ name: 'x', dtype: 'float32' as const, shape: [2] }];
    expect(() => traceToOnnx((x) => x, spec, { opset: 16 })).toThrow(BackendCapabilityError);
    expect(() => traceToOnnx((x) => x, spec, { opset: 27 })).toThrow(BackendCapabilityError);
  });
});

describe('what cannot be exported', () => {
  const spec = [{ name: 'x', dtype: 'float32' as const, shape: ['batch', 2] }];

  it('reading values inside the traced function throws BackendCapabilityError', () => {
    expect(() => traceToOnnx((x) => (ops.readSync(x), x), spec)).toThrow(BackendCapabilityError);
    expect(() => traceToOnnx((x) => ops.mul(x, ops.item(ops.sum(x))), spec)).toThrow(BackendCapabilityError);
    expect(() => traceToOnnx((x) => (ops.readSync(x), x), spec)).toThrow(/readSync/);
  });

  it('creating or assigning variables, and gradients, throw BackendCapabilityError', () => {
    expect(() => traceToOnnx((x) => getBackend().variable(x, true), spec)).toThrow(BackendCapabilityError);
    expect(() => traceToOnnx((x) => (getBackend().assign(x, x), x), spec)).toThrow(BackendCapabilityError);
    expect(() => traceToOnnx((x) => getBackend().valueAndGrads(() => ({ value: ops.sum(x) }), []).value, spec)).toThrow(BackendCapabilityError);
  });

  it('a capture the source backend cannot read fails the export', () => {
    const stranger = { shape: [2], dtype: 'float32' } as Tensor;
    expect(() => traceToOnnx((x) => ops.add(x, stranger), spec)).toThrow('not a tensor of this backend');
  });

  it('a symbolic value of an earlier trace throws BackendCapabilityError', () => {
    let leaked: Tensor | undefined;
    traceToOnnx((x) => (leaked = ops.neg(x)), spec);
    expect(() => traceToOnnx((x) => ops.add(x, leaked!), spec)).toThrow(BackendCapabilityError);
  });

  it('restores the active backend, also after a failure', () => {
    expect(getBackend()).toBe(source);
    expect(() => traceToOnnx((x) => (ops.readSync(x), x), spec)).toThrow();
    expect(getBackend()).toBe(source);
  });
});
