// The layer in a net dict trained by the engine on tfjs-cpu and on onnxruntime
// (MNIST, 2,000 train / 500 dev digits), saved and loaded across backends, and
// exported to ONNX and run in plain onnxruntime-node (no Strata).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine, type EngineOptions, type TrainResult } from '@strata/engine';
import { exportOnnx, type NetDict, NetDictNetwork } from '@strata/network';
import { load, save } from '@strata/savers';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import '../src/index.js'; // registers the layer: what a user's `import 'their-package'` does
import { expectClose, maxAbsDiff, MNIST_EXTERN as externData, mnistSubset, useBackend } from './helpers.js';

const netDict: NetDict = {
  g: { class: 'glu', n_out: 64, from: 'data' },
  output: { class: 'softmax', loss: 'ce', from: 'g' },
};
const EPOCHS = 3;
const options: EngineOptions = { batchSize: 64, epochs: EPOCHS, seed: 42, optimizer: { class: 'adam', learningRate: 1e-3 }, progress: false, log: () => {} };
const { train, dev } = mnistSubset();
const newNet = (seed = 7) => NetDictNetwork.fromDict(netDict, { externData, seed });

const dir = mkdtempSync(join(tmpdir(), 'strata-custom-layer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Backend = 'tfjs-cpu' | 'onnxruntime';
interface Run {
  result: TrainResult;
  weights: Float32Array[];
  /** Predictions on the 500 dev digits: the softmax output and the GLU's own output. */
  output: Float32Array;
  glu: Float32Array;
  checkpoint: string;
  onnx: string;
}
const runs = new Map<Backend, Run>();
const weightsOf = (net: NetDictNetwork) => net.variables.map((v) => Float32Array.from(v.readSync() as Float32Array));
const predictions = (net: NetDictNetwork) => {
  const engine = new Engine(net, options);
  return { output: engine.predict(dev).values, glu: engine.predict(dev, { layer: 'g' }).values };
};

describe('a net dict with the custom layer, trained by the engine on both backends (MNIST 2,000 / 500)', () => {
  for (const backend of ['tfjs-cpu', 'onnxruntime'] as const) {
    it(`trains on ${backend}: the loss falls and dev accuracy is far above chance; saves and exports`, async () => {
      await useBackend(backend);
      const net = newNet();
      const result = await new Engine(net, options).train(train, dev);
      const [first, last] = [result.history[0]!, result.history.at(-1)!];
      console.log(
        `${backend}: ` + result.history.map((h) => `epoch ${h.epoch} train loss ${h.train.loss.toFixed(6)} dev loss ${h.dev!.loss.toFixed(6)} dev acc ${(100 * h.dev!.accuracy).toFixed(1)}% (${h.seconds.toFixed(1)} s)`).join('; '),
      );
      expect(result.epochsRun).toBe(EPOCHS);
      expect(last.train.loss).toBeLessThan(0.5 * first.train.loss);
      expect(last.dev!.loss).toBeLessThan(first.dev!.loss);
      expect(last.dev!.accuracy).toBeGreaterThan(0.85); // chance: 0.1; measured 87.8% on both backends
      const checkpoint = join(dir, `${backend}.safetensors`);
      await save(net, checkpoint);
      const onnx = join(dir, `${backend}.onnx`);
      const exported = await exportOnnx(net, onnx, { outputs: ['output', 'g'] });
      expect(exported.inputs.map((i) => [i.name, i.dims])).toEqual([['data', ['batch', 784]]]);
      expect(exported.outputs.map((o) => [o.name, o.dims])).toEqual([
        ['output', ['batch', 10]],
        ['g', ['batch', 64]],
      ]);
      runs.set(backend, { result, weights: weightsOf(net), ...predictions(net), checkpoint, onnx });
    });
  }

  it('the same net from the same seed gives the same losses on both backends (first epoch within 1e-5; measured ~2e-8)', () => {
    const [cpu, onnx] = [runs.get('tfjs-cpu')!, runs.get('onnxruntime')!];
    const gaps = cpu.result.history.map((h, e) => {
      const o = onnx.result.history[e]!;
      return { epoch: h.epoch, train: Math.abs(h.train.loss - o.train.loss), dev: Math.abs(h.dev!.loss - o.dev!.loss), accuracy: Math.abs(h.dev!.accuracy - o.dev!.accuracy) };
    });
    console.log(`|tfjs-cpu - onnxruntime| per epoch: ${gaps.map((g) => `epoch ${g.epoch} train ${g.train.toExponential(2)} dev ${g.dev.toExponential(2)} accuracy ${g.accuracy}`).join('; ')}`);
    expect(gaps[0]!.train).toBeLessThan(1e-5);
    expect(gaps[0]!.dev).toBeLessThan(1e-5);
    expect(gaps.at(-1)!.accuracy).toBeLessThanOrEqual(0.004); // at most 2 of the 500 dev digits
  });

  for (const [from, into] of [
    ['tfjs-cpu', 'tfjs-cpu'],
    ['tfjs-cpu', 'onnxruntime'],
    ['onnxruntime', 'onnxruntime'],
    ['onnxruntime', 'tfjs-cpu'],
  ] as const) {
    it(`save on ${from}, load into a newly constructed net on ${into}: the same weights and outputs`, async () => {
      const saved = runs.get(from)!;
      await useBackend(into);
      const fresh = newNet(99);
      expect(maxAbsDiff(weightsOf(fresh)[0]!, saved.weights[0]!)).toBeGreaterThan(0.01); // other initial weights
      await load(fresh, saved.checkpoint);
      weightsOf(fresh).forEach((w, i) => expect(w).toEqual(saved.weights[i]));
      const got = predictions(fresh);
      if (from === into) {
        expect(got.output).toEqual(saved.output);
        expect(got.glu).toEqual(saved.glu);
      } else {
        console.log(`${from} checkpoint on ${into}: max |diff| output ${maxAbsDiff(got.output, saved.output).toExponential(2)}, glu ${maxAbsDiff(got.glu, saved.glu).toExponential(2)}`);
        expectClose(got.output, saved.output, 1e-5, 0);
        expectClose(got.glu, saved.glu, 1e-5, 0);
      }
    });
  }

  it('the exported ONNX file runs in plain onnxruntime-node and gives the outputs of Strata within 1e-5', async () => {
    const data = new Float32Array(dev.size * 784);
    for (let i = 0; i < dev.size; i++) data.set(dev.example(i).data as Float32Array, i * 784);
    for (const backend of ['tfjs-cpu', 'onnxruntime'] as const) {
      const run = runs.get(backend)!;
      const session = await ort.InferenceSession.create(run.onnx, { intraOpNumThreads: 1 });
      expect(session.inputNames).toEqual(['data']);
      expect([...session.outputNames].sort()).toEqual(['g', 'output']);
      const out = await session.run({ data: new ort.Tensor('float32', data, [dev.size, 784]) });
      expect(out.output!.dims).toEqual([dev.size, 10]);
      expect(out.g!.dims).toEqual([dev.size, 64]);
      const output = out.output!.data as Float32Array;
      const glu = out.g!.data as Float32Array;
      console.log(`ONNX export from ${backend}, plain onnxruntime-node vs Strata: max |diff| output ${maxAbsDiff(output, run.output).toExponential(2)}, glu ${maxAbsDiff(glu, run.glu).toExponential(2)}`);
      expectClose(output, run.output, 1e-5, 0);
      expectClose(glu, run.glu, 1e-5, 0);
      await session.release();
    }
  });
});
