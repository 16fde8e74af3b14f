// preloadFromFiles (RETURNN's preload_from_files): a frozen `pre_hidden`
// layer takes its weights from another model's `hidden` layer (prefix
// 'pre_') when training starts from scratch, not on resume; entries without
// initForTrain apply in loadWeights; mapping errors stop training before it starts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setBackend } from '@strata/backend';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { Rng } from '@strata/core';
import { type NetDict, NetDictNetwork } from '@strata/network';
import { CheckpointMappingError, saveCheckpoint } from '@strata/savers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkpointPath } from './checkpoints.js';
import type { Dataset } from './dataset.js';
import { Engine, type EngineOptions } from './engine.js';

const [IN, HID] = [6, 8];
const externData = { data: { shape: [IN] }, classes: { shape: [], dim: 3, sparse: true } };
const netDict: NetDict = {
  pre_hidden: { class: 'linear', activation: 'relu', n_out: HID, from: 'data', trainable: false },
  output: { class: 'softmax', loss: 'ce', from: 'pre_hidden', target: 'classes' },
};

function data(n: number): Dataset {
  const rng = new Rng(1);
  const xs = Array.from({ length: n }, () => Float32Array.from({ length: IN }, () => rng.normal()));
  return { name: 'toy', size: n, extern: externData, example: (i) => ({ data: xs[i]!, classes: i % 3 }) };
}

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'strata-preload-'));
  dirs.push(d);
  return d;
};

/** Another model's checkpoint with a `hidden` layer: kernel values `start + j`, bias `start + 100 + j`. */
async function otherModel(dir: string, start: number, root = 'network/', names = ['kernel', 'bias']): Promise<string> {
  const file = join(dir, `other-${start}.safetensors`);
  await saveCheckpoint(file, [
    { name: `${root}hidden/${names[0]}`, shape: [IN, HID], dtype: 'float32', data: Float32Array.from({ length: IN * HID }, (_, j) => start + j) },
    { name: `${root}hidden/${names[1]}`, shape: [HID], dtype: 'float32', data: Float32Array.from({ length: HID }, (_, j) => start + 100 + j) },
    { name: `${root}output/kernel`, shape: [HID, 5], dtype: 'float32', data: new Float32Array(HID * 5) }, // another output size: not loaded
  ]);
  return file;
}

function makeEngine(opts: Partial<EngineOptions>): { engine: Engine; net: NetDictNetwork; lines: string[] } {
  const net = NetDictNetwork.fromDict(netDict, { externData, seed: 7 });
  const lines: string[] = [];
  const engine = new Engine(net, { batchSize: 8, epochs: 1, seed: 3, optimizer: { class: 'adam', learningRate: 0.01 }, progress: false, log: (l) => lines.push(l), ...opts });
  return { engine, net, lines };
}
const valuesOf = (net: NetDictNetwork, path: string) => Array.from(net.weights.find((v) => v.path === path)!.readSync());
const kernel = (start: number) => Array.from({ length: IN * HID }, (_, j) => start + j);
const bias = (start: number) => Array.from({ length: HID }, (_, j) => start + 100 + j);

beforeAll(async () => {
  registerTfjsBackends();
  await setBackend('tfjs-cpu');
});
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('Engine preloadFromFiles', () => {
  const train = data(24);

  it('initForTrain: loads the prefixed layer from scratch, not again on resume', async () => {
    const dir = tempDir();
    const [fileA, fileB] = [await otherModel(dir, 1), await otherModel(dir, 1000)];
    const modelDir = join(dir, 'run');
    const first = makeEngine({ modelDir, preloadFromFiles: { lm: { filename: fileA, prefix: 'pre_', initForTrain: true } } });
    const outputBefore = valuesOf(first.net, 'network/output/kernel');
    const r = await first.engine.train(train);
    expect(r.resumedFrom).toBe(0);
    expect(first.lines[0]).toBe(`preload 'lm': 2 params from ${fileA} (prefix 'pre_')`);
    // Frozen, so training kept the preloaded values; the output layer was not preloaded and trained.
    expect(valuesOf(first.net, 'network/pre_hidden/kernel')).toEqual(kernel(1));
    expect(valuesOf(first.net, 'network/pre_hidden/bias')).toEqual(bias(1));
    expect(valuesOf(first.net, 'network/output/kernel')).not.toEqual(outputBefore);

    // Resume: the checkpoint's values, not the (different) preload file's.
    const second = makeEngine({ modelDir, epochs: 2, preloadFromFiles: { lm: { filename: fileB, prefix: 'pre_', initForTrain: true } } });
    const r2 = await second.engine.train(train);
    expect(r2.resumedFrom).toBe(1);
    expect(second.lines.some((l) => l.startsWith('preload'))).toBe(false);
    expect(valuesOf(second.net, 'network/pre_hidden/kernel')).toEqual(kernel(1));
  });

  it('without initForTrain: not loaded for training; loaded by loadWeights after the checkpoint, overriding it', async () => {
    const dir = tempDir();
    const file = await otherModel(dir, 1);
    const modelDir = join(dir, 'run');
    const { engine, net } = makeEngine({ modelDir, preloadFromFiles: { lm: { filename: file, prefix: 'pre_' } } });
    await engine.train(train);
    expect(valuesOf(net, 'network/pre_hidden/kernel')).not.toEqual(kernel(1));
    const evalEngine = makeEngine({ preloadFromFiles: { lm: { filename: file, prefix: 'pre_' } } });
    await evalEngine.engine.loadWeights(checkpointPath(modelDir, 1));
    expect(valuesOf(evalEngine.net, 'network/pre_hidden/kernel')).toEqual(kernel(1));
    expect(valuesOf(evalEngine.net, 'network/output/kernel')).toEqual(valuesOf(net, 'network/output/kernel'));
  });

  it('a file without the root scope and with RETURNN names (W, b) loads too; the first entry by key wins', async () => {
    const dir = tempDir();
    const returnn = await otherModel(dir, 5, '', ['W', 'b']);
    const strata = await otherModel(dir, 9);
    const { engine, net, lines } = makeEngine({
      preloadFromFiles: {
        b_later: { filename: strata, prefix: 'pre_', initForTrain: true },
        a_first: { filename: returnn, prefix: 'pre_', initForTrain: true },
      },
    });
    await engine.train(train);
    expect(valuesOf(net, 'network/pre_hidden/kernel')).toEqual(kernel(5));
    expect(lines.slice(0, 2)).toEqual([
      `preload 'a_first': 2 params from ${returnn} (prefix 'pre_', 2 renamed or converted)`,
      `preload 'b_later': every param with prefix 'pre_' was preloaded by an earlier entry; ${strata} skipped`,
    ]);
  });

  it('a file that does not fit stops training before the first epoch, naming what is missing', async () => {
    const dir = tempDir();
    const file = await otherModel(dir, 1);
    const { engine, lines } = makeEngine({ preloadFromFiles: { x: { filename: file, initForTrain: true } } });
    const err = await engine.train(train).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CheckpointMappingError);
    const e = err as CheckpointMappingError;
    expect(e.mismatched.map((m) => `${m.name} ${m.checkpointName} ${m.checkpoint.shape.join('x')}`)).toEqual(['network/output/kernel network/output/kernel 8x5']);
    expect(e.unmapped.map((u) => `${u.name} ${u.candidates.join(',')}`)).toEqual([
      'network/pre_hidden/kernel network/hidden/kernel',
      'network/pre_hidden/bias network/hidden/bias',
      'network/output/bias ',
    ]);
    expect(lines).toEqual([]);
    // With ignoreMissing, params the file lacks keep their values, but a mismatch still fails.
    const all = makeEngine({ preloadFromFiles: { x: { filename: file, ignoreMissing: true, initForTrain: true } } });
    await expect(all.engine.train(train)).rejects.toThrow(/network\/output\/kernel: network \[8, 3\] float32, checkpoint 'network\/output\/kernel' \[8, 5\] float32/);
  });
});
