// A full disk during a save (simulated ENOSPC): the previous checkpoint stays
// at its path byte for byte, no temporary file is left, and the error is a
// typed CheckpointWriteError that says nothing was replaced.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadCheckpoint, saveCheckpoint } from './checkpoint.js';
import { CheckpointError, CheckpointWriteError } from './errors.js';
import { writeFilesAtomically } from './formats/atomic.js';
import type { NamedTensorData } from './safetensors.js';
import { useTempDir } from './test-utils/temp-dir.js';

const tensors = (fill: number): NamedTensorData[] => [
  { name: 'net/hidden/kernel', shape: [64, 32], dtype: 'float32', data: new Float32Array(64 * 32).fill(fill) },
  { name: 'net/hidden/bias', shape: [32], dtype: 'float32', data: new Float32Array(32).fill(-fill) },
];
const enospc = () => Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' });

const dir = useTempDir('strata-full-disk-');
afterEach(() => {
  vi.restoreAllMocks();
});

describe('a full disk during a save', () => {
  it('saveCheckpoint (write-file-atomic): previous file intact, temp file removed, CheckpointWriteError says so', async () => {
    const target = path.join(dir(), 'epoch-001.safetensors');
    await saveCheckpoint(target, tensors(1.5), { epoch: '1' });
    const before = fs.readFileSync(target);

    // The disk fills up after the first 1,000 bytes of the new image: write(2) on the temporary file writes some, then fails.
    const tempFds = new Set<number>();
    const realOpen = fs.open;
    vi.spyOn(fs, 'open').mockImplementation(((p: fs.PathLike, ...rest: unknown[]) => {
      const cb = rest.at(-1) as (e: NodeJS.ErrnoException | null, fd: number) => void;
      return (realOpen as (...a: unknown[]) => void)(p, ...rest.slice(0, -1), (e: NodeJS.ErrnoException | null, fd: number) => {
        if (!e && String(p).startsWith(`${target}.`)) tempFds.add(fd);
        cb(e, fd);
      });
    }) as typeof fs.open);
    const realWrite = fs.write;
    let partial = 0;
    vi.spyOn(fs, 'write').mockImplementation(((fd: number, buf: Uint8Array, ...rest: unknown[]) => {
      const cb = rest.at(-1) as (e: NodeJS.ErrnoException | null, n?: number) => void;
      if (!tempFds.has(fd)) return (realWrite as (...a: unknown[]) => void)(fd, buf, ...rest);
      partial = fs.writeSync(fd, buf.subarray(0, 1000), 0, 1000, 0);
      queueMicrotask(() => cb(enospc()));
    }) as typeof fs.write);

    const err = await saveCheckpoint(target, tensors(9), { epoch: '2' }).catch((e: unknown) => e);
    expect(partial).toBe(1000);
    expect(tempFds.size).toBe(1);
    expect(err).toBeInstanceOf(CheckpointWriteError);
    expect(err).toBeInstanceOf(CheckpointError);
    const w = err as CheckpointWriteError;
    expect(w.code).toBe('ENOSPC');
    expect(w.path).toBe(target);
    expect(w.message).toContain(`Could not write the checkpoint ${target}: ENOSPC: no space left on device`);
    expect(w.message).toContain(`Nothing was replaced: ${target} keeps its previous contents`);
    expect(w.message).toContain('Free disk space');
    expect((w.cause as NodeJS.ErrnoException).code).toBe('ENOSPC');

    vi.restoreAllMocks();
    expect(fs.readFileSync(target).equals(before)).toBe(true);
    expect(fs.readdirSync(dir())).toEqual(['epoch-001.safetensors']);
    const back = await loadCheckpoint(target);
    expect(back.metadata.epoch).toBe('1');
    expect(Array.from(back.tensors.get('net/hidden/bias')!.data.slice(0, 3))).toEqual([-1.5, -1.5, -1.5]);
  });

  it('writeFilesAtomically (tfjs model.json + shards): no target replaced, every temp file removed', async () => {
    const shard = path.join(dir(), 'group1-shard1of1.bin');
    const manifest = path.join(dir(), 'model.json');
    await writeFilesAtomically([
      { path: shard, bytes: new Uint8Array(4096).fill(1) },
      { path: manifest, bytes: new TextEncoder().encode('{"old":true}') },
    ]);
    const realOpen = fs.promises.open;
    let opened = 0;
    vi.spyOn(fs.promises, 'open').mockImplementation(async (p, flags, mode) => {
      const handle = await realOpen(p, flags, mode);
      // The second file (the manifest) hits the full disk after the shard was written in full.
      if (String(p).endsWith('.tmp') && ++opened === 2) {
        handle.writeFile = async () => {
          throw enospc();
        };
      }
      return handle;
    });
    const err = await writeFilesAtomically([
      { path: shard, bytes: new Uint8Array(4096).fill(2) },
      { path: manifest, bytes: new TextEncoder().encode('{"new":true}') },
    ]).catch((e: unknown) => e);
    vi.restoreAllMocks();
    expect(opened).toBe(2);
    expect(err).toBeInstanceOf(CheckpointWriteError);
    expect((err as CheckpointWriteError).message).toMatch(/model\.json: ENOSPC: no space left on device, write\. Nothing was replaced/);
    expect(fs.readFileSync(manifest, 'utf8')).toBe('{"old":true}');
    expect(fs.readFileSync(shard).every((b) => b === 1)).toBe(true);
    expect(fs.readdirSync(dir()).sort()).toEqual(['group1-shard1of1.bin', 'model.json']);
  });
});
