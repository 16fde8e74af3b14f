// Keras weights predict the same in Strata: a Keras 3 `.weights.h5` and a
// `.keras` archive of Conv2D(3x3, 4 filters, relu) -> Flatten -> Dense(5),
// written with h5wasm in the layout Keras 3's saving_lib writes (as in
// keras.test.ts), are read with readCheckpointFile, loaded into Strata's
// Conv2D, Flatten and Linear with CheckpointLoader, and must give the
// outputs of a tfjs-layers model holding the same weights (setWeights) on
// random inputs.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ops, setBackend, type Tensor } from '@strata/backend';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { Conv2D, Flatten, Linear, Rng } from '@strata/core';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { strToU8, zipSync } from 'fflate';
import type { File as H5File, Group as H5Group } from 'h5wasm';
import h5wasm from 'h5wasm/node';
import { beforeAll, describe, expect, it } from 'vitest';
import { CheckpointLoader, type CheckpointLoaderMappingOptions } from '../loader/checkpoint-loader.js';
import { readCheckpointFile } from './registry.js';
import { useTempDir } from '../test-utils/temp-dir.js';

const [H, W, C, FILTERS, UNITS] = [6, 5, 2, 4, 5];
const FLAT = (H - 2) * (W - 2) * FILTERS; // 48: 'valid' 3x3 window
const BATCH = 7;

const rng = new Rng(2024);
const random = (n: number, scale = 1) => Float32Array.from({ length: n }, () => (rng.uniform() * 2 - 1) * scale);

/** The model's weights, in Keras' layouts: conv kernel HWIO, dense kernel [in, units]. */
const WEIGHTS = {
  convKernel: { shape: [3, 3, C, FILTERS], data: random(3 * 3 * C * FILTERS, 0.6) },
  convBias: { shape: [FILTERS], data: random(FILTERS, 0.3) },
  denseKernel: { shape: [FLAT, UNITS], data: random(FLAT * UNITS, 0.4) },
  denseBias: { shape: [UNITS], data: random(UNITS) },
};
/** Two batches of random NHWC inputs. */
const INPUTS = [random(BATCH * H * W * C, 2), random(BATCH * H * W * C, 2)];

/** config.json of the model, as Keras 3 serialises a Sequential (layer names differ from the HDF5 paths). */
const CONFIG = {
  module: 'keras',
  class_name: 'Sequential',
  config: {
    name: 'small_cnn',
    layers: [
      { module: 'keras.layers', class_name: 'InputLayer', config: { name: 'input_layer', batch_shape: [null, H, W, C] } },
      { module: 'keras.layers', class_name: 'Conv2D', config: { name: 'conv', filters: FILTERS, kernel_size: [3, 3], activation: 'relu' } },
      { module: 'keras.layers', class_name: 'Flatten', config: { name: 'flat' } },
      { module: 'keras.layers', class_name: 'Dense', config: { name: 'logits', units: UNITS } },
    ],
  },
};

const dir = useTempDir('strata-keras-predict-');
beforeAll(async () => {
  await h5wasm.ready;
  registerTfjsBackends();
  await setBackend('tfjs-cpu');
});

function ensureGroup(f: H5File, p: string): H5Group {
  let g: H5Group = f;
  for (const part of p.split('/')) g = (g.keys().includes(part) ? g.get(part) : g.create_group(part)) as H5Group;
  return g;
}

/** Writes WEIGHTS as Keras 3's saving_lib does: `layers/<snake class>/vars/<i>`, an empty group for Flatten. */
function writeWeightsH5(file: string): void {
  const f = new h5wasm.File(file, 'w');
  ensureGroup(f, 'vars');
  ensureGroup(f, 'layers/flatten/vars');
  const put = (group: string, name: string, w: { shape: number[]; data: Float32Array }) =>
    ensureGroup(f, group).create_dataset({ name, data: w.data, shape: w.shape, dtype: '<f' });
  put('layers/conv2d/vars', '0', WEIGHTS.convKernel);
  put('layers/conv2d/vars', '1', WEIGHTS.convBias);
  put('layers/dense/vars', '0', WEIGHTS.denseKernel);
  put('layers/dense/vars', '1', WEIGHTS.denseBias);
  f.close();
}

/** The same model in tfjs-layers, given WEIGHTS with setWeights; its outputs on each of INPUTS. */
function tfjsLayersOutputs(): Float32Array[] {
  const model = tfl.sequential({
    layers: [
      tfl.layers.conv2d({ inputShape: [H, W, C], filters: FILTERS, kernelSize: 3, activation: 'relu' }),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: UNITS }),
    ],
  });
  const ws = [WEIGHTS.convKernel, WEIGHTS.convBias, WEIGHTS.denseKernel, WEIGHTS.denseBias].map((w) => tf.tensor(w.data, w.shape));
  model.setWeights(ws);
  const outs = INPUTS.map((x) =>
    tf.tidy(() => {
      const y = model.predict(tf.tensor4d(x, [BATCH, H, W, C])) as tf.Tensor;
      expect(y.shape).toEqual([BATCH, UNITS]);
      return Float32Array.from(y.dataSync());
    }),
  );
  tf.dispose(ws);
  model.dispose();
  return outs;
}

/**
 * Strata's Conv2D(relu) -> Flatten -> Linear named like the Keras layers, built on
 * `[BATCH, H, W, C]`, loaded from `file` with CheckpointLoader; its outputs on each of
 * INPUTS, the load report, and the share of conv outputs relu zeroed.
 */
async function strataOutputs(file: string, options: CheckpointLoaderMappingOptions = {}) {
  const conv = new Conv2D({ name: 'conv', filters: FILTERS, kernelSize: 3, activation: 'relu' });
  const flat = new Flatten({ name: 'flat' });
  const logits = new Linear({ name: 'logits', units: UNITS });
  const forward = (x: Tensor) => {
    const h = conv.apply(x);
    return { h, y: logits.apply(flat.apply(h)) };
  };
  ops.tidy(() => void forward(ops.zeros([BATCH, H, W, C]))); // builds the layers with their initial (random) weights

  const { tensors, format } = await readCheckpointFile(file);
  const report = new CheckpointLoader({ source: file, ...options, tensors, variables: [...conv.weights, ...logits.weights] }).loadNow();

  let zeros = 0;
  let total = 0;
  const outs = INPUTS.map((data) =>
    ops.tidy(() => {
      const { h, y } = forward(ops.tensor(data, [BATCH, H, W, C]));
      expect(y.shape).toEqual([BATCH, UNITS]);
      const hv = ops.readSync(h);
      zeros += hv.filter((v) => v === 0).length;
      total += hv.length;
      return Float32Array.from(ops.readSync(y));
    }),
  );
  expect(Array.from(conv.kernel.readSync())).toEqual(Array.from(WEIGHTS.convKernel.data));
  expect(Array.from(logits.kernel.readSync())).toEqual(Array.from(WEIGHTS.denseKernel.data));
  conv.dispose();
  logits.dispose();
  return { outs, report, format, reluZeroShare: zeros / total };
}

function expectClose(got: Float32Array, want: Float32Array, atol = 1e-5): void {
  expect(got.length).toBe(want.length);
  let worst = 0;
  for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
  expect(worst).toBeLessThanOrEqual(atol);
}

describe('Keras 3 weights of a Conv2D(relu) -> Flatten -> Dense model predict the same in Strata as in tfjs-layers', () => {
  it('.weights.h5 (no config: vars/<i>), mapped with nameMap', async () => {
    const file = path.join(dir(), 'small_cnn.weights.h5');
    writeWeightsH5(file);
    const nameMap = { 'conv/kernel': 'conv2d/vars/0', 'conv/bias': 'conv2d/vars/1', 'logits/kernel': 'dense/vars/0', 'logits/bias': 'dense/vars/1' };
    const { outs, report, format, reluZeroShare } = await strataOutputs(file, { nameMap });
    expect(format).toBe('keras-h5');
    expect([...report.loaded]).toEqual(Object.entries(nameMap).map(([p, c]) => [p, { origin: 'nameMap', sources: [c] }]));
    expect(report.unused).toEqual([]);
    // relu is exercised: some conv outputs are clipped, most are not.
    expect(reluZeroShare).toBeGreaterThan(0.1);
    expect(reluZeroShare).toBeLessThan(0.9);
    const want = tfjsLayersOutputs();
    outs.forEach((o, i) => expectClose(o, want[i]!));
    // Not trivially equal: the two input batches give different predictions.
    expect(Math.max(...outs[0]!.map((v, j) => Math.abs(v - outs[1]![j]!)))).toBeGreaterThan(0.1);
  });

  it('.keras archive (config.json names the variables conv/kernel ...): loaded by name, no map', async () => {
    const h5 = path.join(dir(), 'model.weights.h5');
    writeWeightsH5(h5);
    const file = path.join(dir(), 'small_cnn.keras');
    fs.writeFileSync(
      file,
      zipSync({
        'metadata.json': strToU8(JSON.stringify({ keras_version: '3.6.0', date_saved: '2025-01-02@03:04:05' })),
        'config.json': strToU8(JSON.stringify(CONFIG)),
        'model.weights.h5': fs.readFileSync(h5),
      }),
    );
    const { outs, report, format } = await strataOutputs(file);
    expect(format).toBe('keras');
    expect([...report.loaded.keys()]).toEqual(['conv/kernel', 'conv/bias', 'logits/kernel', 'logits/bias']);
    expect([...report.loaded.values()].every((l) => l.origin === 'exact')).toBe(true);
    const want = tfjsLayersOutputs();
    outs.forEach((o, i) => expectClose(o, want[i]!));
  });
});
