// Time-axis classes in net dicts: lengths flow from extern data through every
// layer, padded frames never reach valid ones, and RETURNN's BLSTM-CTC demo
// network (demo-timit-lstm-ctc.config, as JSON) trains as written.
import { getBackend, ops, setBackend, type Tensor } from '@strata/backend';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { Rng, trainingContext } from '@strata/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { lensOf } from '../test-utils/lens.js';
import '../index.js';
import { NetDictNetwork } from './net-dict-network.js';
import type { NetDict } from './schema.js';

beforeAll(async () => {
  registerTfjsBackends();
  await setBackend('tfjs-cpu');
});

const read = (t: Tensor) => Array.from(ops.readSync(t));
const values = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(seed * 3.7 + i * 0.9));

const everyClass: NetDict = {
  embed: { class: 'linear', activation: null, n_out: 6, from: 'data:tokens' },
  pos: { class: 'positional_encoding', add_to_input: true, from: 'embed' },
  conv: { class: 'conv', filter_size: [3], padding: 'same', n_out: 6, activation: 'relu', from: 'pos' },
  win: { class: 'window', window_size: 3, from: 'conv' },
  flat: { class: 'merge_dims', from: 'win' },
  norm: { class: 'layer_norm', from: 'conv' },
  att: { class: 'self_attention', num_heads: 2, total_key_dim: 4, n_out: 6, from: 'norm' },
  pre: { class: 'prefix_in_time', repeat: 1, from: 'att' },
  post: { class: 'postfix_in_time', repeat: 2, from: 'pre' },
  sliced: { class: 'slice', axis: 'T', slice_start: 1, from: 'post' },
  pooled: { class: 'reduce', mode: 'mean', axis: 'T', from: 'sliced' },
  len: { class: 'length', from: 'post' },
  output: { class: 'softmax', loss: 'ce', target: 'label', from: 'pooled' },
} as never;

describe('time-axis classes in a net dict', () => {
  // One label per sequence: "shape": [] (a sparse entry without shape would be a label sequence next to sequences, as in RETURNN).
  const ext = { tokens: { dim: 7, sparse: true, shape: [null] }, label: { dim: 3, sparse: true, shape: [] } };

  it('propagates lengths through every class and keeps padding out of the results', () => {
    const net = NetDictNetwork.fromDict(everyClass, { externData: ext, seed: 2 });
    const lens = ops.tensor([5, 3], [2], 'int32');
    const run = (tokens: number[]) => net.forward({ tokens: ops.tensor(tokens, [2, 5], 'int32'), 'tokens:size1': lens });
    const a = run([1, 2, 3, 4, 5, 6, 1, 2, 0, 0]);
    // prefix 1 + postfix 2: lengths + 3; slice from 1: lengths + 2.
    expect(read(lensOf(net, 'post'))).toEqual([8, 6]);
    expect(read(lensOf(net, 'sliced'))).toEqual([7, 5]);
    expect(read(a.get('len')!.value)).toEqual([8, 6]);
    expect(a.get('output')!.value.shape).toEqual([2, 3]);
    // Other tokens in the padded frames of sequence 1 change nothing of its result.
    const b = run([1, 2, 3, 4, 5, 6, 1, 2, 5, 3]);
    const pa = read(a.get('output')!.value);
    const pb = read(b.get('output')!.value);
    pa.forEach((v, i) => expect(pb[i]).toBeCloseTo(v, 6));
    expect(read(a.get('flat')!.value).length).toBe(2 * 5 * 18);
  });
});

/** RETURNN's demo-timit-lstm-ctc.config network (sizes reduced), unchanged in form. */
const timitCtc: NetDict = {
  fwd0: { class: 'rec', unit: 'nativelstm2', direction: 1, L2: 0.01, dropout: 0.0, n_out: 8 },
  bwd0: { class: 'rec', unit: 'nativelstm2', direction: -1, L2: 0.01, dropout: 0.0, n_out: 8 },
  fwd1: { class: 'rec', unit: 'nativelstm2', direction: 1, L2: 0.01, dropout: 0.0, n_out: 8, from: ['fwd0', 'bwd0'] },
  bwd1: { class: 'rec', unit: 'nativelstm2', direction: -1, L2: 0.01, dropout: 0.0, n_out: 8, from: ['fwd0', 'bwd0'] },
  output: { class: 'softmax', loss: 'ctc', target: 'classes', from: ['fwd1', 'bwd1'] },
  ler: { class: 'copy', from: ['output'], only_on_eval: true, loss: 'edit_distance', target: 'classes' },
} as never;

describe("RETURNN's BLSTM-CTC demo net dict", () => {
  it('constructs (output = classes + blank) and its CTC objective falls with a few gradient steps', () => {
    const ext = { data: { dim: 4, shape: [null, 4] }, classes: { dim: 3, sparse: true, shape: [null] } };
    const net = NetDictNetwork.fromDict(timitCtc, { externData: ext, seed: 4 });
    expect(net.node('output').output.batchShape).toEqual([null, null, 4]);
    // Frames carry their label as a one-hot feature; labels are the frames with repeats merged.
    const frames = [0, 0, 1, 2, 2, 1, 1, 0, 2, 2, 0, 1];
    const data = ops.tensor(frames.flatMap((c) => [0, 1, 2, 3].map((k) => (k === c ? 1 : 0))), [2, 6, 4]);
    const batch = {
      data,
      'data:size1': ops.tensor([6, 5], [2], 'int32'),
      classes: ops.tensor([0, 1, 2, 1, 1, 0, 2, 0], [2, 4], 'int32'),
      'classes:size1': ops.tensor([4, 3], [2], 'int32'),
    };
    const b = getBackend();
    const objective = () => {
      const out = net.forward(batch, trainingContext(new Rng(1))).get('output')!;
      const h = net.node('output').lossHolder!;
      h.compute({ output: out.value, logits: out.logits, seqLens: lensOf(net, 'output') }, batch.classes, batch['classes:size1']);
      return h.lossForObjective;
    };
    const weights = net.trainableWeights.map((w) => w.value);
    const first = read(objective())[0]!;
    for (let step = 0; step < 40; step++) {
      const { grads } = b.valueAndGrads(() => ({ value: objective() }), weights);
      net.trainableWeights.forEach((w, i) => w.assign(ops.sub(w.value, ops.mul(grads[i]!, 1.0))));
    }
    const last = read(objective())[0]!;
    expect(Number.isFinite(first)).toBe(true);
    expect(last).toBeLessThan(first * 0.7);
    // The edit-distance layer is only computed in evaluation.
    expect(net.forward(batch, trainingContext(new Rng(1))).has('ler')).toBe(false);
    expect(net.forward(batch).has('ler')).toBe(true);
  });
});

describe('extern_data for sequences', () => {
  it("RETURNN's form: a sparse entry without shape is a label sequence when the data are sequences", () => {
    const net = NetDictNetwork.fromDict({ output: { class: 'softmax', loss: 'ce', target: 'classes' } } as never, {
      externData: { data: { dim: 40, shape: [null, 40] }, classes: { dim: 61, sparse: true } },
    });
    expect(net.externData.getData('classes').shape).toEqual([null]);
    expect(net.externData.getData('classes').dim).toBe(61);
    expect(net.node('output').output.batchShape).toEqual([null, null, 61]);
    // Without sequences, the same entry stays one label per example (MNIST).
    const flat = NetDictNetwork.fromDict({ output: { class: 'softmax', loss: 'ce' } } as never, { externData: { data: { shape: [4] }, classes: { shape: [], dim: 3, sparse: true } } });
    expect(flat.externData.getData('classes').shape).toEqual([]);
  });

  it('the dim-tag form: shared time tags, sparse_dim, typed errors', () => {
    const tags = {
      data: { dim_tags: [{ kind: 'batch' }, { description: 'time' }, { description: 'feature', dimension: 40, kind: 'feature' }] },
      classes: { dim_tags: [{ kind: 'batch' }, { description: 'time' }], sparse_dim: { description: 'phones', dimension: 61 } },
    };
    const net = NetDictNetwork.fromDict({ output: { class: 'softmax', loss: 'ce', target: 'classes' } } as never, { externData: tags });
    const data = net.externData.getData('data');
    const classes = net.externData.getData('classes');
    expect(data.shape).toEqual([null, 40]);
    expect(classes.shape).toEqual([null]);
    expect(classes.sparse).toBe(true);
    expect(classes.dtype).toBe('int32');
    expect(classes.dims[0]).toBe(data.dims[0]);
    expect(() => NetDictNetwork.fromDict({ output: { class: 'copy' } } as never, { externData: { data: { dim_tags: [{ description: 'time' }] } } })).toThrow(
      /dim_tags must start with the batch axis/,
    );
  });
});
