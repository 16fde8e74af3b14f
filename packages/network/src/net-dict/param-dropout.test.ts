// RETURNN's weight dropout (LayerBase param_dropout): in training each float param of the layer is
// dropout(w) (kept elements scaled by 1 / (1 - rate)) while the layer runs; the identity in evaluation.
import { getBackend, ops, setBackend, type Tensor } from '@strata/backend';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { Rng, trainingContext } from '@strata/core';
import { beforeAll, describe, expect, it } from 'vitest';
import '../index.js';
import { NetDictNetwork } from './net-dict-network.js';
import type { NetDict } from './schema.js';

beforeAll(async () => {
  registerTfjsBackends();
  await setBackend('tfjs-cpu');
});

const F = 8;
const N = 6;
/** One sequence whose frame t is the one-hot vector e_t: a linear layer without bias then gives row t of W at frame t. */
const batch = () => ({ data: ops.tensor(Float32Array.from({ length: F * F }, (_, i) => (i % (F + 1) === 0 ? 1 : 0)), [1, F, F]), 'data:size1': ops.tensor([F], [1], 'int32') });
const lin = (extra: Record<string, unknown> = {}) => ({ class: 'linear', activation: null, n_out: N, from: 'data', ...extra });
const build = (dict: NetDict) => NetDictNetwork.fromDict(dict, { externData: { data: { shape: [null, F] } }, seed: 3 });
const read = (t: Tensor) => Array.from(ops.readSync(t) as Float32Array);
const weight = (net: NetDictNetwork, path: string) => net.weights.find((v) => v.path === `${net.name}/${path}`)!;

describe('param_dropout (RETURNN weight dropout)', () => {
  it('evaluation: the params as they are', () => {
    const net = build({ output: lin({ with_bias: false, param_dropout: 0.5 }) } as NetDict);
    expect(read(net.forward(batch()).get('output')!.value)).toEqual(read(weight(net, 'output/kernel').value));
  });

  it('training: each element of W is 0 or W / (1 - rate), a fresh mask per pass, the variable unchanged; the gradient flows through the mask', () => {
    const net = build({ output: lin({ with_bias: false, param_dropout: 0.5 }) } as NetDict);
    const w = weight(net, 'output/kernel');
    const handle = w.value;
    const wv = read(w.value);
    const run = (seed: number) => read(net.forward(batch(), trainingContext(new Rng(seed))).get('output')!.value);
    const y = run(1);
    expect(w.value).toBe(handle);
    expect(read(w.value)).toEqual(wv);
    const kept = y.map((v, i) => (v === 0 ? 0 : (expect(v).toBeCloseTo(wv[i]! * 2, 6), 1)));
    expect(kept.filter((k) => k === 1).length).toBeGreaterThan(8);
    expect(kept.filter((k) => k === 0).length).toBeGreaterThan(8);
    expect(run(2)).not.toEqual(y);
    // d sum(y) / dW = mask / (1 - rate): 2 where kept, 0 where dropped (same seed, same mask).
    const { grads } = getBackend().valueAndGrads(() => ({ value: ops.sum(net.forward(batch(), trainingContext(new Rng(1))).get('output')!.value) }), [w.value]);
    expect(read(grads[0]!)).toEqual(kept.map((k) => 2 * k));
  });

  it('param_dropout_min_ndim 2 leaves the bias alone; reuse_params: each layer asking for it gets its own mask, the others the plain params', () => {
    const net = build({
      a: lin({ param_dropout: 0.5, param_dropout_min_ndim: 2, is_output_layer: true }),
      b: lin({ reuse_params: 'a', param_dropout: 0.5, is_output_layer: true }),
      output: lin({ reuse_params: 'a' }),
    } as NetDict);
    const [wv, bv] = [read(weight(net, 'a/kernel').value), read(weight(net, 'a/bias').value)];
    const outs = net.forward(batch(), trainingContext(new Rng(7)));
    const [a, b, c] = ['a', 'b', 'output'].map((n) => read(outs.get(n)!.value));
    // output (reuse_params a, no param_dropout): the plain params, W + b.
    c.forEach((v, i) => expect(v).toBeCloseTo(wv[i]! + bv[i % N]!, 5));
    // a: W dropped, b kept: y - b is 0 or 2W.
    a.forEach((v, i) => expect([0, 2 * wv[i]!].some((o) => Math.abs(v - bv[i % N]! - o) < 1e-5)).toBe(true));
    expect(a.filter((v, i) => Math.abs(v - bv[i % N]!) < 1e-7).length).toBeGreaterThan(4);
    // b: the bias too (min_ndim 0): every frame is 0, or a mix of 2W and 2b.
    expect(b.some((v, i) => Math.abs(v) > 1e-6 && Math.abs(v - a[i]!) > 1e-6)).toBe(true);
    b.forEach((v, i) => expect([0, 2 * wv[i]!, 2 * bv[i % N]!, 2 * (wv[i]! + bv[i % N]!)].some((o) => Math.abs(v - o) < 1e-5)).toBe(true));
  });

  it('in a rec unit in training: an error saying RETURNN keeps one mask over the loop', () => {
    const net = build({ output: { class: 'rec', from: 'data', unit: { output: lin({ param_dropout: 0.2 }) } } } as NetDict);
    expect(() => net.forward(batch(), trainingContext(new Rng(1)))).toThrow(/param_dropout=0.2 inside a rec unit is not supported in training: RETURNN draws one weight mask for the whole loop/);
    expect(net.forward(batch()).get('output')!.value.shape).toEqual([1, F, N]);
  });

  it('refuses a rate outside [0, 1)', () => {
    expect(() => build({ output: lin({ param_dropout: 1 }) } as NetDict)).toThrow(/param_dropout/);
  });
});
