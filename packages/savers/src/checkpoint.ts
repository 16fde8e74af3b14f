import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { CheckpointWriteError, errnoCode, orNotFound } from './errors.js';
import { decodeSafetensors, encodeSafetensors, type NamedTensorData, type SafetensorsContents } from './safetensors.js';

/** The `format` metadata value of checkpoints the engine writes. */
export const CHECKPOINT_FORMAT = 'strata-checkpoint/1';

/** What {@link loadCheckpoint} returns: tensors by checkpoint key, and the metadata strings. */
export type Checkpoint = SafetensorsContents;

/**
 * Writes tensors and metadata to `path` as a safetensors file, atomically.
 *
 * The whole file image is encoded in memory first, so bad input (or an error
 * thrown while reading a tensor's data) fails before the disk is touched.
 * It is then written with `write-file-atomic`: to a temporary file next to
 * `path`, fsynced, and renamed over `path`; a crash or error mid-save leaves
 * the previous checkpoint at `path` intact and removes the temporary file.
 * Missing parent directories are created.
 *
 * The engine's metadata keys: `epoch`, `step`, `configHash` and `format`
 * ({@link CHECKPOINT_FORMAT}); values must be strings. The SHA-256 of the
 * tensor bytes is recorded too (`strata.sha256`) and checked by {@link loadCheckpoint}.
 *
 * @throws CheckpointFormatError if the tensors or metadata cannot be encoded
 *   (see `encodeSafetensors`).
 * @throws CheckpointWriteError if the file system refuses the write (`ENOSPC`
 *   disk full, `EACCES`, ...): the file at `path` is left as it was.
 */
export async function saveCheckpoint(
  path: string,
  tensors: readonly NamedTensorData[],
  metadata: Readonly<Record<string, string>> = {},
): Promise<void> {
  const bytes = encodeSafetensors(tensors, metadata, path);
  try {
    await mkdir(dirname(path), { recursive: true });
    // write-file-atomic removes its temporary file when the write, fsync or rename fails.
    await writeFileAtomic(path, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), { fsync: true });
  } catch (e) {
    const code = errnoCode(e);
    if (code !== undefined) throw new CheckpointWriteError({ path, code, cause: e });
    throw e;
  }
}

/**
 * Reads a safetensors checkpoint, validating its header fully before any
 * tensor is decoded (see `parseSafetensorsHeader`).
 *
 * When the header records a SHA-256 of the tensor bytes (every file Strata
 * writes), it is verified before any tensor is returned.
 *
 * @returns tensors by checkpoint key (fresh typed arrays), the metadata
 *   (without the checksum key), and `sha256` when the file records one.
 * @throws CheckpointNotFoundError if nothing exists at `path`.
 * @throws CheckpointFormatError if the file is not a valid safetensors file,
 *   or holds a dtype other than F32, I32, BOOL.
 * @throws CheckpointChecksumError (a CheckpointFormatError) if the recorded
 *   SHA-256 does not match the bytes: the file was corrupted after writing.
 */
export async function loadCheckpoint(path: string): Promise<Checkpoint> {
  return decodeSafetensors(await orNotFound(path, readFile(path)), path);
}
