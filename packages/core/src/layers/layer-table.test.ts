// Drives the layer table (test-utils/layer-rows.ts): forward and gradient
// equality against the reference on tfjs-cpu, tfjs-wasm vs tfjs-cpu parity,
// and the getConfig/fromConfig round trip.
//
// Tolerance everywhere: |actual - expected| <= 1e-5 + 1e-4 * |expected| (expectClose's default).
import { ops, type Tensor } from '@strata/backend';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INFERENCE } from '../layer.js';
import { buildOurs, ctxOf, type Row, rows, unwrap } from '../test-utils/layer-rows.js';
import { expectClose, gradsOfMany, refVariables, useBackend } from '../test-utils/setup.js';
import { layerFromConfig, serializeLayer } from './registry.js';

/** Output and gradients (inputs, then trainable weights) of the Strata layer on the active backend. */
function runOurs(row: Row): { out: Float32Array; grads: Float32Array[]; trainable: number } {
  const { layer, xs } = buildOurs(row);
  const trainable = layer.trainableWeights.map((w) => w.value);
  if (row.noGrad) return { out: Float32Array.from(ops.readSync(layer.apply(unwrap(row, xs), ctxOf(row)))), grads: [], trainable: 0 };
  const res = gradsOfMany((ys) => layer.apply(unwrap(row, ys), ctxOf(row)), xs, trainable);
  layer.dispose();
  ops.dispose(xs);
  return { ...res, trainable: trainable.length };
}

function runReference(row: Row): { out: Float32Array; grads: Float32Array[] } {
  const { layer, xs, weights } = buildOurs(row);
  const kwargs = { training: row.training ?? false };
  let f: (ys: tf.Tensor[]) => tf.Tensor;
  let vars: Tensor[] = [];
  if (row.refLayer) {
    const ref = row.refLayer();
    ref.apply(unwrap(row, xs as unknown as tf.Tensor[]));
    ref.setWeights(weights.map((w, i) => tf.tensor(w, layer.weights[i]!.shape)));
    vars = refVariables(ref);
    f = (ys) => {
      const y = ref.apply(unwrap(row, ys), kwargs) as tf.Tensor;
      return row.refOutput ? row.refOutput(y) : y;
    };
  } else f = row.refFn!;
  const res = row.noGrad
    ? { out: f(xs as unknown as tf.Tensor[]).dataSync() as Float32Array, grads: [] }
    : gradsOfMany((ys) => f(ys as unknown as tf.Tensor[]) as unknown as Tensor, xs, vars);
  layer.dispose();
  return res;
}

function expectSame(got: { out: Float32Array; grads: Float32Array[] }, want: { out: Float32Array; grads: Float32Array[] }): void {
  expectClose(got.out, want.out);
  expect(got.grads.length).toBe(want.grads.length);
  got.grads.forEach((g, i) => expectClose(g, want.grads[i]!));
}

describe('layer table: forward and gradients vs reference (tfjs-cpu, atol 1e-5, rtol 1e-4)', () => {
  beforeAll(() => useBackend('tfjs-cpu'));
  for (const row of rows) {
    it(row.name, () => {
      const got = runOurs(row);
      const want = runReference(row);
      // Every input and every trainable weight gets a gradient.
      if (!row.noGrad) expect(got.grads.length).toBe(row.inputs.length + got.trainable);
      expectSame(got, want);
      if (row.noGrad) expect(() => gradOnly(row)).toThrow(row.noGrad.cpu);
    });
  }
});

/** Takes the gradient of the row's layer (for rows whose gradient must fail). */
function gradOnly(row: Row): void {
  const { layer, xs } = buildOurs(row);
  try {
    gradsOfMany((ys) => layer.apply(unwrap(row, ys), ctxOf(row)), xs, layer.trainableWeights.map((w) => w.value));
  } finally {
    layer.dispose();
  }
}

describe('layer table: tfjs-wasm vs tfjs-cpu parity (atol 1e-5, rtol 1e-4)', () => {
  const onCpu = new Map<string, { out: Float32Array; grads: Float32Array[] }>();
  beforeAll(async () => {
    await useBackend('tfjs-cpu');
    for (const row of rows) onCpu.set(row.name, runOurs(row));
    await useBackend('tfjs-wasm');
  });
  afterAll(() => useBackend('tfjs-cpu'));
  for (const row of rows) {
    it(row.name, () => {
      expectSame(runOurs(row), onCpu.get(row.name)!);
    });
  }
});

describe('layer table: getConfig / layerFromConfig round trip', () => {
  beforeAll(() => useBackend('tfjs-cpu'));
  for (const row of rows) {
    it(row.name, () => {
      const { layer, xs, weights } = buildOurs(row);
      const serialized = serializeLayer(layer);
      const copy = layerFromConfig(JSON.parse(JSON.stringify(serialized)));
      expect(copy.constructor).toBe(layer.constructor);
      expect(serializeLayer(copy)).toEqual(serialized);
      // Same config and same weights give the same function.
      copy.apply(unwrap(row, xs), INFERENCE);
      copy.setWeights(weights);
      expectClose(ops.readSync(copy.apply(unwrap(row, xs), ctxOf(row))), ops.readSync(layer.apply(unwrap(row, xs), ctxOf(row))));
    });
  }
});
