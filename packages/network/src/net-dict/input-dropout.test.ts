// RETURNN's input dropout noise shape on a net dict in training: the mask is
// constant along the broadcast axes (dropout_axis, dropout_noise_shape, and the
// default: one mask over the features shared by batch entries and frames).
import { ops, setBackend } from '@strata/backend';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { Rng, trainingContext } from '@strata/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { NetDictNetwork } from './net-dict-network.js';
import type { NetDict } from './schema.js';

beforeAll(async () => {
  registerTfjsBackends();
  await setBackend('tfjs-cpu');
});

const [B, T, F] = [4, 6, 40];
/** The kept-mask [B, T, F] (1 kept, 0 dropped) of a dropout layer on all-ones input, in training. */
function mask(drop: Record<string, unknown>): number[][][] {
  const net = NetDictNetwork.fromDict({ output: { class: 'dropout', dropout: 0.5, from: 'data', ...drop } } as NetDict, { externData: { data: { shape: [null, F] } }, seed: 1 });
  const out = net.forward({ data: ops.ones([B, T, F]), 'data:size1': ops.tensor([T, T, T, T], [B], 'int32') }, trainingContext(new Rng(5))).get('output')!.value;
  const v = ops.readSync(out);
  return Array.from({ length: B }, (_, b) => Array.from({ length: T }, (_, t) => Array.from({ length: F }, (_, f) => (v[(b * T + t) * F + f]! > 0 ? 1 : 0))));
}
const same = (xs: unknown[]) => xs.every((x) => JSON.stringify(x) === JSON.stringify(xs[0]));
const varies = (xs: number[]) => xs.some((x) => x !== xs[0]);

describe('input dropout noise shape (RETURNN dropout_axis, dropout_noise_shape)', () => {
  it('by default shares one feature mask over the batch and time', () => {
    const m = mask({});
    expect(same(m.flat())).toBe(true);
    expect(varies(m[0]![0]!)).toBe(true);
  });
  it('{"*": None}: a draw per element', () => {
    const m = mask({ dropout_noise_shape: { '*': null } });
    expect(varies(m.map((r) => r[0]![0]!))).toBe(true);
    expect(varies(m[0]!.map((r) => r[0]!))).toBe(true);
  });
  it('dropout_axis ["T", "F"]: shared over the batch, a draw per frame and feature', () => {
    const m = mask({ dropout_axis: ['T', 'F'] });
    expect(same(m)).toBe(true);
    expect(varies(m[0]!.map((r) => r[0]!))).toBe(true);
    expect(varies(m[0]![0]!)).toBe(true);
  });
  it('refuses both keys at once, naming them', () => {
    expect(() => mask({ dropout_axis: 'T', dropout_noise_shape: { F: 1 } })).toThrow(/give dropout_axis or dropout_noise_shape, not both/);
  });
});
