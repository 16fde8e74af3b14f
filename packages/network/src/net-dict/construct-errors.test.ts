// Net-dict construction errors name the entry that refers to the bad thing
// (fuzz findings, #8): a missing extern-data key used as a source or target,
// a bad loss option (under its snake_case key), a target without a class count,
// and an absurd n_out (core refuses the weight before allocating it).
import { getBackend, setBackend } from '@strata/backend';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import '../index.js';
import { NetDictError } from '../errors.js';
import { ExternDataKeyError } from '../extern-data/errors.js';
import { NetDictNetwork } from './net-dict-network.js';
import type { NetDict } from './schema.js';

beforeAll(async () => {
  registerTfjsBackends();
  await setBackend('tfjs-cpu');
});

const extern = { data: { shape: [4] }, classes: { shape: [], dim: 3, sparse: true } };
const build = (net: NetDict, ext: Record<string, unknown> = extern) => NetDictNetwork.fromDict(net, { externData: ext, seed: 1 });
const mlp = (output: Record<string, unknown>, hidden: Record<string, unknown> = {}): NetDict =>
  ({ h: { class: 'linear', n_out: 5, from: 'data', ...hidden }, output: { class: 'softmax', loss: 'ce', from: 'h', target: 'classes', ...output } }) as NetDict;

describe('net-dict construction errors name the referring entry', () => {
  it('a missing extern-data key as a source or a target: ExternDataKeyError naming the layer, the key and the known keys', () => {
    expect(() => build(mlp({}, { from: 'data:nope' }))).toThrow(ExternDataKeyError);
    expect(() => build(mlp({}, { from: 'data:nope' }))).toThrow(
      `Layer 'h' reads "data:nope", but extern_data has no key 'nope'. Known keys: data, classes. Add it to extern_data or use one of the known keys.`,
    );
    expect(() => build(mlp({ target: '' }))).toThrow(`Layer 'output' takes "target": "", but extern_data has no key ''. Known keys: data, classes.`);
    expect(() => build(mlp({ target: 'labels' }))).toThrow(ExternDataKeyError);
    const noTarget = mlp({ target: undefined });
    expect(() => build(noTarget, { data: { shape: [4] } })).toThrow(
      `Layer 'output' has a "loss" but no "target", so its target is the default 'classes', but extern_data has no key 'classes'. Known keys: data.`,
    );
  });

  it('a bad loss option: NetDictError naming the entry, the loss and the snake_case key', () => {
    expect(() => build(mlp({ loss_opts: { label_smoothing: 2 } }))).toThrow(NetDictError);
    expect(() => build(mlp({ loss_opts: { label_smoothing: 2 } }))).toThrow(
      `Net dict entry 'output': "loss": "ce" with "loss_opts": {"label_smoothing":2}: label_smoothing must be a number in [0, 1). Received: label_smoothing=2.`,
    );
    // A valid option still reaches the loss.
    expect(build(mlp({ loss_opts: { label_smoothing: 0.1 } })).lossNodes()).toHaveLength(1);
  });

  it('a target without a class count: NetDictError naming the entry and the target key', () => {
    const dimTags = { data: { shape: [4] }, classes: { dim_tags: [{ kind: 'batch' }, { description: 'time' }] } };
    expect(() => build(mlp({}), dimTags)).toThrow(NetDictError);
    expect(() => build(mlp({}), dimTags)).toThrow(
      /^Net dict entry 'output' \(class 'softmax'\) has no "n_out", and its target 'classes' \(Data\{'classes', \[B,time:\?\], float32\}\) has no class count to take it from\. Give "n_out", or describe extern_data 'classes' with its number of classes/,
    );
    // Without a loss or target the message stays the general one.
    expect(() => build({ output: { class: 'linear', from: 'data' } } as NetDict)).toThrow(/Net dict entry 'output' \(class 'linear'\) needs "n_out" \(the number of output features\), or a "loss" with a "target"\./);
  });

  it('an absurd n_out or extern dim fails with a typed error naming the layer and the weight shape, before allocating it', () => {
    const before = getBackend().memory().numBytes;
    expect(() => build(mlp({}, { n_out: 2 ** 31 }))).toThrow(/Layer 'h', weight 'kernel': shape \[4,2147483648\] has 8\.59e\+9 elements, more than the limit/);
    expect(() => build(mlp({}), { data: { dim: 1e12 }, classes: { dim: 3, sparse: true } })).toThrow(/'h'.*weight 'kernel': shape \[1000000000000,5\]/s);
    expect(() => build(mlp({}), { data: { dim: 1e308 }, classes: { dim: 3, sparse: true } })).toThrow(/extern_data 'data': dim must be a positive integer .* Received: dim=1e\+308/);
    expect(() => build(mlp({}), { data: { shape: 'T' }, classes: { shape: [], dim: 3, sparse: true } })).toThrow(/extern_data 'data': shape must be a list/);
    // Nothing of the refused weights was allocated (the small layers built before them are released with their nets).
    expect(getBackend().memory().numBytes - before).toBeLessThan(1e6);
  });

  it('an output that does not pair with its target fails at construction, naming the layer, its sources and both shapes', () => {
    const seqExtern = { data: { dim: 3, shape: [null, 3] }, classes: { dim: 5, sparse: true, shape: [null] } };
    // A window layer adds an axis: [B, T, 2, 3] -> softmax [B, T, 2, 5] against class indices [B, T] (fuzz, seed 42 case 3632).
    const windowed = { enc: { class: 'window', window_size: 2, from: 'data' }, output: { class: 'softmax', loss: 'ce', from: 'enc', target: 'classes' } } as NetDict;
    expect(() => build(windowed, seqExtern)).toThrow(NetDictError);
    expect(() => build(windowed, seqExtern)).toThrow(
      `Layer 'output' outputs [B, T, 2, 5], but loss "ce" on its target 'classes' [B, T] (class indices, 5 classes) needs the output [B, T, 5] (the target axes, then the classes). ` +
        `It takes "from": 'enc' [B, T, 2, 3] <- "data:data" [B, T, 3]. Fix the "from" chain`,
    );
    // The chain goes back to the data: two dynamic axes in extern_data show where the extra axis came from (fuzz, seed 3 case 2933).
    const twoDynamic = { data: { shape: [null, null, 3] }, classes: { dim: 6, sparse: true } };
    const chain = { l0: { class: 'linear', n_out: 5, from: 'data' }, l1: { class: 'copy', from: 'l0' }, output: { class: 'softmax', loss: 'ce', from: 'l1', target: 'classes' } } as NetDict;
    expect(() => build(chain, twoDynamic)).toThrow(/It takes "from": 'l1' \[B, T, T, 5\] <- 'l0' \[B, T, T, 5\] <- "data:data" \[B, T, T, 3\]\./);
    // A dense target: the output must have its shape (ce on the window output against data [B, T, 3]: seed 7 case 3062 was an untyped broadcast error).
    const dense = { enc: { class: 'window', window_size: 3, from: 'data' }, output: { class: 'softmax', loss: 'ce', from: 'enc', target: 'data', n_out: 3 } } as NetDict;
    expect(() => build(dense, seqExtern)).toThrow(/Layer 'output' outputs \[B, T, 3, 3\], but loss "ce" on its target 'data' \[B, T, 3\] needs the output \[B, T, 3\] \(the target shape\)/);
    // Pairs that fit still construct: frame-wise ce on sequences, mse on a dense target, ctc with the blank.
    expect(build({ enc: { class: 'linear', n_out: 4, from: 'data' }, output: { class: 'softmax', loss: 'ce', from: 'enc', target: 'classes' } } as NetDict, seqExtern).lossNodes()).toHaveLength(1);
    expect(build({ output: { class: 'linear', n_out: 3, loss: 'mse', from: 'data', target: 'data' } } as NetDict, seqExtern).lossNodes()).toHaveLength(1);
    expect(build({ output: { class: 'softmax', loss: 'ctc', from: 'data', target: 'classes' } } as NetDict, seqExtern).lossNodes()).toHaveLength(1);
  });

  it("a layer's argument error at creation names the entry and the RETURNN keys (fuzz, seed 123 case 170)", () => {
    const seqExtern = { data: { dim: 3, shape: [null, 3] }, classes: { dim: 4, sparse: true, shape: [null] } };
    const att = { enc: { class: 'self_attention', num_heads: 2 ** 32 + 1, total_key_dim: 8, n_out: 4, from: 'data' }, output: { class: 'softmax', loss: 'ce', from: 'enc', target: 'classes' } } as NetDict;
    expect(() => build(att, seqExtern)).toThrow(NetDictError);
    expect(() => build(att, seqExtern)).toThrow(
      "Net dict entry 'enc' (class 'self_attention'): num_heads must divide total_key_dim and n_out. Received: num_heads=4294967297, total_key_dim=8, n_out=4.",
    );
  });
});
