/**
 * The lower bound: the network exported with `net.exportOnnx` to a temp
 * file, run by a plain onnxruntime-node `InferenceSession` with default
 * session options (default intra-op threads), fed the same batches as
 * `ort.Tensor`s created once before timing.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setBackend } from '@strata/backend';
import { exportOnnx, type NetDictNetwork } from '@strata/network';
import * as ort from 'onnxruntime-node';
import type { Contender } from './contender.js';
import type { BenchData } from './data.js';
import { threadsAddedBy } from './environment.js';

/** Intra-op threads of the raw session as observed: worker threads its creation started, plus the caller. */
export let observedOrtThreads: number | null = null;

/** Exports `net` (its backend becomes active) and opens the file in an InferenceSession. */
export async function rawOrtContender(name: string, net: NetDictNetwork, strataBackendOfNet: string, data: BenchData): Promise<Contender> {
  await setBackend(strataBackendOfNet);
  const dir = await mkdtemp(join(tmpdir(), 'strata-bench-'));
  const path = join(dir, `${net.name || 'model'}.onnx`);
  const exported = await exportOnnx(net, path);
  const inputName = exported.inputs[0]!.name;
  const outputName = net.getDefaultOutputLayer()!.name;
  // Default options: intraOpNumThreads unset (onnxruntime picks one per physical core).
  const { result: session, added } = await threadsAddedBy(() => ort.InferenceSession.create(path));
  observedOrtThreads = added === null ? null : added + 1;
  const feeds = data.batches.map((b) => new ort.Tensor('float32', b.pixels, [b.size, b.pixels.length / b.size]));
  return {
    name,
    detail: `onnxruntime-node InferenceSession.create('${path}') with default options; await session.run({${inputName}}) → ${outputName}.data`,
    activate: async () => {},
    async pass(out: Float32Array): Promise<void> {
      let offset = 0;
      for (const x of feeds) {
        const result = await session.run({ [inputName]: x });
        const values = result[outputName]!.data as Float32Array;
        out.set(values, offset);
        offset += values.length;
      }
    },
    dispose: async () => {
      await session.release();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
