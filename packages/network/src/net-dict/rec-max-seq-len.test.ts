// RETURNN's max_seq_len strings ("max_len_from('base:encoder') * 3"): read without Python; the search of a
// unit without an end layer runs exactly that many frames (the max length of the named layer in the batch).
import { ops, setBackend, type Tensor } from '@strata/backend';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { INFERENCE } from '@strata/core';
import { NetDictError } from '../errors.js';
import { beforeAll, describe, expect, it } from 'vitest';
import '../index.js';
import { NetDictNetwork } from './net-dict-network.js';
import type { NetDict } from './schema.js';

beforeAll(async () => {
  registerTfjsBackends();
  await setBackend('tfjs-cpu');
});

const ext = { data: { dim: 2, shape: [null, 2] }, classes: { dim: 3, sparse: true, shape: [null] } };
/** A decoder without an end layer: its search stops only at max_seq_len. */
const decoder = (maxSeqLen: unknown): NetDict =>
  ({
    encoder: { class: 'linear', activation: 'tanh', n_out: 3 },
    output: {
      class: 'rec',
      from: [],
      max_seq_len: maxSeqLen,
      target: 'classes',
      unit: {
        embed: { class: 'linear', activation: null, with_bias: false, from: ['prev:output'], n_out: 3 },
        att: { class: 'dot_attention', from: ['embed'], base: 'base:encoder', base_ctx: 'base:encoder', n_out: 3 },
        prob: { class: 'softmax', from: ['embed', 'att'], target: 'classes', loss: 'ce' },
        output: { class: 'choice', from: ['prob'], target: 'classes', beam_size: 2, initial_output: 0 },
      },
    },
  }) as never;

/** The frames the search produced for encoder inputs of lengths `lens` (padded to the longest). */
function searchFrames(maxSeqLen: unknown, lens: number[]): number {
  const net = NetDictNetwork.fromDict(decoder(maxSeqLen), { externData: ext, seed: 4 });
  const T = Math.max(...lens);
  const data = ops.tensor(Float32Array.from({ length: lens.length * T * 2 }, (_, i) => Math.sin(i)), [lens.length, T, 2]);
  const out: Tensor = net.forward({ data, 'data:size1': ops.tensor(lens, [lens.length], 'int32') }, { ...INFERENCE, search: true } as typeof INFERENCE).get('output')!.value;
  return out.shape[1]!;
}

describe('rec max_seq_len as a string (RETURNN: eval with max_len_from)', () => {
  it("max_len_from('base:encoder') is the longest encoder sequence of the batch; arithmetic on it", () => {
    expect(searchFrames("max_len_from('base:encoder')", [5, 3])).toBe(5);
    expect(searchFrames("max_len_from('base:encoder')", [2, 4])).toBe(4);
    expect(searchFrames('max_len_from("base:encoder") * 3 - 10', [5, 3])).toBe(5);
    expect(searchFrames("(max_len_from('encoder') + 5) // 2", [4, 1])).toBe(4);
    expect(searchFrames("max_len_from('data') + -1", [3, 3])).toBe(2);
    expect(searchFrames(3, [5, 3])).toBe(3);
  });

  it('refuses anything else with an error naming the key path', () => {
    const bad = ["max_len_from('base:encoder') ** 2", "__import__('os')", '2.5', "max_len_from('base:nope')", 'max_len_from(encoder)', 'tf.constant(3)'];
    for (const s of bad) {
      let err: unknown;
      try {
        NetDictNetwork.fromDict(decoder(s), { externData: ext, seed: 4 });
      } catch (e) {
        err = e;
      }
      expect(err, s).toBeInstanceOf(NetDictError);
      expect(String((err as Error).message), s).toContain('network.output.max_seq_len');
    }
  });
});
