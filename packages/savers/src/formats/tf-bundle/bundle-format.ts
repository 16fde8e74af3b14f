/** TensorFlow tensor bundles (`<prefix>.index` + `<prefix>.data-0000k-of-0000n`) as a Strata checkpoint format. */
import { hasExtension, type CheckpointFormat } from '../format.js';
import { readTfBundle } from './bundle-reader.js';
import { writeTfBundle } from './bundle-writer.js';
import { isDataFileName } from './paths.js';
import { decodeBundleHeader } from './protos.js';

/** BundleHeaderProto field tags a header value can start with: num_shards, endianness, version. */
const HEADER_TAGS = new Set([0x08, 0x10, 0x1a]);

/**
 * True if `head` (the first bytes of a file) starts like a tensor bundle's
 * `.index`: its first SSTable entry is the empty key (shared 0, unshared 0)
 * with a short value that decodes as a `BundleHeaderProto` with at least one shard.
 */
export function looksLikeBundleIndex(head: Uint8Array): boolean {
  if (head.length < 5 || head[0] !== 0 || head[1] !== 0) return false;
  const length = head[2]!;
  if (length < 2 || length > 127 || head.length < 3 + length || !HEADER_TAGS.has(head[3]!)) return false;
  try {
    return decodeBundleHeader(head.subarray(3, 3 + length)).numShards >= 1;
  } catch {
    return false;
  }
}

/**
 * TF tensor bundles: what `tf.compat.v1.train.Saver` (format V2),
 * `tf.train.Checkpoint` and RETURNN (`model.001.index`) write. A bundle is
 * named by its prefix (`model.ckpt`), its `.index` file or a data shard.
 * Detected by content (the `.index` file starts with the header entry, see
 * {@link looksLikeBundleIndex}), or by a path whose `<path>.index` exists
 * (the registry checks that before anything else). Read with `readTfBundle`
 * (every CRC32C verified, partitioned tensors assembled, float64/int64
 * narrowed to float32/int32), written with `writeTfBundle` (one shard,
 * atomic, the `.index` renamed last).
 */
export const tfBundleFormat: CheckpointFormat = {
  name: 'tf-bundle',
  description: 'TensorFlow tensor bundle (<prefix>.index + .data-*-of-*; tf.compat.v1.train.Saver, RETURNN), CRC32C verified',
  extensions: ['.index'],
  detect(path, bytes) {
    return bytes ? looksLikeBundleIndex(bytes) : hasExtension(path, this.extensions) || isDataFileName(path);
  },
  read(path) {
    return readTfBundle(path);
  },
  async write(path, tensors, metadata = {}) {
    await writeTfBundle(path, tensors, metadata);
  },
};
