/**
 * The one interface every checkpoint format implements, and the shapes of
 * what they read and write.
 */
import type { NamedTensorData } from '../safetensors.js';

/** Tensors by name (checkpoint key), each with `name`, `shape`, `dtype` (`float32`, `int32`, `bool`) and row-major `data`. */
export type NamedTensors = Map<string, NamedTensorData>;

/** What a format's `read` returns. */
export interface CheckpointContents {
  /** Tensors by name, in the file's order; fresh typed arrays owned by the caller. */
  readonly tensors: NamedTensors;
  /**
   * The user metadata the file carries as strings (safetensors `__metadata__`,
   * tfjs `userDefinedMetadata.strata`, ONNX `metadata_props`). `convert` copies it.
   */
  readonly metadata: Record<string, string>;
  /**
   * Facts about the file itself, for display (`strata inspect`), not copied by
   * `convert`: e.g. `sha256`, `generatedBy`, `opset`, `keras_version`.
   */
  readonly details?: Record<string, string>;
  /** Every file read, with its size in bytes (a tfjs model is `model.json` plus its shards). */
  readonly files?: readonly { readonly path: string; readonly bytes: number }[];
}

/** Options of a format's `write`. Formats ignore the options that do not apply to them. */
export interface WriteCheckpointOptions {
  /** tfjs: the `modelTopology` written to `model.json` (a tfjs-layers model's JSON). Default null (weights only). */
  readonly modelTopology?: unknown;
  /** tfjs: the largest shard, in bytes. Default {@link DEFAULT_SHARD_BYTES} (4 MiB, as tfjs' converter). */
  readonly shardBytes?: number;
}

/** The tfjs converter's default shard size: 4 MiB. */
export const DEFAULT_SHARD_BYTES = 4 * 1024 * 1024;

/**
 * A checkpoint file format: how to recognise, read and (if supported) write it.
 *
 * Every `write` is atomic: each file is written to a temporary name next to
 * its target and fsynced before anything is renamed, and a manifest that
 * points at other files (tfjs `model.json`) is renamed last, so a crash never
 * leaves a manifest pointing at half-written shards.
 */
export interface CheckpointFormat {
  /** Short name used by `--format` and in errors: `safetensors`, `tfjs`, `keras`, `keras-h5`, `onnx`. */
  readonly name: string;
  /** One line for help texts. */
  readonly description: string;
  /** File name endings this format claims, lowercase (`.safetensors`, `model.json`, ...). */
  readonly extensions: readonly string[];
  /**
   * True if `path` is in this format: by its extension when `bytes` is
   * omitted, else by `bytes` (the first bytes of the file, at least 16 when
   * the file has them) alone.
   */
  detect(path: string, bytes?: Uint8Array): boolean;
  /**
   * Reads every tensor of the file.
   *
   * @throws CheckpointNotFoundError if nothing exists at `path`.
   * @throws CheckpointError subclasses naming the file for malformed contents.
   */
  read(path: string): Promise<CheckpointContents>;
  /**
   * Writes tensors (a list, or a map as `read` returns) and string metadata
   * atomically; absent for formats Strata only reads.
   */
  write?(path: string, tensors: TensorsInput, metadata?: Readonly<Record<string, string>>, options?: WriteCheckpointOptions): Promise<void>;
}

/** Tensors as accepted by `write`: a list, or a map by name. */
export type TensorsInput = readonly NamedTensorData[] | ReadonlyMap<string, NamedTensorData>;

/** The tensors of `input` as a list, in order. */
export function tensorList(input: TensorsInput): readonly NamedTensorData[] {
  return Array.isArray(input) ? input : [...(input as ReadonlyMap<string, NamedTensorData>).values()];
}

/** `true` if `path` ends with one of `extensions` (case-insensitive). */
export function hasExtension(path: string, extensions: readonly string[]): boolean {
  const lower = path.toLowerCase();
  return extensions.some((e) => lower.endsWith(e));
}

/**
 * `entry` (a path inside an archive or a manifest) normalised to a relative
 * POSIX path that stays inside its base directory, or null when it is empty,
 * absolute (`/x`, `C:\x`, `\\host\x`), contains NUL, or escapes (`../x`, `a/../../x`).
 */
export function safeRelativePath(entry: string): string | null {
  if (typeof entry !== 'string' || entry === '' || entry.includes('\0')) return null;
  const slashed = entry.replace(/\\/g, '/');
  if (slashed.startsWith('/') || /^[a-zA-Z]:/.test(slashed)) return null;
  const parts: string[] = [];
  for (const part of slashed.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (parts.length === 0) return null;
      parts.pop();
    } else {
      parts.push(part);
    }
  }
  return parts.length ? parts.join('/') : null;
}
