// The convolution, pooling and shape family in net dicts (#14, one vocabulary
// per layer): `conv`, `pool`, `merge_dims`/`flatten`, `split_dims` and
// `batch_norm` are made from their layers' specs. Their keys are RETURNN's,
// RETURNN's defaults and spellings are honoured, and a bad value is reported
// under its RETURNN key.
import { ops, setBackend, type Tensor } from '@strata/backend';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { BatchNorm, Conv1D, Conv2D, Flatten, MergeDims, Pool2D, SplitDims } from '@strata/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { lensOf } from '../test-utils/lens.js';
import '../index.js';
import { NetDictError } from '../errors.js';
import { NetDictNetwork } from './net-dict-network.js';
import type { NetDict } from './schema.js';

beforeAll(async () => {
  registerTfjsBackends();
  await setBackend('tfjs-cpu');
});

const read = (t: Tensor) => Array.from(ops.readSync(t));
const image = { data: { shape: [6, 6, 2] }, classes: { shape: [], dim: 3, sparse: true } };
const frames = { data: { dim: 3, shape: [null, 3] }, classes: { dim: 4, sparse: true, shape: [null] } };
/** A net of one entry `l` (with `output` copying it). */
const one = (entry: Record<string, unknown>, ext: Record<string, unknown> = image) =>
  NetDictNetwork.fromDict({ l: { from: 'data', ...entry }, output: { class: 'copy', from: 'l' } } as never, { externData: ext, seed: 1 });
const layerOf = (entry: Record<string, unknown>, ext?: Record<string, unknown>) => one(entry, ext).node('l').layer;

describe('conv: Conv2D or Conv1D by the length of filter_size', () => {
  it('a 2-element filter_size is a Conv2D; without "padding" it pads "same" (net dicts), "VALID" in RETURNN spelling is valid', () => {
    const net = one({ class: 'conv', filter_size: [3, 3], n_out: 4 });
    const conv = net.node('l').layer as Conv2D;
    expect(conv).toBeInstanceOf(Conv2D);
    expect(conv.padding).toBe('same');
    expect(net.node('l').output.batchShape).toEqual([null, 6, 6, 4]);
    const valid = one({ class: 'conv', filter_size: [3, 3], n_out: 4, padding: 'VALID' });
    expect((valid.node('l').layer as Conv2D).padding).toBe('valid');
    expect(valid.node('l').output.batchShape).toEqual([null, 4, 4, 4]);
  });

  it("maps RETURNN's keys: n_out, strides, dilation_rate, with_bias, activation, forward_weights_init, bias_init", () => {
    const conv = layerOf({
      class: 'conv',
      filter_size: [2, 3],
      n_out: 5,
      strides: [1, 2],
      with_bias: false,
      activation: 'relu',
      forward_weights_init: 'zeros',
    }) as Conv2D;
    expect([conv.filters, conv.kernelSize, conv.strides, conv.dilationRate, conv.withBias, conv.activationName]).toEqual([5, [2, 3], [1, 2], [1, 1], false, 'relu']);
    expect(conv.getConfig().kernelInitializer).toMatchObject({ className: 'zeros' });
    expect((layerOf({ class: 'conv', filter_size: [3, 3], n_out: 1, dilation_rate: 2, bias_init: 'ones' }) as Conv2D).dilationRate).toEqual([2, 2]);
  });

  it('n_out defaults to the classes of the target (RETURNN)', () => {
    const net = NetDictNetwork.fromDict(
      { c: { class: 'conv', filter_size: [3], from: 'data', loss: 'ce', target: 'classes', is_output_layer: true } } as NetDict,
      { externData: frames, seed: 1 },
    );
    expect((net.node('c').layer as Conv1D).filters).toBe(4);
  });

  it('a 1-element filter_size is a Conv1D over time that gets the sequence lengths; strides may be [s] or s', () => {
    const net = one({ class: 'conv', filter_size: [3], n_out: 2, strides: [2] }, frames);
    const conv = net.node('l').layer as Conv1D;
    expect(conv).toBeInstanceOf(Conv1D);
    expect([conv.kernelSize, conv.strides, conv.padding]).toEqual([3, 2, 'same']);
    expect(net.node('l').cls.seqLens).toBe('input');
    expect((layerOf({ class: 'conv', filter_size: [3], n_out: 2, dilation_rate: 2, padding: 'Valid' }, frames) as Conv1D).dilationRate).toBe(2);
    // Lengths [4, 2] with stride 2 and "same": [2, 1] output frames. RETURNN's ConvLayer masks neither its input
    // (use_time_mask False) nor its output: the padded frame is what the convolution computes, as with full lengths.
    const x = Float32Array.from({ length: 24 }, (_, i) => Math.sin(i));
    const out = net.forward({ data: ops.tensor(x, [2, 4, 3]), 'data:size1': ops.tensor([4, 2], [2], 'int32') }).get('l')!;
    expect(read(lensOf(net, 'l'))).toEqual([2, 1]);
    const padded = read(out.value).slice(6, 8);
    const full = read(net.forward({ data: ops.tensor(x, [2, 4, 3]), 'data:size1': ops.tensor([4, 4], [2], 'int32') }).get('l')!.value).slice(6, 8);
    expect(conv.maskOutput).toBe(false);
    expect(padded).toEqual(full);
    expect(padded.some((v) => v !== 0)).toBe(true);
  });

  it("bad values are reported under RETURNN's keys", () => {
    const bad = (entry: Record<string, unknown>, ext?: Record<string, unknown>) => () => one({ class: 'conv', n_out: 2, ...entry }, ext);
    expect(bad({ filter_size: [3, 0] })).toThrow(NetDictError);
    expect(bad({ filter_size: [3, 0] })).toThrow("Net dict entry 'l' (class 'conv'): filter_size[1] must be a positive integer. Received: filter_size[1]=0.");
    expect(bad({ filter_size: [3, 3, 3] })).toThrow(
      "Net dict entry 'l' (class 'conv'): filter_size must be [width] (a 1-D convolution over time) or [height, width] (2-D) of positive integers, or one positive integer for both. Received: filter_size=[3,3,3].",
    );
    expect(bad({ filter_size: [0] }, frames)).toThrow("Net dict entry 'l' (class 'conv'): filter_size[0] must be a positive integer. Received: filter_size[0]=0.");
    expect(bad({ filter_size: [3, 3], padding: 'causal' })).toThrow(
      `Net dict entry 'l' (class 'conv'): padding must be one of 'same', 'valid' (in any letter case). Received: padding="causal".`,
    );
    expect(bad({ filter_size: [3, 3], strides: 2, dilation_rate: 2 })).toThrow(
      "Net dict entry 'l' (class 'conv'): strides > 1 and dilation_rate > 1 cannot be combined in a 2-D convolution (RETURNN's ConvLayer runs them together only 1-D, or channels-first on a GPU). Received: strides=2, dilation_rate=2.",
    );
    expect(bad({ filter_size: [3, 3], auto_use_channel_first: 'yes' })).toThrow(
      `Net dict entry 'l' (class 'conv'): auto_use_channel_first must be true or false. Received: auto_use_channel_first="yes".`,
    );
    expect(bad({ filter_size: [3], strides: [1, 1] }, frames)).toThrow(
      "Net dict entry 'l' (class 'conv'): strides must be a positive integer or a list of one. Received: strides=[1,1].",
    );
    expect(bad({ filter_size: [3, 3], groups: 2 })).toThrow(/'l'.*unknown key\(s\) 'groups'; this class takes .*filter_size, strides, padding, dilation_rate, activation, with_bias/s);
  });
});

describe('pool', () => {
  it("is a Pool2D; RETURNN's upper-case mode and padding are accepted, strides default to pool_size, padding to valid", () => {
    const pool = layerOf({ class: 'pool', mode: 'MAX', pool_size: [2, 3], padding: 'SAME' }) as Pool2D;
    expect(pool).toBeInstanceOf(Pool2D);
    expect([pool.mode, pool.poolSize, pool.strides, pool.padding]).toEqual(['max', [2, 3], [2, 3], 'same']);
    const net = one({ class: 'pool', mode: 'avg', pool_size: [2, 2], strides: 1 });
    expect((net.node('l').layer as Pool2D).padding).toBe('valid');
    expect(net.node('l').output.batchShape).toEqual([null, 5, 5, 2]);
  });

  it("bad values are reported under RETURNN's keys", () => {
    expect(() => one({ class: 'pool', mode: 'min', pool_size: [2, 2] })).toThrow(
      `Net dict entry 'l' (class 'pool'): mode must be one of 'max', 'avg' (in any letter case). Received: mode="min".`,
    );
    expect(() => one({ class: 'pool', mode: 'max', pool_size: [2, -1] })).toThrow(
      "Net dict entry 'l' (class 'pool'): pool_size[1] must be a positive integer. Received: pool_size[1]=-1.",
    );
    expect(() => one({ class: 'pool', mode: 'max', pool_size: [2, 2], activation: 'relu' })).toThrow(/'l'.*unknown key\(s\) 'activation'; this class takes .*mode, pool_size, strides, padding/s);
  });
});

describe('merge_dims, flatten, split_dims', () => {
  it('merge_dims is a MergeDims, flatten a Flatten, both over every axis after the batch axis', () => {
    expect(layerOf({ class: 'merge_dims', axes: 'except_batch' })).toBeInstanceOf(MergeDims);
    expect(layerOf({ class: 'flatten' })).toBeInstanceOf(Flatten);
    expect(one({ class: 'flatten' }).node('l').output.batchShape).toEqual([null, 72]);
    expect(() => one({ class: 'flatten', axes: 'T' })).toThrow(
      `Net dict entry 'l' (class 'flatten'): axes must be 'except_batch' (Strata merges every axis after the batch axis). Received: axes="T".`,
    );
  });

  it('split_dims splits "F" (the default) or an axis index counting the batch axis', () => {
    const ext = { data: { shape: [4, 6] }, classes: { shape: [], dim: 3, sparse: true } };
    // A description is resolved on the input to the axis index counting the batch axis, in any letter case (RETURNN).
    expect((layerOf({ class: 'split_dims', dims: [2, -1], axis: 'F' }, ext) as SplitDims).axis).toBe(2);
    expect((layerOf({ class: 'split_dims', dims: [2, -1], axis: 'f' }, ext) as SplitDims).axis).toBe(2);
    expect(one({ class: 'split_dims', dims: [2, -1] }, ext).node('l').output.batchShape).toEqual([null, 4, 2, 3]);
    expect(one({ class: 'split_dims', dims: [2, 2], axis: 1 }, ext).node('l').output.batchShape).toEqual([null, 2, 2, 6]);
  });

  it("bad values are reported under RETURNN's keys", () => {
    expect(() => one({ class: 'split_dims', dims: [0, 3] })).toThrow(
      "Net dict entry 'l' (class 'split_dims'): dims[0] must be a positive integer or -1. Received: dims[0]=0.",
    );
    expect(() => one({ class: 'split_dims', dims: [-1, -1] })).toThrow(
      "Net dict entry 'l' (class 'split_dims'): dims must be a non-empty list of positive integers with at most one -1. Received: dims=[-1,-1].",
    );
    expect(() => one({ class: 'split_dims', dims: [2, -1], axis: 'T' })).toThrow(
      `Net dict entry 'l' (class 'split_dims'): axis "T": Data{'data', [B,data:spatial0:6,data:spatial1:6,data:feature:2], float32} has no time axis. Received: axis="T".`,
    );
    expect(() => one({ class: 'split_dims', dims: [2, -1], axis: 'B' })).toThrow(
      `Net dict entry 'l' (class 'split_dims'): axis "B" must name exactly one non-batch axis of Data{'data', [B,data:spatial0:6,data:spatial1:6,data:feature:2], float32}; it names the batch axis. Received: axis="B".`,
    );
  });
});

describe('batch_norm', () => {
  it("RETURNN's defaults per behavior_version (momentum as the weight of the new batch, epsilon 1e-3) and keys momentum, epsilon, use_shift, use_std", () => {
    const bn = layerOf({ class: 'batch_norm' }) as BatchNorm;
    expect(bn).toBeInstanceOf(BatchNorm);
    // behavior_version 0 (unset): RETURNN's old defaults (returnn/tf/layers/base.py batch_norm).
    const old = [bn.momentum, bn.epsilon, bn.center, bn.scale, bn.maskedTime, bn.updateSampleOnlyInTraining, bn.delaySampleUpdate, bn.paramVersion];
    expect(old).toEqual([0.99, 1e-3, true, true, true, false, false, 0]);
    const v12 = NetDictNetwork.fromDict({ l: { class: 'batch_norm', masked_time: false, from: 'data' }, output: { class: 'copy', from: 'l' } } as never, {
      externData: image,
      behaviorVersion: 12,
    }).node('l').layer as BatchNorm;
    expect([v12.momentum, v12.maskedTime, v12.updateSampleOnlyInTraining, v12.delaySampleUpdate, v12.paramVersion]).toEqual([0.1, false, true, true, 2]);
    expect(() => NetDictNetwork.fromDict({ output: { class: 'batch_norm', from: 'data' } } as never, { externData: image, behaviorVersion: 12 })).toThrow(
      "masked_time must be given from behavior_version 12",
    );
    const net = one({ class: 'batch_norm', momentum: 0.2, epsilon: 1e-5, use_shift: false, use_std: true });
    const custom = net.node('l').layer as BatchNorm;
    expect([custom.momentum, custom.epsilon, custom.center, custom.scale]).toEqual([0.2, 1e-5, false, true]);
    expect(custom.weights.map((w) => w.path.split('/').pop())).toEqual(['gamma', 'moving_mean', 'moving_variance']);
  });

  it("bad values are reported under RETURNN's keys", () => {
    expect(() => one({ class: 'batch_norm', momentum: 1.5 })).toThrow(
      "Net dict entry 'l' (class 'batch_norm'): momentum must be a number in [0, 1] (the weight of the new batch, RETURNN's convention: Keras' momentum 0.9 is 0.1 here). Received: momentum=1.5.",
    );
    expect(() => one({ class: 'batch_norm', epsilon: 0 })).toThrow("Net dict entry 'l' (class 'batch_norm'): epsilon must be a positive number. Received: epsilon=0.");
    expect(() => one({ class: 'batch_norm', use_shift: 'yes' })).toThrow(`Net dict entry 'l' (class 'batch_norm'): use_shift must be true or false. Received: use_shift="yes".`);
  });
});
