// Reading TensorFlow-written tensor bundles. The fixtures were written by TF 2.21's
// tf.compat.v1.train.Saver and their expected values dumped with
// tf.train.load_checkpoint, by
//   /work/venv-ref/bin/python tools/tf-bundle-fixtures/make_fixtures.py make
// (see that script for the variables: float32/float64/int32/int64/bool of ranks 0–4,
// an empty tensor, a partitioned variable, two shards, 1,400 long-named variables).
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CheckpointCrcError, CheckpointFileError, CheckpointNotFoundError } from '../../errors.js';
import type { NamedTensorData } from '../../safetensors.js';
import { useTempDir } from '../../test-utils/temp-dir.js';
import { readTfBundle } from './bundle-reader.js';
import { unmaskCrc } from './crc32c.js';
import { decodeBundleEntry, DT } from './protos.js';
import { readSstable } from './sstable-reader.js';
import { decodeStringTensor } from './string-tensor.js';

const FIXTURES = path.join(import.meta.dirname, 'fixtures');
const fixture = (name: string) => path.join(FIXTURES, name, 'model.ckpt');
const dir = useTempDir('strata-tf-bundle-');

interface Expected {
  dtype: string;
  shape: number[];
  values: (number | boolean)[];
}
const expectedOf = (name: string) => JSON.parse(fs.readFileSync(path.join(FIXTURES, name, 'expected.json'), 'utf8')) as Record<string, Expected>;

/** What Strata holds for TF's values: float64 rounded to float32, int64 as int32, bool as 0/1. */
const STRATA_DTYPE: Record<string, string> = { float32: 'float32', float64: 'float32', int32: 'int32', int64: 'int32', bool: 'bool' };
function strataValues(e: Expected): number[] {
  return e.values.map((v) => (typeof v === 'boolean' ? Number(v) : e.dtype.startsWith('float') ? Math.fround(v) : v));
}

function expectMatches(tensors: ReadonlyMap<string, NamedTensorData>, expected: Record<string, Expected>): void {
  expect([...tensors.keys()]).toEqual(Object.keys(expected).sort());
  for (const [name, e] of Object.entries(expected)) {
    const t = tensors.get(name)!;
    expect({ name, dtype: t.dtype, shape: t.shape }).toEqual({ name, dtype: STRATA_DTYPE[e.dtype], shape: e.shape });
    expect(t.data.constructor).toBe(t.dtype === 'float32' ? Float32Array : t.dtype === 'int32' ? Int32Array : Uint8Array);
    expect(Array.from(t.data), name).toEqual(strataValues(e));
  }
}

/** A copy of fixture `name` in the test's temp directory; returns its prefix. */
function copyFixture(name: string): string {
  const to = path.join(dir(), name);
  fs.cpSync(path.join(FIXTURES, name), to, { recursive: true });
  return path.join(to, 'model.ckpt');
}

describe('readTfBundle on TF-written checkpoints', () => {
  it('reads every value of every dtype and rank as TF reads it (float64/int64 narrowed), by prefix, .index or data path', async () => {
    const expected = expectedOf('basic');
    for (const p of [fixture('basic'), `${fixture('basic')}.index`, `${fixture('basic')}.data-00000-of-00001`]) {
      const { tensors, metadata, details, files } = await readTfBundle(p);
      expectMatches(tensors, expected);
      expect(metadata).toEqual({});
      expect(details).toMatchObject({ shards: '1', version: 'producer 1, min_consumer 0', byteOrder: 'little-endian', partitioned: 'embed (3 slices)' });
      expect(details!['converted']).toBe('DT_INT64→int32 (2 tensors), DT_DOUBLE→float32 (1 tensor)');
      expect(files!.map((f) => [path.basename(f.path), f.bytes])).toEqual([['model.ckpt.index', 607], ['model.ckpt.data-00000-of-00001', 297]]);
    }
  });

  it('rounds float64 to the nearest float32 and keeps float32 extremes exactly', async () => {
    const { tensors } = await readTfBundle(fixture('basic'));
    const f64 = tensors.get('weights_f64')!.data as Float32Array;
    expect(Array.from(f64)).toEqual([Math.fround(0.1), Math.fround(-1 / 3), Math.fround(1e-40), 2 ** 100]);
    expect(f64[2]).toBeGreaterThan(0); // a float32 subnormal, not flushed to zero
    expect(Array.from(tensors.get('count')!.data)).toEqual([-(2 ** 31), -1, 0, 1, 7, 2 ** 31 - 1]);
    expect(tensors.get('net/dense/bias')!.data[3]).toBe(Math.fround(3.4e38));
  });

  it('assembles a partitioned variable from its three slices', async () => {
    const { tensors } = await readTfBundle(fixture('basic'));
    const embed = tensors.get('embed')!;
    expect(embed.shape).toEqual([7, 2]);
    expect(Array.from(embed.data)).toEqual(Array.from({ length: 14 }, (_, i) => i / 2));
    // The slice entries themselves are not tensors of the checkpoint.
    expect([...tensors.keys()].some((k) => k.startsWith('\0'))).toBe(false);
  });

  it('reads a checkpoint saved in two shards (Saver(sharded=True) over two devices)', async () => {
    const { tensors, details, files } = await readTfBundle(fixture('sharded'));
    expectMatches(tensors, expectedOf('sharded'));
    expect(details!['shards']).toBe('2');
    expect(files!.map((f) => path.basename(f.path))).toEqual(['model.ckpt.index', 'model.ckpt.data-00000-of-00002', 'model.ckpt.data-00001-of-00002']);
  });

  it('reads 1,401 tensors from an index of two blocks, with the digest of what TF read', async () => {
    const expected = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'many', 'expected.json'), 'utf8')) as {
      count: number;
      strataDigest: string;
      'big/W': { shape: number[]; first: number[] };
    };
    const { tensors } = await readTfBundle(fixture('many'));
    expect(tensors.size).toBe(expected.count);
    const big = tensors.get('big/W')!;
    expect(big.shape).toEqual(expected['big/W'].shape);
    expect(Array.from(big.data.subarray(0, 4))).toEqual(expected['big/W'].first);
    // The same digest as make_fixtures.py's strata_digest over TF's values: name, dtype, shape, little-endian bytes.
    const hash = createHash('sha256');
    for (const name of [...tensors.keys()].sort()) {
      const t = tensors.get(name)!;
      hash.update(`${name}\0${t.dtype === 'bool' ? 'uint8' : t.dtype}\0${t.shape.join(',')}\0`);
      hash.update(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    }
    expect(hash.digest('hex')).toBe(expected.strataDigest);
    expect(Array.from(tensors.get('01399/' + 'encoder_block_with_a_rather_long_scope_name/'.repeat(4) + 'bias')!.data)).toEqual([699.5]);
  });

  it("reads TF 2's object-based checkpoint (tf.train.Checkpoint.write), skipping its object graph", async () => {
    const { tensors, details } = await readTfBundle(fixture('tf2-checkpoint'));
    expectMatches(tensors, expectedOf('tf2-checkpoint'));
    expect(details!['skipped']).toBe('_CHECKPOINTABLE_OBJECT_GRAPH (TF 2 object graph)');
  });

  it('decodes TF string tensors with TF\'s checksum (the layout Strata\'s metadata uses)', async () => {
    const prefix = fixture('string');
    const entry = readSstable(new Uint8Array(fs.readFileSync(`${prefix}.index`)), 'x').find((e) => new TextDecoder().decode(e.key) === 'vocab')!;
    const proto = decodeBundleEntry(entry.value);
    expect(proto.dtype).toBe(DT.STRING);
    const bytes = new Uint8Array(fs.readFileSync(`${prefix}.data-00000-of-00001`)).subarray(proto.offset, proto.offset + proto.size);
    const { elements, crc } = decodeStringTensor(bytes, 2);
    expect(elements.map((e) => new TextDecoder().decode(e))).toEqual(['x', 'yz']);
    expect(crc).toBe(unmaskCrc(proto.crc32c));
  });
});

describe('readTfBundle errors name the file, the tensor and the fix', () => {
  const caught = async (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e as Error);

  it('an unsupported dtype (DT_STRING variable)', async () => {
    const err = (await caught(readTfBundle(fixture('string')))) as CheckpointFileError;
    expect(err).toBeInstanceOf(CheckpointFileError);
    expect(err.file).toBe(`${fixture('string')}.index`);
    expect(err.message).toMatch(/tensor 'vocab': its dtype is DT_STRING; Strata tensors are float32, int32 or bool.*Fix: leave this tensor out/);
  });

  it('an int64 outside the int32 range, with its index', async () => {
    const err = (await caught(readTfBundle(fixture('int64-range')))) as CheckpointFileError;
    expect(err).toBeInstanceOf(CheckpointFileError);
    expect(err.problem).toBe("tensor 'offsets': its DT_INT64 value 1099511627776 at flat index 1 is outside the int32 range Strata holds (-2^31 to 2^31-1).");
  });

  it('a missing .index is CheckpointNotFoundError', async () => {
    await expect(readTfBundle(path.join(dir(), 'nope.ckpt'))).rejects.toThrow(CheckpointNotFoundError);
  });

  it('a truncated .index, and one with a bad magic number', async () => {
    const prefix = copyFixture('basic');
    const index = fs.readFileSync(`${prefix}.index`);
    fs.writeFileSync(`${prefix}.index`, index.subarray(0, 30));
    await expect(readTfBundle(prefix)).rejects.toThrow(/model\.ckpt\.index: invalid tf-bundle file: the file is truncated: 30 bytes/);
    fs.writeFileSync(`${prefix}.index`, index.subarray(0, index.length - 1));
    await expect(readTfBundle(prefix)).rejects.toThrow(/not the SSTable magic number/);
  });

  it("a flipped bit in a tensor's bytes is a CheckpointCrcError naming the tensor and the shard", async () => {
    const prefix = copyFixture('basic');
    const data = fs.readFileSync(`${prefix}.data-00000-of-00001`);
    data[data.length - 1] ^= 0x10; // the last tensor in key order: weights_f64
    fs.writeFileSync(`${prefix}.data-00000-of-00001`, data);
    const err = (await caught(readTfBundle(prefix))) as CheckpointCrcError;
    expect(err).toBeInstanceOf(CheckpointCrcError);
    expect(err.file).toBe(`${prefix}.data-00000-of-00001`);
    expect(err.entry).toBe("tensor 'weights_f64'");
    expect(err.expected).toMatch(/^[0-9a-f]{8}$/);
    expect(err.actual).not.toBe(err.expected);
  });

  it('a missing data shard names the shard, the tensor and every file to copy', async () => {
    const prefix = copyFixture('sharded');
    fs.rmSync(`${prefix}.data-00001-of-00002`);
    const err = (await caught(readTfBundle(prefix))) as CheckpointFileError;
    expect(err).toBeInstanceOf(CheckpointFileError);
    expect(err.problem).toMatch(/^data shard 2 of 2, which holds tensor 'b\/bias', does not exist \(.*model\.ckpt\.data-00001-of-00002\)\.$/);
    expect(err.fix).toMatch(/model\.ckpt\.index and .*data-00000-of-00002 … .*data-00001-of-00002/);
  });

  it('a truncated data shard', async () => {
    const prefix = copyFixture('basic');
    const file = `${prefix}.data-00000-of-00001`;
    fs.truncateSync(file, 200);
    const err = (await caught(readTfBundle(prefix))) as CheckpointFileError;
    expect(err.file).toBe(file);
    expect(err.problem).toMatch(/^tensor '.*' lies at bytes \d+–\d+, past the end of the 200-byte data shard: the shard is truncated\.$/);
  });

  it('an SSTable that is not a bundle (no header entry)', async () => {
    const { buildSstable } = await import('./sstable-writer.js');
    const prefix = path.join(dir(), 'table');
    fs.writeFileSync(`${prefix}.index`, buildSstable([{ key: new TextEncoder().encode('a'), value: new Uint8Array(1) }]));
    await expect(readTfBundle(prefix)).rejects.toThrow(/has no header entry \(the empty key\) first/);
  });
});
