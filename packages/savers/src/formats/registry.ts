/** The known checkpoint formats, and reading/writing a file in whichever one it is. */
import { open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CheckpointWriteUnsupportedError, orNotFound, UnknownCheckpointFormatError } from '../errors.js';
import type { CheckpointContents, CheckpointFormat, TensorsInput, WriteCheckpointOptions } from './format.js';
import { kerasFormat, kerasH5Format } from './keras.js';
import { onnxFormat } from './onnx.js';
import { safetensorsFormat } from './safetensors.js';
import { tfjsFormat } from './tfjs.js';

/**
 * Every format Strata reads, in detection order: by extension first, then by
 * content (the ONNX check, the weakest, last).
 */
export const CHECKPOINT_FORMATS: readonly CheckpointFormat[] = [safetensorsFormat, tfjsFormat, kerasFormat, kerasH5Format, onnxFormat];

/** The names of the formats Strata writes. */
export const WRITABLE_CHECKPOINT_FORMATS: readonly string[] = CHECKPOINT_FORMATS.filter((f) => f.write).map((f) => f.name);

/**
 * The format called `name`.
 *
 * @param file - the file named in the error.
 * @throws UnknownCheckpointFormatError listing the known names.
 */
export function checkpointFormat(name: string, file = '<file>'): CheckpointFormat {
  const f = CHECKPOINT_FORMATS.find((x) => x.name === name);
  if (!f) throw new UnknownCheckpointFormatError(file, CHECKPOINT_FORMATS.map((x) => x.name), name);
  return f;
}

/**
 * The format of the file (or tfjs model directory) at `path`: by its
 * extension, else by its first 256 bytes.
 *
 * @throws CheckpointNotFoundError if nothing exists at `path`.
 * @throws UnknownCheckpointFormatError if no format recognises it.
 */
export async function detectCheckpointFormat(path: string): Promise<CheckpointFormat> {
  const isDirectory = (await orNotFound(path, stat(path))).isDirectory();
  const names = CHECKPOINT_FORMATS.map((f) => f.name);
  if (isDirectory) {
    if (await exists(join(path, 'model.json'))) return tfjsFormat;
    throw new UnknownCheckpointFormatError(path, names);
  }
  const byExtension = CHECKPOINT_FORMATS.find((f) => f.detect(path));
  if (byExtension) return byExtension;
  const handle = await open(path, 'r');
  let head: Uint8Array;
  try {
    const buf = new Uint8Array(256);
    head = buf.subarray(0, (await handle.read(buf, 0, 256, 0)).bytesRead);
  } finally {
    await handle.close();
  }
  const byContent = CHECKPOINT_FORMATS.find((f) => f.detect(path, head));
  if (!byContent) throw new UnknownCheckpointFormatError(path, names);
  return byContent;
}

/** What {@link readCheckpointFile} returns: the contents, the format's name, and the files read with their sizes. */
export interface CheckpointFile extends CheckpointContents {
  readonly format: string;
  readonly files: readonly { readonly path: string; readonly bytes: number }[];
}

/**
 * Reads the tensors of a checkpoint in any format Strata knows: safetensors,
 * tfjs `model.json` (+ shards), Keras `.keras`/`.weights.h5`/`.h5`, ONNX.
 *
 * @param options.format - a format name, to skip detection.
 * @throws CheckpointNotFoundError, UnknownCheckpointFormatError, or the
 *   format's errors (CheckpointFormatError, CheckpointChecksumError,
 *   CheckpointFileError, UnsafeEntryPathError), each naming the file.
 */
export async function readCheckpointFile(path: string, options: { format?: string } = {}): Promise<CheckpointFile> {
  const format = options.format ? checkpointFormat(options.format, path) : await detectCheckpointFormat(path);
  const contents = await format.read(path);
  const files = contents.files ?? [{ path, bytes: (await stat(path)).size }];
  return { ...contents, format: format.name, files };
}

/** Options of {@link writeCheckpointFile}. */
export interface WriteCheckpointFileOptions extends WriteCheckpointOptions {
  /** `safetensors` or `tfjs`; default from the extension (`.safetensors`, `.json`). */
  readonly format?: string;
  readonly metadata?: Readonly<Record<string, string>>;
}

/**
 * Writes tensors atomically in a format Strata writes, chosen by
 * `options.format` or the extension of `path` (`.safetensors`, `.json` for a
 * tfjs `model.json` + shards).
 *
 * @returns the name of the format written.
 * @throws UnknownCheckpointFormatError if neither names a known format.
 * @throws CheckpointWriteUnsupportedError for a format Strata only reads.
 */
export async function writeCheckpointFile(path: string, tensors: TensorsInput, options: WriteCheckpointFileOptions = {}): Promise<string> {
  const format = options.format ? checkpointFormat(options.format, path) : CHECKPOINT_FORMATS.find((f) => f.detect(path));
  if (!format) throw new UnknownCheckpointFormatError(path, WRITABLE_CHECKPOINT_FORMATS, undefined, 'write');
  if (!format.write) throw new CheckpointWriteUnsupportedError(path, format.name, WRITABLE_CHECKPOINT_FORMATS);
  await format.write(path, tensors, options.metadata ?? {}, options);
  return format.name;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
