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

const extern = { data: { dim: 4 }, classes: { dim: 3, sparse: true } };
const dict: NetDict = { hidden: { class: 'linear', n_out: 5, from: 'data' }, output: { class: 'softmax', loss: 'ce', from: 'hidden' } };
const build = (seed = 1) => NetDictNetwork.fromDict(dict, { externData: extern, seed });
const flat = (net: NetDictNetwork) => net.getWeights().map((w) => Array.from(w));

describe('TFNetwork params (seed 003)', () => {
  it('getParamsList, getNumParams, getTrainableParams and declareTrainParams', () => {
    const net = build();
    expect(net.getParamsList().map((v) => v.name)).toEqual(['network/hidden/kernel:0', 'network/hidden/bias:0', 'network/output/kernel:0', 'network/output/bias:0']);
    expect(net.getSaveableParamsList()).toEqual(net.getParamsList());
    expect(net.getAuxiliaryParams()).toEqual([]);
    expect(net.getNumParams()).toBe(4 * 5 + 5 + 5 * 3 + 3);
    net.declareTrainParams({ hiddenLayerSelection: ['hidden'], withOutput: false });
    expect(net.getTrainableParams().map((v) => v.path)).toEqual(['network/hidden/kernel', 'network/hidden/bias']);
    expect(net.trainableWeights.map((v) => v.path)).toEqual(['network/hidden/kernel', 'network/hidden/bias']);
    net.declareTrainParams({ hiddenLayerSelection: [] });
    expect(net.getTrainableParams().map((v) => v.path)).toEqual(['network/output/kernel', 'network/output/bias']);
    net.declareTrainParams({ globalTrainable: false });
    expect(net.getTrainableParams()).toEqual([]);
    net.declareTrainParams();
    expect(net.getTrainableParams()).toHaveLength(4);
    expect(() => net.declareTrainParams({ hiddenLayerSelection: ['hiden'] })).toThrow(LayerNotFoundError);
  });

  it('getParamValuesDict / setParamValuesByDict move weights between networks; bad dicts change nothing', () => {
    const a = build(1);
    const b = build(2);
    const values = a.getParamValuesDict();
    expect(Object.keys(values)).toEqual(['hidden', 'output']);
    expect(Object.keys(values.hidden!)).toEqual(['kernel', 'bias']);
    expect(values.hidden!.kernel!.shape).toEqual([4, 5]);
    expect(flat(a)).not.toEqual(flat(b));
    b.setParamValuesByDict(values);
    expect(flat(b)).toEqual(flat(a));

    const c = build(3);
    const before = flat(c);
    const zeros5 = new Float32Array(5);
    expect(() => c.setParamValuesByDict({ hidden: { bias: zeros5 }, hiden: { bias: zeros5 } })).toThrow(LayerNotFoundError);
    expect(() => c.setParamValuesByDict({ hidden: { bias: zeros5, gamma: zeros5 } })).toThrow(ParamNotFoundError);
    expect(() => c.setParamValuesByDict({ hidden: { bias: zeros5, gamma: zeros5 } })).toThrow(/no parameter 'gamma'. Its parameters: kernel, bias/);
    expect(() => c.setParamValuesByDict({ hidden: { bias: zeros5, kernel: { shape: [5, 4], dtype: 'float32', data: new Float32Array(20) } } })).toThrow(ParamShapeMismatchError);
    expect(() => c.setParamValuesByDict({ hidden: { bias: new Float32Array(4) } })).toThrow(/'hidden\/bias' has shape \[5\], but the value has 4 elements/);
    expect(flat(c)).toEqual(before);
    c.setParamValuesByDict({ hidden: { bias: [1, 2, 3, 4, 5], gamma: zeros5 }, hiden: {} }, { ignoreNonExisting: true });
    expect(Array.from(c.getParamValuesDict().hidden!.bias!.data)).toEqual([1, 2, 3, 4, 5]);
  });

  it('params of a rec unit are named relative to the rec layer (s/kernel)', () => {
    const net = NetDictNetwork.fromDict(
      { output: { class: 'rec', from: 'data', unit: { s: { class: 'linear', n_out: 2, from: ['data:source', 'prev:s'] }, output: { class: 'copy', from: 's' } } } as never },
      { externData: { data: { dim: 3, shape: [null, 3] } }, seed: 1 },
    );
    expect(Object.keys(net.getParamValuesDict().output!)).toEqual(['s/kernel', 's/bias']);
  });

  it('getParamsSerialized / setParamsBySerialized carry the global train step', () => {
    const a = build(1);
    a.setGlobalTrainStep(42);
    const b = build(2);
    b.setParamsBySerialized(a.getParamsSerialized());
    expect(b.getGlobalTrainStep()).toBe(42);
    expect(flat(b)).toEqual(flat(a));
    expect(() => a.setGlobalTrainStep(-1)).toThrow(NetworkArgumentError);
    expect(() => a.setGlobalTrainStep(1.5)).toThrow(/non-negative integer. Received: 1.5/);
  });

  it('initializeParams restores the initial values, then runs setCustomPostInit functions', () => {
    const net = build(7);
    const initial = flat(net);
    net.setParamValuesByDict({ hidden: { bias: [9, 9, 9, 9, 9] } });
    expect(flat(net)).not.toEqual(initial);
    net.initializeParams();
    expect(flat(net)).toEqual(initial);
    const bias = net.getParamsList().find((v) => v.path === 'network/output/bias')!;
    net.setCustomPostInit(bias, (v) => net.getVarAssigner(v)([0.5, 0.5, 0.5]));
    net.initializeParams();
    expect(Array.from(bias.readSync())).toEqual([0.5, 0.5, 0.5]);
    expect(() => net.getVarAssigner(bias)([1])).toThrow(/has 3 values \(\[3\]\), the assigner got 1/);
  });

  it('saveParamsToFile / loadParamsFromFile go through save/load of @strata/savers (safetensors), with the global train step as metadata', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'strata-params-'));
    const a = build(1);
    a.setGlobalTrainStep(34);
    await a.saveParamsToFile(join(dir, 'p.safetensors'));
    const b = build(2);
    expect(flat(b)).not.toEqual(flat(a));
    await b.loadParamsFromFile(join(dir, 'p.safetensors'));
    expect(flat(b)).toEqual(flat(a));
    expect(b.getGlobalTrainStep()).toBe(34);
    // Another network (hidden n_out 6): all or nothing, the step not restored either.
    const c = NetDictNetwork.fromDict({ ...dict, hidden: { class: 'linear', n_out: 6, from: 'data' } }, { externData: extern, seed: 3 });
    const before = flat(c);
    await expect(c.loadParamsFromFile(join(dir, 'p.safetensors'))).rejects.toThrow(CheckpointMismatchError);
    expect(flat(c)).toEqual(before);
    expect(c.getGlobalTrainStep()).toBe(0);
  });
});
