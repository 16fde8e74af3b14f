// Kill -9 during a save: a child process saves a large checkpoint over an
// existing one with the real saveCheckpoint and is SIGKILLed while the
// temporary file is being written. The previous checkpoint must still be at
// the path, byte for byte, and load with its values.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { CHECKPOINT_FORMAT, loadCheckpoint, saveCheckpoint } from './checkpoint.js';
import type { NamedTensorData } from './safetensors.js';
import { useTempDir } from './test-utils/temp-dir.js';

const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));
const CHILD = fileURLToPath(new URL('./test-utils/save-child.ts', import.meta.url));
/** Large enough that writing and fsyncing the temporary file takes a while, small enough to stay fast. */
const CHILD_MEGABYTES = 192;

const previous: NamedTensorData[] = [
  { name: 'net/hidden/kernel', shape: [3, 4], dtype: 'float32', data: Float32Array.from({ length: 12 }, (_, i) => Math.fround(Math.sin(i + 1) * 7)) },
  { name: 'net/hidden/bias', shape: [4], dtype: 'float32', data: new Float32Array([-0, 1e-30, 3.5, -2]) },
  { name: 'step', shape: [], dtype: 'int32', data: new Int32Array([1234]) },
];
const previousMeta = { epoch: '1', step: '1234', configHash: 'c0ffee', format: CHECKPOINT_FORMAT };

const dir = useTempDir('strata-crash-');
let child: ChildProcess | undefined;
afterEach(() => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  child = undefined;
});

/** The size of `dir/name`, or 0 if it is gone. */
const sizeOf = (name: string) => {
  try {
    return fs.statSync(path.join(dir(), name)).size;
  } catch {
    return 0;
  }
};

/**
 * Resolves with the name of the first file in `dir` that starts with `prefix`
 * and holds at least one byte (its write has begun), polling every 1 ms;
 * rejects if `proc` exits first (with its output) or after `ms`.
 */
function waitForPartialFile(prefix: string, proc: ChildProcess, output: () => string, ms: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const timer = setInterval(() => {
      const hit = fs.readdirSync(dir()).find((n) => n.startsWith(prefix) && sizeOf(n) > 0);
      if (hit) {
        clearInterval(timer);
        resolve(hit);
      } else if (proc.exitCode !== null || proc.signalCode !== null || Date.now() - started > ms) {
        clearInterval(timer);
        reject(new Error(`no non-empty '${prefix}*' file appeared (child exit ${proc.exitCode ?? proc.signalCode}); child output:\n${output()}`));
      }
    }, 1);
  });
}

describe('saveCheckpoint under kill -9', () => {
  it(`a child SIGKILLed while writing a ${CHILD_MEGABYTES} MB checkpoint leaves the previous one intact and loadable`, async () => {
    const file = path.join(dir(), 'epoch-001.safetensors');
    await saveCheckpoint(file, previous, previousMeta);
    const before = fs.readFileSync(file);

    let output = '';
    child = spawn(process.execPath, ['--conditions=strata-source', '--import', 'tsx', CHILD, file, String(CHILD_MEGABYTES)], {
      cwd: PACKAGE_DIR,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    const exited = once(child, 'exit');

    // write-file-atomic writes `<path>.<n>`, fsyncs it, then renames it over `<path>`.
    const temp = await waitForPartialFile(`${path.basename(file)}.`, child, () => output, 8_000);
    child.kill('SIGKILL');
    const [code, signal] = await exited;
    expect([code, signal]).toEqual([null, 'SIGKILL']);
    expect(output).toContain('saving');
    expect(output).not.toContain('saved'); // killed inside saveCheckpoint, not after it

    // The path holds the previous file, byte for byte, and it loads with its values and metadata.
    expect(Buffer.compare(fs.readFileSync(file), before)).toBe(0);
    const { tensors, metadata } = await loadCheckpoint(file);
    expect(metadata).toEqual(previousMeta);
    expect([...tensors.keys()]).toEqual(['net/hidden/bias', 'net/hidden/kernel', 'step']);
    for (const t of previous) {
      expect(tensors.get(t.name)).toMatchObject({ shape: t.shape, dtype: t.dtype });
      expect(Array.from(tensors.get(t.name)!.data)).toEqual(Array.from(t.data));
    }

    // SIGKILL runs no exit handler, so the temporary file stays behind, partial (the kill
    // interrupted the write), under a name that is not a checkpoint name (`epoch-NNN.safetensors.<n>`).
    expect(fs.readdirSync(dir()).sort()).toEqual([path.basename(file), temp].sort());
    expect(temp).toMatch(/^epoch-001\.safetensors\.\d+$/);
    expect(sizeOf(temp)).toBeGreaterThan(0);
    expect(sizeOf(temp)).toBeLessThan(CHILD_MEGABYTES * 2 ** 20); // the tensor bytes alone are this many

    // The next save to the same path works as usual.
    await saveCheckpoint(file, [{ name: 'w', shape: [2], dtype: 'float32', data: new Float32Array([5, 6]) }], { epoch: '2' });
    const after = await loadCheckpoint(file);
    expect(after.metadata).toEqual({ epoch: '2' });
    expect(Array.from(after.tensors.get('w')!.data)).toEqual([5, 6]);
  });
});
