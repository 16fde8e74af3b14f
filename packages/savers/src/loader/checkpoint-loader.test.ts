// CheckpointLoader: every option, every rename, each LSTM layout found by
// name and shape and converted, the error's contents, and all-or-nothing
// assignment, on real variables of the tfjs-cpu backend.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { getBackend, ops, setBackend, sizeOf } from '@strata/backend';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { Rec, Rng, Variable, WeightMismatchError } from '@strata/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { saveCheckpoint } from '../checkpoint.js';
import { CheckpointFormatError } from '../errors.js';
import { CheckpointMappingError } from '../mismatch-errors.js';
import type { NamedTensorData } from '../safetensors.js';
import { CheckpointLoader, type CheckpointLoaderMappingOptions } from './checkpoint-loader.js';
import { type KerasLstm, kerasToOnnxLstm, kerasToReturnnNativeLstm, kerasToTf1Lstm } from './lstm-layouts.js';
import { renameCandidates, returnnScopeName } from './renames.js';

/** A float32 variable at `path` (`scope/local`) filled with `fill` (default -1). */
function variable(p: string, shape: number[], fill = -1): Variable {
  const i = p.lastIndexOf('/');
  const owner = i < 0 ? null : { scopeName: p.slice(0, i), effectiveTrainable: true };
  const init = ops.fill(shape, fill);
  const v = new Variable({ owner, name: p.slice(i + 1), value: getBackend().variable(init, true) });
  ops.dispose(init);
  return v;
}
/** A float32 checkpoint tensor with values `start, start + 1, ...`. */
function tensor(name: string, shape: number[], start = 0): NamedTensorData {
  return { name, shape, dtype: 'float32', data: Float32Array.from({ length: sizeOf(shape) }, (_, j) => start + j) };
}
const read = (v: Variable) => Array.from(v.readSync());
const range = (n: number, start = 0) => Array.from({ length: n }, (_, j) => start + j);

/** Runs `fn`, expecting a CheckpointMappingError, and returns it. */
function mappingError(fn: () => unknown): CheckpointMappingError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(CheckpointMappingError);
    expect(e).toBeInstanceOf(WeightMismatchError);
    return e as CheckpointMappingError;
  }
  throw new Error('expected a CheckpointMappingError');
}

const load = (tensors: NamedTensorData[], vars: Variable[], options: CheckpointLoaderMappingOptions = {}) => new CheckpointLoader({ ...options, tensors, variables: vars }).loadNow();

beforeAll(async () => {
  registerTfjsBackends();
  await setBackend('tfjs-cpu');
});

describe('CheckpointLoader: names and options', () => {
  it('loads by exact name, accepts a map or a list, and names with :0', () => {
    const [k, b] = [variable('out/kernel', [2, 3]), variable('out/bias', [3])];
    const report = load([tensor('out/kernel:0', [2, 3], 10), tensor('out/bias', [3], 20)], [k, b]);
    expect(read(k)).toEqual(range(6, 10));
    expect(read(b)).toEqual(range(3, 20));
    expect(report.loaded.get('out/kernel')).toEqual({ origin: 'exact', sources: ['out/kernel'] });
    expect(report.unused).toEqual([]);

    const k2 = variable('out/kernel', [2, 3]);
    new CheckpointLoader({ tensors: new Map([['out/kernel', tensor('out/kernel', [2, 3], 5)]]), variables: [k2] }).loadNow();
    expect(read(k2)).toEqual(range(6, 5));
  });

  it('rejects a checkpoint with both x and x:0', () => {
    expect(() => new CheckpointLoader({ tensors: [tensor('a', [1]), tensor('a:0', [1])], variables: [] })).toThrow(CheckpointFormatError);
  });

  it('paramsPrefix is prepended to find the checkpoint name', () => {
    const k = variable('out/kernel', [2, 2]);
    const r = load([tensor('model/out/kernel', [2, 2], 1), tensor('out/kernel', [2, 2], 100)], [k], { paramsPrefix: 'model/' });
    expect(read(k)).toEqual([1, 2, 3, 4]);
    expect(r.unused.map((u) => u.name)).toEqual(['out/kernel']);
  });

  it('loadIfPrefix selects params by prefix and strips it; others keep their values', () => {
    const lm = variable('network/lm_out/kernel', [2, 2]);
    const am = variable('network/am/kernel', [2, 2]);
    // A Strata checkpoint of the LM alone: its names have the root scope but not the prefix.
    const r = load([tensor('network/out/kernel', [2, 2], 7)], [lm, am], { loadIfPrefix: 'network/lm_', paramsPrefix: 'network/' });
    expect(read(lm)).toEqual([7, 8, 9, 10]);
    expect(read(am)).toEqual([-1, -1, -1, -1]);
    expect([...r.loaded.keys()]).toEqual(['network/lm_out/kernel']);
  });

  it('loadIfPrefix that selects nothing is an error naming the network params', () => {
    const e = mappingError(() => load([tensor('x', [1])], [variable('network/a/kernel', [1])], { loadIfPrefix: 'lm_' }));
    expect(e.problems[0]).toMatch(/no network param is selected: 1 variables, loadIfPrefix 'lm_', 0 ignored \(network params: network\/a\/kernel\)/);
  });

  it('ignoreMissing keeps params the checkpoint lacks, but loading nothing at all is still an error', () => {
    const [a, b] = [variable('a/kernel', [2]), variable('b/kernel', [2])];
    const r = load([tensor('a/kernel', [2], 3)], [a, b], { ignoreMissing: true });
    expect(read(a)).toEqual([3, 4]);
    expect(read(b)).toEqual([-1, -1]);
    expect(r.missing).toEqual(['b/kernel']);

    const c = variable('c/kernel', [2]);
    const e = mappingError(() => load([tensor('zzz', [5])], [c], { ignoreMissing: true }));
    expect(e.problems[0]).toMatch(/no network param matched a checkpoint tensor \(1 selected, all missing/);
    expect(e.unused).toEqual([{ name: 'zzz', shape: [5], dtype: 'float32' }]);
  });

  it('ignoreParams (by name or path) and ignoreParamsPrefixes leave params out', () => {
    const vars = [variable('network/a/kernel', [1]), variable('network/b/kernel', [1]), variable('network/enc/x', [1]), variable('network/enc/y', [1]), variable('network/c/kernel', [1])];
    const r = load([tensor('c/kernel', [1], 5), tensor('enc/x', [1], 6)], vars, {
      loadIfPrefix: 'network/',
      ignoreParams: ['a/kernel', 'network/b/kernel'],
      ignoreParamsPrefixes: ['enc/y'],
    });
    expect(vars.map((v) => read(v)[0])).toEqual([-1, -1, 6, -1, 5]);
    expect(r.ignored).toEqual(['network/a/kernel', 'network/b/kernel', 'network/enc/y']);
    // Everything ignored: nothing is selected.
    expect(() => load([tensor('c/kernel', [1])], [vars[4]!], { ignoreParamsPrefixes: ['network/c/'] })).toThrow(/no network param is selected: 1 variables, loadIfPrefix '', 1 ignored/);
  });

  it('nameMap maps a param to any checkpoint name; a wrong shape or an unknown key is an error', () => {
    const k = variable('out/kernel', [2]);
    const r = load([tensor('totally/other', [2], 4), tensor('out/kernel', [2], 9)], [k], { nameMap: { 'out/kernel': 'totally/other' } });
    expect(read(k)).toEqual([4, 5]);
    expect(r.loaded.get('out/kernel')!.origin).toBe('nameMap');

    const e = mappingError(() => load([tensor('other', [3])], [k], { nameMap: { 'out/kernel': 'other' } }));
    expect(e.mismatched).toEqual([{ name: 'out/kernel', checkpointName: 'other', network: { shape: [2], dtype: 'float32' }, checkpoint: { shape: [3], dtype: 'float32' } }]);
    expect(e.message).toContain(`out/kernel: network [2] float32, checkpoint 'other' [3] float32`);

    const e2 = mappingError(() => load([tensor('out/kernel', [2])], [k], { nameMap: { 'out/kernal': 'x' } }));
    expect(e2.problems).toEqual([`nameMap key 'out/kernal' names no network param (loadIfPrefix '').`]);
  });

  it('customMissingLoader fills params found nowhere, is not called for found ones, and its values are checked', () => {
    const [a, b] = [variable('a/kernel', [2]), variable('b/kernel', [2, 2])];
    const calls: string[] = [];
    const r = load([tensor('a/kernel', [2], 1), tensor('extra', [1])], [a, b], {
      customMissingLoader: (name, v, tensors) => {
        calls.push(`${name} ${v.shape.join('x')} ${[...tensors.keys()].join(',')}`);
        return Float32Array.from([5, 6, 7, 8]);
      },
    });
    expect(calls).toEqual(['b/kernel 2x2 a/kernel,extra']);
    expect(read(b)).toEqual([5, 6, 7, 8]);
    expect(r.loaded.get('b/kernel')).toEqual({ origin: 'custom', sources: [] });

    const e = mappingError(() => load([tensor('a/kernel', [2])], [a, b], { customMissingLoader: () => new Float32Array(3) }));
    expect(e.problems[0]).toBe(`customMissingLoader returned 3 float32 values for 'b/kernel' [2, 2] float32; expected 4 float32 values.`);
    // undefined: missing as usual.
    expect(mappingError(() => load([tensor('a/kernel', [2])], [a, b], { customMissingLoader: () => undefined })).unmapped.map((u) => u.name)).toEqual(['b/kernel']);
  });

  it('getVariableValueMap maps without assigning', () => {
    const k = variable('out/kernel', [2]);
    const map = new CheckpointLoader({ tensors: [tensor('out/weights', [2], 3)], variables: [k] }).getVariableValueMap();
    expect(read(k)).toEqual([-1, -1]);
    const v = map.get(k)!;
    expect([v.name, v.origin, v.sources, Array.from(v.data)]).toEqual(['out/kernel', 'renamed', ['out/weights'], [3, 4]]);
  });

  it('fromFile reads a safetensors file', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-loader-'));
    try {
      const file = path.join(dir, 'lm.safetensors');
      await saveCheckpoint(file, [tensor('network/out/kernel', [2], 3)]);
      const k = variable('network/lm_out/kernel', [2]);
      (await CheckpointLoader.fromFile(file, [k], { loadIfPrefix: 'network/lm_', paramsPrefix: 'network/' })).loadNow();
      expect(read(k)).toEqual([3, 4]);
      const e = mappingError(() => new CheckpointLoader({ tensors: [], variables: [k], source: file }).loadNow());
      expect(e.source).toBe(file);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('CheckpointLoader: renames', () => {
  // [network param, checkpoint name]: each must load with origin 'renamed'.
  const table: [string, string, number[]][] = [
    ['out/kernel', 'out/weights', [2, 3]], // TF < 1.2
    ['out/bias', 'out/biases', [3]],
    ['out/kernel', 'out/W', [2, 3]], // RETURNN LinearLayer
    ['out/bias', 'out/b', [3]],
    ['old/weights', 'old/kernel', [2, 3]], // and back
    ['old/biases', 'old/bias', [3]],
    ['gru/kernel', 'gru/gru_cell/kernel', [2, 9]], // TF2 Keras cell sub-scope
    ['gru/recurrent_kernel', 'gru/rnn/gru_cell/recurrent_kernel', [3, 9]], // TF1 dynamic_rnn
    ['rnn/kernel', 'rnn/simple_rnn_cell/kernel', [2, 3]],
    ['lstm/lstm_cell/kernel', 'lstm/rnn/lstm_cell/kernel', [5, 8]], // RETURNN's map_list
    ['lstm/lstm_cell/bias', 'lstm/bias', [8]], // sub-scope removed
    ['x/kernel', 'x/rnn/lstm_cell/weights', [2, 3]], // sub-scope and local rename together
    ['y/kernel', 'y/rec/W', [2, 3]],
    ['encoder-output/kernel', 'encoder__output/W', [2, 3]], // RETURNN's TF scope of a layer named with '-'
    ['dec/s-t/bias', 'dec/rec/s__t/b', [3]], // escaped inside a rec unit too
  ];
  for (const [net, ckpt, shape] of table) {
    it(`${net} ← ${ckpt}`, () => {
      expect(renameCandidates(net)).toContain(ckpt);
      const v = variable(net, shape);
      const r = load([tensor(ckpt, shape, 1)], [v]);
      expect(read(v)).toEqual(range(sizeOf(shape), 1));
      expect(r.loaded.get(net)).toEqual({ origin: 'renamed', sources: [ckpt] });
    });
  }

  it("RETURNN's scope names (get_valid_scope_name_from_str): '-', ':', brackets, '+', '*', quotes, ' ' and ',' become '__', non-ASCII goes, a leading '_' becomes '.95.'", () => {
    expect(returnnScopeName('encoder-output/')).toBe('encoder__output/');
    expect(returnnScopeName("a:b/c(d)/e{f}&g+h*i'j\"k l,m/")).toBe('a__b/c__d__/e__f____g__h__i__j__k__l__m/');
    expect(returnnScopeName('-x/_y/äz/')).toBe('.95._x/.95.y/z/');
    expect(returnnScopeName('plain/name_2/')).toBe('plain/name_2/');
    // The escaped names come after the others, and a name that needs no escaping gets none.
    expect(renameCandidates('a-b/kernel').slice(-3)).not.toContain('a-b/W');
    expect(renameCandidates('ab/kernel').some((c) => c.includes('__'))).toBe(false);
  });

  it('a rename with another shape is not taken; the exact name wins over renames; a tensor is renamed only once', () => {
    const k = variable('out/kernel', [2, 3]);
    expect(mappingError(() => load([tensor('out/weights', [3, 2])], [k])).unmapped[0]!.name).toBe('out/kernel');
    const r = load([tensor('out/weights', [2, 3], 50), tensor('out/kernel', [2, 3], 1)], [k]);
    expect(read(k)).toEqual(range(6, 1));
    expect(r.unused.map((u) => u.name)).toEqual(['out/weights']);
  });
});

describe('CheckpointLoader: LSTM layouts (Strata Rec lstm, in 3, units 2)', () => {
  const [F, U] = [3, 2];
  const rng = new Rng(1);
  const rand = (n: number) => Float32Array.from({ length: n }, () => rng.uniform() * 2 - 1);
  const keras: KerasLstm = { inputSize: F, units: U, kernel: rand(F * 4 * U), recurrentKernel: rand(U * 4 * U), bias: rand(4 * U) };
  const lstm = () => {
    const layer = new Rec({ name: 'lstm0_fw', unit: 'lstm', units: U });
    layer.apply(ops.zeros([1, 2, F]));
    return layer;
  };
  const f32 = (name: string, shape: number[], data: Float32Array): NamedTensorData => ({ name, shape, dtype: 'float32', data });
  const tf1 = (fb: number) => kerasToTf1Lstm(keras, { forgetBias: fb });
  const onnx = kerasToOnnxLstm(keras);
  const native = kerasToReturnnNativeLstm(keras);

  const layouts: { name: string; origin: string; tensors: NamedTensorData[]; options?: CheckpointLoaderMappingOptions }[] = [
    {
      name: 'TF2 Keras (lstm_cell/ sub-scope)',
      origin: 'lstm-keras',
      tensors: [f32('lstm0_fw/lstm_cell/kernel', [F, 4 * U], keras.kernel), f32('lstm0_fw/lstm_cell/recurrent_kernel', [U, 4 * U], keras.recurrentKernel), f32('lstm0_fw/lstm_cell/bias', [4 * U], keras.bias)],
    },
    {
      name: 'TF1 LSTMCell under rnn/lstm_cell/ (forget_bias 1, the default)',
      origin: 'lstm-tf1',
      tensors: [f32('lstm0_fw/rnn/lstm_cell/kernel', [F + U, 4 * U], tf1(1).kernel), f32('lstm0_fw/rnn/lstm_cell/bias', [4 * U], tf1(1).bias)],
    },
    {
      name: 'TF1 LSTMBlockCell under lstm_cell/ with forgetBias 0 (RETURNN unit_opts forget_bias 0)',
      origin: 'lstm-tf1',
      tensors: [f32('lstm0_fw/lstm_cell/kernel', [F + U, 4 * U], tf1(0).kernel), f32('lstm0_fw/lstm_cell/bias', [4 * U], tf1(0).bias)],
      options: { forgetBias: 0 },
    },
    {
      name: 'TF < 1.2 BasicLSTMCell (weights, biases) with forgetBias 0.5',
      origin: 'lstm-tf1',
      tensors: [f32('lstm0_fw/rnn/basic_lstm_cell/weights', [F + U, 4 * U], tf1(0.5).kernel), f32('lstm0_fw/rnn/basic_lstm_cell/biases', [4 * U], tf1(0.5).bias)],
      options: { forgetBias: 0.5 },
    },
    {
      name: 'TF1 fused kernel directly under the scope (kernel [in + u, 4u])',
      origin: 'lstm-tf1',
      tensors: [f32('lstm0_fw/kernel', [F + U, 4 * U], tf1(1).kernel), f32('lstm0_fw/bias', [4 * U], tf1(1).bias)],
    },
    {
      name: 'ONNX W, R, B',
      origin: 'lstm-onnx',
      tensors: [f32('lstm0_fw/W', [1, 4 * U, F], onnx.W), f32('lstm0_fw/R', [1, 4 * U, U], onnx.R), f32('lstm0_fw/B', [1, 8 * U], onnx.B)],
    },
    {
      name: 'RETURNN NativeLstm2 rec/W, rec/W_re, rec/b',
      origin: 'lstm-returnn-native',
      tensors: [f32('lstm0_fw/rec/W', [F, 4 * U], native.W), f32('lstm0_fw/rec/W_re', [U, 4 * U], native.WRe), f32('lstm0_fw/rec/b', [4 * U], native.b)],
    },
    {
      // NativeLstmLowMemCell: one W [in + u, 4u], the input rows first (returnn/tf/native_op.py set_param_axes_split_info).
      name: 'RETURNN NativeLstmLowMem rec/W (input and recurrent rows), rec/b',
      origin: 'lstm-returnn-native-lowmem',
      tensors: [f32('lstm0_fw/rec/W', [F + U, 4 * U], Float32Array.from([...native.W, ...native.WRe])), f32('lstm0_fw/rec/b', [4 * U], native.b)],
    },
  ];
  for (const l of layouts) {
    it(`${l.name} → Strata's kernel, recurrent_kernel, bias`, () => {
      const layer = lstm();
      const r = load(l.tensors, layer.weights, l.options);
      expect(Array.from(layer.kernel.readSync())).toEqual(Array.from(keras.kernel));
      expect(Array.from(layer.recurrentKernel.readSync())).toEqual(Array.from(keras.recurrentKernel));
      const bias = layer.bias.readSync();
      keras.bias.forEach((b, j) => expect(bias[j]).toBeCloseTo(b, 6));
      expect(r.loaded.get('lstm0_fw/kernel')).toEqual({ origin: l.origin, sources: l.tensors.map((t) => t.name) });
      expect(r.unused).toEqual([]);
    });
  }

  it('ONNX without B: the bias is zero; with paramsPrefix and loadIfPrefix the scope is found', () => {
    const layer = lstm();
    load([f32('model/lstm0_fw/W', [1, 4 * U, F], onnx.W), f32('model/lstm0_fw/R', [1, 4 * U, U], onnx.R)], layer.weights, { paramsPrefix: 'model/' });
    expect(Array.from(layer.kernel.readSync())).toEqual(Array.from(keras.kernel));
    expect(Array.from(layer.bias.readSync())).toEqual(new Array(4 * U).fill(0));
  });

  it('a TF1 kernel of another input size is not converted: the error names both shapes and the unused tensors', () => {
    const layer = lstm();
    const e = mappingError(() => load([tensor('lstm0_fw/kernel', [F + 1 + U, 4 * U]), tensor('lstm0_fw/bias', [4 * U], 100)], layer.weights));
    expect(e.mismatched).toEqual([
      { name: 'lstm0_fw/kernel', checkpointName: 'lstm0_fw/kernel', network: { shape: [3, 8], dtype: 'float32' }, checkpoint: { shape: [6, 8], dtype: 'float32' } },
    ]);
    expect(e.unmapped.map((u) => u.name)).toEqual(['lstm0_fw/recurrent_kernel']);
    expect(e.message).toContain(`lstm0_fw/kernel: network [3, 8] float32, checkpoint 'lstm0_fw/kernel' [6, 8] float32`);
    expect(Array.from(layer.bias.readSync())).toEqual([0, 0, 1, 1, 0, 0, 0, 0]); // the bias (exact name, right shape) was not assigned
  });
});

describe('CheckpointLoader: errors and all-or-nothing', () => {
  it('lists unmapped params with shapes and same-shape candidates, mismatches, unused tensors; assigns nothing', () => {
    const vars = [variable('net/a/kernel', [2, 3]), variable('net/b/kernel', [4]), variable('net/c/kernel', [5]), variable('net/d/bias', [2])];
    const tensors = [tensor('net/a/kernel', [2, 3], 1), tensor('net/b/kernel', [3], 1), tensor('old/c_w', [5]), tensor('old/c_v', [5]), tensor('old/other', [7]), tensor('net/d/bias', [2], 1)];
    const e = mappingError(() => load(tensors, vars));
    expect(e.unmapped).toEqual([{ name: 'net/c/kernel', checkpointName: 'net/c/kernel', shape: [5], dtype: 'float32', candidates: ['old/c_w', 'old/c_v'] }]);
    expect(e.mismatched).toEqual([{ name: 'net/b/kernel', checkpointName: 'net/b/kernel', network: { shape: [4], dtype: 'float32' }, checkpoint: { shape: [3], dtype: 'float32' } }]);
    expect(e.unused.map((u) => `${u.name} [${u.shape.join(', ')}]`)).toEqual(['net/b/kernel [3]', 'old/c_w [5]', 'old/c_v [5]', 'old/other [7]']);
    expect(e.message.split('\n')).toEqual([
      'Cannot map checkpoint <tensors> onto the network; no variable was assigned.',
      '  network params not found in the checkpoint (1):',
      '    net/c/kernel [5] float32; same shape in checkpoint: old/c_w, old/c_v',
      '  shape/dtype differences (1):',
      `    net/b/kernel: network [4] float32, checkpoint 'net/b/kernel' [3] float32`,
      '  unused checkpoint tensors (4): net/b/kernel [3], old/c_w [5], old/c_v [5], old/other [7]',
      `Hint: map the params above to their same-shape checkpoint tensors with nameMap: { '<param>': '<checkpoint name>' }, or pass ignoreMissing: true to keep their values.`,
    ]);
    // net/a/kernel and net/d/bias matched, but nothing was assigned.
    expect(vars.map((v) => read(v)[0])).toEqual([-1, -1, -1, -1]);
    // With the candidate mapped and the mismatch ignored, everything loads.
    load(tensors, vars, { nameMap: { 'net/c/kernel': 'old/c_v' }, ignoreParams: ['net/b/kernel'] });
    expect(vars.map((v) => read(v)[0])).toEqual([1, -1, 0, 1]);
  });

  it('a dtype difference is a mismatch; the looked-for name is shown when it differs', () => {
    const v = variable('network/steps', [1]);
    const e = mappingError(() => load([{ name: 'steps', shape: [1], dtype: 'int32', data: Int32Array.from([3]) }], [v], { loadIfPrefix: 'network/' }));
    expect(e.mismatched[0]!.checkpoint).toEqual({ shape: [1], dtype: 'int32' });
    const e2 = mappingError(() => load([tensor('x', [1])], [v], { loadIfPrefix: 'network/', paramsPrefix: 'm/' }));
    expect(e2.message).toContain(`network/steps [1] float32 (looked for 'm/steps'); same shape in checkpoint: x`);
  });
});
