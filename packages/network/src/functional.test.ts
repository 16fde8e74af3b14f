// Functional: a network from a graph of layer calls on symbolic tensors
// (Keras' functional API): same values as calling the layers by hand, layers
// tracked in first-use order, shared layers, several inputs and outputs,
// nesting, the training flag, and the errors of a malformed graph.
import { ops, setBackend, type Tensor } from '@strata/backend';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { Combine, Dropout, INFERENCE, input, Linear, Rng, SymbolicTensor, SymbolicTensorError, trainingContext } from '@strata/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { Functional } from './functional.js';

beforeAll(async () => {
  registerTfjsBackends();
  await setBackend('tfjs-cpu');
});

const read = (t: Tensor): number[] => Array.from(ops.readSync(t));
const x0 = () => ops.tensor(Float32Array.from({ length: 2 * 4 }, (_, i) => Math.sin(i + 1)), [2, 4]);

function expectClose(a: Tensor, b: Tensor): void {
  expect(a.shape).toEqual(b.shape);
  const [u, v] = [read(a), read(b)];
  u.forEach((x, i) => expect(x).toBeCloseTo(v[i]!, 6));
}

describe('Functional', () => {
  it('computes what calling the layers by hand computes: a residual branch, a layer called twice (one set of weights)', () => {
    const a = new Linear({ units: 4, activation: 'tanh', seed: 1 });
    const b = new Linear({ units: 3, seed: 2 });
    const add = new Combine({ kind: 'add' });
    const x = input({ shape: [4] });
    expect(x.shape).toEqual([null, 4]);
    expect(x.dtype).toBe('float32');
    const h = a.apply(x);
    expect(h).toBeInstanceOf(SymbolicTensor);
    const y = b.apply(add.apply([a.apply(h), x]));
    const net = new Functional({ inputs: x, outputs: y, name: 'res' });
    expect(net.layers).toEqual([a, add, b]);

    const out = net.apply(x0());
    const byHand = b.apply(add.apply([a.apply(a.apply(x0())), x0()]));
    expectClose(out, byHand);
    expect(out.shape).toEqual([2, 3]);
    expect(read(out).some((v) => Math.abs(v) > 0.05)).toBe(true);
    expect(net.variables.map((v) => v.name)).toEqual(['res/dense/kernel:0', 'res/dense/bias:0', 'res/dense_1/kernel:0', 'res/dense_1/bias:0']);
  });

  it('takes several inputs in the order given, and gives several outputs with callAll', () => {
    const p = input({ shape: [4], name: 'left' });
    const q = input({ shape: [4], name: 'right' });
    const sub = new Combine({ kind: 'sub' });
    const d = new Linear({ units: 2, seed: 3 });
    const diff = sub.apply([p, q]);
    const net = new Functional({ inputs: [q, p], outputs: [d.apply(diff), diff] });
    const [u, v] = [x0(), ops.mul(x0(), ops.scalar(3))];
    const [first, second] = net.callAll([u, v], INFERENCE);
    expectClose(second!, ops.sub(v, u));
    expectClose(first!, d.apply(ops.sub(v, u)));
    expect(() => net.apply([u, v])).toThrow(/has 2 outputs; apply returns one tensor. Use callAll/);
    expect(() => net.callAll([u], INFERENCE)).toThrow(/takes 2 input\(s\) \(right.*, left.*\), received 1/);
  });

  it('nests: a Functional called on symbolic tensors is one layer of a larger graph, its variables under both names', () => {
    const xi = input({ shape: [4] });
    const inner = new Functional({ inputs: xi, outputs: new Linear({ units: 4, seed: 5 }).apply(xi), name: 'block' });
    const x = input({ shape: [4] });
    const head = new Linear({ units: 2, seed: 6 });
    const outer = new Functional({ inputs: x, outputs: head.apply(inner.apply(inner.apply(x))), name: 'outer' });
    expectClose(outer.apply(x0()), head.apply(inner.apply(inner.apply(x0()))));
    expect(outer.variables.map((v) => v.name)).toEqual(['outer/block/dense/kernel:0', 'outer/block/dense/bias:0', 'outer/dense/kernel:0', 'outer/dense/bias:0']);
  });

  it('passes the training flag to every layer: dropout is active in training, the identity in inference', () => {
    const x = input({ shape: [64] });
    const net = new Functional({ inputs: x, outputs: new Dropout({ rate: 0.5 }).apply(x) });
    const ones = ops.ones([8, 64]);
    expect(read(net.apply(ones, INFERENCE))).toEqual(read(ones));
    const trained = read(net.apply(ones, trainingContext(new Rng(7))));
    const zeros = trained.filter((v) => v === 0).length;
    expect(zeros).toBeGreaterThan(150);
    expect(zeros).toBeLessThan(362);
    expect(trained.filter((v) => v !== 0).every((v) => Math.abs(v - 2) < 1e-6)).toBe(true);
  });

  it('refuses a disconnected graph, a computed tensor as input, an input twice and a list mixing symbolic and real tensors', () => {
    const x = input({ shape: [4], name: 'feat' });
    const other = input({ shape: [4], name: 'aux' });
    const add = new Combine({ kind: 'add', name: 'join' });
    const y = add.apply([x, other]);
    expect(() => new Functional({ inputs: x, outputs: y })).toThrow(SymbolicTensorError);
    expect(() => new Functional({ inputs: x, outputs: y })).toThrow(/Graph disconnected: input 'aux.*' needed by layer 'join' is not among the Functional's inputs \(feat.*\)\. Add it to inputs/);
    const h = new Linear({ units: 4 }).apply(x);
    expect(() => new Functional({ inputs: h, outputs: y })).toThrow(/inputs\[0\] \(dense.*\) is not a graph input/);
    expect(() => new Functional({ inputs: [x, x], outputs: y })).toThrow(/input 'feat.*' is given twice/);
    expect(() => new Linear({ units: 2 }).apply([x, ops.ones([1, 4])] as never)).toThrow(/mixing symbolic tensors .* and real tensors/);
    expect(() => input({ shape: [0] })).toThrow(/positive integers or null/);
  });
});
