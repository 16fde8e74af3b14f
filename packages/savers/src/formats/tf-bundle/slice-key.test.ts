// Slice keys of partitioned tensors: TF's OrderedCode encoding, checked against
// the worked examples in tensorflow/core/lib/strings/ordered_code.cc and the keys
// TF 2.21 wrote for the partitioned variable 'embed' in fixtures/basic.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeBundleEntry } from './protos.js';
import { encodeTensorNameSlice } from './slice-key.js';
import { readSstable } from './sstable-reader.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
/** The key bytes after the name for a rank-1 slice [start, length]: the signed numbers only. */
const signedPair = (start: number, length: number) => hex(encodeTensorNameSlice('', [{ start, length }])).slice(('00' + '0001' + '0101').length);

describe('encodeTensorNameSlice', () => {
  it("matches ordered_code.cc's examples and the one-byte range boundaries of WriteSignedNumIncreasing", () => {
    // "number 0x424242 -> 4 byte big-endian hex string 0xf0424242"; "-0x800 -> 0x3800".
    expect(signedPair(0x424242, -0x800)).toBe('f0424242' + '3800');
    // [-64, 64) takes one byte: 0x80 ^ v.
    expect(signedPair(63, -64)).toBe('bf' + '40');
    expect(signedPair(64, -65)).toBe('c040' + '3fbf');
    expect(signedPair(0, -1)).toBe('80' + '7f');
    // 8 and 9 bytes: 2^48 needs 50 bits with the sign (n bytes hold 7n - 1), 2^55 needs 57.
    expect(signedPair(2 ** 48, 2 ** 55)).toBe('ff01000000000000' + 'ff8080000000000000');
  });

  it('escapes 0x00 and 0xff in the name and ends it with 00 01; the rank is a length-prefixed number', () => {
    expect(hex(encodeTensorNameSlice('a\0b', [{ start: 1, length: 2 }, { start: 0, length: undefined }]))).toBe('00' + '6100ff62' + '0001' + '0102' + '81' + '82' + '80' + '7f');
  });

  it("reproduces the keys TF wrote for the three slices of 'embed' [7, 2]", () => {
    const entries = readSstable(new Uint8Array(fs.readFileSync(path.join(import.meta.dirname, 'fixtures/basic/model.ckpt.index'))), 'x');
    const embed = decodeBundleEntry(entries.find((e) => Buffer.from(e.key).toString() === 'embed')!.value);
    const sliceKeys = entries.filter((e) => e.key[0] === 0).map((e) => hex(e.key));
    expect(embed.slices.map((s) => hex(encodeTensorNameSlice('embed', s)))).toEqual(sliceKeys);
    expect(sliceKeys.length).toBe(3);
  });
});
