import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { strToU8, zipSync } from 'fflate';
import type { File as H5File, Group as H5Group } from 'h5wasm';
import h5wasm from 'h5wasm/node';
import { beforeAll, describe, expect, it } from 'vitest';
import { CheckpointFileError, CheckpointNotFoundError, UnsafeEntryPathError } from '../errors.js';
import { kerasFormat, kerasH5Format, kerasLayerPaths, toSnakeCase } from './keras.js';
import { useTempDir } from '../test-utils/temp-dir.js';

const dir = useTempDir('strata-keras-');
beforeAll(async () => {
  await h5wasm.ready;
});

const range = (n: number, scale = 1, offset = 0) => Float32Array.from({ length: n }, (_, i) => (i + offset) * scale);

/** The variables of a small Keras 3 CNN + LSTM, by the HDF5 path Keras 3's saving_lib gives them. */
const KERAS3_VARS: Record<string, { shape: number[]; data: Float32Array | BigInt64Array }> = {
  'layers/conv2d/vars/0': { shape: [3, 3, 1, 2], data: range(18, 0.5, -9) }, // kernel
  'layers/conv2d/vars/1': { shape: [2], data: new Float32Array([0.25, -0.75]) }, // bias
  // BatchNormalization(scale=False): no gamma, so vars are beta, moving_mean, moving_variance.
  'layers/batch_normalization/vars/0': { shape: [2], data: new Float32Array([0.1, 0.2]) },
  'layers/batch_normalization/vars/1': { shape: [2], data: new Float32Array([1.5, 2.5]) },
  'layers/batch_normalization/vars/2': { shape: [2], data: new Float32Array([4, 9]) },
  'layers/dense/vars/0': { shape: [8, 4], data: range(32, 0.125) },
  'layers/dense/vars/1': { shape: [4], data: new Float32Array([1, 2, 3, 4]) },
  'layers/dense_1/vars/0': { shape: [4, 3], data: range(12, -1) },
  'layers/dense_1/vars/1': { shape: [3], data: new Float32Array([-1, 0, 1]) },
  'layers/lstm/cell/vars/0': { shape: [3, 8], data: range(24, 0.01) },
  'layers/lstm/cell/vars/1': { shape: [2, 8], data: range(16, -0.01) },
  'layers/lstm/cell/vars/2': { shape: [8], data: range(8) },
  'optimizer/vars/0': { shape: [], data: new BigInt64Array([7n]) }, // iteration (int64)
  'optimizer/vars/1': { shape: [], data: new Float32Array([0.001]) }, // learning rate
};

/** config.json of the same model, as Keras 3 serialises a Sequential. */
const CONFIG = {
  module: 'keras',
  class_name: 'Sequential',
  config: {
    name: 'cnn',
    layers: [
      { module: 'keras.layers', class_name: 'InputLayer', config: { name: 'input_layer', batch_shape: [null, 4, 4, 1] } },
      { module: 'keras.layers', class_name: 'Conv2D', config: { name: 'conv', filters: 2, kernel_size: [3, 3] } },
      { module: 'keras.layers', class_name: 'BatchNormalization', config: { name: 'bn', center: true, scale: false } },
      { module: 'keras.layers', class_name: 'Flatten', config: { name: 'flat' } },
      { module: 'keras.layers', class_name: 'Dense', config: { name: 'hidden', units: 4 } },
      { module: 'keras.layers', class_name: 'Dense', config: { name: 'logits', units: 3 } },
      { module: 'keras.layers', class_name: 'LSTM', config: { name: 'rnn', units: 2 } },
    ],
  },
};

/** Creates every missing group along `p` and returns the last. */
function ensureGroup(f: H5File, p: string): H5Group {
  let g: H5Group = f;
  for (const part of p.split('/')) {
    g = (g.keys().includes(part) ? g.get(part) : g.create_group(part)) as H5Group;
  }
  return g;
}

/** Writes KERAS3_VARS (plus the empty groups Keras writes) with h5wasm. */
function writeKeras3(file: string): void {
  const f = new h5wasm.File(file, 'w');
  ensureGroup(f, 'vars');
  ensureGroup(f, 'layers/flatten/vars');
  ensureGroup(f, 'layers/lstm/vars');
  for (const [p, v] of Object.entries(KERAS3_VARS)) {
    const slash = p.lastIndexOf('/');
    ensureGroup(f, p.slice(0, slash)).create_dataset({ name: p.slice(slash + 1), data: v.data, shape: v.shape, dtype: v.data instanceof Float32Array ? '<f' : '<q' });
  }
  f.close();
}

const values = (t: { data: ArrayLike<number> } | undefined) => Array.from(t!.data);

describe('Keras 3 .weights.h5 (no config): layer/vars/<i>', () => {
  it('reads every variable with its shape and exact values, layers in order', async () => {
    const file = path.join(dir(), 'model.weights.h5');
    writeKeras3(file);
    expect(kerasH5Format.detect(file)).toBe(true);
    const { tensors, details } = await kerasH5Format.read(file);
    expect([...tensors.keys()]).toEqual([
      'batch_normalization/vars/0', 'batch_normalization/vars/1', 'batch_normalization/vars/2',
      'conv2d/vars/0', 'conv2d/vars/1', 'dense/vars/0', 'dense/vars/1', 'dense_1/vars/0', 'dense_1/vars/1',
      'lstm/cell/vars/0', 'lstm/cell/vars/1', 'lstm/cell/vars/2', 'optimizer/vars/0', 'optimizer/vars/1',
    ]);
    expect(tensors.get('conv2d/vars/0')).toMatchObject({ dtype: 'float32', shape: [3, 3, 1, 2] });
    expect(values(tensors.get('conv2d/vars/0'))).toEqual(Array.from(KERAS3_VARS['layers/conv2d/vars/0']!.data, Number));
    expect(values(tensors.get('dense_1/vars/1'))).toEqual([-1, 0, 1]);
    expect(tensors.get('optimizer/vars/0')).toMatchObject({ dtype: 'int32', shape: [], data: new Int32Array([7]) });
    expect(tensors.get('optimizer/vars/1')!.data[0]).toBeCloseTo(0.001, 9);
    expect(details!['layout']).toMatch(/Keras 3.*no config\.json/);
  });
});

describe('Keras 3 .keras archive: names from config.json', () => {
  function writeArchive(file: string, entries: Record<string, Uint8Array>): void {
    fs.writeFileSync(file, zipSync(entries));
  }

  it('maps vars/<i> to kernel, bias, beta, moving_mean, recurrent_kernel ... by layer class, in config order', async () => {
    const h5 = path.join(dir(), 'w.weights.h5');
    writeKeras3(h5);
    const file = path.join(dir(), 'cnn.keras');
    writeArchive(file, {
      'metadata.json': strToU8(JSON.stringify({ keras_version: '3.6.0', date_saved: '2025-01-02@03:04:05' })),
      'config.json': strToU8(JSON.stringify(CONFIG)),
      'model.weights.h5': fs.readFileSync(h5),
      'assets/': new Uint8Array(0),
    });
    const { tensors, details, files } = await kerasFormat.read(file);
    expect([...tensors.keys()]).toEqual([
      'conv/kernel', 'conv/bias', 'bn/beta', 'bn/moving_mean', 'bn/moving_variance',
      'hidden/kernel', 'hidden/bias', 'logits/kernel', 'logits/bias',
      'rnn/kernel', 'rnn/recurrent_kernel', 'rnn/bias', 'optimizer/vars/0', 'optimizer/vars/1',
    ]);
    expect(tensors.get('hidden/kernel')).toMatchObject({ name: 'hidden/kernel', shape: [8, 4], dtype: 'float32' });
    expect(values(tensors.get('hidden/kernel'))).toEqual(Array.from(range(32, 0.125)));
    expect(values(tensors.get('bn/moving_variance'))).toEqual([4, 9]);
    expect(values(tensors.get('rnn/recurrent_kernel'))).toEqual(Array.from(range(16, -0.01)));
    expect(details).toMatchObject({ keras_version: '3.6.0', date_saved: '2025-01-02@03:04:05', model: "Sequential 'cnn'" });
    expect(files).toEqual([{ path: file, bytes: fs.statSync(file).size }]);
  });

  it('refuses archives with entries escaping the target or absolute, before reading anything', async () => {
    for (const bad of ['../evil.sh', 'assets/../../evil.sh', '/etc/cron.d/evil', 'C:\\evil.bat']) {
      const file = path.join(dir(), 'bad.keras');
      writeArchive(file, { 'config.json': strToU8('{}'), [bad]: strToU8('x'), 'model.weights.h5': new Uint8Array(8) });
      const err = await kerasFormat.read(file).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UnsafeEntryPathError);
      expect((err as UnsafeEntryPathError).entry).toBe(bad);
      expect((err as Error).message).toContain(file);
      expect((err as Error).message).toMatch(/absolute or escapes/);
    }
    expect(fs.readdirSync(dir())).toEqual(['bad.keras']); // nothing extracted next to it
  });

  it('names a missing weights entry and a corrupt archive', async () => {
    const file = path.join(dir(), 'm.keras');
    writeArchive(file, { 'config.json': strToU8('{}'), 'model.weights.npz': new Uint8Array(4) });
    await expect(kerasFormat.read(file)).rejects.toThrow(/m\.keras: invalid keras file: the archive holds model\.weights\.npz/);
    fs.writeFileSync(file, new Uint8Array([0x50, 0x4b, 3, 4, 1, 2, 3]));
    await expect(kerasFormat.read(file)).rejects.toThrow(/not a valid zip archive/);
    await expect(kerasFormat.read(path.join(dir(), 'none.keras'))).rejects.toThrow(CheckpointNotFoundError);
  });
});

describe('Keras 2 HDF5 (model_weights/<layer>/<layer>/kernel:0)', () => {
  it('reads weight_names of every layer, without the :0 suffix', async () => {
    const file = path.join(dir(), 'legacy.h5');
    const f = new h5wasm.File(file, 'w');
    f.create_attribute('keras_version', '2.15.0');
    const mw = ensureGroup(f, 'model_weights');
    mw.create_attribute('layer_names', ['dense', 'dropout', 'dense_1']);
    const layer = (name: string, weights: [string, number[], Float32Array][]) => {
      const g = ensureGroup(f, `model_weights/${name}`);
      g.create_attribute('weight_names', weights.length ? weights.map(([w]) => w) : ['']);
      for (const [w, shape, data] of weights) {
        const slash = w.lastIndexOf('/');
        ensureGroup(f, `model_weights/${name}/${w.slice(0, slash)}`).create_dataset({ name: w.slice(slash + 1), data, shape, dtype: '<f' });
      }
    };
    layer('dense', [['dense/kernel:0', [2, 3], range(6)], ['dense/bias:0', [3], range(3, -1)]]);
    ensureGroup(f, 'model_weights/dropout');
    layer('dense_1', [['dense_1/kernel:0', [3, 1], range(3, 2)], ['dense_1/bias:0', [1], new Float32Array([0.5])]]);
    f.close();
    const { tensors, details } = await kerasH5Format.read(file);
    expect([...tensors.keys()]).toEqual(['dense/kernel', 'dense/bias', 'dense_1/kernel', 'dense_1/bias']);
    expect(tensors.get('dense/kernel')!.shape).toEqual([2, 3]);
    expect(values(tensors.get('dense/bias'))).toEqual([-0, -1, -2]);
    expect(values(tensors.get('dense_1/kernel'))).toEqual([0, 2, 4]);
    expect(details).toMatchObject({ keras_version: '2.15.0', layout: 'Keras 2 (HDF5, weight_names)' });
  });
});

describe('Keras HDF5 errors name the file and the fix', () => {
  it('a file that is not HDF5, a truncated HDF5 file, and an HDF5 file without Keras groups', async () => {
    const junk = path.join(dir(), 'junk.weights.h5');
    fs.writeFileSync(junk, 'definitely not hdf5');
    const err = await kerasH5Format.read(junk).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CheckpointFileError);
    expect((err as Error).message).toMatch(/junk\.weights\.h5: invalid keras-h5 file: the file does not start with the HDF5 signature\. Fix:/);

    const good = path.join(dir(), 'good.weights.h5');
    writeKeras3(good);
    const cut = path.join(dir(), 'cut.weights.h5');
    fs.writeFileSync(cut, fs.readFileSync(good).subarray(0, 1200));
    await expect(kerasH5Format.read(cut)).rejects.toThrow(/cut\.weights\.h5: invalid keras-h5 file: HDF5 could not read the file .*truncated or corrupt/);

    const other = path.join(dir(), 'other.h5');
    const f = new h5wasm.File(other, 'w');
    f.create_dataset({ name: 'x', data: new Float32Array([1]) });
    f.close();
    await expect(kerasH5Format.read(other)).rejects.toThrow(/neither Keras 3 'layers'\/'vars' groups nor a Keras 2 'model_weights' group \(top level: x\)/);
  });
});

describe('Keras naming helpers', () => {
  it('snake_case as Keras names saveables', () => {
    const cases = { Dense: 'dense', Conv2D: 'conv2d', BatchNormalization: 'batch_normalization', LSTM: 'lstm', Conv2DTranspose: 'conv2d_transpose', InputLayer: 'input_layer', GRU: 'gru' };
    for (const [cls, snake] of Object.entries(cases)) expect(toSnakeCase(cls)).toBe(snake);
  });

  it('numbers layers per class in config order, nested models under their layers/ group', () => {
    const nested = {
      class_name: 'Functional',
      config: {
        name: 'outer',
        layers: [
          { class_name: 'InputLayer', config: { name: 'in' } },
          { class_name: 'Dense', config: { name: 'a' } },
          { class_name: 'Sequential', config: { name: 'block', layers: [{ class_name: 'Dense', config: { name: 'inner' } }] } },
          { class_name: 'Dense', config: { name: 'b' } },
        ],
      },
    };
    const paths = kerasLayerPaths(nested);
    expect([...paths].map(([p, l]) => [p, l.name])).toEqual([
      ['layers/input_layer', 'in'],
      ['layers/dense', 'a'],
      ['layers/sequential', 'block'],
      ['layers/sequential/layers/dense', 'block/inner'],
      ['layers/dense_1', 'b'],
    ]);
  });
});
