// The tf-bundle format through Strata's one checkpoint API: detection (prefix,
// .index, data shard, content), readCheckpointFile / writeCheckpointFile,
// save / load of a model (exact keys and optimizer state, or mapped names for a
// TF checkpoint), and CheckpointLoader.fromFile. TF fixtures: see bundle-reader.test.ts.
import fs from 'node:fs';
import path from 'node:path';
import { getBackend, ops, setBackend, type Tensor } from '@strata/backend';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { Linear, type Variable } from '@strata/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { saveCheckpoint } from '../../checkpoint.js';
import { encodeSafetensors } from '../../safetensors.js';
import { CheckpointLoader } from '../../loader/checkpoint-loader.js';
import { load, type OptimizerCheckpointState, type OptimizerJsonState, save } from '../../save-load.js';
import { useTempDir } from '../../test-utils/temp-dir.js';
import { detectCheckpointFormat, readCheckpointFile, writeCheckpointFile } from '../registry.js';
import { looksLikeBundleIndex, tfBundleFormat } from './bundle-format.js';

const FIXTURES = path.join(import.meta.dirname, 'fixtures');
const basic = path.join(FIXTURES, 'basic', 'model.ckpt');
const dir = useTempDir('strata-tf-bundle-format-');
const p = (name: string) => path.join(dir(), name);
const expected = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'basic', 'expected.json'), 'utf8')) as Record<string, { values: number[] }>;

beforeAll(async () => {
  registerTfjsBackends();
  await setBackend('tfjs-cpu');
});

function linear(name: string, units: number, inputs: number): Linear {
  const layer = new Linear({ name, units });
  layer.apply(ops.tensor(new Float32Array(inputs), [1, inputs]));
  return layer;
}
const read = (vars: readonly Variable[]) => vars.map((v) => Array.from(v.readSync()));
function fill(vars: readonly Variable[], offset: number): number[][] {
  return vars.map((v, i) => {
    const values = Float32Array.from({ length: v.shape.reduce((a, b) => a * b, 1) }, (_, j) => offset + 10 * i + j / 4);
    const t = ops.tensor(values, v.shape);
    v.assign(t);
    ops.dispose(t);
    return Array.from(values);
  });
}

describe('detecting TF tensor bundles', () => {
  it('by prefix (RETURNN model.001), .index path and data shard path', async () => {
    for (const x of [basic, `${basic}.index`, `${basic}.data-00000-of-00001`, path.join(FIXTURES, 'sharded', 'model.ckpt.data-00001-of-00002')]) {
      expect((await detectCheckpointFormat(x)).name, x).toBe('tf-bundle');
    }
    fs.copyFileSync(`${basic}.index`, p('model.001.index'));
    fs.copyFileSync(`${basic}.data-00000-of-00001`, p('model.001.data-00000-of-00001'));
    const file = await readCheckpointFile(p('model.001'));
    expect(file.format).toBe('tf-bundle');
    expect(file.files.map((f) => path.basename(f.path))).toEqual(['model.001.index', 'model.001.data-00000-of-00001']);
    expect(Array.from(file.tensors.get('output/W')!.data)).toEqual(expected['output/W']!.values);
  });

  it('by content: an index under another name is a bundle index; other formats and data shards are not', async () => {
    fs.copyFileSync(`${basic}.index`, p('renamed.bin'));
    expect((await detectCheckpointFormat(p('renamed.bin'))).name).toBe('tf-bundle');
    for (const name of ['basic', 'sharded', 'many', 'strata-written']) {
      expect(looksLikeBundleIndex(new Uint8Array(fs.readFileSync(path.join(FIXTURES, name, 'model.ckpt.index'))).subarray(0, 4096)), name).toBe(true);
    }
    const others = [
      encodeSafetensors([{ name: 'w', shape: [1], dtype: 'float32', data: new Float32Array(1) }]),
      new TextEncoder().encode('{"weightsManifest": []}'),
      new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0, 0, 0, 0]),
      new Uint8Array([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]),
      new Uint8Array([0x08, 0x09, 0x12, 0x06, 0, 0, 0, 0]),
      new Uint8Array(fs.readFileSync(`${basic}.data-00000-of-00001`)),
      new Uint8Array(64),
    ];
    for (const bytes of others) expect(looksLikeBundleIndex(bytes)).toBe(false);
    expect(tfBundleFormat.detect('x/model.ckpt.index')).toBe(true);
    expect(tfBundleFormat.detect('x/model.ckpt.data-00000-of-00001')).toBe(true);
    expect(tfBundleFormat.detect('x/model.ckpt')).toBe(false);
  });

  it('a path that exists is detected by its content, not as a prefix', async () => {
    await saveCheckpoint(p('model'), [{ name: 'w', shape: [1], dtype: 'float32', data: new Float32Array([2]) }]);
    fs.copyFileSync(`${basic}.index`, p('model.index'));
    expect((await detectCheckpointFormat(p('model'))).name).toBe('safetensors');
  });
});

describe('readCheckpointFile / writeCheckpointFile', () => {
  it('writes a bundle for a .index name or format tf-bundle, and converts it to safetensors and back', async () => {
    const tf = await readCheckpointFile(basic);
    expect(await writeCheckpointFile(p('copy.index'), tf.tensors)).toBe('tf-bundle');
    expect(await writeCheckpointFile(p('as-prefix'), tf.tensors, { format: 'tf-bundle', metadata: { from: 'tf' } })).toBe('tf-bundle');
    expect(fs.readdirSync(dir()).sort()).toEqual(['as-prefix.data-00000-of-00001', 'as-prefix.index', 'copy.data-00000-of-00001', 'copy.index']);
    await writeCheckpointFile(p('x.safetensors'), (await readCheckpointFile(p('as-prefix'))).tensors);
    const back = await readCheckpointFile(p('copy'));
    const viaSafetensors = await readCheckpointFile(p('x.safetensors'));
    expect((await readCheckpointFile(p('as-prefix'))).metadata).toEqual({ from: 'tf' });
    for (const [name, t] of tf.tensors) {
      for (const other of [back, viaSafetensors]) {
        const o = other.tensors.get(name)!;
        expect([o.dtype, o.shape, Array.from(o.data)], name).toEqual([t.dtype, t.shape, Array.from(t.data)]);
      }
    }
  });
});

/** One slot `m` per variable, as the engine's optimizers expose them. */
class SlotOptimizer implements OptimizerCheckpointState {
  readonly slotVars = new Map<string, Tensor>();
  state: OptimizerJsonState = { iterations: 0, learningRate: 0.1 };
  slots() {
    return [...this.slotVars].map(([name, value]) => ({ name, value }));
  }
  createSlots(variables: readonly Variable[]) {
    for (const v of variables) if (!this.slotVars.has(`${v.path}/m`)) this.slotVars.set(`${v.path}/m`, getBackend().variable(ops.zeros(v.shape), false));
  }
  getState() {
    return { ...this.state };
  }
  setState(state: OptimizerJsonState) {
    this.state = { ...state };
  }
}

describe('save / load with TF tensor bundles', () => {
  it('save(..., { format: "tf-bundle" }) to a prefix, load by exact keys with optimizer slots and state', async () => {
    const net = linear('net', 3, 4);
    const weights = fill(net.variables, 1);
    const opt = new SlotOptimizer();
    opt.createSlots(net.variables);
    ops.tidy(() => getBackend().assign(opt.slotVars.get('net/kernel/m')!, ops.fill([4, 3], 0.5)));
    opt.state = { iterations: 12, learningRate: 0.01 };
    await save(net, p('run/model.003'), { format: 'tf-bundle', optimizer: opt, metadata: { epoch: '3' } });
    expect(fs.readdirSync(p('run')).sort()).toEqual(['model.003.data-00000-of-00001', 'model.003.index']);

    const dst = linear('net', 3, 4);
    fill(dst.variables, 100);
    const fresh = new SlotOptimizer();
    const result = await load(dst, p('run/model.003'), { optimizer: fresh });
    expect(result).toEqual({ format: 'tf-bundle', metadata: { format: 'strata-checkpoint/1', epoch: '3', optimizer: JSON.stringify({ iterations: 12, learningRate: 0.01 }) } });
    expect(read(dst.variables)).toEqual(weights);
    expect(fresh.state).toEqual({ iterations: 12, learningRate: 0.01 });
    expect(Array.from(ops.readSync(fresh.slotVars.get('net/kernel/m')!))).toEqual(new Array(12).fill(0.5));
  });

  it("load(model, prefix) maps a TF checkpoint's names (output/W, output/b) onto the model's (output/kernel, output/bias)", async () => {
    const output = linear('output', 2, 3);
    const result = await load(output, basic);
    expect(result.format).toBe('tf-bundle');
    expect(result.report!.loaded.get('output/kernel')).toMatchObject({ origin: 'renamed', sources: ['output/W'] });
    expect(read(output.variables)).toEqual([expected['output/W']!.values, expected['output/b']!.values]);
  });

  it('CheckpointLoader.fromFile reads a bundle by prefix, with prefixes mapped', async () => {
    const dense = linear('dense', 4, 3);
    const loader = await CheckpointLoader.fromFile(basic, dense.variables, { paramsPrefix: 'net/' });
    const report = loader.loadNow();
    expect([...report.loaded.keys()]).toEqual(['dense/kernel', 'dense/bias']);
    expect(read(dense.variables)).toEqual([expected['net/dense/kernel']!.values, expected['net/dense/bias']!.values.map(Math.fround)]);
  });
});
