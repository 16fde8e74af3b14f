// Faults (#8): training SIGKILLed at random points (seeded) resumes from the
// newest complete checkpoint, never loses a checkpointed epoch, and ends with
// exactly the weights of an uninterrupted run. A full disk during the save of
// an epoch leaves the previous checkpoint intact, and the error says so.
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setBackend } from '@strata/backend';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { Rng } from '@strata/core';
import { NetDictNetwork } from '@strata/network';
import { CheckpointWriteError, loadCheckpoint } from '@strata/savers';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { checkpointPath, latestCheckpoint } from '../checkpoints.js';
import { Engine } from '../engine.js';
import { trainBlobs } from './test-utils/train-blobs.js';

const PACKAGE_DIR = fileURLToPath(new URL('../..', import.meta.url));
// `--import tsx` resolves from the child's cwd: this package (tsx is a devDependency).
const CHILD_CWD = PACKAGE_DIR;
const CHILD = fileURLToPath(new URL('./test-utils/train-child.ts', import.meta.url));
const EPOCHS = 10;

const dirs: string[] = [];
const tempDir = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-faults-'));
  dirs.push(d);
  return d;
};
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true }));
});

interface ChildRun {
  lines: string[];
  /** The signal that ended it (SIGKILL), or null if it exited. */
  signal: NodeJS.Signals | null;
  code: number | null;
}

/**
 * Runs the training child on `dir`. With `kill`, SIGKILLs it `kill.ms`
 * milliseconds after its `kill.lines`-th output line (the first is `resuming
 * from ...` or the end of epoch 1; then one line per epoch), so that kills
 * land inside epochs and saves at random while every run makes progress.
 */
function runChild(dir: string, kill?: { lines: number; ms: number }): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--conditions=strata-source', '--import', 'tsx', CHILD, dir, String(EPOCHS)], {
      cwd: CHILD_CWD,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let out = '';
    let err = '';
    let armed = false;
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (!armed && kill && out.split('\n').length > kill.lines) {
        armed = true;
        setTimeout(() => child.kill('SIGKILL'), kill.ms);
      }
    });
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code !== 0 && signal === null) reject(new Error(`training child failed (exit ${code}):\n${err}\n${out}`));
      else resolve({ lines: out.split('\n').filter(Boolean), signal, code });
    });
  });
}

/** The epochs whose checkpoint is in `dir`, each checked to load completely (header, checksum, tensors). */
async function completeCheckpoints(dir: string): Promise<number[]> {
  const epochs: number[] = [];
  for (const name of fs.readdirSync(dir).sort()) {
    const m = /^epoch-(\d+)\.safetensors$/.exec(name);
    if (!m) continue;
    const ckpt = await loadCheckpoint(path.join(dir, name));
    expect(ckpt.metadata.epoch).toBe(String(Number(m[1])));
    epochs.push(Number(m[1]));
  }
  return epochs;
}

describe('training killed with SIGKILL at random points', () => {
  it('resumes from the newest complete checkpoint each time and ends with the weights of an uninterrupted run', async () => {
    // The uninterrupted reference run, in this process (the same code and backend as the child).
    const reference = tempDir();
    const lines: string[] = [];
    await trainBlobs(reference, EPOCHS, (l) => lines.push(l));
    const all = Array.from({ length: EPOCHS }, (_, i) => i + 1);
    expect(await completeCheckpoints(reference)).toEqual(all);
    expect(lines.filter((l) => /^epoch +\d+\/10 /.test(l))).toHaveLength(EPOCHS);

    const dir = tempDir();
    const rng = new Rng(2024);
    let kills = 0;
    let done: ChildRun | undefined;
    let checkpointed: number[] = [];
    const history: string[] = [];
    for (let attempt = 0; attempt < 12 && !done; attempt++) {
      const before = latestCheckpoint(dir)?.epoch ?? 0;
      // Kill points: 0-250 ms after the first or second line of this run (an epoch is 60 steps, ~0.2 s),
      // so kills land inside epochs, between them and in saves; after 4 kills the run is let finish.
      const kill = kills < 4 ? { lines: 1 + Math.floor(rng.uniform() * 2), ms: Math.floor(rng.uniform() * 250) } : undefined;
      const run = await runChild(dir, kill);
      if (before > 0) expect(run.lines[0]).toBe(`resuming from ${checkpointPath(dir, before)} (epoch ${before} done)`);
      const now = await completeCheckpoints(dir);
      // No checkpointed epoch is ever lost, and the checkpoints are epochs 1..k without gaps.
      expect(now.slice(0, checkpointed.length)).toEqual(checkpointed);
      expect(now).toEqual(Array.from({ length: now.length }, (_, i) => i + 1));
      // Every epoch this run logged as finished before being killed was either checkpointed, or is the one
      // whose save the kill interrupted (logged, not yet saved): at most one.
      const logged = run.lines.filter((l) => /^epoch +\d+\/10 /.test(l)).map((l) => Number(/^epoch +(\d+)/.exec(l)![1]));
      expect(logged.filter((e) => !now.includes(e)).length).toBeLessThanOrEqual(1);
      history.push(`run ${attempt}: resumed after epoch ${before}, logged epochs [${logged}], ${run.signal ?? 'finished'}, checkpoints 1..${now.length}`);
      checkpointed = now;
      // No temporary file of a save survives a resume (the engine removes them when it starts).
      if (run.signal === null) expect(fs.readdirSync(dir).filter((n) => !/^epoch-\d+\.safetensors$/.test(n))).toEqual([]);
      if (run.signal === 'SIGKILL') kills++;
      else done = run;
    }
    console.log(history.join('\n'));
    // Four kills are planned; a run may rarely finish before its kill point on a slow machine.
    expect(kills).toBeGreaterThanOrEqual(3);
    expect(done?.lines.at(-1)).toBe('done');
    expect(checkpointed).toEqual(all);

    const a = await loadCheckpoint(checkpointPath(reference, EPOCHS));
    const b = await loadCheckpoint(checkpointPath(dir, EPOCHS));
    expect([...b.tensors.keys()]).toEqual([...a.tensors.keys()]);
    for (const [name, t] of a.tensors) expect(Array.from(b.tensors.get(name)!.data), name).toEqual(Array.from(t.data));
    expect(b.metadata).toEqual(a.metadata);
  }, 120_000);
});

describe('a full disk while saving an epoch checkpoint', () => {
  it('keeps the previous checkpoint, writes no partial file, and throws CheckpointWriteError saying so', async () => {
    registerTfjsBackends();
    await setBackend('tfjs-cpu');
    const externData = { data: { shape: [4] }, classes: { shape: [], dim: 2, sparse: true } };
    const makeEngine = (epochs: number, dir: string) =>
      new Engine(
        NetDictNetwork.fromDict(
          { hidden: { class: 'linear', activation: 'tanh', n_out: 8, from: 'data' }, output: { class: 'softmax', loss: 'ce', from: 'hidden', target: 'classes' } },
          { externData, seed: 1 },
        ),
        { batchSize: 8, epochs, seed: 1, optimizer: { class: 'adam', learningRate: 0.01 }, modelDir: dir, progress: false, log: () => {} },
      );
    const data = { name: 'd', size: 32, extern: externData, example: (i: number) => ({ data: Float32Array.of(i % 2, 1 - (i % 2), 0.5, -0.5), classes: i % 2 }) };
    const dir = tempDir();
    await makeEngine(1, dir).train(data);
    const good = fs.readFileSync(checkpointPath(dir, 1));

    // The disk is full: every write(2) to a file in `dir` fails with ENOSPC after writing nothing.
    const realOpen = fs.open;
    const inDir = new Set<number>();
    vi.spyOn(fs, 'open').mockImplementation(((p: fs.PathLike, ...rest: unknown[]) => {
      const cb = rest.at(-1) as (e: NodeJS.ErrnoException | null, fd: number) => void;
      return (realOpen as (...a: unknown[]) => void)(p, ...rest.slice(0, -1), (e: NodeJS.ErrnoException | null, fd: number) => {
        if (!e && String(p).startsWith(dir)) inDir.add(fd);
        cb(e, fd);
      });
    }) as typeof fs.open);
    const realWrite = fs.write;
    vi.spyOn(fs, 'write').mockImplementation(((fd: number, ...rest: unknown[]) => {
      if (!inDir.has(fd)) return (realWrite as (...a: unknown[]) => void)(fd, ...rest);
      const cb = rest.at(-1) as (e: NodeJS.ErrnoException | null) => void;
      queueMicrotask(() => cb(Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' })));
    }) as typeof fs.write);
    let err: unknown;
    try {
      err = await makeEngine(2, dir)
        .train(data)
        .catch((e: unknown) => e);
    } finally {
      vi.restoreAllMocks();
    }
    expect(inDir.size).toBeGreaterThan(0);
    expect(err).toBeInstanceOf(CheckpointWriteError);
    const target = checkpointPath(dir, 2);
    expect((err as Error).message).toContain(`Could not write the checkpoint ${target}: ENOSPC: no space left on device`);
    expect((err as Error).message).toContain('Nothing was replaced');
    expect(fs.readFileSync(checkpointPath(dir, 1)).equals(good)).toBe(true);
    expect(fs.readdirSync(dir)).toEqual(['epoch-001.safetensors']);
    // Training can go on from the intact checkpoint once there is space again.
    const r = await makeEngine(2, dir).train(data);
    expect(r.resumedFrom).toBe(1);
    expect(fs.existsSync(target)).toBe(true);
  });
});
