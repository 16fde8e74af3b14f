// The structure of the backward graph (values are checked by op-grads.test.ts):
// an unstack's frame gradients are assembled by one Concat, not one full-size Pad
// per frame; an op without a rule on the path is a typed error naming it.
import { BackendCapabilityError, registerBackend, setBackend, type Tensor } from '@strata/backend';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { beforeAll, expect, it } from 'vitest';
import { OrtBackend } from '../ort-backend.js';
import { Trace } from '../trace.js';

let ort: OrtBackend;

beforeAll(async () => {
  registerTfjsBackends();
  registerBackend('onnxruntime-backward', () => new OrtBackend({ name: 'onnxruntime-backward', intraOpNumThreads: 1 }));
  ort = (await setBackend('onnxruntime-backward')) as OrtBackend;
});

/** The op types of the graph traced from `fn(x)` with `x` a [frames, 3] input, and the gradient. */
function traced(frames: number, fn: (x: Tensor) => Tensor): { opTypes: string[]; grad: Tensor } {
  const trace = new Trace(ort.opset);
  const x = trace.graph.input('x', 'float32', [frames, 3]);
  const { grads } = ort.withTrace(trace, () => ort.valueAndGrads(() => ({ value: ort.sum(fn(x)) }), [x]));
  return { opTypes: trace.graph.nodes.map((n) => n.opType), grad: grads[0]! };
}

const count = (types: string[], t: string) => types.filter((x) => x === t).length;

it("an unstack of T frames gets its gradient from one Concat, not T full-size Pads", () => {
  for (const frames of [4, 16]) {
    const { opTypes, grad } = traced(frames, (x) => {
      let h = ort.fill([3], 0);
      for (const f of ort.unstack(x)) h = ort.tanh(ort.add(h, f));
      return h;
    });
    expect(grad.shape).toEqual([frames, 3]);
    expect(count(opTypes, 'Pad')).toBe(0);
    expect(count(opTypes, 'Concat')).toBe(1);
  }
});

it('a single slice is padded; overlapping slices are padded and added', () => {
  const one = traced(5, (x) => ort.slice(x, [1, 0], [2, -1]));
  expect(count(one.opTypes, 'Pad')).toBe(1);
  // Rows 0..1 and 1..2: the first is concatenated with a zero gap, the overlapping second padded.
  const overlapping = traced(3, (x) => ort.add(ort.slice(x, [0, 0], [2, -1]), ort.slice(x, [1, 0], [2, -1])));
  expect(count(overlapping.opTypes, 'Concat')).toBe(1);
  expect(count(overlapping.opTypes, 'Pad')).toBe(1);
  // A frame used twice is one slice whose gradient is summed before it is placed.
  const twice = traced(3, (x) => {
    const f = ort.unstack(x);
    return ort.concat([f[0]!, f[1]!, f[1]!, f[2]!], 0);
  });
  expect(count(twice.opTypes, 'Concat')).toBe(2); // the forward's and the gradient's
  expect(count(twice.opTypes, 'Pad')).toBe(0);
});

it('an op without a gradient rule on the path is a BackendCapabilityError naming it', () => {
  expect(() => traced(2, (x) => ort.expand(x, [2, 2, 3]))).toThrow(BackendCapabilityError);
  expect(() => traced(2, (x) => ort.expand(x, [2, 2, 3]))).toThrow(/gradient of 'expand'/);
  // Off the path, it does not matter.
  expect(() => traced(2, (x) => ort.add(x, ort.sum(ort.expand(ort.fill([3], 1), [2, 3]), [0])))).not.toThrow();
});
