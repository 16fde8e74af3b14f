import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CHECKPOINT_FORMAT, loadCheckpoint, saveCheckpoint } from './checkpoint.js';
import { CheckpointChecksumError, CheckpointFormatError, CheckpointNotFoundError } from './errors.js';
import type { NamedTensorData } from './safetensors.js';
import { useTempDir } from './test-utils/temp-dir.js';

const first: NamedTensorData[] = [
  { name: 'w', shape: [2, 2], dtype: 'float32', data: new Float32Array([1, 2, 3, 4]) },
  { name: 'n', shape: [1], dtype: 'int32', data: new Int32Array([9]) },
];
const second: NamedTensorData[] = [{ name: 'w', shape: [2, 2], dtype: 'float32', data: new Float32Array([5, 6, 7, 8]) }];
const meta = (epoch: number) => ({ epoch: String(epoch), step: String(epoch * 100), configHash: 'abc123', format: CHECKPOINT_FORMAT });

const dir = useTempDir('strata-savers-');
afterEach(() => {
  vi.restoreAllMocks();
});

/** Asserts `file` still holds the first checkpoint and no temporary file is left next to it. */
async function expectFirstIntact(file: string): Promise<void> {
  const { tensors, metadata } = await loadCheckpoint(file);
  expect(metadata).toEqual(meta(1));
  expect(Array.from(tensors.get('w')!.data)).toEqual([1, 2, 3, 4]);
  expect(Array.from(tensors.get('n')!.data)).toEqual([9]);
  expect(fs.readdirSync(path.dirname(file))).toEqual([path.basename(file)]);
}

describe('saveCheckpoint / loadCheckpoint', () => {
  it('round-trips tensors and metadata, creating parent directories', async () => {
    const file = path.join(dir(), 'a', 'b', 'epoch.001.safetensors');
    await saveCheckpoint(file, first, meta(1));
    await expectFirstIntact(file);
  });

  it('overwrites an existing checkpoint', async () => {
    const file = path.join(dir(), 'model.safetensors');
    await saveCheckpoint(file, first, meta(1));
    await saveCheckpoint(file, second, meta(2));
    const { tensors, metadata } = await loadCheckpoint(file);
    expect(metadata['epoch']).toBe('2');
    expect([...tensors.keys()]).toEqual(['w']);
    expect(Array.from(tensors.get('w')!.data)).toEqual([5, 6, 7, 8]);
  });

  it('throws CheckpointNotFoundError with the path for a missing file', async () => {
    const file = path.join(dir(), 'nope.safetensors');
    const err = await loadCheckpoint(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CheckpointNotFoundError);
    expect((err as CheckpointNotFoundError).path).toBe(file);
    expect((err as Error).message).toContain(file);
  });

  it('detects a byte flipped on disk after the save (checksum mismatch naming the file)', async () => {
    const file = path.join(dir(), 'model.safetensors');
    await saveCheckpoint(file, first, meta(1));
    const bytes = fs.readFileSync(file);
    bytes[bytes.length - 5] = bytes[bytes.length - 5]! ^ 0x10; // inside the tensor data
    fs.writeFileSync(file, bytes);
    const err = await loadCheckpoint(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CheckpointChecksumError);
    expect((err as Error).message).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: .*checksum mismatch`));
  });

  it('names the file in format errors', async () => {
    const file = path.join(dir(), 'junk.safetensors');
    fs.writeFileSync(file, 'not a checkpoint at all');
    await expect(loadCheckpoint(file)).rejects.toThrow(CheckpointFormatError);
    await expect(loadCheckpoint(file)).rejects.toThrow(file);
  });
});

describe('saveCheckpoint atomicity: a failed overwrite keeps the previous checkpoint', () => {
  it('when reading a tensor throws mid-way through the list', async () => {
    const file = path.join(dir(), 'model.safetensors');
    await saveCheckpoint(file, first, meta(1));
    const exploding = {
      name: 'bad',
      shape: [1],
      dtype: 'float32',
      get data(): Float32Array {
        throw new Error('device lost while reading tensor');
      },
    } as NamedTensorData;
    await expect(saveCheckpoint(file, [...second, exploding], meta(2))).rejects.toThrow('device lost');
    await expectFirstIntact(file);
  });

  it('when the disk write fails half-way (simulated ENOSPC)', async () => {
    const file = path.join(dir(), 'model.safetensors');
    await saveCheckpoint(file, first, meta(1));
    const realWrite = fs.write;
    // write-file-atomic calls fs.write(fd, buffer, offset, length, position, cb) on the temp file.
    vi.spyOn(fs, 'write').mockImplementation(((fd: number, buf: Uint8Array, off: number, len: number, pos: number, cb: (e: Error | null) => void) => {
      realWrite(fd, buf, off, Math.floor(len / 2), pos, () => cb(Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' })));
    }) as unknown as typeof fs.write);
    await expect(saveCheckpoint(file, second, meta(2))).rejects.toThrow('ENOSPC');
    expect(fs.write).toHaveBeenCalled();
    vi.restoreAllMocks();
    await expectFirstIntact(file);
  });

  it('when the final rename fails', async () => {
    const file = path.join(dir(), 'model.safetensors');
    await saveCheckpoint(file, first, meta(1));
    vi.spyOn(fs, 'rename').mockImplementation(((_a: string, _b: string, cb: (e: Error) => void) => {
      cb(Object.assign(new Error('EIO: i/o error, rename'), { code: 'EIO' }));
    }) as unknown as typeof fs.rename);
    await expect(saveCheckpoint(file, second, meta(2))).rejects.toThrow('EIO');
    expect(fs.rename).toHaveBeenCalled();
    vi.restoreAllMocks();
    await expectFirstIntact(file);
  });

  it('when the tensors are invalid (nothing is written)', async () => {
    const file = path.join(dir(), 'model.safetensors');
    await saveCheckpoint(file, first, meta(1));
    const wrong = [{ name: 'w', shape: [3, 3], dtype: 'float32', data: new Float32Array(4) }] as NamedTensorData[];
    await expect(saveCheckpoint(file, wrong, meta(2))).rejects.toThrow(CheckpointFormatError);
    await expectFirstIntact(file);
  });
});
