// RETURNN keys of search and targets: the choice's explicit_search_source(s), "target" as a list,
// register_as_extern_data (a layer's output as extern data), and search over a rec layer's input frames.
import { ops, setBackend, type Tensor } from '@strata/backend';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { INFERENCE } from '@strata/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { LayerNotFoundError, NetDictError } from '../errors.js';
import '../index.js';
import { lensOf } from '../test-utils/lens.js';
import { NetDictNetwork } from './net-dict-network.js';
import type { NetDict } from './schema.js';

beforeAll(async () => {
  registerTfjsBackends();
  await setBackend('tfjs-cpu');
});

const read = (t: Tensor) => Array.from(ops.readSync(t));
const SEARCH = { ...INFERENCE, search: true } as typeof INFERENCE;

/** RETURNN's test_search_no_rec_explicit: the choice searches over the input's frames, its scores the input (log-probs). */
const noRecExplicit = (choice: Record<string, unknown> = { explicit_search_source: 'prev:output' }): NetDict =>
  ({
    output: {
      class: 'rec',
      from: ['data'],
      unit: { output: { class: 'choice', from: ['data:source'], input_type: 'log_prob', initial_output: 0, beam_size: 3, target: 'classes', ...choice } },
    },
  }) as never;
const ext = { data: { dim: 4 }, classes: { dim: 4, sparse: true, available_for_inference: false } };

describe('choice: explicit_search_source(s) (RETURNN ChoiceLayer)', () => {
  // RETURNN's test: frame scores independent of the choices, so the best sequence is [2, 3, 1] with score 3 + 6 + 8 = 17,
  // then [2, 3, 2] (16.5), [1, 3, 1] (16).
  const logits = [1, 2, 3, 0, 0, 4.5, 3, 6, 5, 8, 7.5, 0];

  it("searches over the rec layer's input frames and finds RETURNN's best sequence", () => {
    const net = NetDictNetwork.fromDict(noRecExplicit(), { externData: ext });
    const out = net.forward({ data: ops.tensor(logits, [1, 3, 4]), 'data:size1': ops.tensor([3], [1], 'int32') }, SEARCH).get('output')!;
    expect(read(out.value)).toEqual([2, 3, 1]);
    expect(read(lensOf(net, 'output'))).toEqual([3]);
  });

  it('ends each sequence with its input: a shorter sequence keeps its best prefix', () => {
    const net = NetDictNetwork.fromDict(noRecExplicit(), { externData: ext });
    // Sequence 1 has 2 frames (its third frame is padding, whose scores must not count).
    const two = [...logits, 0, 9, 0, 0, 7, 0, 0, 0, 0, 0, 0, 100];
    const out = net.forward({ data: ops.tensor(two, [2, 3, 4]), 'data:size1': ops.tensor([3, 2], [2], 'int32') }, SEARCH).get('output')!;
    expect(read(lensOf(net, 'output'))).toEqual([3, 2]);
    const v = read(out.value);
    expect(v.slice(0, 3)).toEqual([2, 3, 1]);
    expect(v.slice(3, 5)).toEqual([1, 0]);
  });

  it("with an end layer and length normalization: RETURNN's best sequence of test_search_no_rec_explicit_dyn_len", () => {
    // RETURNN's beams: [1, 2, 0] (-2.9), [0, 0, 0] (-3.0), [1, 2, 1] (-3.1); the best is [1, 2, 0].
    const dict = noRecExplicit({ length_normalization: true }) as unknown as Record<string, { unit: Record<string, unknown>; max_seq_len?: number; include_eos?: boolean }>;
    dict.output!.max_seq_len = 3;
    dict.output!.unit.end = { class: 'compare', from: ['output'], value: 0 };
    const net = NetDictNetwork.fromDict(dict as never, { externData: ext });
    const dyn = [-1, -2, -3, -9, -0.6, -6, -0.5, -2, -0.4, -0.6, -0.7, -1];
    const out = net.forward({ data: ops.tensor(dyn, [1, 3, 4]), 'data:size1': ops.tensor([3], [1], 'int32') }, SEARCH).get('output')!;
    // RETURNN's expected_final_seq_lens: 2 for [1, 2, 0] (include_eos=False leaves out the end frame); decide cuts the values to it.
    expect(read(lensOf(net, 'output'))).toEqual([2]);
    expect(read(out.value)).toEqual([1, 2]);
    // include_eos: true counts the end frame.
    dict.output!.include_eos = true;
    const withEos = NetDictNetwork.fromDict(dict as never, { externData: ext });
    const out2 = withEos.forward({ data: ops.tensor(dyn, [1, 3, 4]), 'data:size1': ops.tensor([3], [1], 'int32') }, SEARCH).get('output')!;
    expect(read(out2.value)).toEqual([1, 2, 0]);
    expect(read(lensOf(withEos, 'output'))).toEqual([3]);
  });

  it("length normalization prunes the beam by score per frame (RETURNN's ChoiceLayer scales an ended hypothesis by (t+1)/t)", () => {
    // Beam 2, label 0 ends. Frame 0: [0] -1, [1] -1.2. Frame 1: the ended [0] compares as -1 * 2/1 = -2 against
    // [1,2] -1.5 and [1,3] -1.55, so it leaves the beam (a raw -1 would have kept it, and won at the end with -1 per frame).
    // Frame 2: eos costs 4: [1,2,0] -5.5 beats [1,3,0] -5.55; its length without the end frame is 2.
    const dict = noRecExplicit({ beam_size: 2 }) as unknown as Record<string, { unit: Record<string, unknown>; max_seq_len?: number; include_eos?: boolean }>;
    dict.output!.max_seq_len = 3;
    dict.output!.unit.end = { class: 'compare', from: ['output'], value: 0 };
    const net = NetDictNetwork.fromDict(dict as never, { externData: ext });
    const lp = [-1, -1.2, -5, -5, -9, -9, -0.3, -0.35, -4, -9, -9, -9];
    const out = net.forward({ data: ops.tensor(lp, [1, 3, 4]), 'data:size1': ops.tensor([3], [1], 'int32') }, SEARCH).get('output')!;
    expect(read(out.value)).toEqual([1, 2]);
    expect(read(lensOf(net, 'output'))).toEqual([2]);
    // Without length normalization the raw sums decide: [0] (-1) stays and wins; without its end frame it has no frames.
    // (These four searches, run in RETURNN with a decide layer, give the same values and lengths.)
    const rawDict = noRecExplicit({ beam_size: 2, length_normalization: false }) as unknown as Record<string, { unit: Record<string, unknown>; max_seq_len?: number; include_eos?: boolean }>;
    rawDict.output!.max_seq_len = 3;
    rawDict.output!.unit.end = { class: 'compare', from: ['output'], value: 0 };
    const rawNet = NetDictNetwork.fromDict(rawDict as never, { externData: ext });
    const out3 = rawNet.forward({ data: ops.tensor(lp, [1, 3, 4]), 'data:size1': ops.tensor([3], [1], 'int32') }, SEARCH).get('output')!;
    expect(read(lensOf(rawNet, 'output'))).toEqual([0]);
    expect(out3.value.shape).toEqual([1, 0]);
  });

  it('takes explicit_search_sources as a list or a dict of layer names, the same search', () => {
    for (const choice of [{ explicit_search_sources: ['prev:output'] }, { explicit_search_sources: { a: 'prev:output' } }, {}]) {
      const net = NetDictNetwork.fromDict(noRecExplicit(choice), { externData: ext });
      const out = net.forward({ data: ops.tensor(logits, [1, 3, 4]), 'data:size1': ops.tensor([3], [1], 'int32') }, SEARCH).get('output')!;
      expect(read(out.value)).toEqual([2, 3, 1]);
    }
  });

  it('rejects both keys at once, and a name that is no layer', () => {
    expect(() => NetDictNetwork.fromDict(noRecExplicit({ explicit_search_source: 'prev:output', explicit_search_sources: ['prev:output'] }), { externData: ext })).toThrow(
      /has both "explicit_search_source" and "explicit_search_sources"/,
    );
    expect(() => NetDictNetwork.fromDict(noRecExplicit({ explicit_search_source: 'prev:nothing' }), { externData: ext })).toThrow(LayerNotFoundError);
  });
});

describe('"target" as a list (RETURNN LayerBase: target[0])', () => {
  const decoder = (target: unknown): NetDict =>
    ({
      dec: {
        class: 'rec',
        from: [],
        target,
        unit: {
          h: { class: 'linear', activation: 'tanh', n_out: 3, from: 'prev:output' },
          prob: { class: 'softmax', from: 'h', target: 'classes' },
          output: { class: 'choice', from: 'prob', target, beam_size: 2, initial_output: 0 },
        },
      },
      output: { class: 'copy', from: 'dec' },
    }) as never;
  const extern = { classes: { dim: 4, sparse: true }, other: { dim: 4, sparse: true } };

  it('a one-element list is that target (the frames stepped over, the choice’s values)', () => {
    const net = NetDictNetwork.fromDict(decoder(['classes']), { externData: extern });
    const classes = ops.tensor([3, 1, 2, 0, 2, 2], [2, 3], 'int32');
    const out = net.forward({ classes, 'classes:size1': ops.tensor([3, 2], [2], 'int32') }).get('output')!;
    expect(read(out.value)).toEqual([3, 1, 2, 0, 2, 2]);
    expect(read(lensOf(net, 'output'))).toEqual([3, 2]);
  });

  it("refuses a choice with several targets (RETURNN's multi-target choice), naming the key", () => {
    expect(() => NetDictNetwork.fromDict(decoder(['classes', 'other']), { externData: extern })).toThrow(/'output' \(class 'choice'\): "target": \["classes","other"\] is RETURNN's multi-target choice/);
    expect(() => NetDictNetwork.fromDict(decoder([]), { externData: extern })).toThrow(NetDictError);
  });
});

describe('register_as_extern_data (RETURNN LayerBase)', () => {
  it('gives the layer output as a loss target: CE against the registered (shifted) classes', () => {
    const net = NetDictNetwork.fromDict(
      {
        shifted: { class: 'slice', axis: 'T', slice_start: 1, from: 'data:classes', register_as_extern_data: 'next' },
        emb: { class: 'linear', activation: null, with_bias: false, n_out: 4, from: 'shifted' },
        output: { class: 'softmax', from: 'emb', loss: 'ce', target: 'next' },
      } as never,
      { externData: { classes: { dim: 4, sparse: true, shape: [null] } }, seed: 2 },
    );
    expect(net.externData.getData('next').sparse).toBe(true);
    const batch = { classes: ops.tensor([0, 3, 1, 2, 1, 2, 0, 0], [2, 4], 'int32'), 'classes:size1': ops.tensor([4, 3], [2], 'int32') };
    const c = net.computeLosses(batch);
    const probs = read(c.outputs.get('output')!.value);
    const targets = [[3, 1, 2], [2, 0]];
    let sum = 0;
    targets.forEach((seq, b) => seq.forEach((k, t) => (sum -= Math.log(probs[(b * 3 + t) * 4 + k]!))));
    // RETURNN's total loss: the CE summed over the valid frames.
    expect(read(c.totalLoss)[0]).toBeCloseTo(sum, 4);
    // The caller's batch is not changed.
    expect(Object.keys(batch)).toEqual(['classes', 'classes:size1']);
  });

  it('refuses two layers registering the same key', () => {
    expect(() =>
      NetDictNetwork.fromDict(
        {
          a: { class: 'copy', from: 'data', register_as_extern_data: 'x' },
          b: { class: 'copy', from: 'data', register_as_extern_data: 'x' },
          output: { class: 'copy', from: 'data:x' },
        } as never,
        { externData: { data: { dim: 2 } } },
      ),
    ).toThrow(/Layers 'a' and 'b' both have "register_as_extern_data": "x"/);
  });
});

describe('rec_unstack declare_rec_time (RETURNN RecUnstackLayer)', () => {
  const unit = (input: Record<string, unknown>): NetDict =>
    ({ output: { class: 'rec', from: [], unit: { input: { class: 'rec_unstack', axis: 'T', declare_rec_time: true, ...input }, output: { class: 'combine', kind: 'add', from: ['prev:output', 'input'] } } } }) as never;

  it("runs the loop over its base source's frames and lengths without a target (a cumulative sum)", () => {
    const net = NetDictNetwork.fromDict(unit({ from: 'base:data:data' }), { externData: { data: { dim: 2 } } });
    const x = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
    const out = net.forward({ data: ops.tensor(x, [2, 3, 2]), 'data:size1': ops.tensor([3, 2], [2], 'int32') }).get('output')!;
    expect(read(lensOf(net, 'output'))).toEqual([3, 2]);
    expect(read(out.value).slice(0, 6)).toEqual([1, 2, 4, 6, 9, 12]);
    expect(read(out.value).slice(6, 10)).toEqual([7, 8, 16, 18]);
  });

  it('needs a source outside the loop', () => {
    expect(() =>
      NetDictNetwork.fromDict(
        { output: { class: 'rec', from: [], unit: { seq: { class: 'copy', from: 'base:data:data' }, input: { class: 'rec_unstack', from: 'seq', axis: 'T', declare_rec_time: true }, output: { class: 'copy', from: 'input' } } } } as never,
        { externData: { data: { dim: 2 } } },
      ),
    ).toThrow(/rec_unstack 'input' has "declare_rec_time": true, so its source must be outside the loop/);
  });
});

describe('eval without sources (RETURNN: "from": [] with out_type)', () => {
  // is_output_layer: RETURNN constructs the entry (an entry nothing needs is not built, and its error is kept for later).
  const net = (expression: string): NetDict =>
    ({ c: { class: 'eval', from: [], out_type: { shape: [], dtype: 'bool' }, eval: expression, is_output_layer: true }, output: { class: 'copy', from: 'data' } }) as never;

  it('names the train step when the string reads it, else the missing sources', () => {
    expect(() => NetDictNetwork.fromDict(net('tf.equal(self.network.global_train_step % 2, 0)'), { externData: { data: { dim: 2 } } })).toThrow(/`self\.network\.global_train_step`.*RETURNN's train step counter/);
    expect(() => NetDictNetwork.fromDict(net('tf.equal(3 % 2, 0)'), { externData: { data: { dim: 2 } } })).toThrow(/eval 'c' has no sources \("from": \[\]\): RETURNN evaluates such a string on its own/);
  });
});
