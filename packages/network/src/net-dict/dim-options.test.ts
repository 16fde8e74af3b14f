// RETURNN Dims (their JSON form) in extern_data and in entry options: each net with Dims computes exactly what the
// same net with RETURNN's string axis descriptions and n_out computes (those forms are checked against RETURNN's
// numbers in tools/returnn-ref; cases/dims_f.py checks the Dim forms there too), and bad Dims are named.
import { ops, setBackend, type Tensor } from '@strata/backend';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { BATCH_DIM_JSON, type DimJson, DimJsonError, dimMath } from '@strata/core';
import { beforeAll, describe, expect, it } from 'vitest';
import '../index.js';
import { NetDictError } from '../errors.js';
import { NetDictNetwork } from './net-dict-network.js';
import type { NetDict } from './schema.js';

beforeAll(async () => {
  registerTfjsBackends();
  await setBackend('tfjs-cpu');
});

const time: DimJson = { dim: 'time', kind: 'spatial', size: null };
const feat: DimJson = { dim: 'feat', kind: 'feature', size: 4 };
const hidden: DimJson = { dim: 'hidden', kind: 'feature', size: 3 };
const dimsExt = { data: { dim_tags: [BATCH_DIM_JSON, time, feat] } };
const plainExt = { data: { shape: [null, 4] } };
const build = (net: Record<string, unknown>, externData: Record<string, unknown> = dimsExt) =>
  NetDictNetwork.fromDict(net as unknown as NetDict, { externData: externData as never, seed: 1 });
const read = (t: Tensor) => Array.from(ops.readSync(t));
const batch = () => ({ data: ops.tensor(Array.from({ length: 2 * 5 * 4 }, (_, i) => Math.sin(i)), [2, 5, 4]), 'data:size1': ops.tensor([5, 3], [2], 'int32') });
const out = (net: ReturnType<typeof build>, name = 'output') => net.forward(batch()).get(name)!;

describe('Dims in entry options mean what the string forms mean', () => {
  it('out_dim is n_out; axis time_dim is "T"; out_shape holds', () => {
    const withDims = build({
      lin: { class: 'linear', from: 'data', out_dim: hidden, activation: 'tanh' },
      output: { class: 'reduce', mode: 'max', from: 'lin', axis: time, out_shape: [BATCH_DIM_JSON, hidden] },
    });
    const plain = build({ lin: { class: 'linear', from: 'data', n_out: 3, activation: 'tanh' }, output: { class: 'reduce', mode: 'max', from: 'lin', axis: 'T' } }, plainExt);
    expect(withDims.node('lin').output.dims.map((d) => d.description)).toEqual(['time', 'hidden']);
    const a = out(withDims);
    expect(a.value.shape).toEqual([2, 3]);
    expect(read(a.value)).toEqual(read(out(plain).value));
  });
  it('in_spatial_dims / out_spatial_dims of conv name its input and output axes', () => {
    const convTime = dimMath('ceildiv', time, 2);
    const withDims = build({
      output: { class: 'conv', from: 'data', filter_size: [3], strides: 2, padding: 'same', in_spatial_dims: [time], out_spatial_dims: [convTime], out_dim: hidden, out_shape: [BATCH_DIM_JSON, convTime, hidden] },
    });
    const plain = build({ output: { class: 'conv', from: 'data', filter_size: [3], strides: 2, padding: 'same', n_out: 3 } }, plainExt);
    expect(withDims.node('output').output.dims.map((d) => d.description)).toEqual(['⌈time/2⌉', 'hidden']);
    const a = out(withDims);
    const b = out(plain);
    expect(read(a.value)).toEqual(read(b.value));
    expect(read(withDims.node('output').output.timeDim!.dynSize!)).toEqual([3, 2]);
  });
  it('variable shape Dims are their sizes; in_dim is checked against the input', () => {
    const net = build({ v: { class: 'variable', shape: [hidden], init: 1 }, lin: { class: 'linear', from: 'data', in_dim: feat, out_dim: hidden }, output: { class: 'combine', kind: 'add', from: ['lin', 'v'] } });
    expect(net.node('v').output.shape).toEqual([3]);
    expect(() => build({ output: { class: 'linear', from: 'data', in_dim: hidden, out_dim: hidden } })).toThrow(/'output' \(class 'linear'\): in_dim hidden \(size 3\) is not the feature dim of the input/);
  });
  it('two extern keys sharing a Dim share one Strata Dim (one length tensor)', () => {
    const net = build({ output: { class: 'copy', from: 'data' } }, { data: { dim_tags: [BATCH_DIM_JSON, time, feat] }, classes: { dim_tags: [BATCH_DIM_JSON, time], sparse_dim: { dim: 'classes', kind: 'feature', size: 5 } } });
    expect(net.externData.getData('classes').dims[0]).toBe(net.externData.getData('data').dims[0]);
  });
});

describe('rec axis', () => {
  it("the source's time Dim is the axis rec iterates over anyway (a strict class schema never sees the key)", () => {
    const unit = { output: { class: 'linear', from: ['data:source', 'prev:output'], n_out: 3, activation: 'tanh' } };
    const withAxis = build({ output: { class: 'rec', from: 'data', axis: time, unit } });
    const plain = build({ output: { class: 'rec', from: 'data', unit } });
    expect(read(out(withAxis).value)).toEqual(read(out(plain).value));
  });
  it('another axis, or single_step_dim, is refused with the reason', () => {
    const unit = { output: { class: 'linear', from: ['data:source', 'prev:output'], n_out: 3 } };
    expect(() => build({ output: { class: 'rec', from: 'data', axis: feat, unit } })).toThrow(/'output' \(class 'rec'\): axis .*iterates over the time axis of its source only/);
    expect(() => build({ output: { class: 'rec', from: 'data', axis: { dim: 'single-step', kind: 'spatial', size: 1, special: true }, unit } })).toThrow(/axis single_step_dim: RETURNN runs one step/);
  });
});

describe('bad Dims are named', () => {
  it('a Dim that is not an axis of the source', () => {
    expect(() => build({ output: { class: 'reduce', mode: 'max', from: 'data', axis: { dim: 'other', kind: 'spatial', size: null } } })).toThrow(
      /Net dict entry 'output' \(class 'reduce'\): axis: Dim 'other' \(spatial, size dynamic\) is not an axis of Data\{/,
    );
  });
  it('out_shape that is not the output', () => {
    expect(() => build({ output: { class: 'copy', from: 'data', out_shape: [BATCH_DIM_JSON, feat] } })).toThrow(/'output': out_shape \{global batch, feat\} is not the output .*: the output's time is not in out_shape/);
  });
  it('a malformed Dim, with its key path', () => {
    expect(() => build({ output: { class: 'reduce', mode: 'max', from: 'data', axis: { dim: 'time', kind: 'temporal', size: null } } })).toThrow(DimJsonError);
    expect(() => build({ output: { class: 'reduce', mode: 'max', from: 'data', axis: { dim: 'time', kind: 'temporal', size: null } } })).toThrow(/network\.output\.axis\.kind: must be one of/);
  });
  it('out_dim and n_out that differ; a Dim in a key Strata does not read', () => {
    expect(() => build({ output: { class: 'linear', from: 'data', out_dim: hidden, n_out: 5 } })).toThrow(NetDictError);
    expect(() => build({ output: { class: 'copy', from: 'data', foo_dim: hidden } })).toThrow(/foo_dim holds a Dim .*which Strata does not read for this key yet/);
  });
});

describe('an entry that is not a dict', () => {
  it('is refused by the entry schema with a NetDictError naming the entry (not a TypeError from reading its Dims)', () => {
    for (const bad of [null, 3, 'linear', ['linear']]) {
      expect(() => NetDictNetwork.fromDict({ output: bad } as unknown as NetDict, { externData: { data: { dim: 2 } } })).toThrow(NetDictError);
      expect(() => NetDictNetwork.fromDict({ output: bad } as unknown as NetDict, { externData: { data: { dim: 2 } } })).toThrow(/'output'/);
    }
  });
});
