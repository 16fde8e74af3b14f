import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCheckpointFile, saveCheckpoint, type NamedTensorData } from '@strata/savers';
import h5wasm from 'h5wasm/node';
import { afterAll, describe, expect, it } from 'vitest';
import { convertCommand } from './commands/convert.js';
import { inspectCommand } from './commands/inspect.js';

const dir = mkdtempSync(join(tmpdir(), 'strata-cli-formats-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const tensors: NamedTensorData[] = [
  { name: 'net/hidden/kernel', shape: [3, 2], dtype: 'float32', data: new Float32Array([0.5, -1, 2, 0.25, -0.125, 3]) },
  { name: 'net/hidden/bias', shape: [2], dtype: 'float32', data: new Float32Array([0.1, -0.2]) },
  { name: 'optimizer/step', shape: [], dtype: 'int32', data: new Int32Array([42]) },
];

/** Runs a command function, collecting what it logs. */
async function lines(run: (log: (l: string) => void) => Promise<unknown>): Promise<string[]> {
  const out: string[] = [];
  await run((l) => out.push(l));
  return out;
}

describe('strata inspect', () => {
  it('prints the format, files, metadata, details and each tensor with dtype, shape and bytes', async () => {
    const file = join(dir, 'epoch-001.safetensors');
    await saveCheckpoint(file, tensors, { epoch: '1', format: 'strata-checkpoint/1' });
    const out = await lines((log) => inspectCommand(file, {}, log));
    expect(out[0]).toBe(`${file}: safetensors, 3 tensors, 9 values, 36 bytes of tensor data`);
    expect(out[1]).toMatch(/^files \([\d,]+ bytes in total\):$/);
    expect(out[2]).toMatch(new RegExp(`^  ${file}  [\\d,]+ bytes$`));
    expect(out.slice(3, 8)).toEqual(['metadata:', '  epoch: 1', '  format: strata-checkpoint/1', 'details:', expect.stringMatching(/^ {2}checksum: sha256 [0-9a-f]{64} \(verified\)$/)]);
    expect(out.slice(8)).toEqual([
      'tensors:',
      '  name               dtype    shape   bytes',
      '  net/hidden/bias    float32  [2]         8',
      '  net/hidden/kernel  float32  [3, 2]     24',
      '  optimizer/step     int32    []          4',
    ]);
  });
});

describe('strata convert', () => {
  it('round-trips safetensors → tfjs model.json + shard → safetensors with identical tensors and metadata', async () => {
    const src = join(dir, 'src.safetensors');
    await saveCheckpoint(src, tensors, { epoch: '5' });
    const tfjsDir = join(dir, 'web');
    const out1 = await lines((log) => convertCommand(src, tfjsDir, { format: 'tfjs' }, log));
    expect(out1).toEqual([`${src} (safetensors) -> ${tfjsDir} (tfjs): 3 tensors, 9 values`]);
    expect(readdirSync(tfjsDir).sort()).toEqual(['group1-shard1of1.bin', 'model.json']);
    const inspected = await lines((log) => inspectCommand(tfjsDir, {}, log));
    expect(inspected[0]).toBe(`${tfjsDir}: tfjs, 3 tensors, 9 values, 36 bytes of tensor data`);
    expect(inspected).toContain('  modelTopology: none (weights only)');
    const back = join(dir, 'back.safetensors');
    await convertCommand(join(tfjsDir, 'model.json'), back, {}, () => {});
    const { tensors: got, metadata } = await readCheckpointFile(back);
    expect(metadata).toEqual({ epoch: '5' });
    for (const t of tensors) {
      expect(got.get(t.name)).toMatchObject({ dtype: t.dtype, shape: t.shape });
      expect(Array.from(got.get(t.name)!.data)).toEqual(Array.from(t.data));
    }
  });

  it('converts Keras 3 .weights.h5 (written with h5wasm) to safetensors', async () => {
    await h5wasm.ready;
    const h5 = join(dir, 'model.weights.h5');
    const f = new h5wasm.File(h5, 'w');
    f.create_group('layers');
    f.create_group('layers/dense');
    const vars = f.create_group('layers/dense/vars');
    vars.create_dataset({ name: '0', data: new Float32Array([1, 2, 3, 4, 5, 6]), shape: [2, 3], dtype: '<f' });
    vars.create_dataset({ name: '1', data: new Float32Array([-1, 0, 1]), shape: [3], dtype: '<f' });
    f.close();
    const out = join(dir, 'keras.safetensors');
    expect(await convertCommand(h5, out, {}, () => {})).toBe('safetensors');
    const { tensors: got } = await readCheckpointFile(out);
    expect([...got.keys()]).toEqual(['dense/vars/0', 'dense/vars/1']);
    expect(got.get('dense/vars/0')!.shape).toEqual([2, 3]);
    expect(Array.from(got.get('dense/vars/1')!.data)).toEqual([-1, 0, 1]);
  });
});

describe('the strata command line', () => {
  const strata = (...args: string[]) =>
    spawnSync(process.execPath, ['--conditions=strata-source', '--import', 'tsx', join(__dirname, 'main.ts'), ...args], {
      cwd: join(__dirname, '..'),
      encoding: 'utf8',
    });

  it('registers inspect (--json) and convert, and reports typed errors with exit code 1', async () => {
    const file = join(dir, 'cli.safetensors');
    await saveCheckpoint(file, tensors);
    const r = strata('inspect', file, '--json');
    expect(r.status).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json).toMatchObject({ format: 'safetensors', tensorBytes: 36, parameters: 9 });
    expect(json.tensors[1]).toEqual({ name: 'net/hidden/kernel', dtype: 'float32', shape: [3, 2], bytes: 24, elements: 6 }); // file order: by element size, then name
    const bad = strata('convert', file, join(dir, 'out.bin'));
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/strata: UnknownCheckpointFormatError: .*out\.bin: cannot tell which format to write/);
  });
});
