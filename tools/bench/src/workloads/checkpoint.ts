/**
 * Checkpoints of a 100 MB model (issue #8): saving and loading the weights
 * of a network with 25.2 M float32 parameters (six 2048×2048 linear layers
 * and a softmax output) to and from a file in the OS temp directory.
 *
 * Strata: the engine's checkpoint functions, both thin wrappers over the one
 * checkpoint API of @strata/savers (`saveTrainingCheckpoint` is `save`:
 * safetensors with a SHA-256 checksum, written atomically through a temp
 * file and a rename; `engine.loadWeights` is `load`: reads the file, checks
 * checksum, names, shapes and dtypes, then assigns). The bench calls them
 * through @strata/engine, its dependency. tfjs-layers: `model.save` with a
 * handler that writes `model.json` and `weights.bin` as tfjs-node's
 * `file://` handler does, and loading the weights into the existing model
 * (`tf.io.decodeWeights` + `model.loadWeights`).
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setBackend, sizeOf } from '@strata/backend';
import { Engine, saveTrainingCheckpoint } from '@strata/engine';
import { NetDictNetwork } from '@strata/network';
import * as tf from '@tensorflow/tfjs-core';
import { type Contender, onBackend } from '../contender.js';
import { type GroupResult, groupResult } from '../results.js';
import { measure } from '../runner.js';
import { readWeights, toSequential } from '../tfjs-layers.js';
import { netDictOf } from '../models.js';
import { deepNetDict } from './construct.js';

const WIDTH = 2048;
const HIDDEN = 6;
const EXTERN = { data: { shape: [WIDTH] }, classes: { shape: [], dim: 10, sparse: true } };
const BACKENDS = ['tfjs-wasm', 'onnxruntime'] as const;
type StrataBackend = (typeof BACKENDS)[number];
const LAYERS = 'tfjs-layers wasm';
const PEERS = { 'Strata tfjs-wasm': LAYERS, 'Strata onnxruntime': LAYERS };

async function strataEngine(backendName: string): Promise<Engine> {
  await setBackend(backendName);
  const net = NetDictNetwork.fromDict(deepNetDict(HIDDEN + 1, WIDTH), { externData: EXTERN, seed: 42 });
  return new Engine(net, { batchSize: 1, epochs: 1, optimizer: { class: 'adam' }, progress: false, log: () => {} });
}

const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;

/** The save group and the load group. */
export async function checkpointGroups(rounds: number, log: (s: string) => void): Promise<GroupResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'strata-bench-ckpt-'));
  try {
    const engines = { 'tfjs-wasm': await strataEngine('tfjs-wasm'), onnxruntime: await strataEngine('onnxruntime') };
    await setBackend('tfjs-wasm');
    const params = netDictOf(engines['tfjs-wasm']).weights.reduce((n, v) => n + sizeOf(v.shape), 0);
    const model = toSequential(netDictOf(engines['tfjs-wasm']), readWeights(netDictOf(engines['tfjs-wasm'])));
    const paths = { 'tfjs-wasm': join(dir, 'strata-wasm.safetensors'), onnxruntime: join(dir, 'strata-ort.safetensors') };
    const layersDir = join(dir, 'tfjs-layers');
    /** One Strata row per backend: `${call} on <backend>: ${what}`, timing `pass` with that backend's engine and file. */
    const strataRows = (call: string, what: string, pass: (engine: Engine, path: string) => Promise<unknown>): Contender[] =>
      BACKENDS.map((b: StrataBackend) => ({
        name: `Strata ${b}`,
        detail: `${call} on ${b}: ${what}`,
        activate: onBackend(b),
        pass: async () => {
          await pass(engines[b], paths[b]);
        },
        dispose: async () => {},
      }));
    const layersRow = (detail: string, pass: () => Promise<void>): Contender => ({ name: LAYERS, detail, activate: onBackend('tfjs-wasm'), pass, dispose: async () => {} });

    const saves = [
      ...strataRows('saveTrainingCheckpoint(path, net.weights, optimizer, info)', 'read weights, safetensors + SHA-256, atomic write', (e, path) =>
        saveTrainingCheckpoint(path, netDictOf(e).weights, e.optimizer, { epoch: 1, step: 0, configHash: '' }),
      ),
      layersRow("model.save(tf.io.withSaveHandler(...)) writing model.json + weights.bin (what tfjs-node's file:// handler writes)", async () => {
        await model.save(
          tf.io.withSaveHandler(async (a) => {
            await mkdir(layersDir, { recursive: true });
            const data = Array.isArray(a.weightData) ? Buffer.concat(a.weightData.map((b) => new Uint8Array(b))) : new Uint8Array(a.weightData!);
            await writeFile(join(layersDir, 'weights.bin'), data);
            await writeFile(join(layersDir, 'model.json'), JSON.stringify({ modelTopology: a.modelTopology, format: 'layers-model', weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs }] }));
            return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
          }),
        );
      }),
    ];
    const saveTitle = `checkpoint save of a ${mb(params * 4)} model (${(params / 1e6).toFixed(1)} M float32 parameters, ${HIDDEN} × linear ${WIDTH} + softmax 10) to ${tmpdir()}`;
    log(`\n=== ${saveTitle} ===`);
    const savedMeasured = await measure(saves, 0, rounds, log);
    const sizes: Record<string, string> = {
      'Strata tfjs-wasm': `file ${mb(statSync(paths['tfjs-wasm']).size)}`,
      'Strata onnxruntime': `file ${mb(statSync(paths.onnxruntime).size)}`,
      [LAYERS]: `files ${mb(statSync(join(layersDir, 'weights.bin')).size + statSync(join(layersDir, 'model.json')).size)}`,
    };
    const notes = ['raw onnxruntime-node: not applicable (no checkpoint API)', `the files live in ${tmpdir()}; page cache and disk speed matter: compare rows of one run`];
    const saveGroup = groupResult(
      { id: 'checkpoint-save/100MB', workload: 'checkpoint', title: saveTitle, rounds, peers: PEERS, targets: [], checks: sizes, notes },
      savedMeasured,
    );

    const loads = [
      ...strataRows('engine.loadWeights(path)', 'read file, SHA-256 check, names/shapes/dtypes, assign', (e, path) => e.loadWeights(path)),
      layersRow('read model.json + weights.bin, tf.io.decodeWeights, model.loadWeights (into the existing model)', async () => {
        const json = JSON.parse(await readFile(join(layersDir, 'model.json'), 'utf8')) as { weightsManifest: tf.io.WeightsManifestConfig };
        const bin = await readFile(join(layersDir, 'weights.bin'));
        const buffer = bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength);
        const map = tf.io.decodeWeights(buffer, json.weightsManifest.flatMap((g) => g.weights));
        model.loadWeights(map);
        tf.dispose(Object.values(map));
      }),
    ];
    const loadTitle = `checkpoint load of the same ${mb(params * 4)} model into an existing network`;
    log(`\n=== ${loadTitle} ===`);
    const loadGroup = groupResult(
      { id: 'checkpoint-load/100MB', workload: 'checkpoint', title: loadTitle, rounds, peers: PEERS, targets: [], notes },
      await measure(loads, 0, rounds, log),
    );
    model.dispose();
    for (const [b, e] of Object.entries(engines)) {
      await setBackend(b);
      for (const v of netDictOf(e).weights) v.dispose();
    }
    return [saveGroup, loadGroup];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
