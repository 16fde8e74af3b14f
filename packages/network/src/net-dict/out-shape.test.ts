// RETURNN's out_shape entry key: () checks that the output is a scalar (no batch axis, no other axis).
import { setBackend } from '@strata/backend';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { NetDictError } from '../errors.js';
import { NetDictNetwork } from './net-dict-network.js';
import type { NetDict } from './schema.js';

beforeAll(async () => {
  registerTfjsBackends();
  await setBackend('tfjs-cpu');
});

const build = (net: NetDict) => NetDictNetwork.fromDict(net, { externData: { data: { shape: [null, 3] } }, seed: 1 });

describe('out_shape', () => {
  it('() holds for a scalar output (reduce over every axis)', () => {
    const net = build({ output: { class: 'reduce', mode: 'max', axis: ['B', 'T', 'F'], out_shape: [], from: 'data' } as never });
    expect(net.node('output').output.batchShape).toEqual([]);
  });
  it('() fails for an output with axes, naming the entry and the output', () => {
    expect(() => build({ output: { class: 'reduce', mode: 'max', axis: ['B', 'T'], out_shape: [], from: 'data' } as never })).toThrow(NetDictError);
    expect(() => build({ output: { class: 'copy', out_shape: [], from: 'data' } as never })).toThrow(/'output': out_shape \(\) says the output is a scalar, but it is Data\{/);
  });
  it('dims in out_shape are refused (RETURNN gives Dim objects there)', () => {
    expect(() => build({ output: { class: 'copy', out_shape: ['T'], from: 'data' } as never })).toThrow(/out_shape \["T"\] names dims not as Dims/);
  });
});
