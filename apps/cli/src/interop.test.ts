// A model trained and saved by tfjs-layers (model.json + weights.bin, as its
// file:// handler writes them) loads into the equivalent Strata net dict and
// predicts the same on the 2,000 MNIST dev digits; and a Strata network's
// weights, written as tfjs model.json, load into the tfjs-layers model.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setBackend } from '@strata/backend';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { loadMnist } from '@strata/datasets';
import { Engine } from '@strata/engine';
import { NetDictNetwork } from '@strata/network';
import { CheckpointLoader, writeCheckpointFile } from '@strata/savers';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'strata-interop-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const NET = {
  hidden: { class: 'linear', activation: 'relu', n_out: 32, from: 'data' },
  output: { class: 'softmax', loss: 'ce', from: 'hidden', target: 'classes' },
};
const EXTERN = { data: { shape: [784] }, classes: { shape: [], dim: 10, sparse: true } };

function tfjsModel(): tfl.Sequential {
  const m = tfl.sequential();
  m.add(tfl.layers.dense({ name: 'hidden', units: 32, activation: 'relu', inputShape: [784] }));
  m.add(tfl.layers.dense({ name: 'output', units: 10, activation: 'softmax' }));
  return m;
}

/** Writes a model's artifacts as tfjs' file:// handler does: model.json (paths: weights.bin) + weights.bin. */
async function saveLikeFileHandler(model: tfl.LayersModel, path: string): Promise<void> {
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      writeFileSync(join(path, 'weights.bin'), Buffer.from(a.weightData as ArrayBuffer));
      const json = { modelTopology: a.modelTopology, format: a.format, generatedBy: a.generatedBy, convertedBy: a.convertedBy, weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs }] };
      writeFileSync(join(path, 'model.json'), JSON.stringify(json));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
}

/** Probabilities of the 2,000 dev digits from a tfjs-layers model. */
function tfjsPredict(model: tfl.LayersModel, xs: Float32Array, n: number): Float32Array {
  return tf.tidy(() => (model.predict(tf.tensor2d(xs, [n, 784])) as tf.Tensor).dataSync() as Float32Array);
}

function compare(a: Float32Array, b: Float32Array, n: number): { sameArgmax: number; maxDiff: number } {
  let sameArgmax = 0;
  let maxDiff = 0;
  for (let i = 0; i < n; i++) {
    const ra = Array.from(a.subarray(i * 10, i * 10 + 10));
    const rb = Array.from(b.subarray(i * 10, i * 10 + 10));
    if (ra.indexOf(Math.max(...ra)) === rb.indexOf(Math.max(...rb))) sameArgmax++;
    ra.forEach((v, k) => (maxDiff = Math.max(maxDiff, Math.abs(v - rb[k]!))));
  }
  return { sameArgmax, maxDiff };
}

describe('tfjs-layers model.json <-> Strata (MNIST, 2,000 dev digits)', () => {
  const { train, dev } = loadMnist({ seed: 42 });
  const devX = new Float32Array(dev.size * 784);
  for (let i = 0; i < dev.size; i++) devX.set(dev.example(i).data as Float32Array, i * 784);
  let trained: tfl.Sequential;

  beforeAll(async () => {
    registerTfjsBackends();
    await setBackend('tfjs-cpu');
    // Train in tfjs-layers (four epochs on 2,000 digits), then save as model.json + weights.bin.
    trained = tfjsModel();
    trained.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
    const n = 2000;
    const x = new Float32Array(n * 784);
    const y = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const e = train.example(i);
      x.set(e.data as Float32Array, i * 784);
      y[i] = e.classes as number;
    }
    await trained.fit(tf.tensor2d(x, [n, 784]), tf.tensor1d(y), { epochs: 4, batchSize: 64, verbose: 0 });
    await saveLikeFileHandler(trained, dir);
  }, 120_000);

  it('loads into the equivalent Strata net dict: same argmax on every digit, probabilities within 1e-5', async () => {
    const net = NetDictNetwork.fromDict(NET as never, { externData: EXTERN, seed: 1 });
    const loader = await CheckpointLoader.fromFile(join(dir, 'model.json'), net.weights, { loadIfPrefix: 'network/' });
    const report = loader.loadNow();
    expect([...report.loaded.keys()].sort()).toEqual(['network/hidden/bias', 'network/hidden/kernel', 'network/output/bias', 'network/output/kernel']);
    const ours = new Engine(net, { batchSize: 256, epochs: 1, optimizer: { class: 'sgd' } as never, log: () => {} }).predict(dev, { batchSize: 500 });
    const theirs = tfjsPredict(trained, devX, dev.size);
    const r = compare(ours.values, theirs, dev.size);
    expect(r.sameArgmax).toBe(2000);
    expect(r.maxDiff).toBeLessThan(1e-5);
    // Trained, not random: most digits are right.
    let correct = 0;
    for (let i = 0; i < dev.size; i++) {
      const row = Array.from(ours.values.subarray(i * 10, i * 10 + 10));
      if (row.indexOf(Math.max(...row)) === dev.example(i).classes) correct++;
    }
    expect(correct / dev.size).toBeGreaterThan(0.8);
  });

  it('a Strata network written as tfjs model.json loads into the tfjs-layers model and predicts the same', async () => {
    const net = NetDictNetwork.fromDict(NET as never, { externData: EXTERN, seed: 7 });
    const out = join(dir, 'strata', 'model.json');
    rmSync(join(dir, 'strata'), { recursive: true, force: true });
    // Weight names as tfjs-layers names them: <layer>/<weight>.
    const tensors = net.weights.map((v) => ({ name: v.path.replace(/^network\//, ''), shape: v.shape, dtype: 'float32' as const, data: v.readSync() as Float32Array }));
    await writeCheckpointFile(out, tensors, { format: 'tfjs' });
    const manifest = JSON.parse(readFileSync(out, 'utf8')) as { weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[] };
    const group = manifest.weightsManifest[0]!;
    const buffers = group.paths.map((p) => readFileSync(join(dir, 'strata', p)));
    const data = Buffer.concat(buffers);
    const weights = tf.io.decodeWeights(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength), group.weights);
    const model = tfjsModel();
    model.loadWeights(weights);
    const ours = new Engine(net, { batchSize: 256, epochs: 1, optimizer: { class: 'sgd' } as never, log: () => {} }).predict(dev, { batchSize: 500 });
    const r = compare(ours.values, tfjsPredict(model, devX, dev.size), dev.size);
    expect(r.sameArgmax).toBe(2000);
    expect(r.maxDiff).toBeLessThan(1e-5);
  });
});
