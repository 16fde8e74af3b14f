// prev: layers without n_out inside a rec unit (their templates inferred from their sources, as RETURNN's
// _SubnetworkRecCell._construct_template does), and unit layers referenced from outside as "<rec>/<layer>".
import { getBackend, ops, setBackend, type Tensor } from '@strata/backend';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { INFERENCE } from '@strata/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { NetDictError } from '../errors.js';
import '../index.js';
import { NetDictNetwork } from './net-dict-network.js';
import type { NetDict } from './schema.js';

beforeAll(async () => {
  registerTfjsBackends();
  await setBackend('tfjs-cpu');
});

const B = 2;
const T = 4;
const F = 3;
const extern = { data: { shape: [null, F] } };
const build = (net: NetDict) => NetDictNetwork.fromDict(net, { externData: extern, seed: 5 });
const xs = Float32Array.from({ length: B * T * F }, (_, i) => Math.sin(i * 0.77 + 0.3));
const batch = () => ({ data: ops.tensor(xs, [B, T, F]), 'data:size1': ops.tensor([T, T], [B], 'int32') });
const read = (t: Tensor) => Array.from(ops.readSync(t));
const x = (b: number, t: number, f: number) => xs[(b * T + t) * F + f]!;

/** h1 = x_t + prev:h2, h2 = tanh(h1): neither entry has n_out. */
const chain: NetDict = {
  output: {
    class: 'rec',
    from: 'data',
    unit: {
      h1: { class: 'combine', kind: 'add', from: ['data:source', 'prev:h2'] },
      h2: { class: 'activation', activation: 'tanh', from: 'h1' },
      output: { class: 'copy', from: 'h2' },
    },
  },
} as never;

describe('prev: templates without n_out', () => {
  it('a prev: chain of two layers: h2 has the source features, output h_t = tanh(x_t + h_{t-1})', () => {
    const net = build(chain);
    expect(net.node('output').output.batchShape).toEqual([null, null, F]);
    const out = read(net.forward(batch()).get('output')!.value);
    for (let b = 0; b < B; b++) {
      const h = [0, 0, 0];
      for (let t = 0; t < T; t++) {
        for (let f = 0; f < F; f++) {
          h[f] = Math.tanh(x(b, t, f) + h[f]!);
          expect(out[(b * T + t) * F + f]).toBeCloseTo(h[f]!, 5);
        }
      }
    }
  });

  it('a layer reading its own prev: through another (simple RNN): forward and gradient match the recurrence written out', () => {
    const net = build({
      output: {
        class: 'rec',
        from: 'data',
        unit: {
          lin: { class: 'linear', activation: 'tanh', n_out: 2, from: ['data:source', 'prev:output'] },
          output: { class: 'combine', kind: 'add', from: ['lin', 'prev:output'] },
        },
      },
    } as never);
    const [W, bias] = net.trainableWeights.map((w) => w.value);
    expect(W!.shape).toEqual([F + 2, 2]);
    // y_t = tanh([x_t, y_{t-1}] W + b) + y_{t-1}, y_{-1} = 0
    const reference = () => {
      let y = ops.zeros([B, 2]);
      const frames: Tensor[] = [];
      const data = ops.tensor(xs, [B, T, F]);
      for (let t = 0; t < T; t++) {
        const xt = ops.reshape(ops.slice(data, [0, t, 0], [B, 1, F]), [B, F]);
        y = ops.add(ops.tanh(ops.add(ops.matMul(ops.concat([xt, y], -1), W!), bias!)), y);
        frames.push(ops.reshape(y, [B, 1, 2]));
      }
      return ops.concat(frames, 1);
    };
    const got = net.forward(batch()).get('output')!.value;
    const want = reference();
    read(got).forEach((v, i) => expect(v).toBeCloseTo(read(want)[i]!, 5));
    const weightsOut = Float32Array.from({ length: B * T * 2 }, (_, i) => Math.cos(i));
    const objective = (f: () => Tensor) => () => ({ value: ops.sum(ops.mul(f(), ops.tensor(weightsOut, [B, T, 2]))) });
    const g1 = getBackend().valueAndGrads(objective(() => net.forward(batch()).get('output')!.value), [W!, bias!]).grads;
    const g2 = getBackend().valueAndGrads(objective(reference), [W!, bias!]).grads;
    g1.forEach((g, k) => read(g).forEach((v, i) => expect(v).toBeCloseTo(read(g2[k]!)[i]!, 4)));
    expect(read(ops.sum(ops.abs(g1[0]!)))[0]).toBeGreaterThan(0);
  });

  it('a template that never settles is an error naming the layer and asking for n_out', () => {
    // copy concatenates: output = [x_t, output_{t-1}] grows by F features every round.
    const grow = { output: { class: 'rec', from: 'data', unit: { output: { class: 'copy', from: ['data:source', 'prev:output'] } } } } as never;
    expect(() => build(grow)).toThrow(NetDictError);
    expect(() => build(grow)).toThrow(/"prev:output".*inferred as .*Give it "n_out"/s);
  });

  it('a template no dry run can compute names the layer that failed and why', () => {
    // The eval string calls a function Strata does not evaluate, so no round gives h a template.
    const bad = { output: { class: 'rec', from: 'data', unit: {
      h: { class: 'eval', from: ['data:source', 'prev:h'], eval: 'tf.nonexistent(source(0)) + source(1)' },
      output: { class: 'copy', from: 'h' },
    } } } as never;
    expect(() => build(bad)).toThrow(/"prev:h".*cannot be inferred from its sources \(inferring it, layer 'h' failed: .*tf\.nonexistent.*\): give it "n_out"/s);
  });
});

describe('"<rec>/<layer>" from outside the rec layer', () => {
  const unit = {
    acc: { class: 'combine', kind: 'add', from: ['prev:acc', 'data:source'], is_output_layer: true },
    output: { class: 'activation', activation: 'tanh', from: 'acc' },
  };

  it('is the unit layer frames over the rec time axis: acc = cumulative sum of x', () => {
    const net = build({ loop: { class: 'rec', from: 'data', unit }, output: { class: 'copy', from: 'loop/acc' } } as never);
    expect(net.node('output').output.batchShape).toEqual([null, null, F]);
    const outs = net.forward(batch());
    const acc = read(outs.get('output')!.value);
    const y = read(outs.get('loop')!.value);
    for (let b = 0; b < B; b++) {
      for (let f = 0; f < F; f++) {
        let s = 0;
        for (let t = 0; t < T; t++) {
          s += x(b, t, f);
          expect(acc[(b * T + t) * F + f]).toBeCloseTo(s, 5);
          expect(y[(b * T + t) * F + f]).toBeCloseTo(Math.tanh(s), 5);
        }
      }
    }
  });

  it('needs is_output_layer on a layer that only exists inside the loop, as RETURNN does', () => {
    const inner = { ...unit, acc: { class: 'combine', kind: 'add', from: ['prev:acc', 'data:source'] } };
    expect(() => build({ loop: { class: 'rec', from: 'data', unit: inner }, output: { class: 'copy', from: 'loop/acc' } } as never)).toThrow(/add "is_output_layer": true to unit entry 'acc'/);
  });

  it('is the teacher-forced frames of a decoder layer; under search it is an error that says so', () => {
    const dec = {
      class: 'rec',
      from: [],
      target: 'classes',
      max_seq_len: 3,
      unit: {
        embed: { class: 'linear', activation: null, with_bias: false, from: 'prev:output', n_out: 2 },
        prob: { class: 'softmax', from: 'embed', target: 'classes', loss: 'ce' },
        output: { class: 'choice', from: 'prob', target: 'classes', beam_size: 2, initial_output: 0 },
        end: { class: 'compare', from: 'output', value: 0 },
      },
    };
    const net = NetDictNetwork.fromDict({ dec, probs: { class: 'copy', from: 'dec/prob', is_output_layer: true } } as never, {
      externData: { data: { shape: [null, F] }, classes: { dim: 3, sparse: true, shape: [null] } },
      seed: 5,
    });
    const classes = ops.tensor([1, 2, 0, 2, 0, 0], [B, 3], 'int32');
    const outs = net.forward({ ...batch(), classes, 'classes:size1': ops.tensor([3, 2], [B], 'int32') });
    expect(outs.get('probs')!.value.shape).toEqual([B, 3, 3]);
    read(ops.sum(outs.get('probs')!.value, [-1])).forEach((v) => expect(v).toBeCloseTo(1, 5));
    expect(() => net.forward(batch(), { ...INFERENCE, search: true } as typeof INFERENCE)).toThrow(/'dec\/prob' is referenced from outside rec layer 'dec', but its search does not collect/);
  });

  it('names a missing sub-layer', () => {
    expect(() => build({ loop: { class: 'rec', from: 'data', unit }, output: { class: 'copy', from: 'loop/nothing' } } as never)).toThrow(/loop\/nothing/);
  });
});
