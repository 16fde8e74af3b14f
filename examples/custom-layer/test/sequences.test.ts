// The layer on sequences ([batch, time, features], a net dict with a time
// axis): trained frame-wise on both backends, and exported with a dynamic time
// axis that plain onnxruntime-node runs at any length.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ops } from '@strata/backend';
import { INFERENCE } from '@strata/core';
import { type Dataset, Engine, type TrainResult } from '@strata/engine';
import { exportOnnx, type NetDict, NetDictNetwork } from '@strata/network';
import * as ort from 'onnxruntime-node';
import { afterAll, expect, it } from 'vitest';
import '../src/index.js';
import { expectClose, maxAbsDiff, useBackend } from './helpers.js';

const FEATURES = 5;
const externData = { data: { shape: [null, FEATURES] }, classes: { shape: [null], dim: 3, sparse: true } };
const netDict: NetDict = { g: { class: 'glu', n_out: 8, from: 'data' }, output: { class: 'softmax', loss: 'ce', from: 'g' } };

/** Sequences of 3..7 frames; each frame's class is the index of the largest of its first three features. */
function frames(name: string, size: number, offset: number): Dataset {
  return {
    name,
    size,
    extern: externData,
    example: (i) => {
      const n = i + offset;
      const time = 3 + (n % 5);
      const data = Float32Array.from({ length: time * FEATURES }, (_, k) => Math.sin(7.1 * n + 3.3 * Math.floor(k / FEATURES) + 1.7 * (k % FEATURES)));
      const classes = Int32Array.from({ length: time }, (_, t) => [0, 1, 2].reduce((m, f) => (data[t * FEATURES + f]! > data[t * FEATURES + m]! ? f : m), 0));
      return { data, classes };
    },
  };
}
const train = frames('train', 200, 0);
const dev = frames('dev', 100, 1000);

const dir = mkdtempSync(join(tmpdir(), 'strata-custom-layer-seq-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('on sequences: trains on both backends to the same losses, exports with a dynamic time axis', async () => {
  const results: TrainResult[] = [];
  for (const backend of ['tfjs-cpu', 'onnxruntime'] as const) {
    await useBackend(backend);
    const net = NetDictNetwork.fromDict(netDict, { externData, seed: 1 });
    const result = await new Engine(net, { batchSize: 400, epochs: 5, seed: 42, optimizer: { class: 'adam', learningRate: 0.02 }, progress: false, log: () => {} }).train(train, dev);
    console.log(`sequences on ${backend}: ${result.history.map((h) => `epoch ${h.epoch} train loss ${h.train.loss.toFixed(4)} dev frame accuracy ${(100 * h.dev!.accuracy).toFixed(1)}%`).join('; ')}`);
    expect(result.history.at(-1)!.train.loss).toBeLessThan(0.3 * result.history[0]!.train.loss);
    expect(result.history.at(-1)!.dev!.accuracy).toBeGreaterThan(0.9); // chance: 1/3
    results.push(result);

    const file = join(dir, `${backend}.onnx`);
    const exported = await exportOnnx(net, file);
    expect(exported.inputs.map((i) => [i.name, i.dims])).toEqual([
      ['data', ['batch', 'time', FEATURES]],
      ['data:size1', ['batch']],
    ]);
    const session = await ort.InferenceSession.create(file, { intraOpNumThreads: 1 });
    for (const time of [4, 9]) {
      const x = Float32Array.from({ length: 2 * time * FEATURES }, (_, k) => Math.cos(k));
      const lens = Int32Array.from([time, time - 1]);
      const got = await session.run({ data: new ort.Tensor('float32', x, [2, time, FEATURES]), 'data:size1': new ort.Tensor('int32', lens, [2]) });
      const want = ops.readSync(net.forward({ data: ops.tensor(x, [2, time, FEATURES]), 'data:size1': ops.tensor(lens, [2], 'int32') }, INFERENCE).get('output')!.value);
      expect(got.output!.dims).toEqual([2, time, 3]);
      console.log(`sequences, ONNX from ${backend}, time ${time}: max |diff| ${maxAbsDiff(got.output!.data as Float32Array, want as Float32Array).toExponential(2)}`);
      expectClose(got.output!.data as Float32Array, want as Float32Array, 1e-5, 0);
    }
    await session.release();
  }
  const [cpu, onnx] = results;
  cpu!.history.forEach((h, e) => expect(Math.abs(h.train.loss - onnx!.history[e]!.train.loss)).toBeLessThan(1e-5));
});
