// Net-dict construction errors name the entry that refers to the bad thing
// (fuzz findings, #8): a missing extern-data key used as a source or target,
// a bad loss option (under its snake_case key), a target without a class count,
// and an absurd n_out (core refuses the weight before allocating it).
import { setBackend } from '@strata/backend';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { NetDictError } from '../errors.js';
import { ExternDataKeyError } from '../extern-data/errors.js';
import { NetDictNetwork } from './net-dict-network.js';
import type { NetDict } from './schema.js';

beforeAll(async () => {
  registerTfjsBackends();
  await setBackend('tfjs-cpu');
});

const extern = { data: { dim: 4 }, classes: { dim: 3, sparse: true } };
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
    expect(() => build(noTarget, { data: { dim: 4 } })).toThrow(
      `Layer 'output' has a "loss" but no "target", so its target is the default 'classes', but extern_data has no key 'classes'. Known keys: data.`,
    );
  });

  it('a bad loss option: NetDictError naming the entry, the loss and the snake_case key', () => {
    expect(() => build(mlp({ loss_opts: { label_smoothing: 2 } }))).toThrow(NetDictError);
    expect(() => build(mlp({ loss_opts: { label_smoothing: 2 } }))).toThrow(
      `Net dict entry 'output': "loss": "ce" with "loss_opts": {"label_smoothing":2}: label_smoothing must be in [0, 1). Received: label_smoothing=2`,
    );
    // A valid option still reaches the loss.
    expect(build(mlp({ loss_opts: { label_smoothing: 0.1 } })).lossNodes()).toHaveLength(1);
  });

  it('a target without a class count: NetDictError naming the entry and the target key', () => {
    const dimTags = { data: { dim: 4 }, classes: { dim_tags: [{ kind: 'batch' }, { description: 'time' }] } };
    expect(() => build(mlp({}), dimTags)).toThrow(NetDictError);
    expect(() => build(mlp({}), dimTags)).toThrow(
      /^Net dict entry 'output' \(class 'softmax'\) has no "n_out", and its target 'classes' \(Data\{'classes', \[B,time:\?\], float32\}\) has no class count to take it from\. Give "n_out", or describe extern_data 'classes' with its number of classes/,
    );
    // Without a loss or target the message stays the general one.
    expect(() => build({ output: { class: 'linear', from: 'data' } } as NetDict)).toThrow(/Net dict entry 'output' \(class 'linear'\) needs "n_out" \(the number of output features\), or a "loss" with a "target"\./);
  });

  it('an absurd n_out or extern dim fails fast with a typed error naming the layer and the weight shape', () => {
    const t0 = performance.now();
    expect(() => build(mlp({}, { n_out: 2 ** 31 }))).toThrow(/Layer 'h', weight 'kernel': shape \[4,2147483648\] has 8\.59e\+9 elements, more than the limit/);
    expect(() => build(mlp({}), { data: { dim: 1e12 }, classes: { dim: 3, sparse: true } })).toThrow(/'h'.*weight 'kernel': shape \[1000000000000,5\]/s);
    expect(() => build(mlp({}), { data: { dim: 1e308 }, classes: { dim: 3, sparse: true } })).toThrow(/extern_data 'data': dim must be a positive integer .* Received: dim=1e\+308/);
    expect(() => build(mlp({}), { data: { shape: 'T' }, classes: { dim: 3, sparse: true } })).toThrow(/extern_data 'data': shape must be a list/);
    expect(performance.now() - t0).toBeLessThan(2_000);
  });
});
