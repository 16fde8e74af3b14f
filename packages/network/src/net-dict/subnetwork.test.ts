// RETURNN's `subnetwork` class: "data" inside is the sources concatenated, base: reaches the enclosing network,
// "<sub>/<layer>" from outside, weights under "<sub>/<layer>/", forward and gradient against the same
// computation written with ops on the network's own weights.
import { getBackend, ops, setBackend, type Tensor } from '@strata/backend';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { NetDictError } from '../errors.js';
import '../index.js';
import { NetDictNetwork } from './net-dict-network.js';
import type { NetDict } from './schema.js';

beforeAll(async () => {
  registerTfjsBackends();
  await setBackend('tfjs-cpu');
});

const [B, T, F] = [2, 3, 4];
const extern = { data: { shape: [null, F] } };
const build = (net: NetDict) => NetDictNetwork.fromDict(net, { externData: extern, seed: 7 });
const xs = Float32Array.from({ length: B * T * F }, (_, i) => Math.cos(i * 0.61 + 0.2));
const batch = () => ({ data: ops.tensor(xs, [B, T, F]), 'data:size1': ops.tensor([T, T - 1], [B], 'int32') });
const read = (t: Tensor) => Array.from(ops.readSync(t));
const expectClose = (a: Tensor, b: Tensor, digits = 5) => {
  expect(a.shape).toEqual(b.shape);
  const [va, vb] = [read(a), read(b)];
  va.forEach((v, i) => expect(v).toBeCloseTo(vb[i]!, digits));
};
const dense = (x: Tensor, w: Tensor, b: Tensor) => ops.add(ops.matMul(ops.reshape(x, [-1, x.shape[2]!]), w), b);

const dict: NetDict = {
  a: { class: 'linear', activation: null, n_out: 2, from: 'data' },
  sub: {
    class: 'subnetwork',
    from: ['data', 'a'],
    subnetwork: {
      h: { class: 'linear', activation: 'tanh', n_out: 2, from: 'data' },
      output: { class: 'combine', kind: 'add', from: ['h', 'base:a'] },
    },
  },
  output: { class: 'combine', kind: 'mul', from: ['sub', 'sub/h'] },
} as never;

describe('subnetwork', () => {
  it('names its layers weights <sub>/<layer>/ and keeps the time axis (lengths pass through)', () => {
    const net = build(dict);
    expect(net.variables.map((v) => v.name).filter((n) => n.includes('/sub/'))).toEqual(['network/sub/h/kernel:0', 'network/sub/h/bias:0']);
    expect(net.node('sub').output.batchShape).toEqual([null, null, 2]);
    const outs = net.forward(batch());
    expect(read(net.node('output').output.timeDim!.dynSize!)).toEqual([T, T - 1]);
    expect(outs.get('output')!.value.shape).toEqual([B, T, 2]);
  });

  it('forward and gradient: sub = tanh([x, a]·W_h + b_h) + a, output = sub * h', () => {
    const net = build(dict);
    const w = Object.fromEntries(net.trainableWeights.map((v) => [v.name.replace(/^network\//, '').replace(/:0$/, ''), v.value]));
    const reference = () => {
      const x = ops.tensor(xs, [B, T, F]);
      const a = dense(x, w['a/kernel']!, w['a/bias']!);
      const h = ops.tanh(ops.add(ops.matMul(ops.concat([ops.reshape(x, [-1, F]), a], -1), w['sub/h/kernel']!), w['sub/h/bias']!));
      return ops.reshape(ops.mul(ops.add(h, a), h), [B, T, 2]);
    };
    expectClose(net.forward(batch()).get('output')!.value, reference());
    const weights = net.trainableWeights.map((v) => v.value);
    const objective = (f: () => Tensor) => () => ({ value: ops.sum(ops.mul(f(), f())) });
    const got = getBackend().valueAndGrads(objective(() => net.forward(batch()).get('output')!.value), weights).grads;
    const want = getBackend().valueAndGrads(objective(reference), weights).grads;
    got.forEach((g, i) => expectClose(g, want[i]!, 4));
    expect(read(ops.sum(ops.abs(got[weights.indexOf(w['sub/h/kernel']!)]!)))[0]).toBeGreaterThan(0);
  });

  it('needs a layer "output"', () => {
    expect(() => build({ output: { class: 'subnetwork', from: 'data', subnetwork: { h: { class: 'copy', from: 'data' } } } } as never)).toThrow(NetDictError);
    expect(() => build({ output: { class: 'subnetwork', from: 'data', subnetwork: { h: { class: 'copy', from: 'data' } } } } as never)).toThrow(/needs a layer named "output"/);
  });

  it('names an unknown sub-layer of a subnetwork', () => {
    expect(() => build({ ...dict, output: { class: 'copy', from: 'sub/nothing' } } as never)).toThrow(/sub\/nothing/);
  });

  it('inside a rec unit: run per frame, fed with prev:output', () => {
    const net = build({
      output: {
        class: 'rec',
        from: 'data',
        unit: {
          sub: { class: 'subnetwork', from: ['data:source', 'prev:output'], subnetwork: { output: { class: 'linear', activation: 'tanh', n_out: 2, from: 'data' } } },
          output: { class: 'copy', from: 'sub' },
        },
      },
    } as never);
    const [k, b] = net.trainableWeights.map((v) => v.value);
    expect(net.trainableWeights.map((v) => v.name)).toEqual(['network/output/sub/output/kernel:0', 'network/output/sub/output/bias:0']);
    let y = ops.zeros([B, 2]);
    const frames: Tensor[] = [];
    for (let t = 0; t < T; t++) {
      const xt = ops.reshape(ops.slice(ops.tensor(xs, [B, T, F]), [0, t, 0], [B, 1, F]), [B, F]);
      y = ops.tanh(ops.add(ops.matMul(ops.concat([xt, y], -1), k!), b!));
      frames.push(ops.reshape(y, [B, 1, 2]));
    }
    expectClose(net.forward(batch()).get('output')!.value, ops.concat(frames, 1));
  });
});
