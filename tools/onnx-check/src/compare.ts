// Exports a network and runs the file in plain onnxruntime-node / onnxruntime-web
// (predict.mjs, a separate process that imports no Strata package), then compares
// with Strata's own predictions on a tfjs backend.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setBackend, sizeOf } from '@strata/backend';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { loadMnist } from '@strata/datasets';
import { Engine } from '@strata/engine';
import { exportOnnx, NetDictNetwork } from '@strata/network';

const PREDICT = fileURLToPath(new URL('../predict.mjs', import.meta.url));

/** A Strata config's parts the comparison needs (see examples/*.json). */
export interface ModelConfig {
  network: Record<string, unknown>;
  extern_data: Record<string, unknown>;
  seed?: number;
}

/** Agreement of one runtime with Strata. */
export interface RuntimeAgreement {
  runtime: 'node' | 'web';
  /** Examples whose argmax equals Strata's. */
  sameArgmax: number;
  /** Largest |p_onnx - p_strata| over all examples and classes. */
  maxAbsDiff: number;
}

/** Result of {@link compareExport}. */
export interface Comparison {
  examples: number;
  /** Examples whose top-two probabilities (Strata's) are within 1e-5: argmax there may legitimately differ. */
  nearTies: number;
  runtimes: RuntimeAgreement[];
  modelBytes: number;
}

const argMax = (v: Float32Array, i: number, n: number): number => {
  let best = 0;
  for (let k = 1; k < n; k++) if (v[i * n + k]! > v[i * n + best]!) best = k;
  return best;
};

/**
 * Builds the network of `config` on `backend` (random weights from the
 * config's seed, or `checkpoint`), predicts the MNIST dev set, exports ONNX,
 * runs the file with predict.mjs on each runtime and compares.
 */
export async function compareExport(
  config: ModelConfig,
  opts: { checkpoint?: string; backend?: string; runtimes?: ('node' | 'web')[]; limit?: number } = {},
): Promise<Comparison> {
  registerTfjsBackends();
  await setBackend(opts.backend ?? 'tfjs-wasm');
  const net = NetDictNetwork.fromDict(config.network as never, { externData: config.extern_data, seed: config.seed ?? 42 });
  const engine = new Engine(net, { batchSize: 256, epochs: 1, optimizer: { class: 'sgd' } as never, log: () => {} });
  if (opts.checkpoint) await engine.loadWeights(opts.checkpoint);
  const { dev } = loadMnist({ seed: 42 });
  const n = Math.min(opts.limit ?? dev.size, dev.size);
  const subset = { ...dev, name: dev.name, size: n, extern: dev.extern, example: (i: number) => dev.example(i) };
  const ours = engine.predict(subset, { batchSize: 256 });
  const classes = ours.shape[ours.shape.length - 1]!;

  const dir = mkdtempSync(join(tmpdir(), 'strata-onnx-check-'));
  const model = join(dir, 'model.onnx');
  const exported = await exportOnnx(net, model);
  const input = exported.inputs[0]!;
  const rowDims = input.dims.slice(1) as number[];
  const rowSize = sizeOf(rowDims);
  const xs = new Float32Array(n * rowSize);
  for (let i = 0; i < n; i++) xs.set(dev.example(i)[input.name] as Float32Array, i * rowSize);
  const inputsPath = join(dir, 'inputs.f32');
  writeFileSync(inputsPath, Buffer.from(xs.buffer));

  let nearTies = 0;
  for (let i = 0; i < n; i++) {
    const row = Array.from(ours.values.subarray(i * classes, (i + 1) * classes)).sort((a, b) => b - a);
    if (row[0]! - row[1]! < 1e-5) nearTies++;
  }
  const runtimes = (opts.runtimes ?? ['node', 'web']).map((runtime): RuntimeAgreement => {
    const out = join(dir, `out-${runtime}.f32`);
    execFileSync(process.execPath, [PREDICT, runtime, model, inputsPath, [n, ...rowDims].join(','), out], { stdio: 'pipe' });
    const buf = readFileSync(out);
    const theirs = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
    if (theirs.length !== ours.values.length) throw new Error(`${runtime}: ${theirs.length} values, Strata ${ours.values.length}`);
    let sameArgmax = 0;
    let maxAbsDiff = 0;
    for (let i = 0; i < n; i++) if (argMax(theirs, i, classes) === argMax(ours.values, i, classes)) sameArgmax++;
    for (let k = 0; k < theirs.length; k++) maxAbsDiff = Math.max(maxAbsDiff, Math.abs(theirs[k]! - ours.values[k]!));
    return { runtime, sameArgmax, maxAbsDiff };
  });
  return { examples: n, nearTies, runtimes, modelBytes: exported.bytes.byteLength };
}
