// Writing tensor bundles: what Strata writes reads back exactly, is laid out as
// TF's BundleWriter lays it out (header bytes, key order, CRCs), and is written
// atomically (data shard first, .index renamed last). That TF itself reads these
// files is shown in tf-interop.test.ts.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CheckpointFileError } from '../../errors.js';
import type { NamedTensorData } from '../../safetensors.js';
import { useTempDir } from '../../test-utils/temp-dir.js';
import { readTfBundle } from './bundle-reader.js';
import { encodeTfBundle, writeTfBundle } from './bundle-writer.js';
import { crc32c, maskCrc, unmaskCrc } from './crc32c.js';
import { decodeBundleEntry, DT, encodeBundleEntry, encodeBundleHeader } from './protos.js';
import { readSstable, readSstableBlocks } from './sstable-reader.js';
import { buildSstable } from './sstable-writer.js';

const dir = useTempDir('strata-tf-bundle-write-');
afterEach(() => vi.restoreAllMocks());

const tensors: NamedTensorData[] = [
  { name: 'output/W', shape: [3, 2], dtype: 'float32', data: new Float32Array([1.5, -2, 3.25, 0, -0, 1e-30]) },
  { name: 'output/b', shape: [2], dtype: 'float32', data: new Float32Array([0.1, 0.2]) },
  { name: 'global_step', shape: [], dtype: 'int32', data: new Int32Array([1200]) },
  { name: 'mask', shape: [4], dtype: 'bool', data: new Uint8Array([1, 0, 0, 1]) },
  { name: 'empty', shape: [0, 5], dtype: 'float32', data: new Float32Array(0) },
  { name: 'ids', shape: [2, 1, 2], dtype: 'int32', data: new Int32Array([-(2 ** 31), -1, 0, 2 ** 31 - 1]) },
];
const text = (b: Uint8Array) => new TextDecoder().decode(b);

function expectSame(got: ReadonlyMap<string, NamedTensorData>, want: readonly NamedTensorData[]): void {
  expect([...got.keys()]).toEqual(want.map((t) => t.name).sort());
  for (const t of want) {
    const g = got.get(t.name)!;
    expect({ shape: g.shape, dtype: g.dtype, ctor: g.data.constructor }).toEqual({ shape: t.shape, dtype: t.dtype, ctor: t.data.constructor });
    expect(Array.from(g.data)).toEqual(Array.from(t.data));
  }
}

describe('writeTfBundle', () => {
  it('writes <prefix>.index and <prefix>.data-00000-of-00001 (RETURNN-style prefix) that read back exactly, with metadata', async () => {
    const prefix = path.join(dir(), 'net', 'model.001');
    await writeTfBundle(prefix, tensors, { epoch: '1', note: 'ünïcode' });
    expect(fs.readdirSync(path.dirname(prefix)).sort()).toEqual(['model.001.data-00000-of-00001', 'model.001.index']);
    const { tensors: back, metadata, details } = await readTfBundle(prefix);
    expectSame(back, tensors);
    expect(metadata).toEqual({ epoch: '1', note: 'ünïcode' });
    expect(details!['converted']).toBeUndefined();
    // Given the .index path, the same prefix is written.
    await writeTfBundle(`${prefix}.index`, tensors.slice(0, 1));
    expect(fs.readdirSync(path.dirname(prefix)).sort()).toEqual(['model.001.data-00000-of-00001', 'model.001.index']);
    expectSame((await readTfBundle(prefix)).tensors, tensors.slice(0, 1));
  });

  it("lays the files out as TF's BundleWriter: the header, entries in byte order, tensors back to back with masked CRC32Cs", () => {
    const { index, data } = encodeTfBundle(tensors);
    const entries = readSstable(index, 'x');
    // TF 2.21's header bytes (fixtures/basic): num_shards 1, version { producer 1 }.
    const tfHeader = readSstable(new Uint8Array(fs.readFileSync(path.join(import.meta.dirname, 'fixtures/basic/model.ckpt.index'))), 'tf')[0]!.value;
    expect(Array.from(entries[0]!.value)).toEqual(Array.from(tfHeader));
    expect(entries.slice(1).map((e) => text(e.key))).toEqual(['empty', 'global_step', 'ids', 'mask', 'output/W', 'output/b']);
    let offset = 0;
    for (const e of entries.slice(1)) {
      const entry = decodeBundleEntry(e.value);
      expect(entry.offset).toBe(offset);
      expect(unmaskCrc(entry.crc32c)).toBe(crc32c(data.subarray(offset, offset + entry.size)));
      offset += entry.size;
    }
    expect(offset).toBe(data.length);
    expect(data.length).toBe(0 + 4 + 16 + 4 + 24 + 8);
  });

  it('orders keys by UTF-8 bytes (as TF), not by UTF-16 code units', () => {
    const names = ['\u{10000}', '\uE000', 'a'];
    const { index } = encodeTfBundle(names.map((name) => ({ name, shape: [], dtype: 'int32', data: new Int32Array([1]) })));
    // UTF-16: U+10000 (D800 DC00) < U+E000; UTF-8: EE 80 80 < F0 90 80 80.
    expect(readSstable(index, 'x').slice(1).map((e) => text(e.key))).toEqual(['a', '\uE000', '\u{10000}']);
  });

  it('writes bool as bytes 0/1 and a many-block index when asked for small blocks', async () => {
    const many = Array.from({ length: 300 }, (_, i): NamedTensorData => ({ name: `layer_${i}/mask`, shape: [2], dtype: 'bool', data: new Uint8Array([i % 2, 7]) }));
    const { index, data } = encodeTfBundle(many, {}, 'x', { blockSize: 256 });
    expect(readSstableBlocks(index, 'x').length).toBeGreaterThan(20);
    expect(new Set(data)).toEqual(new Set([0, 1]));
    const prefix = path.join(dir(), 'm');
    await writeTfBundle(prefix, many, {}, { blockSize: 256 });
    const back = (await readTfBundle(prefix)).tensors;
    expect(back.size).toBe(300);
    expect(Array.from(back.get('layer_7/mask')!.data)).toEqual([1, 1]);
  });

  it('renames the data shard first and the .index last, after both are fsynced under temporary names', async () => {
    const renames: string[] = [];
    const real = fs.promises.rename;
    vi.spyOn(fs.promises, 'rename').mockImplementation(async (a, b) => {
      expect(fs.readdirSync(dir()).filter((f) => f.endsWith('.tmp')).length).toBe(2 - renames.length);
      renames.push(path.basename(String(b)));
      return real(a, b);
    });
    await writeTfBundle(path.join(dir(), 'model.ckpt'), tensors);
    expect(renames).toEqual(['model.ckpt.data-00000-of-00001', 'model.ckpt.index']);
    expect(fs.readdirSync(dir()).sort()).toEqual(['model.ckpt.data-00000-of-00001', 'model.ckpt.index']);
  });

  it('a failed rewrite keeps the previous bundle and leaves no temporary files', async () => {
    const prefix = path.join(dir(), 'model.ckpt');
    await writeTfBundle(prefix, tensors);
    const real = fs.promises.rename;
    vi.spyOn(fs.promises, 'rename').mockImplementationOnce(async () => {
      throw Object.assign(new Error('EIO: i/o error, rename'), { code: 'EIO' });
    });
    await expect(writeTfBundle(prefix, [{ ...tensors[0]!, data: new Float32Array(6) }])).rejects.toThrow(/Could not write the checkpoint .*model\.ckpt\.index.*Nothing was replaced/);
    vi.spyOn(fs.promises, 'rename').mockImplementation(real);
    expect(fs.readdirSync(dir()).sort()).toEqual(['model.ckpt.data-00000-of-00001', 'model.ckpt.index']);
    expectSame((await readTfBundle(prefix)).tensors, tensors);
  });

  it('refuses tensors it cannot encode before touching the disk', async () => {
    const f = (name: string, n = 1): NamedTensorData => ({ name, shape: [n], dtype: 'float32', data: new Float32Array(n) });
    const cases: [NamedTensorData[], RegExp][] = [
      [[f('a'), f('a')], /tensor name 'a' appears twice/],
      [[f('')], /invalid tensor name ""/],
      [[f('\0slice')], /invalid tensor name "\\u0000slice"/],
      [[f('_STRATA_METADATA')], /invalid tensor name "_STRATA_METADATA"/],
      [[{ ...f('w', 2), shape: [3] }], /tensor 'w': data has 2 elements, shape \[3\] needs 3/],
      [[{ ...f('w'), dtype: 'int32' }], /tensor 'w': dtype int32 needs a Int32Array, got Float32Array/],
      [[{ ...f('w'), shape: [-1] }], /shape \[-1\] must be a list of non-negative integers/],
    ];
    const prefix = path.join(dir(), 'x');
    for (const [input, message] of cases) {
      const err = await writeTfBundle(prefix, input).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CheckpointFileError);
      expect((err as Error).message).toMatch(message);
    }
    await expect(writeTfBundle(prefix, [f('a')], { n: 3 as unknown as string })).rejects.toThrow(/metadata value 'n' is a number/);
    expect(fs.readdirSync(dir())).toEqual([]);
  });
});

describe('reading big-endian bundles', () => {
  it('swaps the bytes after checking the CRC of the bytes as stored (TF: ByteSwapTensor after crc32c::Value)', async () => {
    // A bundle as a big-endian machine writes it: endianness BIG, elements big-endian, CRCs over those bytes.
    const data = new Uint8Array(12);
    const view = new DataView(data.buffer);
    view.setFloat32(0, -1.25, false);
    view.setInt32(4, -7, false);
    view.setUint16(8, 0x3c00, false); // float16 1.0
    view.setUint16(10, 0xc000, false); // float16 -2.0
    const entry = (name: string, dtype: number, shape: number[], offset: number, size: number) => ({
      key: new TextEncoder().encode(name),
      value: encodeBundleEntry({ dtype, shape, shardId: 0, offset, size, crc32c: maskCrc(crc32c(data.subarray(offset, offset + size))) }),
    });
    const index = buildSstable([
      { key: new Uint8Array(0), value: encodeBundleHeader({ numShards: 1, endianness: 1, version: { producer: 1, minConsumer: 0, badConsumers: [] } }) },
      entry('f', DT.FLOAT, [], 0, 4),
      entry('h', DT.HALF, [2], 8, 4),
      entry('i', DT.INT32, [1], 4, 4),
    ]);
    const prefix = path.join(dir(), 'be');
    fs.writeFileSync(`${prefix}.index`, index);
    fs.writeFileSync(`${prefix}.data-00000-of-00001`, data);
    const { tensors, details } = await readTfBundle(prefix);
    expect([...tensors].map(([k, t]) => [k, t.dtype, Array.from(t.data)])).toEqual([['f', 'float32', [-1.25]], ['h', 'float32', [1, -2]], ['i', 'int32', [-7]]]);
    expect(details!['byteOrder']).toBe('big-endian (swapped on read)');
    expect(details!['converted']).toBe('DT_HALF→float32 (1 tensor)');
  });

  it('refuses a bundle from a newer format version', async () => {
    const prefix = path.join(dir(), 'new');
    fs.writeFileSync(`${prefix}.index`, buildSstable([{ key: new Uint8Array(0), value: encodeBundleHeader({ numShards: 1, endianness: 0, version: { producer: 2, minConsumer: 2, badConsumers: [] } }) }]));
    await expect(readTfBundle(prefix)).rejects.toThrow(/needs a reader of version ≥ 2 \(producer 2\); Strata reads version 1/);
  });
});
