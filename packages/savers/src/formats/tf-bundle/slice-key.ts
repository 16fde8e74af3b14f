/**
 * The key under which a bundle stores one slice of a partitioned tensor.
 *
 * Source: tensorflow/core/util/saved_tensor_slice_util.cc
 * (`EncodeTensorNameSlice`) and tensorflow/core/lib/strings/ordered_code.cc:
 * `WriteNumIncreasing(0)`, `WriteString(name)`, `WriteNumIncreasing(rank)`,
 * then per dimension `WriteSignedNumIncreasing(start)` and
 * `WriteSignedNumIncreasing(length)`, a full extent being start 0, length -1.
 * Such keys start with byte 0x00, so they sort before every tensor name.
 */
import type { SliceExtent } from './protos.js';

/** OrderedCode `WriteNumIncreasing`: a length byte, then the value big-endian without leading zero bytes. */
function numIncreasing(value: number): number[] {
  const bytes: number[] = [];
  for (let v = BigInt(value); v > 0n; v >>= 8n) bytes.unshift(Number(v & 0xffn));
  return [bytes.length, ...bytes];
}

/** OrderedCode `WriteString`: 0x00 → 00 ff, 0xff → ff 00, then the separator 00 01. */
function orderedString(bytes: Uint8Array): number[] {
  const out: number[] = [];
  for (const b of bytes) {
    if (b === 0x00) out.push(0x00, 0xff);
    else if (b === 0xff) out.push(0xff, 0x00);
    else out.push(b);
  }
  out.push(0x00, 0x01);
  return out;
}

/**
 * OrderedCode `WriteSignedNumIncreasing`: a sign bit, as many further bits
 * equal to it as there are extra bytes, a delimiter bit, then the value's
 * remaining bits big-endian (two's complement); 1 byte for -64 ≤ v < 64.
 */
function signedNumIncreasing(value: number): number[] {
  const v = BigInt(value);
  const x = v < 0n ? ~v : v;
  if (x < 64n) return [Number((0x80n ^ v) & 0xffn)];
  const length = Math.floor(x.toString(2).length / 7) + 1; // TF's kBitsToLength: n bytes hold 7n - 1 value bits
  const bytes: number[] = [];
  const mask = (1n << BigInt(8 * length)) - 1n;
  let u = v & mask; // two's complement in `length` bytes
  for (let i = 0; i < length; i++, u >>= 8n) bytes.unshift(Number(u & 0xffn));
  // Header: `length` bits equal to the sign bit (1 for v ≥ 0) then a delimiter, XORed into the leading bits.
  const header = length <= 8 ? [(0xff00 >> length) & 0xff, 0] : [0xff, length === 9 ? 0x80 : 0xc0];
  bytes[0]! ^= header[0]!;
  bytes[1]! ^= header[1]!;
  return bytes;
}

/** The bundle key of the slice `extents` of tensor `name` (TF's `checkpoint::EncodeTensorNameSlice`). */
export function encodeTensorNameSlice(name: string, extents: readonly SliceExtent[]): Uint8Array {
  const out = [...numIncreasing(0), ...orderedString(new TextEncoder().encode(name)), ...numIncreasing(extents.length)];
  for (const e of extents) out.push(...signedNumIncreasing(e.length === undefined ? 0 : e.start), ...signedNumIncreasing(e.length ?? -1));
  return Uint8Array.from(out);
}
