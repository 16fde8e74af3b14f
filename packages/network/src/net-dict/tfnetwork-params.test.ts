import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setBackend } from '@strata/backend';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { CheckpointMismatchError } from '@strata/savers';
import { beforeAll, describe, expect, it } from 'vitest';
import { LayerNotFoundError, NetworkArgumentError, ParamNotFoundError, ParamShapeMismatchError } from '../errors.js';
import { NetDictNetwork } from './net-dict-network.js';
import { registerRecClasses } from './rec-classes.js';
import type { NetDict } from './schema.js';

beforeAll(async () => {
  registerTfjsBackends();
  await setBackend('tfjs-cpu');
  registerRecClasses();
});

const extern = { data: { shape: [4] }, classes: { shape: [], dim: 3, sparse: true } };
const dict: NetDict = { hidden: { class: 'linear', n_out: 5, from: 'data' }, output: { class: 'softmax', loss: 'ce', from: 'hidden' } };
const build = (seed = 1) => NetDictNetwork.fromDict(dict, { externData: extern, seed });
const flat = (net: NetDictNetwork) => net.getWeights().map((w) => Array.from(w));

describe('TFNetwork params (seed 003)', () => {
  it('getParamsList, getNumParams, getTrainableParams and declareTrainParams', () => {
    const net = build();
    expect(net.params.getParamsList().map((v) => v.name)).toEqual(['network/hidden/kernel:0', 'network/hidden/bias:0', 'network/output/kernel:0', 'network/output/bias:0']);
    expect(net.params.getSaveableParamsList()).toEqual(net.params.getParamsList());
    expect(net.params.getAuxiliaryParams()).toEqual([]);
    expect(net.params.getNumParams()).toBe(4 * 5 + 5 + 5 * 3 + 3);
    net.params.declareTrainParams({ hiddenLayerSelection: ['hidden'], withOutput: false });
    expect(net.params.getTrainableParams().map((v) => v.path)).toEqual(['network/hidden/kernel', 'network/hidden/bias']);
    expect(net.trainableWeights.map((v) => v.path)).toEqual(['network/hidden/kernel', 'network/hidden/bias']);
    net.params.declareTrainParams({ hiddenLayerSelection: [] });
    expect(net.params.getTrainableParams().map((v) => v.path)).toEqual(['network/output/kernel', 'network/output/bias']);
    net.params.declareTrainParams({ globalTrainable: false });
    expect(net.params.getTrainableParams()).toEqual([]);
    net.params.declareTrainParams();
    expect(net.params.getTrainableParams()).toHaveLength(4);
    expect(() => net.params.declareTrainParams({ hiddenLayerSelection: ['hiden'] })).toThrow(LayerNotFoundError);
  });

  it('getParamValuesDict / setParamValuesByDict move weights between networks; bad dicts change nothing', () => {
    const a = build(1);
    const b = build(2);
    const values = a.params.getParamValuesDict();
    expect(Object.keys(values)).toEqual(['hidden', 'output']);
    expect(Object.keys(values.hidden!)).toEqual(['kernel', 'bias']);
    expect(values.hidden!.kernel!.shape).toEqual([4, 5]);
    expect(flat(a)).not.toEqual(flat(b));
    b.params.setParamValuesByDict(values);
    expect(flat(b)).toEqual(flat(a));

    const c = build(3);
    const before = flat(c);
    const zeros5 = new Float32Array(5);
    expect(() => c.params.setParamValuesByDict({ hidden: { bias: zeros5 }, hiden: { bias: zeros5 } })).toThrow(LayerNotFoundError);
    expect(() => c.params.setParamValuesByDict({ hidden: { bias: zeros5, gamma: zeros5 } })).toThrow(ParamNotFoundError);
    expect(() => c.params.setParamValuesByDict({ hidden: { bias: zeros5, gamma: zeros5 } })).toThrow(/no parameter 'gamma'. Its parameters: kernel, bias/);
    expect(() => c.params.setParamValuesByDict({ hidden: { bias: zeros5, kernel: { shape: [5, 4], dtype: 'float32', data: new Float32Array(20) } } })).toThrow(ParamShapeMismatchError);
    expect(() => c.params.setParamValuesByDict({ hidden: { bias: new Float32Array(4) } })).toThrow(/'hidden\/bias' has shape \[5\], but the value has 4 elements/);
    expect(flat(c)).toEqual(before);
    c.params.setParamValuesByDict({ hidden: { bias: [1, 2, 3, 4, 5], gamma: zeros5 }, hiden: {} }, { ignoreNonExisting: true });
    expect(Array.from(c.params.getParamValuesDict().hidden!.bias!.data)).toEqual([1, 2, 3, 4, 5]);
  });

  it('params of a rec unit are named relative to the rec layer (s/kernel)', () => {
    const net = NetDictNetwork.fromDict(
      { output: { class: 'rec', from: 'data', unit: { s: { class: 'linear', n_out: 2, from: ['data:source', 'prev:s'] }, output: { class: 'copy', from: 's' } } } as never },
      { externData: { data: { dim: 3, shape: [null, 3] } }, seed: 1 },
    );
    expect(Object.keys(net.params.getParamValuesDict().output!)).toEqual(['s/kernel', 's/bias']);
  });

  it('getParamsSerialized / setParamsBySerialized carry the global train step', () => {
    const a = build(1);
    a.params.setGlobalTrainStep(42);
    const b = build(2);
    b.params.setParamsBySerialized(a.params.getParamsSerialized());
    expect(b.params.getGlobalTrainStep()).toBe(42);
    expect(flat(b)).toEqual(flat(a));
    expect(() => a.params.setGlobalTrainStep(-1)).toThrow(NetworkArgumentError);
    expect(() => a.params.setGlobalTrainStep(1.5)).toThrow(/non-negative integer. Received: 1.5/);
  });

  it('initializeParams restores the initial values, then runs setCustomPostInit functions', () => {
    const net = build(7);
    const initial = flat(net);
    net.params.setParamValuesByDict({ hidden: { bias: [9, 9, 9, 9, 9] } });
    expect(flat(net)).not.toEqual(initial);
    net.params.initializeParams();
    expect(flat(net)).toEqual(initial);
    const bias = net.params.getParamsList().find((v) => v.path === 'network/output/bias')!;
    net.params.setCustomPostInit(bias, (v) => net.params.getVarAssigner(v)([0.5, 0.5, 0.5]));
    net.params.initializeParams();
    expect(Array.from(bias.readSync())).toEqual([0.5, 0.5, 0.5]);
    expect(() => net.params.getVarAssigner(bias)([1])).toThrow(/has 3 values \(\[3\]\), the assigner got 1/);
  });

  it('saveParamsToFile / loadParamsFromFile go through save/load of @strata/savers (safetensors), with the global train step as metadata', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'strata-params-'));
    const a = build(1);
    a.params.setGlobalTrainStep(34);
    await a.params.saveParamsToFile(join(dir, 'p.safetensors'));
    const b = build(2);
    expect(flat(b)).not.toEqual(flat(a));
    await b.params.loadParamsFromFile(join(dir, 'p.safetensors'));
    expect(flat(b)).toEqual(flat(a));
    expect(b.params.getGlobalTrainStep()).toBe(34);
    // Another network (hidden n_out 6): all or nothing, the step not restored either.
    const c = NetDictNetwork.fromDict({ ...dict, hidden: { class: 'linear', n_out: 6, from: 'data' } }, { externData: extern, seed: 3 });
    const before = flat(c);
    await expect(c.params.loadParamsFromFile(join(dir, 'p.safetensors'))).rejects.toThrow(CheckpointMismatchError);
    expect(flat(c)).toEqual(before);
    expect(c.params.getGlobalTrainStep()).toBe(0);
  });
});
