/**
 * Atomic writes of several files that belong together (a tfjs `model.json`
 * and its weight shards).
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { CheckpointWriteError, errnoCode } from '../errors.js';

/** One file to write: its final path and its bytes. */
export interface FileToWrite {
  readonly path: string;
  readonly bytes: Uint8Array;
}

/**
 * Writes `files` so that no reader ever sees a mix of old and half-written
 * ones: every file is first written in full to a temporary name next to its
 * target (`.<name>.<random>.tmp`) and fsynced; only when all are on disk are
 * they renamed over their targets, in the order given — put the manifest
 * (the file that names the others) last. The directories are then fsynced so
 * the renames survive a crash. On any error before the renames, every
 * temporary file is removed and no target is touched.
 *
 * @throws CheckpointWriteError (naming the last file, the manifest) when the
 *   file system refuses a write before the renames (`ENOSPC`, `EACCES`, ...).
 *
 * The file-system calls go through `fs.promises` at call time (not bound
 * imports) so tests can simulate failures.
 */
export async function writeFilesAtomically(files: readonly FileToWrite[]): Promise<void> {
  const temps: string[] = [];
  try {
    for (const f of files) {
      await fs.promises.mkdir(dirname(f.path), { recursive: true });
      const tmp = join(dirname(f.path), `.${basename(f.path)}.${randomBytes(6).toString('hex')}.tmp`);
      temps.push(tmp);
      const handle = await fs.promises.open(tmp, 'wx');
      try {
        await handle.writeFile(f.bytes);
        await handle.sync();
      } finally {
        await handle.close();
      }
    }
    for (let i = 0; i < files.length; i++) {
      await fs.promises.rename(temps[i]!, files[i]!.path);
      temps[i] = '';
    }
  } catch (e) {
    const renamed = temps.some((t) => t === '');
    await Promise.all(temps.filter((t) => t !== '').map((t) => fs.promises.rm(t, { force: true })));
    // Once a rename happened, some targets were replaced: the "nothing was replaced" promise no longer holds.
    const code = errnoCode(e);
    if (code !== undefined && !renamed) throw new CheckpointWriteError({ path: files[files.length - 1]!.path, code, cause: e });
    throw e;
  }
  for (const dir of new Set(files.map((f) => dirname(f.path)))) await syncDirectory(dir);
}

/** fsyncs a directory so renames in it are durable; a no-op where directories cannot be opened (Windows). */
async function syncDirectory(dir: string): Promise<void> {
  let handle: fs.promises.FileHandle | undefined;
  try {
    handle = await fs.promises.open(dir, 'r');
    await handle.sync();
  } catch {
    // Best effort: some platforms and file systems do not support fsync on directories.
  } finally {
    await handle?.close();
  }
}
