/** Base class of the errors of `@strata/savers`: about a checkpoint file (missing, malformed, unwritable) or its use. */
export class CheckpointError extends Error {
  override name = 'CheckpointError';
}

/**
 * Thrown by `save` and `load` when their arguments cannot be used, before any
 * file is read or written and before anything is assigned: a model without
 * variables (not built yet), two variables with one checkpoint key, metadata
 * that is not strings or uses a reserved key, or an optimizer given where no
 * optimizer state can be restored. The message says what was wrong and how to fix it.
 */
export class CheckpointArgumentError extends CheckpointError {
  override name = 'CheckpointArgumentError';
}

/** Options of {@link CheckpointFormatError}. */
export interface CheckpointFormatErrorOptions {
  /** The file (or `<buffer>`, `<tensors>`) the problem was found in, or was to be written to. */
  file: string;
  /** What is wrong, in one sentence. */
  problem: string;
}

/**
 * Thrown when a checkpoint's bytes break the safetensors format (truncated
 * file, bad header JSON, offsets out of range or overlapping, a byte size that
 * does not match `shape` and `dtype`, ...), or when tensors handed to the
 * writer cannot be encoded. Nothing is written or assigned when it is thrown.
 */
export class CheckpointFormatError extends CheckpointError {
  override name = 'CheckpointFormatError';
  /** The file (or `<buffer>`) the problem was found in, or was to be written to. */
  readonly file: string;
  /** What is wrong, in one sentence. */
  readonly problem: string;
  constructor(options: CheckpointFormatErrorOptions) {
    const { file, problem } = options;
    super(`${file}: invalid safetensors checkpoint: ${problem}`);
    this.file = file;
    this.problem = problem;
  }
}

/** Options of {@link CheckpointNotFoundError}. */
export interface CheckpointNotFoundErrorOptions {
  /** The path that was read, as given (relative paths resolve against the working directory). */
  path: string;
}

/** Thrown by `load`, `loadCheckpoint` and `readCheckpointFile` when no file exists at the path. */
export class CheckpointNotFoundError extends CheckpointError {
  override name = 'CheckpointNotFoundError';
  /** The path that was read. */
  readonly path: string;
  constructor(options: CheckpointNotFoundErrorOptions) {
    const { path } = options;
    super(
      `No checkpoint at ${path}. Check the path (relative paths resolve against ${process.cwd()}), ` +
        `or train first so that a checkpoint is written.`,
    );
    this.path = path;
  }
}

/** Thrown by the LSTM layout conversions (`onnxToKerasLstm`, ...) when an array's length does not fit the sizes given. */
export class LstmLayoutError extends Error {
  override name = 'LstmLayoutError';
}

/** Options of {@link CheckpointChecksumError}. */
export interface CheckpointChecksumErrorOptions {
  /** The safetensors file. */
  file: string;
  /** The hex SHA-256 the header records. */
  expected: string;
  /** The hex SHA-256 of the data section as read. */
  actual: string;
}

/**
 * Thrown when a safetensors file's data section does not hash to the SHA-256
 * recorded in its header (`__metadata__["strata.sha256"]`): the bytes changed
 * after they were written (a flipped bit on disk, a partial copy, an edit).
 * A {@link CheckpointFormatError}, so code catching that catches this too.
 */
export class CheckpointChecksumError extends CheckpointFormatError {
  override name = 'CheckpointChecksumError';
  /** The hex SHA-256 the header records. */
  readonly expected: string;
  /** The hex SHA-256 of the data section as read. */
  readonly actual: string;
  constructor(options: CheckpointChecksumErrorOptions) {
    const { file, expected, actual } = options;
    super({
      file,
      problem:
        `checksum mismatch: the data section hashes to sha256 ${actual}, the header records ${expected}; ` +
        `the file was corrupted or modified after it was written. Restore it from a backup or re-save it from the network.`,
    });
    this.expected = expected;
    this.actual = actual;
  }
}

/** Options of {@link CheckpointFileError}. */
export interface CheckpointFileErrorOptions {
  /** The file the problem was found in (or was to be written to). */
  file: string;
  /** The format name, e.g. `tfjs`, `keras`, `onnx`. */
  format: string;
  /** What is wrong, in one sentence. */
  problem: string;
  /** How to fix it, in one sentence. */
  fix: string;
}

/**
 * Thrown when a weight file in a format other than safetensors (tfjs
 * `model.json` + shards, Keras `.keras`/`.weights.h5`, ONNX) is malformed or
 * holds something Strata cannot represent. Its message names the file, the
 * format, what is wrong and how to fix it. Nothing is returned or written.
 */
export class CheckpointFileError extends CheckpointError {
  override name = 'CheckpointFileError';
  /** The file the problem was found in (or was to be written to). */
  readonly file: string;
  /** The format name, e.g. `tfjs`, `keras`, `onnx`. */
  readonly format: string;
  /** What is wrong, in one sentence. */
  readonly problem: string;
  /** How to fix it, in one sentence. */
  readonly fix: string;
  constructor(options: CheckpointFileErrorOptions) {
    const { file, format, problem, fix } = options;
    super(`${file}: invalid ${format} file: ${problem} Fix: ${fix}`);
    this.file = file;
    this.format = format;
    this.problem = problem;
    this.fix = fix;
  }
}

/** Options of {@link UnsafeEntryPathError}. */
export interface UnsafeEntryPathErrorOptions {
  /** The archive or manifest. */
  file: string;
  /** Its format name (`keras`, `tfjs`). */
  format: string;
  /** The offending entry path, as written in the archive or manifest. */
  entry: string;
}

/**
 * Thrown when an archive (a `.keras` zip) or a manifest (tfjs `model.json`)
 * names an entry whose path is absolute or escapes its directory (`../x`),
 * which could overwrite or read files outside the model. Nothing is extracted.
 */
export class UnsafeEntryPathError extends CheckpointFileError {
  override name = 'UnsafeEntryPathError';
  /** The offending entry path, as written in the archive or manifest. */
  readonly entry: string;
  constructor(options: UnsafeEntryPathErrorOptions) {
    const { file, format, entry } = options;
    super({
      file,
      format,
      problem: `entry path ${JSON.stringify(entry)} is absolute or escapes the model's directory.`,
      fix: `refuse to use this file unless you trust its source; re-export it with relative paths inside the model directory.`,
    });
    this.entry = entry;
  }
}

/** Options of {@link CheckpointCrcError}. */
export interface CheckpointCrcErrorOptions {
  /** The file whose bytes do not match (a `.index` file, or the data shard holding the tensor). */
  file: string;
  /** The format name (`tf-bundle`). */
  format: string;
  /** What the checksum covers: `tensor 'net/W'`, `SSTable block at byte 0 (524 bytes)`. */
  entry: string;
  /** The CRC32C recorded in the file (unmasked), 8 hex digits. */
  expected: string;
  /** The CRC32C of the bytes as read, 8 hex digits. */
  actual: string;
}

/**
 * Thrown when bytes of a TensorFlow tensor bundle do not match the CRC32C
 * recorded for them (`BundleEntryProto.crc32c` for a tensor's bytes, the
 * trailer of an SSTable block in the `.index` file): the file was damaged or
 * modified after TF wrote it. Nothing is returned.
 */
export class CheckpointCrcError extends CheckpointFileError {
  override name = 'CheckpointCrcError';
  /** What the checksum covers: `tensor 'net/W'`, `SSTable block at byte 0 (524 bytes)`. */
  readonly entry: string;
  /** The CRC32C recorded in the file (unmasked), 8 hex digits. */
  readonly expected: string;
  /** The CRC32C of the bytes as read, 8 hex digits. */
  readonly actual: string;
  constructor(options: CheckpointCrcErrorOptions) {
    const { file, format, entry, expected, actual } = options;
    super({
      file,
      format,
      problem: `CRC32C mismatch for ${entry}: the bytes hash to ${actual}, the checkpoint records ${expected}; the file was damaged or modified after it was written.`,
      fix: 'restore the checkpoint from a backup or save it again; a partial copy (all files of the prefix copied?) is a common cause.',
    });
    this.entry = entry;
    this.expected = expected;
    this.actual = actual;
  }
}

/** Options of {@link UnknownCheckpointFormatError}. */
export interface UnknownCheckpointFormatErrorOptions {
  /** The file to read or write. */
  file: string;
  /** The formats that were tried (reading) or could be written, by name. */
  known: readonly string[];
  /** The format name asked for, when one was given. Default: none (the format was to be detected). */
  requested?: string;
  /** Whether the file was to be read or written. Default `'read'`. */
  purpose?: 'read' | 'write';
}

/**
 * Thrown when no checkpoint format recognises a file (by its first bytes,
 * then by its extension), or a named format does not exist. Lists the known formats.
 */
export class UnknownCheckpointFormatError extends CheckpointError {
  override name = 'UnknownCheckpointFormatError';
  readonly file: string;
  /** The formats that were tried (reading) or could be written, by name. */
  readonly known: readonly string[];
  /** The format name asked for, when one was given. */
  readonly requested: string | undefined;
  /** Whether the file was to be read or written. */
  readonly purpose: 'read' | 'write';
  constructor(options: UnknownCheckpointFormatErrorOptions) {
    const { file, known, requested, purpose = 'read' } = options;
    super(
      requested !== undefined
        ? `${file}: unknown checkpoint format '${requested}'. Known formats: ${known.join(', ')}.`
        : purpose === 'write'
          ? `${file}: cannot tell which format to write from the file name. Use the extension .safetensors, .json (tfjs model.json) or .index (TF tensor bundle), or pass the format: ${known.join(', ')}.`
          : `${file}: not a checkpoint format Strata reads (tried ${known.join(', ')} by content, then by extension). ` +
            `Its first bytes are none of: a safetensors header (8-byte length, then '{'), a tfjs model.json (JSON with weightsManifest), ` +
            `a zip (.keras), the HDF5 signature (.weights.h5, .h5), an ONNX model, a TF tensor bundle's .index (or its prefix: model.ckpt for model.ckpt.index). Check that the file is complete and is a checkpoint, or pass the format explicitly.`,
    );
    this.file = file;
    this.known = known;
    this.requested = requested;
    this.purpose = purpose;
  }
}

/** Options of {@link CheckpointWriteUnsupportedError}. */
export interface CheckpointWriteUnsupportedErrorOptions {
  /** The file that was to be written. */
  file: string;
  /** The format asked for (read-only in Strata: `keras`, `onnx`). */
  format: string;
  /** Formats that can be written. */
  writable: readonly string[];
}

/** Thrown when writing is asked of a format that Strata reads but does not write (Keras, ONNX initializers). */
export class CheckpointWriteUnsupportedError extends CheckpointError {
  override name = 'CheckpointWriteUnsupportedError';
  readonly file: string;
  readonly format: string;
  /** Formats that can be written. */
  readonly writable: readonly string[];
  constructor(options: CheckpointWriteUnsupportedErrorOptions) {
    const { file, format, writable } = options;
    super(`${file}: Strata reads the ${format} format but does not write it. Write one of: ${writable.join(', ')} (e.g. ${file.replace(/\.[^./]+$/, '')}.safetensors).`);
    this.file = file;
    this.format = format;
    this.writable = writable;
  }
}

/** What to do about a failed write, by `errno` code. */
function writeFix(code: string | undefined): string {
  switch (code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return 'Free disk space (or point the save at a disk with room) and save again.';
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return 'Make the directory writable (or save somewhere else) and save again.';
    default:
      return 'Fix the file-system problem named above and save again.';
  }
}

/** Options of {@link CheckpointWriteError}. */
export interface CheckpointWriteErrorOptions {
  /** The checkpoint that was to be written (for a multi-file format, its manifest). */
  path: string;
  /** The `errno` code of the file-system error (`ENOSPC`, ...), when it has one. Default: none. */
  code?: string;
  /** The original file-system error (becomes the error's `cause`). */
  cause: unknown;
}

/**
 * Thrown when the file system refuses a checkpoint write (`ENOSPC` disk full,
 * `EDQUOT`, `EACCES`, `EROFS`, an I/O error, ...). Writes are atomic (temp
 * file, fsync, rename), so when this is thrown nothing was replaced: the file
 * at `path` keeps its previous contents (or still does not exist) and the
 * partial temporary file was removed. `cause` is the original file-system error.
 */
export class CheckpointWriteError extends CheckpointError {
  override name = 'CheckpointWriteError';
  /** The checkpoint that was to be written (for a multi-file format, its manifest). */
  readonly path: string;
  /** The `errno` code of the file-system error (`ENOSPC`, ...), when it has one. */
  readonly code: string | undefined;
  constructor(options: CheckpointWriteErrorOptions) {
    const { path, code, cause } = options;
    const why = cause instanceof Error ? cause.message : String(cause);
    super(
      `Could not write the checkpoint ${path}: ${why}. Nothing was replaced: ${path} keeps its previous contents ` +
        `(or still does not exist) and the partial temporary file was removed. ${writeFix(code)}`,
      { cause },
    );
    this.path = path;
    this.code = code;
  }
}

/**
 * Awaits `io`, a file-system call on `path` (`readFile`, `stat`); when nothing
 * exists at `path` (`ENOENT`) it throws {@link CheckpointNotFoundError} instead.
 */
export async function orNotFound<T>(path: string, io: Promise<T>): Promise<T> {
  try {
    return await io;
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') throw new CheckpointNotFoundError({ path });
    throw e;
  }
}

/** `e`'s `errno` code (`ENOSPC`, ...) if it is a Node.js system error, else undefined. */
export function errnoCode(e: unknown): string | undefined {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' && /^E[A-Z0-9]+$/.test(code) ? code : undefined;
}
