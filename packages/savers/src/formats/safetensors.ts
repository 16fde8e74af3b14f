/** The native format: one safetensors file (see `../safetensors.ts`), with a SHA-256 of its tensor bytes. */
import { stat } from 'node:fs/promises';
import { loadCheckpoint, saveCheckpoint } from '../checkpoint.js';
import { MAX_HEADER_BYTES } from '../safetensors.js';
import { type CheckpointFormat, hasExtension, tensorList } from './format.js';

/**
 * safetensors: `.safetensors`, or any file whose first 8 bytes are a
 * plausible header length followed by `{`. Read with {@link loadCheckpoint}
 * (header fully validated, checksum verified), written with
 * {@link saveCheckpoint} (write-file-atomic: temp file, fsync, rename).
 */
export const safetensorsFormat: CheckpointFormat = {
  name: 'safetensors',
  description: 'safetensors file (Strata native; SHA-256 of the data recorded and verified)',
  extensions: ['.safetensors'],
  detect(path, bytes) {
    if (!bytes) return hasExtension(path, this.extensions);
    if (bytes.length < 9 || bytes[8] !== 0x7b) return false;
    const n = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(0, true);
    return n >= 2n && n <= BigInt(MAX_HEADER_BYTES);
  },
  async read(path) {
    const { tensors, metadata, sha256 } = await loadCheckpoint(path);
    const { size } = await stat(path);
    return {
      tensors,
      metadata,
      details: { checksum: sha256 ? `sha256 ${sha256} (verified)` : 'none recorded' },
      files: [{ path, bytes: size }],
    };
  },
  async write(path, tensors, metadata = {}) {
    await saveCheckpoint(path, tensorList(tensors), metadata);
  },
};
