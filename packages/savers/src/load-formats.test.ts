// load of files that are not Strata checkpoints: the format comes from the
// content (not the name), and the tensors are mapped through CheckpointLoader
// (renames, prefixes, nameMap); reading stays inside the file's directory.
import fs from 'node:fs';
import path from 'node:path';
import { getBackend, ops, setBackend } from '@strata/backend';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { Linear, type Variable } from '@strata/core';
import { strToU8, zipSync } from 'fflate';
import h5wasm from 'h5wasm/node';
import { beforeAll, describe, expect, it } from 'vitest';
import { saveCheckpoint } from './checkpoint.js';
import { CheckpointArgumentError, UnknownCheckpointFormatError, UnsafeEntryPathError } from './errors.js';
import { CheckpointMappingError } from './mismatch-errors.js';
import { writeCheckpointFile } from './formats/registry.js';
import { load, save } from './save-load.js';
import { useTempDir } from './test-utils/temp-dir.js';

/** A built Linear layer named `name` (inputs 4, `units` outputs). */
function linear(name: string, units: number, inputs = 4): Linear {
  const layer = new Linear({ name, units });
  layer.apply(ops.tensor(new Float32Array(2 * inputs), [2, inputs]));
  return layer;
}
const read = (vars: readonly Variable[]) => vars.map((v) => Array.from(v.readSync()));
const range = (n: number, start: number) => Float32Array.from({ length: n }, (_, i) => start + i);

/** A Keras 3 `.weights.h5` image holding one Dense layer [4, 3] (kernel 1.., bias 100..) and the optimizer's iteration count. */
function kerasWeights(file: string): void {
  const f = new h5wasm.File(file, 'w');
  const vars = f.create_group('layers').create_group('dense').create_group('vars');
  vars.create_dataset({ name: '0', data: range(12, 1), shape: [4, 3], dtype: '<f' });
  vars.create_dataset({ name: '1', data: range(3, 100), shape: [3], dtype: '<f' });
  f.create_group('optimizer').create_group('vars').create_dataset({ name: '0', data: new Float32Array([7]), shape: [], dtype: '<f' });
  f.close();
}

const dir = useTempDir('strata-load-formats-');
const p = (name: string) => path.join(dir(), name);
beforeAll(async () => {
  registerTfjsBackends();
  await setBackend('tfjs-cpu');
  await h5wasm.ready;
});

describe('load finds the format from the content, not the name', () => {
  it('a Strata checkpoint named x.h5 loads as safetensors', async () => {
    const src = linear('dense', 3);
    await save(src, p('x.h5'));
    const dst = linear('dense', 3);
    const { format, report } = await load(dst, p('x.h5'));
    expect(format).toBe('safetensors');
    expect(report).toBeUndefined();
    expect(read(dst.variables)).toEqual(read(src.variables));
  });

  it('a Keras .weights.h5 named x.bin loads as keras-h5, mapped with nameMap', async () => {
    kerasWeights(p('x.bin'));
    const dst = linear('dense', 3);
    const { format, report, metadata } = await load(dst, p('x.bin'), { mapping: { nameMap: { 'dense/kernel': 'dense/vars/0', 'dense/bias': 'dense/vars/1' } } });
    expect(format).toBe('keras-h5');
    expect(metadata).toEqual({});
    expect(read(dst.variables)).toEqual([Array.from(range(12, 1)), Array.from(range(3, 100))]);
    expect([...report!.loaded.values()].map((l) => l.origin)).toEqual(['nameMap', 'nameMap']);
    expect(report!.unused.map((u) => u.name)).toEqual(['optimizer/vars/0']);
  });

  it('a .keras archive named x.safetensors loads as keras, by the layer names of its config.json', async () => {
    kerasWeights(p('w.h5'));
    const config = { class_name: 'Sequential', config: { name: 'm', layers: [{ class_name: 'Dense', config: { name: 'hidden', units: 3 } }] } };
    fs.writeFileSync(p('x.safetensors'), zipSync({ 'config.json': strToU8(JSON.stringify(config)), 'model.weights.h5': fs.readFileSync(p('w.h5')) }));
    const dst = linear('hidden', 3);
    const { format, report } = await load(dst, p('x.safetensors'));
    expect(format).toBe('keras');
    expect(read(dst.variables)).toEqual([Array.from(range(12, 1)), Array.from(range(3, 100))]);
    expect([...report!.loaded.keys()]).toEqual(['hidden/kernel', 'hidden/bias']);
  });

  it('a tfjs model.json named weights.onnx loads as tfjs', async () => {
    await writeCheckpointFile(p('m/weights.onnx'), [
      { name: 'dense/kernel', shape: [4, 3], dtype: 'float32', data: range(12, 5) },
      { name: 'dense/bias', shape: [3], dtype: 'float32', data: range(3, 50) },
    ], { format: 'tfjs' });
    const dst = linear('dense', 3);
    const { format } = await load(dst, p('m/weights.onnx'));
    expect(format).toBe('tfjs');
    expect(read(dst.variables)).toEqual([Array.from(range(12, 5)), Array.from(range(3, 50))]);
  });

  it('content no format recognises is an UnknownCheckpointFormatError, whatever the name', async () => {
    fs.writeFileSync(p('model.bin'), 'just some text, not weights');
    const err = await load(linear('a', 1), p('model.bin')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnknownCheckpointFormatError);
    expect((err as Error).message).toMatch(/model\.bin: not a checkpoint format Strata reads \(tried .* by content, then by extension\)/);
  });
});

describe('load maps files that are not Strata checkpoints (CheckpointLoader)', () => {
  it('RETURNN names (W, b) in a safetensors file without Strata metadata are renamed; the report says so', async () => {
    await saveCheckpoint(p('returnn.safetensors'), [
      { name: 'dense/W', shape: [4, 3], dtype: 'float32', data: range(12, 1) },
      { name: 'dense/b', shape: [3], dtype: 'float32', data: range(3, 100) },
    ]);
    const dst = linear('dense', 3);
    const { report } = await load(dst, p('returnn.safetensors'));
    expect([...report!.loaded].map(([k, v]) => `${k} ${v.origin} ${v.sources.join()}`)).toEqual(['dense/kernel renamed dense/W', 'dense/bias renamed dense/b']);
    expect(read(dst.variables)).toEqual([Array.from(range(12, 1)), Array.from(range(3, 100))]);
  });

  it('mapping (even of a Strata checkpoint): prefixes from a function of the file; optimizer slots left out; nothing assigned on error', async () => {
    const src = linear('hidden', 3);
    const values = read(src.variables);
    const slot = { name: 'hidden/kernel/m', value: getBackend().variable(ops.zeros([4, 3]), false) };
    const optimizer = { slots: () => [slot], createSlots: () => {}, getState: () => ({ iterations: 1, learningRate: 0.1 }), setState: () => {} };
    await save(src, p('other.safetensors'), { optimizer, metadata: { epoch: '9' } });
    const dst = { variables: [...linear('pre_hidden', 3).variables, ...linear('out', 2).variables] };
    const seen: string[][] = [];
    const { report, metadata } = await load(dst, p('other.safetensors'), {
      ignoreMissing: true,
      mapping: (file) => {
        seen.push([...file.names].sort());
        return { loadIfPrefix: 'pre_' };
      },
    });
    expect(seen).toEqual([['hidden/bias', 'hidden/kernel']]);
    expect(report!.unused).toEqual([]);
    expect(metadata['epoch']).toBe('9');
    expect([...report!.loaded.keys()]).toEqual(['pre_hidden/kernel', 'pre_hidden/bias']);
    expect(read(dst.variables.slice(0, 2))).toEqual(values);

    const strict = { variables: linear('pre_hidden', 5).variables };
    const before = read(strict.variables);
    await expect(load(strict, p('other.safetensors'), { mapping: { loadIfPrefix: 'pre_' } })).rejects.toThrow(CheckpointMappingError);
    expect(read(strict.variables)).toEqual(before);
  });

  it('an optimizer cannot be restored from a mapped file: CheckpointArgumentError before anything is read into the model', async () => {
    kerasWeights(p('k.weights.h5'));
    const dst = linear('dense', 3);
    const before = read(dst.variables);
    const optimizer = { slots: () => [], createSlots: () => {}, getState: () => ({ iterations: 0, learningRate: 0 }), setState: () => {} };
    const err = await load(dst, p('k.weights.h5'), { optimizer }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CheckpointArgumentError);
    expect((err as Error).message).toMatch(/keras-h5 file that is not a Strata checkpoint.*Load it without the optimizer option/);
    expect(read(dst.variables)).toEqual(before);
  });

  it('never reads outside the file\'s directory: a shard path escaping model.json\'s folder is refused', async () => {
    fs.mkdirSync(p('model'));
    fs.writeFileSync(p('secret.bin'), Buffer.alloc(12 * 4 + 3 * 4));
    fs.writeFileSync(
      p('model/model.json'),
      JSON.stringify({ weightsManifest: [{ paths: ['../secret.bin'], weights: [{ name: 'dense/kernel', shape: [4, 3], dtype: 'float32' }, { name: 'dense/bias', shape: [3], dtype: 'float32' }] }] }),
    );
    const dst = linear('dense', 3);
    const before = read(dst.variables);
    const err = await load(dst, p('model')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnsafeEntryPathError);
    expect((err as UnsafeEntryPathError).entry).toBe('../secret.bin');
    expect(read(dst.variables)).toEqual(before);
  });
});
