// The SSTable reader and writer against TensorFlow's own .index files
// (fixtures/*/model.ckpt.index, written by TF 2.21's tf.compat.v1.train.Saver via
// tools/tf-bundle-fixtures/make_fixtures.py): Strata reads every entry and
// rebuilds each file byte for byte, the 1,400-variable index spanning two
// 256 KiB data blocks included.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CheckpointCrcError, CheckpointFileError } from '../../errors.js';
import { crc32c, maskCrc, unmaskCrc } from './crc32c.js';
import { decodeBundleHeader } from './protos.js';
import { FOOTER_BYTES, readSstable, readSstableBlocks, type SstableEntry } from './sstable-reader.js';
import { buildSstable } from './sstable-writer.js';

const FIXTURES = path.join(import.meta.dirname, 'fixtures');
const tfIndex = (name: string) => new Uint8Array(fs.readFileSync(path.join(FIXTURES, name, 'model.ckpt.index')));
const enc = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

describe('CRC32C', () => {
  it('matches the CRC-32C check value and TF/LevelDB masking', () => {
    // The standard check value of CRC-32C (Castagnoli) for "123456789".
    expect(crc32c(enc('123456789'))).toBe(0xe3069283);
    // Extend: the CRC of a concatenation from the CRC of its first part.
    expect(crc32c(enc('6789'), crc32c(enc('12345')))).toBe(0xe3069283);
    // Mask: rotate right by 15, add 0xa282ead8 (crc32c.h).
    const crc = 0xe3069283;
    expect(maskCrc(crc)).toBe((((crc >>> 15) | (crc << 17)) + 0xa282ead8) >>> 0);
    for (const x of [0, 1, 0xffffffff, 0x12345678, crc]) expect(unmaskCrc(maskCrc(x))).toBe(x);
  });
});

describe('reading TF-written SSTables', () => {
  it('reads every entry of each fixture index: the header under the empty key first, then keys in order', () => {
    const expected: Record<string, number> = { basic: 17, sharded: 5, many: 1402, string: 3, 'int64-range': 2, 'tf2-checkpoint': 5 };
    for (const [name, count] of Object.entries(expected)) {
      const entries = readSstable(tfIndex(name), name);
      expect(entries.length, name).toBe(count);
      expect(entries[0]!.key.length).toBe(0);
      expect(decodeBundleHeader(entries[0]!.value)).toEqual({ numShards: name === 'sharded' ? 2 : 1, endianness: 0, version: { producer: 1, minConsumer: 0, badConsumers: [] } });
    }
    const keys = readSstable(tfIndex('sharded'), 'sharded').map((e) => text(e.key));
    expect(keys).toEqual(['', 'a/kernel', 'b/bias', 'b/ids', 'global_step']);
  });

  it('reads an index whose entries span two data blocks (1,402 keys of ~200 bytes, 256 KiB blocks)', () => {
    const blocks = readSstableBlocks(tfIndex('many'), 'many');
    expect(blocks.length).toBe(2);
    expect(blocks.map((b) => b.length).reduce((a, b) => a + b)).toBe(1402);
    const keys = blocks.flat().map((e) => text(e.key));
    expect(keys[1]).toBe('00000/' + 'encoder_block_with_a_rather_long_scope_name/'.repeat(4) + 'bias');
    expect(keys[1400]).toBe('01399/' + 'encoder_block_with_a_rather_long_scope_name/'.repeat(4) + 'bias');
    expect(keys[1401]).toBe('big/W');
  });
});

describe('writing SSTables as TF does', () => {
  it("rebuilds every TF fixture index byte for byte (prefix compression, restarts, index separators, footer)", () => {
    for (const name of ['basic', 'sharded', 'many', 'string', 'int64-range', 'tf2-checkpoint']) {
      const bytes = tfIndex(name);
      expect(Buffer.from(buildSstable(readSstable(bytes, name))).equals(Buffer.from(bytes)), name).toBe(true);
    }
  });

  it('round-trips many small blocks, keys with shared prefixes, empty values and restart intervals', () => {
    const entries: SstableEntry[] = [];
    for (let i = 0; i < 500; i++) entries.push({ key: enc(`layer_${String(i).padStart(4, '0')}/${i % 3 ? 'W' : 'b'}`), value: enc('v'.repeat(i % 7)) });
    for (const restartInterval of [1, 3, 16]) {
      const bytes = buildSstable(entries, { blockSize: 200, restartInterval });
      const blocks = readSstableBlocks(bytes, 'x');
      expect(blocks.length).toBeGreaterThanOrEqual(20);
      expect(blocks.flat().map((e) => [text(e.key), text(e.value)])).toEqual(entries.map((e) => [text(e.key), text(e.value)]));
    }
  });

  it('writes an empty table TF-style: two empty blocks and the footer', () => {
    const bytes = buildSstable([]);
    // metaindex and index: each 4-byte restart array [0] + count 1, plus a 5-byte trailer.
    expect(bytes.length).toBe(2 * (8 + 5) + FOOTER_BYTES);
    expect(readSstable(bytes, 'empty')).toEqual([]);
  });

  it('refuses keys out of order', () => {
    expect(() => buildSstable([{ key: enc('b'), value: enc('') }, { key: enc('a'), value: enc('') }])).toThrow(RangeError);
    expect(() => buildSstable([{ key: enc('a'), value: enc('') }, { key: enc('a'), value: enc('') }])).toThrow(/strictly increasing/);
  });
});

describe('damaged SSTables', () => {
  const basic = () => tfIndex('basic');

  it('a file shorter than the footer', () => {
    expect(() => readSstable(basic().subarray(0, 40), 'm.index')).toThrow(/m\.index: invalid tf-bundle file: the file is truncated: 40 bytes, shorter than the 48-byte SSTable footer/);
  });

  it('a bad magic number, or a file cut before its end', () => {
    const bytes = basic();
    bytes[bytes.length - 1] ^= 0xff;
    expect(() => readSstable(bytes, 'm.index')).toThrow(CheckpointFileError);
    expect(() => readSstable(bytes, 'm.index')).toThrow(/not the SSTable magic number 0xdb4775248b80fb57/);
    expect(() => readSstable(basic().subarray(0, 500), 'm.index')).toThrow(/magic number/);
  });

  it('a flipped bit in a block is a CheckpointCrcError naming the block', () => {
    const bytes = basic();
    bytes[20] ^= 0x01;
    const err = (() => {
      try {
        readSstable(bytes, 'm.index');
      } catch (e) {
        return e;
      }
    })() as CheckpointCrcError;
    expect(err).toBeInstanceOf(CheckpointCrcError);
    expect(err.entry).toMatch(/^the SSTable data block at byte 0 \(\d+ bytes\)$/);
    expect(err.expected).not.toBe(err.actual);
    expect(err.message).toMatch(/m\.index: .*CRC32C mismatch.*Fix: restore the checkpoint/);
  });

  it('a snappy-compressed block (TF before 1.2) is refused with the fix', () => {
    const bytes = buildSstable([{ key: enc('a'), value: enc('x') }]);
    // Rewrite the first (data) block's trailer: type 1 and a matching CRC, so only the compression is wrong.
    const dataSize = 1 + 1 + 1 + 1 + 1 + 8; // entry (3 varints + 'a' + 'x') + restarts [0] + count
    bytes[dataSize] = 1;
    new DataView(bytes.buffer).setUint32(dataSize + 1, maskCrc(crc32c(bytes.subarray(0, dataSize + 1))), true);
    expect(() => readSstable(bytes, 'old.index')).toThrow(/snappy-compressed.*TensorFlow ≥ 1\.2/);
  });

  it('a block that claims more restart points than it holds', () => {
    const bytes = buildSstable([{ key: enc('a'), value: enc('x') }]);
    const dataSize = 13;
    new DataView(bytes.buffer).setUint32(dataSize - 4, 1000, true);
    new DataView(bytes.buffer).setUint32(dataSize + 1, maskCrc(crc32c(bytes.subarray(0, dataSize + 1))), true);
    expect(() => readSstable(bytes, 'x.index')).toThrow(/claims 1000 restart points/);
  });
});
