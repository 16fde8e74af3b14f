import { ops, setBackend } from '@strata/backend';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { BatchNorm, Conv2D, trainingContext, Rng } from '@strata/core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  CannotHandleUndefinedSourcesError,
  LayerNotFoundError,
  NetDictError,
  NetworkConstructionDependencyLoopError,
  UnknownLayerClassError,
} from '../errors.js';
import { thrownBy } from '../test-utils/thrown.js';
import { NetDictNetwork } from './net-dict-network.js';
import type { NetDict } from './schema.js';

beforeAll(async () => {
  registerTfjsBackends();
  await setBackend('tfjs-cpu');
});

const mnistExtern = { data: { shape: [784] }, classes: { shape: [], dim: 10, sparse: true } };
const build = (net: NetDict, extern: Record<string, unknown> = mnistExtern) => NetDictNetwork.fromDict(net, { externData: extern, seed: 1 });

describe('constructFromDict (seed 003)', () => {
  it('builds layers in dependency order with output templates known before computing', () => {
    // Entries listed out of order: "output" comes first and depends on later ones.
    const net = build({
      output: { class: 'softmax', loss: 'ce', from: 'hidden', target: 'classes' },
      hidden: { class: 'linear', activation: 'relu', n_out: 32, from: 'data' },
    });
    expect([...net.nodes.keys()]).toEqual(['hidden', 'output']);
    expect(net.node('hidden').output.batchShape).toEqual([null, 32]);
    expect(net.node('output').output.batchShape).toEqual([null, 10]);
    expect(net.variables.map((v) => v.name)).toEqual([
      'network/hidden/kernel:0',
      'network/hidden/bias:0',
      'network/output/kernel:0',
      'network/output/bias:0',
    ]);
    expect(net.usedDataKeys().sort()).toEqual(['classes', 'data']);
    const outs = net.forward({ data: ops.ones([3, 784]) });
    const probs = ops.readSync(outs.get('output')!.value);
    expect(probs.length).toBe(30);
    for (let r = 0; r < 3; r++) expect(Array.from(probs.slice(r * 10, r * 10 + 10)).reduce((a, b) => a + b)).toBeCloseTo(1, 5);
  });

  it('the same seed gives the same initial weights, another seed other ones', () => {
    const d: NetDict = { output: { class: 'softmax', loss: 'ce', n_out: 10 } };
    const a = NetDictNetwork.fromDict(d, { externData: mnistExtern, seed: 5 }).getWeights()[0]!;
    const b = NetDictNetwork.fromDict(d, { externData: mnistExtern, seed: 5 }).getWeights()[0]!;
    const c = NetDictNetwork.fromDict(d, { externData: mnistExtern, seed: 6 }).getWeights()[0]!;
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
  });

  it('a dependency loop raises NetworkConstructionDependencyLoopError with the construction stack', () => {
    const d: NetDict = {
      a: { class: 'linear', n_out: 4, from: 'c' },
      b: { class: 'linear', n_out: 4, from: 'a' },
      c: { class: 'linear', n_out: 4, from: ['data', 'b'] },
      output: { class: 'softmax', from: 'c', loss: 'ce' },
    };
    const err = thrownBy(() => build(d));
    expect(err).toBeInstanceOf(NetworkConstructionDependencyLoopError);
    const loop = err as NetworkConstructionDependencyLoopError;
    expect(loop.constructionStack).toEqual(['a', 'c', 'b']);
    expect(loop.message).toMatch(/a -> c -> b -> a/);
  });

  it('an unknown source raises LayerNotFoundError naming the layers and data keys', () => {
    expect(() => build({ output: { class: 'softmax', from: 'hiden', loss: 'ce' }, hidden: { class: 'linear', n_out: 3 } })).toThrow(LayerNotFoundError);
    expect(() => build({ output: { class: 'softmax', from: 'hiden', loss: 'ce' } })).toThrow(/"from": "hiden".*Layers: output/);
    expect(() => build({ output: { class: 'softmax', from: 'data:features', loss: 'ce' } })).toThrow(/no key 'features'. Known keys: data, classes/);
  });

  it('an unknown class lists the known ones', () => {
    expect(() => build({ output: { class: 'lstm_fancy', loss: 'ce' } })).toThrow(UnknownLayerClassError);
    expect(() => build({ output: { class: 'lstm_fancy', loss: 'ce' } })).toThrow(/has unknown class 'lstm_fancy'\. Known classes: activation, batch_norm, cast, combine, .*, linear, .*, window\. Register your own layer/);
  });

  it('empty sources raise CannotHandleUndefinedSourcesError', () => {
    expect(() => build({ output: { class: 'softmax', from: [], loss: 'ce' } })).toThrow(CannotHandleUndefinedSourcesError);
  });

  it('malformed entries name the entry, key and received value', () => {
    expect(() => build({ output: { class: 'softmax', n_out: -3, loss: 'ce' } })).toThrow(NetDictError);
    expect(() => build({ output: { class: 'softmax', n_out: -3, loss: 'ce' } })).toThrow(/'output'.*n_out.*Received: n_out=-3/s);
    expect(() => build({ output: { class: 'softmax', loss: 'ce', dropout: 1.5 } })).toThrow(/dropout=1.5/);
    expect(() => build({ h: { class: 'linear' }, output: { class: 'softmax', from: 'h', loss: 'ce' } })).toThrow(/'h'.*needs "n_out"/);
    expect(() => build({ output: { class: 'softmax', n_out: 7, loss: 'ce' } })).toThrow(/7 output features.*10 classes.*"n_out": 10/);
    expect(() => build({ h: { class: 'linear', n_out: 3 } })).toThrow(/no output layer/);
    expect(() => build({ h: { class: 'layer_norm', from: 'data:classes' }, output: { class: 'softmax', from: 'h', loss: 'ce' } })).toThrow(/sparse data 'classes'/);
  });

  it('unknown keys in an entry are errors that list the keys the class takes', () => {
    expect(() => build({ output: { class: 'softmax', loss: 'ce', n_outt: 10 } as never })).toThrow(NetDictError);
    expect(() => build({ output: { class: 'softmax', loss: 'ce', n_outt: 10 } as never })).toThrow(/'output'.*unknown key\(s\) 'n_outt'; this class takes class, from, dropout, .*, n_out, activation, with_bias/s);
    expect(() => build({ f: { class: 'merge_dims', axis: 'T' } as never, output: { class: 'softmax', loss: 'ce', from: 'f' } })).toThrow(/unknown key\(s\) 'axis'/);
    // A known key with a value the input does not have names the key and the input.
    expect(() => build({ f: { class: 'merge_dims', axes: 'T' } as never, output: { class: 'softmax', loss: 'ce', from: 'f' } })).toThrow(
      `Net dict entry 'f' (class 'merge_dims'): axis "T": Data{'f', [B,f:feature:784], float32} has no time axis. Received: axis="T".`,
    );
  });

  it('"L2" adds L2 · sum(w²) of every trainable weight of the layer to the losses', () => {
    const net = build({ output: { class: 'softmax', loss: 'ce', L2: 0.01 } });
    const [kernel, bias] = net.getWeights();
    const expected = 0.01 * [...kernel!, ...bias!].reduce((a, v) => a + v * v, 0);
    const losses = net.losses.map((t) => ops.item(t));
    expect(losses).toHaveLength(2);
    expect(losses[0]! + losses[1]!).toBeCloseTo(expected, 6);
    expect(build({ output: { class: 'softmax', loss: 'ce' } }).losses).toHaveLength(0);
  });

  it('shape errors are found at construction, before computing', () => {
    const net = {
      a: { class: 'linear', n_out: 4 },
      b: { class: 'linear', n_out: 5 },
      c: { class: 'combine', kind: 'add', from: ['a', 'b'] },
      output: { class: 'softmax', from: 'c', loss: 'ce' },
    };
    // From behavior_version 4 RETURNN refuses sources that do not all broadcast (validate_broadcast_all_sources).
    expect(() => NetDictNetwork.fromDict(net, { externData: mnistExtern, seed: 1, behaviorVersion: 12 })).toThrow(/'c' \(class 'combine'\)/);
    // Before it, 'c' broadcasts the two feature dims to [B, 5, 4] (RETURNN's get_common_data) and the error is the loss's.
    expect(() => build(net)).toThrow(/Layer 'output' outputs \[B, 5, 10\]/);
  });

  it('a net dict written by someone else constructs, runs and trains without code changes', () => {
    // Layer names of their choosing, lists in "from", combine, copy, dropout, batch_norm, conv, pool.
    const d: NetDict = {
      img: { class: 'split_dims', dims: [28, 28, 1], from: 'data' },
      c1: { class: 'conv', filter_size: [3, 3], n_out: 4, padding: 'same', activation: 'relu', from: 'img' },
      p1: { class: 'pool', mode: 'max', pool_size: [2, 2], from: 'c1' },
      flat: { class: 'merge_dims', from: 'p1' },
      left: { class: 'linear', activation: 'tanh', n_out: 16, from: 'flat' },
      right: { class: 'linear', activation: 'relu', n_out: 16, from: ['flat', 'data'] },
      both: { class: 'combine', kind: 'add', from: ['left', 'right'] },
      joined: { class: 'copy', from: ['both', 'left'] },
      dropped: { class: 'dropout', dropout: 0.5, from: 'joined' },
      // behavior_version 12 (below): masked_time must be given; evaluation leaves the statistics alone.
      normed: { class: 'batch_norm', masked_time: false, from: 'dropped' },
      decision: { class: 'softmax', loss: 'ce', target: 'classes', dropout: 0.1, from: 'normed', is_output_layer: true },
    };
    const net = NetDictNetwork.fromDict(d, { externData: mnistExtern, seed: 1, behaviorVersion: 12 });
    expect(net.node('joined').output.batchShape).toEqual([null, 32]);
    expect(net.node('c1').layer).toBeInstanceOf(Conv2D);
    expect(net.node('normed').layer).toBeInstanceOf(BatchNorm);
    expect(net.getDefaultOutputLayer()!.name).toBe('decision');
    expect(net.nonTrainableWeights.map((v) => v.path)).toEqual(['network/normed/moving_mean', 'network/normed/moving_variance']);
    const x = ops.tensor(Float32Array.from({ length: 2 * 784 }, (_, i) => (i % 7) / 7), [2, 784]);
    const inf1 = ops.readSync(net.call(x, { training: false, nextSeed: () => 0 }));
    const inf2 = ops.readSync(net.call(x, { training: false, nextSeed: () => 0 }));
    expect(Array.from(inf1)).toEqual(Array.from(inf2));
    const ctx = trainingContext(new Rng(3));
    const tr = ops.readSync(net.forward({ data: x }, ctx).get('decision')!.value);
    expect(Array.from(tr)).not.toEqual(Array.from(inf1));
    expect(ctx.updates.map(([v]) => v.path)).toEqual(['network/normed/moving_mean', 'network/normed/moving_variance']);
  });
});
