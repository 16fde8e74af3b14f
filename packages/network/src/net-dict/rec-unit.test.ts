// Recurrent net dicts the RETURNN way: BLSTM encoders (unit names of RETURNN's
// demos), a rec layer with a unit sub-network (prev:, base:, data:classes,
// rnn_cell, dot attention), teacher forcing, masking, and beam search.
import { getBackend, ops, setBackend, type Tensor } from '@strata/backend';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { INFERENCE } from '@strata/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { lensOf } from '../test-utils/lens.js';
import { NetDictError } from '../errors.js';
import '../index.js';
import { NetDictNetwork } from './net-dict-network.js';
import type { NetDict } from './schema.js';

beforeAll(async () => {
  registerTfjsBackends();
  await setBackend('tfjs-cpu');
});

const seqExtern = { data: { dim: 5, shape: [null, 5] }, classes: { dim: 6, sparse: true, shape: [null] } };
const build = (net: NetDict, extern: Record<string, unknown> = seqExtern) => NetDictNetwork.fromDict(net, { externData: extern, seed: 3 });
const values = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(seed * 7.1 + i * 1.3));
const read = (t: Tensor) => Array.from(ops.readSync(t));

/** The BLSTM part of RETURNN's demo-timit-lstm-ctc.config (unit "nativelstm2", direction ±1). */
const blstm: NetDict = {
  fwd0: { class: 'rec', unit: 'nativelstm2', direction: 1, n_out: 4 },
  bwd0: { class: 'rec', unit: 'nativelstm2', direction: -1, n_out: 4 },
  output: { class: 'softmax', loss: 'ce', target: 'classes', from: ['fwd0', 'bwd0'] },
} as never;

describe('rec with a cell unit (BLSTM)', () => {
  it('constructs with time axes and masks padded frames', () => {
    const net = build(blstm);
    expect(net.node('output').output.batchShape).toEqual([null, null, 6]);
    const x = values(2 * 4 * 5, 1);
    const lens = ops.tensor([4, 2], [2], 'int32');
    const run = (xs: Float32Array) => net.forward({ data: ops.tensor(xs, [2, 4, 5]), 'data:size1': lens }).get('output')!;
    const a = run(x);
    expect(read(lensOf(net, 'output'))).toEqual([4, 2]);
    // Garbage in the padded frames of sequence 1 (t >= 2) changes nothing in its valid frames.
    const y = x.slice();
    for (let t = 2; t < 4; t++) for (let f = 0; f < 5; f++) y[(1 * 4 + t) * 5 + f] = 1000;
    const b = run(y);
    const va = read(a.value);
    const vb = read(b.value);
    for (let t = 0; t < 2; t++) for (let c = 0; c < 6; c++) expect(vb[(4 + t) * 6 + c]).toBeCloseTo(va[(4 + t) * 6 + c]!, 6);
    expect(va.slice(0, 24)).toEqual(vb.slice(0, 24));
  });

  it('rejects an unknown unit with the list of known ones', () => {
    expect(() => build({ output: { class: 'rec', unit: 'mystery', n_out: 3 } } as never)).toThrow(/\(class 'rec'\): unit must be a unit net dict or one of lstm, nativelstm, .*Received: unit="mystery"/);
  });
});

/** RETURNN's demo-tf-attention.config network, as JSON (sizes reduced). */
const attention: NetDict = {
  lstm0_fw: { class: 'rec', unit: 'lstmp', n_out: 4, direction: 1 },
  lstm0_bw: { class: 'rec', unit: 'lstmp', n_out: 4, direction: -1 },
  encoder: { class: 'linear', activation: 'tanh', from: ['lstm0_fw', 'lstm0_bw'], n_out: 4 },
  enc_ctx: { class: 'linear', activation: 'tanh', from: ['encoder'], n_out: 4 },
  output: {
    class: 'rec',
    from: [],
    unit: {
      orth_embed: { class: 'linear', activation: null, from: ['data:classes'], n_out: 3 },
      s: { class: 'rnn_cell', unit: 'LSTMBlock', from: ['prev:c', 'prev:orth_embed'], n_out: 4 },
      c_in: { class: 'linear', activation: 'tanh', from: ['s', 'prev:orth_embed'], n_out: 4 },
      c: { class: 'dot_attention', from: ['c_in'], base: 'base:encoder', base_ctx: 'base:enc_ctx', n_out: 4 },
      output: { class: 'softmax', from: ['prev:s', 'c'], target: 'classes' },
    },
    target: 'classes',
    loss: 'ce',
  },
} as never;

describe('rec with a unit sub-network (demo-tf-attention)', () => {
  it('constructs: per-frame templates, weights named under the rec layer', () => {
    const net = build(attention);
    expect(net.node('output').output.batchShape).toEqual([null, null, 6]);
    const names = net.variables.map((v) => v.name);
    expect(names).toContain('network/output/s/kernel:0');
    expect(names).toContain('network/output/orth_embed/kernel:0');
    expect(net.lossNodes().map((n) => n.name)).toEqual(['output']);
  });

  it('trains by teacher forcing: output [batch, targetTime, classes], every weight gets a gradient', () => {
    const net = build(attention);
    const batch = {
      data: ops.tensor(values(2 * 5 * 5, 2), [2, 5, 5]),
      'data:size1': ops.tensor([5, 3], [2], 'int32'),
      classes: ops.tensor([1, 2, 3, 4, 5, 0, 0, 0], [2, 4], 'int32'),
      'classes:size1': ops.tensor([4, 2], [2], 'int32'),
    };
    const out = net.forward(batch).get('output')!;
    expect(out.value.shape).toEqual([2, 4, 6]);
    expect(read(lensOf(net, 'output'))).toEqual([4, 2]);
    const sums = read(ops.sum(out.value, [-1]));
    sums.forEach((s) => expect(s).toBeCloseTo(1, 5));
    const weights = net.trainableWeights.map((w) => w.value);
    const { grads } = getBackend().valueAndGrads(() => ({ value: ops.sum(ops.mul(net.forward(batch).get('output')!.logits!, ops.oneHot(batch.classes, 6))) }), weights);
    grads.forEach((g, i) => expect(read(ops.sum(ops.abs(g)))[0], net.trainableWeights[i]!.name).toBeGreaterThan(0));
  });

  it('back_prop: false (RETURNN RecLayer, its while_loop without gradient): the same forward, no gradient through the loop', () => {
    const batch = {
      data: ops.tensor(values(2 * 5 * 5, 2), [2, 5, 5]),
      'data:size1': ops.tensor([5, 3], [2], 'int32'),
      classes: ops.tensor([1, 2, 3, 4, 5, 0, 0, 0], [2, 4], 'int32'),
      'classes:size1': ops.tensor([4, 2], [2], 'int32'),
    };
    const dict = JSON.parse(JSON.stringify(attention));
    dict.output.back_prop = false;
    const net = build(dict);
    const withProp = build(attention);
    expect(read(net.forward(batch).get('output')!.value)).toEqual(read(withProp.forward(batch).get('output')!.value));
    const weights = net.trainableWeights.map((w) => w.value);
    const { grads } = getBackend().valueAndGrads(() => ({ value: ops.sum(ops.mul(net.forward(batch).get('output')!.logits!, ops.oneHot(batch.classes, 6))) }), weights);
    // Every weight (the unit's and the encoder's before the loop) only reaches the objective through the loop.
    grads.forEach((g, i) => expect(read(ops.sum(ops.abs(g)))[0], net.trainableWeights[i]!.name).toBe(0));
    dict.output.back_prop = 'no';
    expect(() => build(dict)).toThrow(/back_prop/);
  });

  it("collocate_with (RETURNN LayerBase: placement in the rec loop only, not a dependency): the same forward", () => {
    const batch = { data: ops.tensor(values(2 * 5 * 5, 2), [2, 5, 5]), 'data:size1': ops.tensor([5, 3], [2], 'int32'), classes: ops.tensor([1, 2, 3, 4, 5, 0, 0, 0], [2, 4], 'int32'), 'classes:size1': ops.tensor([4, 2], [2], 'int32') };
    const dict = JSON.parse(JSON.stringify(attention));
    dict.output.unit.c_in.collocate_with = ['s'];
    dict.enc_ctx.collocate_with = 'encoder';
    expect(read(build(dict).forward(batch).get('output')!.value)).toEqual(read(build(attention).forward(batch).get('output')!.value));
    dict.enc_ctx.collocate_with = 3;
    expect(() => build(dict)).toThrow(/collocate_with/);
  });

  it('needs n_out for a prev: reference to a layer under construction', () => {
    const dict = JSON.parse(JSON.stringify(attention));
    delete dict.output.unit.c.n_out;
    delete dict.output.unit.s.n_out;
    dict.output.unit.s.from = ['prev:s', 'prev:orth_embed'];
    expect(() => build(dict)).toThrow(NetDictError);
  });
});

/** A tiny decoder with choice/end: its scores depend on the previous token only. */
const decoder: NetDict = {
  enc: { class: 'linear', activation: 'tanh', n_out: 3 },
  output: {
    class: 'rec',
    from: [],
    max_seq_len: 4,
    unit: {
      embed: { class: 'linear', activation: null, with_bias: false, from: ['prev:output'], n_out: 3 },
      att: { class: 'dot_attention', from: ['embed'], base: 'base:enc', base_ctx: 'base:enc', n_out: 3 },
      prob: { class: 'softmax', from: ['embed', 'att'], target: 'classes', loss: 'ce' },
      output: { class: 'choice', from: ['prob'], target: 'classes', beam_size: 30, initial_output: 0, length_normalization: false },
      end: { class: 'compare', from: ['output'], value: 0 },
    },
    target: 'classes',
  },
  decision: { class: 'decide', from: ['output'] },
} as never;

describe('beam search (choice, end, decide)', () => {
  const ext = { data: { dim: 2, shape: [null, 2] }, classes: { dim: 3, sparse: true, shape: [null] } };

  /** log p(sequence) by teacher forcing: the score beam search maximises. */
  function scoreOf(net: NetDictNetwork, data: Tensor, seq: number[]): number {
    const classes = ops.tensor(seq, [1, seq.length], 'int32');
    const outs = net.forward({ data, 'data:size1': ops.tensor([data.shape[1]!], [1], 'int32'), classes, 'classes:size1': ops.tensor([seq.length], [1], 'int32') });
    const logp = read(ops.logSoftmax(outs.get('output/prob')!.logits!, -1));
    return seq.reduce((s, c, t) => s + logp[t * 3 + c]!, 0);
  }

  it('finds the best sequence of an exhaustive search (all sequences ending in 0 within 4 frames)', () => {
    const net = build(decoder, ext);
    const data = ops.tensor(values(1 * 3 * 2, 5), [1, 3, 2]);
    const all: number[][] = [];
    const grow = (prefix: number[]) => {
      for (const c of [0, 1, 2]) {
        const s = [...prefix, c];
        if (c === 0) all.push(s);
        else if (s.length < 4) grow(s);
      }
    };
    grow([]);
    const scored = all.map((s) => [scoreOf(net, data, s), s] as const).sort((a, b) => b[0] - a[0]);
    const ctx = { ...INFERENCE, search: true } as typeof INFERENCE;
    const found = net.forward({ data, 'data:size1': ops.tensor([3], [1], 'int32') }, ctx).get('decision')!;
    // The length leaves out the end frame (RETURNN RecLayer include_eos=False).
    expect(read(found.value).slice(0, read(lensOf(net, 'decision'))[0])).toEqual(scored[0]![1].slice(0, -1));
  });
});

describe("rec unit over its input frames (RETURNN's demo-tf-rec-explicit-rnn)", () => {
  const dict: NetDict = {
    rnn: { class: 'rec', from: 'data', unit: { output: { class: 'linear', activation: 'tanh', from: ['prev:output', 'data:source'], n_out: 4 } } },
    output: { class: 'softmax', loss: 'ce', from: 'rnn' },
  } as never;

  it('computes h_t = tanh([h_{t-1}, x_t] · W + b) frame by frame, from zeros', () => {
    const net = NetDictNetwork.fromDict(dict, { externData: { data: { dim: 3, shape: [null, 3] }, classes: { dim: 2, sparse: true } }, seed: 8 });
    const [kernel, bias] = net.node('rnn').layer.weights.map((w) => read(w.value));
    const x = values(2 * 4 * 3, 9);
    const out = net.forward({ data: ops.tensor(x, [2, 4, 3]), 'data:size1': ops.tensor([4, 2], [2], 'int32') }).get('rnn')!;
    expect(out.value.shape).toEqual([2, 4, 4]);
    expect(read(lensOf(net, 'rnn'))).toEqual([4, 2]);
    const got = read(out.value);
    for (let b = 0; b < 2; b++) {
      let h = [0, 0, 0, 0];
      for (let t = 0; t < 4; t++) {
        const input = [...h, ...Array.from(x.slice((b * 4 + t) * 3, (b * 4 + t + 1) * 3))];
        h = h.map((_, j) => Math.tanh(input.reduce((s, v, i) => s + v * kernel![i * 4 + j]!, bias![j]!)));
        h.forEach((v, j) => expect(got[(b * 4 + t) * 4 + j]).toBeCloseTo(v, 5));
      }
    }
  });
});
