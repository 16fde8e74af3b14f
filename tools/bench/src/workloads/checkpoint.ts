/**
 * Checkpoints of a 100 MB model (issue #8): saving and loading the weights
 * of a network with 25.2 M float32 parameters (six 2048×2048 linear layers
 * and a softmax output) to and from a file in the OS temp directory.
 *
 * Strata: the engine's checkpoint functions (`saveTrainingCheckpoint`:
 * safetensors with a SHA-256 checksum, written atomically through a temp
 * file and a rename; `engine.loadWeights`: reads the file, checks checksum,
 * names, shapes and dtypes, then assigns). tfjs-layers: `model.save` with a
 * handler that writes `model.json` and `weights.bin` as tfjs-node's
 * `file://` handler does, and loading the weights into the existing model
 * (`tf.io.decodeWeights` + `model.loadWeights`).
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setBackend } from '@strata/backend';
import { Engine, saveTrainingCheckpoint } from '@strata/engine';
import { type NetDict, NetDictNetwork } from '@strata/network';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { Contender } from '../contender.js';
import { type GroupResult, groupResult } from '../results.js';
import { measure } from '../runner.js';
import { readWeights, toSequential } from '../tfjs-layers.js';

const WIDTH = 2048;
const HIDDEN = 6;
const EXTERN = { data: { dim: WIDTH }, classes: { dim: 10, sparse: true } };

function bigNetDict(): NetDict {
  const dict: Record<string, Record<string, unknown>> = {};
  for (let i = 0; i < HIDDEN; i++) dict[`h${i}`] = { class: 'linear', activation: 'relu', n_out: WIDTH, from: i === 0 ? 'data' : `h${i - 1}` };
  dict.output = { class: 'softmax', loss: 'ce', n_out: 10, from: `h${HIDDEN - 1}`, target: 'classes' };
  return dict as unknown as NetDict;
}

async function strataEngine(backendName: string): Promise<Engine> {
  await setBackend(backendName);
  const net = NetDictNetwork.fromDict(bigNetDict(), { externData: EXTERN, seed: 42 });
  return new Engine(net, { batchSize: 1, epochs: 1, optimizer: { class: 'adam' }, progress: false, log: () => {} });
}

const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;

/** The save group and the load group. */
export async function checkpointGroups(rounds: number, log: (s: string) => void): Promise<GroupResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'strata-bench-ckpt-'));
  try {
    const engines = { 'tfjs-wasm': await strataEngine('tfjs-wasm'), onnxruntime: await strataEngine('onnxruntime') };
    await setBackend('tfjs-wasm');
    const params = engines['tfjs-wasm'].network.weights.reduce((n, v) => n + v.shape.reduce((a, d) => a * d, 1), 0);
    const model = toSequential(engines['tfjs-wasm'].network, readWeights(engines['tfjs-wasm'].network));
    const paths = { 'tfjs-wasm': join(dir, 'strata-wasm.safetensors'), onnxruntime: join(dir, 'strata-ort.safetensors') };
    const layersDir = join(dir, 'tfjs-layers');
    const save = (name: string, backendName: keyof typeof engines): Contender => ({
      name,
      detail: `saveTrainingCheckpoint(path, net.weights, optimizer, info) on ${backendName}: read weights, safetensors + SHA-256, atomic write`,
      activate: async () => {
        await setBackend(backendName);
      },
      pass: () => saveTrainingCheckpoint(paths[backendName], engines[backendName].network.weights, engines[backendName].optimizer, { epoch: 1, step: 0, configHash: '' }),
      dispose: async () => {},
    });
    const layersSave: Contender = {
      name: 'tfjs-layers wasm',
      detail: "model.save(tf.io.withSaveHandler(...)) writing model.json + weights.bin (what tfjs-node's file:// handler writes)",
      activate: async () => {
        await setBackend('tfjs-wasm');
      },
      async pass(): Promise<void> {
        await model.save(
          tf.io.withSaveHandler(async (a) => {
            const { mkdir } = await import('node:fs/promises');
            await mkdir(layersDir, { recursive: true });
            const data = Array.isArray(a.weightData) ? Buffer.concat(a.weightData.map((b) => new Uint8Array(b))) : new Uint8Array(a.weightData!);
            await writeFile(join(layersDir, 'weights.bin'), data);
            await writeFile(join(layersDir, 'model.json'), JSON.stringify({ modelTopology: a.modelTopology, format: 'layers-model', weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs }] }));
            return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
          }),
        );
      },
      dispose: async () => {},
    };
    const saveTitle = `checkpoint save of a ${mb(params * 4)} model (${(params / 1e6).toFixed(1)} M float32 parameters, ${HIDDEN} × linear ${WIDTH} + softmax 10) to ${tmpdir()}`;
    log(`\n=== ${saveTitle} ===`);
    const saves = [save('Strata tfjs-wasm', 'tfjs-wasm'), save('Strata onnxruntime', 'onnxruntime'), layersSave];
    const savedMeasured = await measure(saves, 0, rounds, log);
    const sizes: Record<string, string> = {
      'Strata tfjs-wasm': `file ${mb(statSync(paths['tfjs-wasm']).size)}`,
      'Strata onnxruntime': `file ${mb(statSync(paths.onnxruntime).size)}`,
      'tfjs-layers wasm': `files ${mb(statSync(join(layersDir, 'weights.bin')).size + statSync(join(layersDir, 'model.json')).size)}`,
    };
    const notes = ['raw onnxruntime-node: not applicable (no checkpoint API)', `the files live in ${tmpdir()}; page cache and disk speed matter: compare rows of one run`];
    const saveGroup = groupResult(
      { id: 'checkpoint-save/100MB', workload: 'checkpoint', title: saveTitle, rounds, peers: { 'Strata tfjs-wasm': 'tfjs-layers wasm', 'Strata onnxruntime': 'tfjs-layers wasm' }, targets: [], checks: sizes, notes },
      savedMeasured,
    );

    const load = (name: string, backendName: keyof typeof engines): Contender => ({
      name,
      detail: `engine.loadWeights(path) on ${backendName}: read file, SHA-256 check, names/shapes/dtypes, assign`,
      activate: async () => {
        await setBackend(backendName);
      },
      pass: async () => {
        await engines[backendName].loadWeights(paths[backendName]);
      },
      dispose: async () => {},
    });
    const layersLoad: Contender = {
      name: 'tfjs-layers wasm',
      detail: 'read model.json + weights.bin, tf.io.decodeWeights, model.loadWeights (into the existing model)',
      activate: async () => {
        await setBackend('tfjs-wasm');
      },
      async pass(): Promise<void> {
        const json = JSON.parse(await readFile(join(layersDir, 'model.json'), 'utf8')) as { weightsManifest: tf.io.WeightsManifestConfig };
        const bin = await readFile(join(layersDir, 'weights.bin'));
        const buffer = bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength);
        const map = tf.io.decodeWeights(buffer, json.weightsManifest.flatMap((g) => g.weights));
        model.loadWeights(map);
        tf.dispose(Object.values(map));
      },
      dispose: async () => {},
    };
    const loadTitle = `checkpoint load of the same ${mb(params * 4)} model into an existing network`;
    log(`\n=== ${loadTitle} ===`);
    const loadGroup = groupResult(
      { id: 'checkpoint-load/100MB', workload: 'checkpoint', title: loadTitle, rounds, peers: { 'Strata tfjs-wasm': 'tfjs-layers wasm', 'Strata onnxruntime': 'tfjs-layers wasm' }, targets: [], notes },
      await measure([load('Strata tfjs-wasm', 'tfjs-wasm'), load('Strata onnxruntime', 'onnxruntime'), layersLoad], 0, rounds, log),
    );
    model.dispose();
    for (const [b, e] of Object.entries(engines)) {
      await setBackend(b);
      for (const v of e.network.weights) v.dispose();
    }
    return [saveGroup, loadGroup];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
