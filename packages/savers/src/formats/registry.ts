/** The known checkpoint formats, and reading/writing a file in whichever one it is. */
import { open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CheckpointWriteUnsupportedError, orNotFound, UnknownCheckpointFormatError } from '../errors.js';
import type { CheckpointContents, CheckpointFormat, TensorsInput, WriteCheckpointOptions } from './format.js';
import { kerasFormat, kerasH5Format } from './keras.js';
import { onnxFormat } from './onnx.js';
import { safetensorsFormat } from './safetensors.js';
import { tfjsFormat } from './tfjs.js';
import { tfBundleFormat } from './tf-bundle/bundle-format.js';
import { namesBundleByPrefix } from './tf-bundle/paths.js';

/**
 * Every format Strata reads. Detection tries their content checks in this
 * order (safetensors, tfjs JSON, zip, HDF5: signatures that exclude each
 * other; then the ONNX check, the weakest, and a TF tensor bundle's index,
 * whose empty-key header entry no other format starts with), then their extensions.
 */
export const CHECKPOINT_FORMATS: readonly CheckpointFormat[] = [safetensorsFormat, tfjsFormat, kerasFormat, kerasH5Format, onnxFormat, tfBundleFormat];

/** How many leading bytes of a file {@link detectCheckpointFormat} reads. */
const HEAD_BYTES = 4096;

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
  if (!f) throw new UnknownCheckpointFormatError({ file, known: CHECKPOINT_FORMATS.map((x) => x.name), requested: name });
  return f;
}

/**
 * The format of the file (or tfjs model directory) at `path`, from its
 * content, not its name: its first 4096 bytes are checked for
 *
 * 1. safetensors: bytes 0–7 a little-endian header length N with
 *    2 ≤ N ≤ 100 MB, byte 8 `{`;
 * 2. tfjs `model.json`: a JSON object (after an optional UTF-8 BOM and
 *    whitespace) whose first key is a model.json key (`modelTopology`,
 *    `weightsManifest`, `format`, ...) or that names `"weightsManifest"`;
 * 3. Keras `.keras`: a zip (`PK\x03\x04`, or `PK\x05\x06` for an empty archive);
 * 4. Keras `.weights.h5`/`.h5`: the HDF5 signature `\x89HDF\r\n\x1a\n`;
 * 5. ONNX: a ModelProto's first field, `ir_version` (byte 0 `0x08`, byte 1 in 1–20);
 * 6. a TF tensor bundle's `.index`: an SSTable whose first entry is the empty
 *    key holding a `BundleHeaderProto` (bytes `00 00 <length> 08|10|1a ...`).
 *
 * A TF tensor bundle is also found by its prefix (`model.ckpt`, RETURNN's
 * `model.001`: nothing at `path`, a file at `path.index`) or by one of its
 * data shards (`model.ckpt.data-00000-of-00001`), before any content check.
 *
 * A directory is a tfjs model when it holds `model.json`. Only when the
 * content matches none is the extension used (`.safetensors`, `.json`,
 * `.keras`, `.weights.h5`/`.h5`/`.hdf5`, `.onnx`, `.index`), so that the format's
 * reader reports what is wrong with a damaged file of that type.
 *
 * @throws CheckpointNotFoundError if nothing exists at `path`.
 * @throws UnknownCheckpointFormatError if neither content nor extension is recognised.
 */
export async function detectCheckpointFormat(path: string): Promise<CheckpointFormat> {
  if (await namesBundleByPrefix(path)) return tfBundleFormat;
  const isDirectory = (await orNotFound(path, stat(path))).isDirectory();
  const names = CHECKPOINT_FORMATS.map((f) => f.name);
  if (isDirectory) {
    if (await exists(join(path, 'model.json'))) return tfjsFormat;
    throw new UnknownCheckpointFormatError({ file: path, known: names });
  }
  const head = await readHead(path, HEAD_BYTES);
  const format = CHECKPOINT_FORMATS.find((f) => f.detect(path, head)) ?? CHECKPOINT_FORMATS.find((f) => f.detect(path));
  if (!format) throw new UnknownCheckpointFormatError({ file: path, known: names });
  return format;
}

/** The first `n` bytes of the file at `path` (fewer if it is shorter). */
async function readHead(path: string, n: number): Promise<Uint8Array> {
  const handle = await open(path, 'r');
  try {
    const buf = new Uint8Array(n);
    return buf.subarray(0, (await handle.read(buf, 0, n, 0)).bytesRead);
  } finally {
    await handle.close();
  }
}

/** What {@link readCheckpointFile} returns: the contents, the format's name, and the files read with their sizes. */
export interface CheckpointFile extends CheckpointContents {
  readonly format: string;
  readonly files: readonly { readonly path: string; readonly bytes: number }[];
}

/**
 * Reads the tensors of a checkpoint in any format Strata knows: safetensors,
 * tfjs `model.json` (+ shards), Keras `.keras`/`.weights.h5`/`.h5`, ONNX,
 * TF tensor bundles (`<prefix>.index` + data shards).
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
  /** `safetensors`, `tfjs` or `tf-bundle`; default from the extension (`.safetensors`, `.json`, `.index`). */
  readonly format?: string;
  readonly metadata?: Readonly<Record<string, string>>;
}

/**
 * Writes tensors atomically in a format Strata writes, chosen by
 * `options.format` or the extension of `path` (`.safetensors`, `.json` for a
 * tfjs `model.json` + shards, `.index` for a TF tensor bundle).
 *
 * @returns the name of the format written.
 * @throws UnknownCheckpointFormatError if neither names a known format.
 * @throws CheckpointWriteUnsupportedError for a format Strata only reads.
 */
export async function writeCheckpointFile(path: string, tensors: TensorsInput, options: WriteCheckpointFileOptions = {}): Promise<string> {
  const format = options.format ? checkpointFormat(options.format, path) : CHECKPOINT_FORMATS.find((f) => f.detect(path));
  if (!format) throw new UnknownCheckpointFormatError({ file: path, known: WRITABLE_CHECKPOINT_FORMATS, purpose: 'write' });
  if (!format.write) throw new CheckpointWriteUnsupportedError({ file: path, format: format.name, writable: WRITABLE_CHECKPOINT_FORMATS });
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
