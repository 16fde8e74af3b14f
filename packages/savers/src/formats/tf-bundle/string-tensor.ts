/**
 * DT_STRING tensors in a bundle's data shard, which Strata uses for one
 * thing: the checkpoint's string metadata, stored as a scalar string tensor
 * (JSON) under {@link STRATA_METADATA_KEY}.
 *
 * Source: tensorflow/core/util/tensor_bundle/tensor_bundle.cc
 * (`WriteStringTensor`, `ReadStringTensor`). Layout: one varint64 length per
 * element, the masked CRC32C of those lengths (each taken as a little-endian
 * uint32) as 4 bytes, then the elements' bytes. The entry's CRC32C covers the
 * lengths (as uint32), the 4 checksum bytes and the element bytes.
 */
import { BinaryReader, BinaryWriter } from '@bufbuild/protobuf/wire';
import { crc32c, hexCrc, maskCrc, unmaskCrc } from './crc32c.js';

/** The tensor name under which Strata stores a checkpoint's string metadata (a scalar DT_STRING holding a JSON object of strings). */
export const STRATA_METADATA_KEY = '_STRATA_METADATA';

/** The name TF 2's `tf.train.Checkpoint` stores its object graph under (a serialized proto Strata skips). */
export const OBJECT_GRAPH_KEY = '_CHECKPOINTABLE_OBJECT_GRAPH';

function uint32Le(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n, true);
  return b;
}

/** The data-shard bytes of a string tensor holding `elements`, and their CRC32C (unmasked). */
export function encodeStringTensor(elements: readonly Uint8Array[]): { bytes: Uint8Array; crc: number } {
  const w = new BinaryWriter();
  let crc = 0;
  for (const e of elements) {
    w.uint64(e.length);
    crc = crc32c(uint32Le(e.length), crc);
  }
  const check = uint32Le(maskCrc(crc));
  w.raw(check);
  crc = crc32c(check, crc);
  for (const e of elements) {
    w.raw(e);
    crc = crc32c(e, crc);
  }
  return { bytes: w.finish(), crc };
}

/**
 * The `count` elements of the string tensor in `bytes`, with the CRC32C of
 * the bytes as TF computes it (to compare with the entry's).
 *
 * @throws Error naming what is wrong (cut-off lengths, length checksum mismatch).
 */
export function decodeStringTensor(bytes: Uint8Array, count: number): { elements: Uint8Array[]; crc: number } {
  const r = new BinaryReader(bytes);
  const lengths: number[] = [];
  let crc = 0;
  for (let i = 0; i < count; i++) {
    const n = Number(r.uint64());
    if (n > 0xffffffff) throw new Error(`string element ${i} is ${n} bytes long`);
    lengths.push(n);
    crc = crc32c(uint32Le(n), crc);
  }
  if (r.pos + 4 > bytes.length) throw new Error('the string lengths run past the tensor bytes');
  const check = bytes.subarray(r.pos, r.pos + 4);
  const stored = unmaskCrc(new DataView(check.buffer, check.byteOffset, 4).getUint32(0, true));
  if (stored !== crc) throw new Error(`the string lengths' CRC32C is ${hexCrc(crc)}, the tensor records ${hexCrc(stored)}`);
  crc = crc32c(check, crc);
  let at = r.pos + 4;
  const elements: Uint8Array[] = [];
  for (const n of lengths) {
    if (at + n > bytes.length) throw new Error('the string bytes run past the tensor bytes');
    const e = bytes.subarray(at, at + n);
    crc = crc32c(e, crc);
    elements.push(e);
    at += n;
  }
  return { elements, crc };
}
