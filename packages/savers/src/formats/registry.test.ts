import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { strToU8, zipSync } from 'fflate';
import h5wasm from 'h5wasm/node';
import { describe, expect, it } from 'vitest';
import { saveCheckpoint } from '../checkpoint.js';
import { CheckpointFormatError, CheckpointNotFoundError, CheckpointWriteUnsupportedError, UnknownCheckpointFormatError } from '../errors.js';
import type { NamedTensorData } from '../safetensors.js';
import { CHECKPOINT_FORMATS, detectCheckpointFormat, readCheckpointFile, WRITABLE_CHECKPOINT_FORMATS, writeCheckpointFile } from './registry.js';
import { useTempDir } from '../test-utils/temp-dir.js';

const dir = useTempDir('strata-formats-');

const tensors: NamedTensorData[] = [
  { name: 'net/dense/kernel', shape: [2, 3], dtype: 'float32', data: new Float32Array([1.5, -2, 3.25, 0, -0, 1e-30]) },
  { name: 'net/dense/bias', shape: [3], dtype: 'float32', data: new Float32Array([0.1, 0.2, 0.3]) },
  { name: 'step', shape: [], dtype: 'int32', data: new Int32Array([1200]) },
  { name: 'mask', shape: [4], dtype: 'bool', data: new Uint8Array([1, 0, 0, 1]) },
];
const p = (name: string) => path.join(dir(), name);

function expectSameTensors(got: Map<string, NamedTensorData>): void {
  expect([...got.keys()].sort()).toEqual(tensors.map((t) => t.name).sort());
  for (const t of tensors) {
    const g = got.get(t.name)!;
    expect({ shape: g.shape, dtype: g.dtype }).toEqual({ shape: t.shape, dtype: t.dtype });
    expect(g.data.constructor).toBe(t.data.constructor);
    expect(Array.from(g.data)).toEqual(Array.from(t.data));
  }
}

describe('the format registry', () => {
  it('lists the formats; safetensors, tfjs and tf-bundle are writable', () => {
    expect(CHECKPOINT_FORMATS.map((f) => f.name)).toEqual(['safetensors', 'tfjs', 'keras', 'keras-h5', 'onnx', 'tf-bundle']);
    expect(WRITABLE_CHECKPOINT_FORMATS).toEqual(['safetensors', 'tfjs', 'tf-bundle']);
  });

  it('detects a tfjs model directory, and files by content whether or not the extension says anything', async () => {
    await saveCheckpoint(p('a.safetensors'), tensors);
    await writeCheckpointFile(p('tfjs/model.json'), tensors);
    fs.copyFileSync(p('a.safetensors'), p('a.bin'));
    fs.copyFileSync(p('tfjs/model.json'), p('tfjs/manifest'));
    fs.writeFileSync(p('m.zip'), zipSync({ 'config.json': strToU8('{}') }));
    await h5wasm.ready;
    const f = new h5wasm.File(p('w.data'), 'w');
    f.create_group('layers');
    f.close();
    fs.writeFileSync(p('m.model'), new Uint8Array([0x08, 0x09, 0x12, 0x06]));
    const names = async (...files: string[]) => Promise.all(files.map(async (x) => (await detectCheckpointFormat(p(x))).name));
    expect(await names('a.safetensors', 'tfjs/model.json', 'tfjs')).toEqual(['safetensors', 'tfjs', 'tfjs']);
    expect(await names('a.bin', 'tfjs/manifest', 'm.zip', 'w.data', 'm.model')).toEqual(['safetensors', 'tfjs', 'keras', 'keras-h5', 'onnx']);
  });

  it('detects by content first: a file is read as what it is, whatever its name', async () => {
    await saveCheckpoint(p('x.h5'), tensors);
    await h5wasm.ready;
    const f = new h5wasm.File(p('x.bin'), 'w');
    f.create_group('layers');
    f.close();
    fs.writeFileSync(p('x.safetensors'), zipSync({ 'config.json': strToU8('{}') }));
    await writeCheckpointFile(p('tfjs/model.json'), tensors);
    fs.copyFileSync(p('tfjs/model.json'), p('tfjs/x.onnx'));
    fs.writeFileSync(p('x.json'), new Uint8Array([0x08, 0x09, 0x12, 0x06]));
    // A pretty-printed model.json with a BOM whose first key is not a tfjs one, named like a Keras file.
    const pretty = JSON.stringify({ note: 'exported by hand', weightsManifest: JSON.parse(fs.readFileSync(p('tfjs/model.json'), 'utf8')).weightsManifest }, null, 2);
    fs.writeFileSync(p('tfjs/x.keras'), `\uFEFF${pretty}`);
    const names = async (...files: string[]) => Promise.all(files.map(async (x) => (await detectCheckpointFormat(p(x))).name));
    expect(await names('x.h5', 'x.bin', 'x.safetensors', 'tfjs/x.onnx', 'x.json', 'tfjs/x.keras')).toEqual(['safetensors', 'keras-h5', 'keras', 'tfjs', 'onnx', 'tfjs']);
    const file = await readCheckpointFile(p('x.h5'));
    expect(file.format).toBe('safetensors');
    expectSameTensors(file.tensors);
    expectSameTensors((await readCheckpointFile(p('tfjs/x.keras'))).tensors);
  });

  it('falls back to the extension only when no content matches, so the reader names the damage', async () => {
    fs.writeFileSync(p('empty.safetensors'), '');
    fs.writeFileSync(p('cut.weights.h5'), 'HDF');
    expect((await detectCheckpointFormat(p('empty.safetensors'))).name).toBe('safetensors');
    expect((await detectCheckpointFormat(p('cut.weights.h5'))).name).toBe('keras-h5');
    await expect(readCheckpointFile(p('empty.safetensors'))).rejects.toThrow(CheckpointFormatError);
    await expect(readCheckpointFile(p('empty.safetensors'))).rejects.toThrow(/file is truncated: 0 bytes/);
    await expect(readCheckpointFile(p('cut.weights.h5'))).rejects.toThrow(/does not start with the HDF5 signature/);
  });

  it('names the file for a missing path and for content no format recognises', async () => {
    await expect(readCheckpointFile(p('nope.safetensors'))).rejects.toThrow(CheckpointNotFoundError);
    fs.writeFileSync(p('notes.txt'), 'just some text');
    const err = await readCheckpointFile(p('notes.txt')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnknownCheckpointFormatError);
    expect((err as Error).message).toMatch(/notes\.txt: not a checkpoint format Strata reads \(tried safetensors, tfjs, keras, keras-h5, onnx/);
    await expect(readCheckpointFile(p('notes.txt'), { format: 'pickle' })).rejects.toThrow(/unknown checkpoint format 'pickle'\. Known formats: safetensors, tfjs/);
  });

  it('reads safetensors with its checksum verified, and the file sizes', async () => {
    await saveCheckpoint(p('a.safetensors'), tensors, { epoch: '3' });
    const file = await readCheckpointFile(p('a.safetensors'));
    expect(file.format).toBe('safetensors');
    expect(file.metadata).toEqual({ epoch: '3' });
    expect(file.details!['checksum']).toMatch(/^sha256 [0-9a-f]{64} \(verified\)$/);
    expect(file.files).toEqual([{ path: p('a.safetensors'), bytes: fs.statSync(p('a.safetensors')).size }]);
    expectSameTensors(file.tensors);
  });

  it('round-trips safetensors → tfjs → safetensors with identical tensors and metadata', async () => {
    expect(await writeCheckpointFile(p('a.safetensors'), tensors, { metadata: { epoch: '3' } })).toBe('safetensors');
    const first = await readCheckpointFile(p('a.safetensors'));
    expect(await writeCheckpointFile(p('out/model.json'), first.tensors, { metadata: first.metadata })).toBe('tfjs');
    const viaTfjs = await readCheckpointFile(p('out'));
    expect(viaTfjs.format).toBe('tfjs');
    expect(viaTfjs.metadata).toEqual({ epoch: '3' });
    expect(viaTfjs.files.map((f) => path.basename(f.path))).toEqual(['model.json', 'group1-shard1of1.bin']);
    expect(await writeCheckpointFile(p('b.weights'), viaTfjs.tensors, { format: 'safetensors', metadata: viaTfjs.metadata })).toBe('safetensors');
    const back = await readCheckpointFile(p('b.weights'), { format: 'safetensors' });
    expectSameTensors(back.tensors);
    expect(back.metadata).toEqual({ epoch: '3' });
  });

  it('refuses to write formats it only reads, or a name without a known extension', async () => {
    const keras = await writeCheckpointFile(p('m.keras'), tensors).catch((e: unknown) => e);
    expect(keras).toBeInstanceOf(CheckpointWriteUnsupportedError);
    expect((keras as Error).message).toMatch(/m\.keras: Strata reads the keras format but does not write it\. Write one of: safetensors, tfjs, tf-bundle \(e\.g\. .*m\.safetensors\)/);
    await expect(writeCheckpointFile(p('weights.bin'), tensors)).rejects.toThrow(/weights\.bin: cannot tell which format to write.*safetensors, tfjs/);
    expect(fs.readdirSync(dir())).toEqual([]);
  });
});
