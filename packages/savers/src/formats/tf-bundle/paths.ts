/**
 * The files of a tensor bundle: `<prefix>.index` and
 * `<prefix>.data-<shard>-of-<shards>` (five digits each), as TF's
 * `MetaFilename` and `DataFilename` name them (tensor_bundle.cc).
 *
 * A bundle is named by its prefix (`model.ckpt`, RETURNN's `model.001`);
 * Strata also accepts the path of its `.index` file or of one data shard.
 */
import { stat } from 'node:fs/promises';

const DATA_SUFFIX = /\.data-\d{5}-of-\d{5}$/;

/** `<prefix>.index`. */
export function indexFile(prefix: string): string {
  return `${prefix}.index`;
}

/** `<prefix>.data-0000k-of-0000n` for shard `k` of `n`. */
export function dataFile(prefix: string, shard: number, shards: number): string {
  const five = (n: number) => String(n).padStart(5, '0');
  return `${prefix}.data-${five(shard)}-of-${five(shards)}`;
}

/** The bundle prefix of `path`: the path itself, or without `.index` / `.data-0000k-of-0000n`. */
export function bundlePrefix(path: string): string {
  if (path.endsWith('.index')) return path.slice(0, -'.index'.length);
  return path.replace(DATA_SUFFIX, '');
}

/** True if `path` is named like a bundle's data shard (`x.data-00000-of-00001`). */
export function isDataFileName(path: string): boolean {
  return DATA_SUFFIX.test(path);
}

/**
 * True if `path` names a tensor bundle by its prefix or a data shard: nothing
 * (or a data shard) exists at `path`, and `<prefix>.index` is a file. A path
 * that exists and is not a data shard is left to content detection.
 */
export async function namesBundleByPrefix(path: string): Promise<boolean> {
  if (!isDataFileName(path) && (await isFile(path)) !== undefined) return false;
  return (await isFile(indexFile(bundlePrefix(path)))) === true;
}

/** true for a file, false for anything else, undefined if nothing is there. */
async function isFile(path: string): Promise<boolean | undefined> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return undefined;
  }
}
