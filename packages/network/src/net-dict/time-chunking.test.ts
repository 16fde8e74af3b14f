// RETURNN's time_chunking / time_unchunking: the chunk plan of its native Chunking op, chunk values and lengths,
// and unchunking of unchanged chunks giving the input back (valid frames; padding zeros), forward and gradient.
import { getBackend, ops, setBackend, type Tensor } from '@strata/backend';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { NetDictError } from '../errors.js';
import '../index.js';
import { NetDictNetwork } from './net-dict-network.js';
import type { NetDict } from './schema.js';
import { chunkPlan } from './time-chunking.js';

beforeAll(async () => {
  registerTfjsBackends();
  await setBackend('tfjs-cpu');
});

const [B, T, F] = [2, 6, 2];
const LENS = [6, 3];
const extern = { data: { shape: [null, F] } };
const build = (net: NetDict) => NetDictNetwork.fromDict(net, { externData: extern, seed: 4 });
const xs = Float32Array.from({ length: B * T * F }, (_, i) => 1 + i);
const batch = () => ({ data: ops.tensor(xs, [B, T, F]), 'data:size1': ops.tensor(LENS, [B], 'int32') });
const read = (t: Tensor) => Array.from(ops.readSync(t));

describe('chunkPlan', () => {
  it("gives RETURNN's n_chunks (native_op.Chunking docstring examples)", () => {
    const n = (time: number) => chunkPlan(1, time, 50, 10).nChunks;
    expect([1, 49, 50, 51, 60, 61, 99, 100, 101].map(n)).toEqual([1, 1, 1, 2, 2, 3, 6, 6, 7]);
  });
});

describe('time_chunking', () => {
  it('cuts [B, T, F] into [B * n, size, F], batch-major, zeros and lengths past each sequence', () => {
    const net = build({ output: { class: 'time_chunking', chunk_size: 3, chunk_step: 2, from: 'data' } } as never);
    const out = net.forward(batch()).get('output')!.value;
    // n = floor((6 - 3 + 1) / 2) + 1 = 3 chunks per sequence, starting at frames 0, 2, 4.
    expect(out.shape).toEqual([B * 3, 3, F]);
    const v = read(out);
    for (let y = 0; y < B * 3; y++) {
      const [b, c] = [Math.floor(y / 3), y % 3];
      for (let x = 0; x < 3; x++) {
        const t = 2 * c + x;
        for (let f = 0; f < F; f++) expect(v[(y * 3 + x) * F + f]).toBe(t < LENS[b]! ? xs[(b * T + t) * F + f]! : 0);
      }
    }
    expect(read(net.node('output').output.timeDim!.dynSize!)).toEqual([3, 3, 2, 3, 1, 0]);
  });

  it('rejects an axis other than T', () => {
    expect(() => build({ output: { class: 'time_chunking', chunk_size: 3, chunk_step: 2, axis: 'F', from: 'data' } } as never)).toThrow(NetDictError);
  });
});

describe('time_unchunking', () => {
  const dict: NetDict = {
    a: { class: 'linear', activation: null, n_out: 3, from: 'data' },
    chunks: { class: 'time_chunking', chunk_size: 3, chunk_step: 2, from: 'a' },
    output: { class: 'time_unchunking', chunking_layer: 'chunks', from: 'chunks' },
  } as never;

  it('of unchanged chunks is the input on valid frames (overlaps are a mean of equal copies), with its lengths; gradient too', () => {
    const net = build(dict);
    const mask = ops.reshape(ops.tensor(Float32Array.from({ length: B * T }, (_, i) => (i % T < LENS[Math.floor(i / T)]! ? 1 : 0)), [B, T]), [B, T, 1]);
    const outs = net.forward(batch());
    expect(outs.get('output')!.value.shape).toEqual([B, T, 3]);
    const want = read(ops.mul(outs.get('a')!.value, mask));
    read(outs.get('output')!.value).forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 4));
    expect(read(net.node('output').output.timeDim!.dynSize!)).toEqual(LENS);
    const weights = net.trainableWeights.map((w) => w.value);
    const scale = ops.tensor(Float32Array.from({ length: B * T * 3 }, (_, i) => Math.cos(i)), [B, T, 3]);
    const g1 = getBackend().valueAndGrads(() => ({ value: ops.sum(ops.mul(net.forward(batch()).get('output')!.value, scale)) }), weights).grads;
    const g2 = getBackend().valueAndGrads(() => ({ value: ops.sum(ops.mul(ops.mul(net.forward(batch()).get('a')!.value, mask), scale)) }), weights).grads;
    g1.forEach((g, k) => {
      const w = read(g2[k]!);
      read(g).forEach((v, i) => expect(v).toBeCloseTo(w[i]!, 3));
    });
  });

  it("several from sources are joined on the feature axis first (RETURNN's input_data; demo-tf-chunking-blstm's [fw2, bw2])", () => {
    const two: NetDict = {
      a: { class: 'linear', activation: null, n_out: 3, from: 'data' },
      chunks: { class: 'time_chunking', chunk_size: 3, chunk_step: 2, from: 'a' },
      b: { class: 'linear', activation: null, n_out: 2, from: 'chunks' },
      output: { class: 'time_unchunking', chunking_layer: 'chunks', from: ['chunks', 'b'] },
    } as never;
    const net = build(two);
    expect(net.node('output').output.batchShape).toEqual([null, null, 5]);
    const outs = net.forward(batch());
    expect(outs.get('output')!.value.shape).toEqual([B, T, 5]);
    // Unchunking each part on its own gives the same frames: the 3 features of 'chunks', then the 2 of 'b'.
    const single = build({ ...two, output: { class: 'time_unchunking', chunking_layer: 'chunks', from: 'b' } } as never);
    single.setWeights(net.getWeights());
    const joined = read(outs.get('output')!.value);
    const first = read(build(dict).forward(batch()).get('output')!.value);
    const second = read(single.forward(batch()).get('output')!.value);
    for (let f = 0; f < B * T; f++) {
      for (let k = 0; k < 3; k++) expect(joined[f * 5 + k]).toBeCloseTo(first[f * 3 + k]!, 5);
      for (let k = 0; k < 2; k++) expect(joined[f * 5 + 3 + k]).toBeCloseTo(second[f * 2 + k]!, 5);
    }
  });

  it('needs chunking_layer to name a time_chunking layer', () => {
    expect(() => build({ ...dict, output: { class: 'time_unchunking', chunking_layer: 'a', from: 'chunks' } } as never)).toThrow(/must name a layer of class 'time_chunking'/);
  });
});
