import { ops, setBackend } from '@strata/backend';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { INFERENCE } from '@strata/core';
import { NetDictNetwork } from '@strata/network';
import { beforeAll, describe, expect, it } from 'vitest';
import { ctcBestPath, decodeSequences } from './decode.js';

beforeAll(async () => {
  registerTfjsBackends();
  await setBackend('tfjs-cpu');
});

describe('ctcBestPath (Graves et al. 2006 best path)', () => {
  it('takes the argmax per frame, merges repeats, drops blanks, stops at the length', () => {
    // 1 sequence, 6 frames, 3 classes (blank = 2); frames' argmax: 0 0 2 0 1 1.
    const rows = [[5, 1, 0], [4, 1, 0], [0, 1, 3], [2, 1, 0], [0, 3, 1], [0, 3, 1]];
    const p = Float32Array.from(rows.flat());
    expect(Array.from(ctcBestPath(p, 0, 6, 3, 6, 2))).toEqual([0, 0, 1]);
    expect(Array.from(ctcBestPath(p, 0, 6, 3, 3, 2))).toEqual([0]);
    expect(Array.from(ctcBestPath(p, 0, 6, 3, 6, 0))).toEqual([2, 1]);
  });
});

describe('decodeSequences (search)', () => {
  const ext = { data: { dim: 2, shape: [null, 2] }, classes: { dim: 3, sparse: true, shape: [null] } };
  const net = () =>
    NetDictNetwork.fromDict(
      {
        enc: { class: 'linear', activation: 'tanh', n_out: 3 },
        output: {
          class: 'rec',
          from: [],
          max_seq_len: 5,
          target: 'classes',
          unit: {
            embed: { class: 'linear', activation: null, with_bias: false, from: ['prev:output'], n_out: 3 },
            att: { class: 'dot_attention', from: ['embed'], base: 'base:enc', base_ctx: 'base:enc', n_out: 3 },
            prob: { class: 'softmax', from: ['embed', 'att'], target: 'classes', loss: 'ce' },
            output: { class: 'choice', from: ['prob'], target: 'classes', beam_size: 1, initial_output: 0 },
            end: { class: 'compare', from: ['output'], value: 0 },
          },
        },
        decision: { class: 'decide', from: ['output'] },
      } as never,
      { externData: ext, seed: 9 },
    );

  it('with beam 1 equals greedy decoding frame by frame, per sequence, in dataset order', () => {
    const n = net();
    const seqs = [Float32Array.from([0.5, -1, 2, 0.3, -0.7, 1.1]), Float32Array.from([1, 1]), Float32Array.from([-2, 0.4, 0.9, -0.1])];
    const dataset = { name: 'toy', size: 3, extern: { data: ext.data }, example: (i: number) => ({ data: seqs[i]! }) };
    const found = decodeSequences(n, dataset, { mode: 'search', layer: 'decision', eos: 0 });
    seqs.forEach((s, i) => {
      // Greedy: feed back the argmax until it is 0 (the end label) or 5 frames.
      const data = ops.tensor(s, [1, s.length / 2, 2]);
      const greedy: number[] = [];
      for (let t = 0; t < 5; t++) {
        const classes = ops.tensor([...greedy, 0], [1, greedy.length + 1], 'int32');
        const probs = n.forward({ data, classes, 'classes:size1': ops.tensor([greedy.length + 1], [1], 'int32') }, INFERENCE).get('output/prob')!;
        const last = Array.from(ops.readSync(probs.value)).slice(-3);
        const c = last.indexOf(Math.max(...last));
        if (c === 0) break;
        greedy.push(c);
      }
      expect(Array.from(found[i]!)).toEqual(greedy);
    });
  });
});
