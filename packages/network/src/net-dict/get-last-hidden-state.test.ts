// RETURNN's get_last_hidden_state: the state a rec layer ends each sequence with (frame len-1 forward, frame 0
// backward), concatenated or added; forward and gradient against the rec outputs sliced per sequence.
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

const [B, T, F] = [3, 5, 2];
const LENS = [5, 2, 3];
const extern = { data: { shape: [null, F] } };
const build = (net: NetDict) => NetDictNetwork.fromDict(net, { externData: extern, seed: 9 });
const xs = Float32Array.from({ length: B * T * F }, (_, i) => Math.sin(i * 0.9 + 0.4));
const batch = () => ({ data: ops.tensor(xs, [B, T, F]), 'data:size1': ops.tensor(LENS, [B], 'int32') });
const read = (t: Tensor) => Array.from(ops.readSync(t));

/** Frame `t(b)` of each sequence of `out` `[B, T, U]`, by slicing: `[B, U]`. */
const frames = (out: Tensor, t: (b: number) => number) =>
  ops.concat(
    LENS.map((_, b) => ops.reshape(ops.slice(out, [b, t(b), 0], [1, 1, out.shape[2]!]), [1, out.shape[2]!])),
    0,
  );

const blstm: NetDict = {
  fwd: { class: 'rec', unit: 'lstm', direction: 1, n_out: 3, from: 'data' },
  bwd: { class: 'rec', unit: 'lstm', direction: -1, n_out: 3, from: 'data' },
  output: { class: 'get_last_hidden_state', from: ['fwd', 'bwd'], key: 'h', n_out: 6 },
} as never;

describe('get_last_hidden_state', () => {
  it('forward and gradient: [fwd at len-1, bwd at 0], [B, 6]', () => {
    const net = build(blstm);
    expect(net.node('output').output.batchShape).toEqual([null, 6]);
    const outs = net.forward(batch());
    const reference = (o: Map<string, { value: Tensor }>) => ops.concat([frames(o.get('fwd')!.value, (b) => LENS[b]! - 1), frames(o.get('bwd')!.value, () => 0)], -1);
    const got = outs.get('output')!.value;
    expect(got.shape).toEqual([B, 6]);
    const want = read(reference(outs));
    read(got).forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 6));
    const weights = net.trainableWeights.map((w) => w.value);
    const scale = ops.tensor(Float32Array.from({ length: B * 6 }, (_, i) => 1 + (i % 4)), [B, 6]);
    const g1 = getBackend().valueAndGrads(() => ({ value: ops.sum(ops.mul(net.forward(batch()).get('output')!.value, scale)) }), weights).grads;
    const g2 = getBackend().valueAndGrads(() => ({ value: ops.sum(ops.mul(reference(net.forward(batch())), scale)) }), weights).grads;
    g1.forEach((g, k) => {
      const w = read(g2[k]!);
      read(g).forEach((v, i) => expect(v).toBeCloseTo(w[i]!, 5));
    });
    expect(read(ops.sum(ops.abs(g1[0]!)))[0]).toBeGreaterThan(0);
  });

  it('adds GRU states with combine "add" and key "*"', () => {
    const net = build({
      g1: { class: 'rec', unit: 'gru', n_out: 2, from: 'data' },
      g2: { class: 'rec', unit: 'gru', n_out: 2, from: 'data' },
      output: { class: 'get_last_hidden_state', from: ['g1', 'g2'], combine: 'add', n_out: 2 },
    } as never);
    const outs = net.forward(batch());
    const want = read(ops.add(frames(outs.get('g1')!.value, (b) => LENS[b]! - 1), frames(outs.get('g2')!.value, (b) => LENS[b]! - 1)));
    read(outs.get('output')!.value).forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 6));
  });

  it("rejects an LSTM's cell state, a non-rec source and a wrong n_out, naming the entry", () => {
    const withOut = (o: Record<string, unknown>) => build({ fwd: blstm.fwd, output: { class: 'get_last_hidden_state', from: 'fwd', key: 'h', n_out: 3, ...o } } as never);
    expect(() => withOut({ key: 'c' })).toThrow(NetDictError);
    expect(() => withOut({ key: 'c' })).toThrow(/key "c" for source 'fwd' \(unit 'lstm'\): use "h"/);
    expect(() => withOut({ n_out: 4 })).toThrow(/n_out=4, but the sources' last states give 3 features/);
    expect(() => build({ l: { class: 'linear', n_out: 3, from: 'data' }, output: { class: 'get_last_hidden_state', from: 'l', n_out: 3 } } as never)).toThrow(
      /source 'l' must be a "rec" layer/,
    );
  });
});
