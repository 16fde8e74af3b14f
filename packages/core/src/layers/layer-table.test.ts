// Drives the layer table (test-utils/layer-rows.ts): forward and gradient
// equality against the reference on tfjs-cpu, tfjs-wasm vs tfjs-cpu parity,
// the getConfig/fromConfig round trip, and for rows with seqLens, that padded
// frames change nothing and get exactly zero gradient.
//
// Tolerance everywhere: |actual - expected| <= 1e-5 + 1e-4 * |expected| (expectClose's default).
import { ops, type Tensor } from '@strata/backend';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INFERENCE } from '../layer.js';
import { rows } from '../test-utils/layer-rows.js';
import { buildOurs, ctxOf, floatInputs, type Row, splitInputs, unwrap } from '../test-utils/row.js';
import { expectClose, gradsOfMany, refVariables, useBackend } from '../test-utils/setup.js';
import { layerFromConfig, serializeLayer } from './registry.js';

/** Whether gradients are compared on `backend` (cpu, or both cpu and wasm for parity). */
const withGrads = (row: Row, backends: ('cpu' | 'wasm')[]): boolean => !row.forwardOnly && backends.every((b) => !row.noGrad?.[b]);

/** Output and gradients (float inputs, then trainable weights) of the Strata layer on the active backend. */
function runOurs(row: Row, grads: boolean, xs0?: Tensor[]): { out: Float32Array; grads: Float32Array[]; trainable: number } {
  const { layer, xs: built } = buildOurs(row);
  const xs = xs0 ?? built;
  const trainable = layer.trainableWeights.map((w) => w.value);
  if (!grads) return { out: Float32Array.from(ops.readSync(layer.apply(unwrap(row, xs), ctxOf(row)))), grads: [], trainable: 0 };
  const { diff, full } = splitInputs(row, xs);
  const res = gradsOfMany((ys) => layer.apply(unwrap(row, full(ys)), ctxOf(row)), diff, trainable);
  layer.dispose();
  ops.dispose(built);
  return { ...res, trainable: trainable.length };
}

function runReference(row: Row, grads: boolean): { out: Float32Array; grads: Float32Array[] } {
  const { layer, xs, weights } = buildOurs(row);
  const kwargs = { training: row.training ?? false };
  const txs = xs as unknown as tf.Tensor[];
  let f: (ys: tf.Tensor[]) => tf.Tensor;
  let vars: Tensor[] = [];
  if (row.refLayer) {
    const ref = row.refLayer();
    const refIn = (ys: tf.Tensor[]) => (row.refInput ? row.refInput(ys) : unwrap({ ...row, seqLens: undefined }, row.seqLens ? ys.slice(0, -1) : ys));
    ref.apply(refIn(txs));
    ref.setWeights(weights.map((w, i) => tf.tensor(w, layer.weights[i]!.shape)));
    vars = refVariables(ref);
    f = (ys) => {
      const y = ref.apply(refIn(ys), kwargs) as tf.Tensor;
      return row.refOutput ? row.refOutput(y, ys) : y;
    };
  } else {
    const wts = layer.weights.map((w, i) => tf.variable(tf.tensor(weights[i]!, w.shape), w.trainable));
    vars = wts.filter((w) => w.trainable) as unknown as Tensor[];
    f = (ys) => row.refFn!(ys, wts);
  }
  const { diff, full } = splitInputs(row, txs);
  const res = grads
    ? gradsOfMany((ys) => f(full(ys as unknown as tf.Tensor[])) as unknown as Tensor, diff as unknown as Tensor[], vars)
    : { out: Float32Array.from(f(txs).dataSync()), grads: [] };
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
      const grads = withGrads(row, ['cpu']) && !row.noRefGrad?.cpu;
      const got = runOurs(row, grads);
      const want = runReference(row, grads);
      // Every float input and every trainable weight gets a gradient.
      if (grads) expect(got.grads.length).toBe(floatInputs(row).length + got.trainable);
      expectSame(got, want);
      if (row.noGrad?.cpu) expect(() => gradOnly(row)).toThrow(row.noGrad.cpu);
    });
  }
});

/** Takes the gradient of the row's layer (for rows whose gradient must fail). */
function gradOnly(row: Row): void {
  const { layer, xs } = buildOurs(row);
  const { diff, full } = splitInputs(row, xs);
  try {
    gradsOfMany((ys) => layer.apply(unwrap(row, full(ys)), ctxOf(row)), diff, layer.trainableWeights.map((w) => w.value));
  } finally {
    layer.dispose();
  }
}

describe('layer table: tfjs-wasm vs tfjs-cpu parity (atol 1e-5, rtol 1e-4)', () => {
  const onCpu = new Map<string, { out: Float32Array; grads: Float32Array[] }>();
  beforeAll(async () => {
    await useBackend('tfjs-cpu');
    for (const row of rows) onCpu.set(row.name, runOurs(row, withGrads(row, ['cpu', 'wasm'])));
    await useBackend('tfjs-wasm');
  });
  afterAll(() => useBackend('tfjs-cpu'));
  for (const row of rows) {
    it(row.name, () => {
      expectSame(runOurs(row, withGrads(row, ['cpu', 'wasm'])), onCpu.get(row.name)!);
      if (row.noGrad?.wasm) expect(() => gradOnly(row)).toThrow(row.noGrad.wasm);
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

describe('layer table: padded frames (t >= seqLens[b]) change nothing and get exactly zero gradient (tfjs-cpu)', () => {
  beforeAll(() => useBackend('tfjs-cpu'));
  for (const row of rows.filter((r) => r.seqLens)) {
    it(row.name, () => {
      const grads = withGrads(row, ['cpu']);
      const { xs } = buildOurs(row);
      const padded = row.paddedInputs ?? [0];
      const masks = padded.map((i) => paddingMask(xs[i]!.shape, row.seqLens!));
      // Padded frames get large values of another sign: anything that leaks shows.
      const changed = xs.map((x, i) => {
        const m = masks[padded.indexOf(i)];
        if (!m) return x;
        const v = Float32Array.from(ops.readSync(x) as Float32Array).map((a, j) => (m[j] ? 37 - 3 * a : a));
        return ops.tensor(v, x.shape);
      });
      const before = runOurs(row, grads, xs);
      const after = runOurs(row, grads, changed);
      expectExact(after.out, before.out);
      if (!grads) return;
      const diffIdx = floatInputs(row);
      padded.forEach((i, k) => {
        for (const run of [before, after]) {
          const g = run.grads[diffIdx.indexOf(i)]!;
          const leaks = masks[k]!.flatMap((m, j) => (m && g[j] !== 0 ? [j] : []));
          expect(leaks, `input ${i}: nonzero gradient at padded elements`).toEqual([]);
        }
      });
    });
  }
});

/** Per element of `shape` ([batch, time, ...]): whether its frame is padding (t >= seqLens[b]). */
function paddingMask(shape: number[], seqLens: number[]): boolean[] {
  const [batch, time] = shape;
  const inner = shape.slice(2).reduce((a, b) => a * b, 1);
  return Array.from({ length: batch! * time! * inner }, (_, j) => Math.floor(j / inner) % time! >= seqLens[Math.floor(j / (inner * time!))]!);
}

/** Bitwise-equal outputs up to the sign of zero. */
function expectExact(actual: Float32Array, expected: Float32Array): void {
  expect(actual.length).toBe(expected.length);
  const diffs = Array.from(actual).flatMap((a, j) => (a === expected[j] ? [] : [`${j}: ${a} vs ${expected[j]}`]));
  expect(diffs).toEqual([]);
}
