import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CheckpointChecksumError, CheckpointFormatError } from './errors.js';
import {
  CHECKSUM_METADATA_KEY,
  decodeSafetensors,
  encodeSafetensors,
  type NamedTensorData,
  parseSafetensorsHeader,
} from './safetensors.js';

const sample: NamedTensorData[] = [
  { name: 'net/dense/kernel', shape: [2, 3], dtype: 'float32', data: new Float32Array([1.5, -2, 3.25, 0, -0, 1e-30]) },
  { name: 'mask', shape: [5], dtype: 'bool', data: new Uint8Array([1, 0, 0, 1, 1]) },
  { name: 'net/ids', shape: [2, 1, 2], dtype: 'int32', data: new Int32Array([7, -1, 2147483647, -2147483648]) },
  { name: 'scalar', shape: [], dtype: 'float32', data: new Float32Array([Math.PI]) },
  { name: 'empty', shape: [0, 4], dtype: 'int32', data: new Int32Array(0) },
];

/** Builds a file image from a hand-written header object and data bytes (for malformed inputs). */
function rawFile(header: unknown, data: Uint8Array = new Uint8Array(0), headerText = JSON.stringify(header)): Uint8Array {
  const json = new TextEncoder().encode(headerText);
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

function expectFormatError(bytes: Uint8Array, pattern: RegExp): void {
  let err: unknown;
  try {
    decodeSafetensors(bytes, '/ckpt/model.safetensors');
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(CheckpointFormatError);
  expect((err as CheckpointFormatError).file).toBe('/ckpt/model.safetensors');
  expect((err as Error).message).toContain('/ckpt/model.safetensors');
  expect((err as Error).message).toMatch(pattern);
}

describe('safetensors encode/decode', () => {
  it('round-trips float32, int32, bool, scalars and empty tensors with metadata', () => {
    const meta = { epoch: '3', step: '1200', format: 'strata-checkpoint/1', note: 'ünïcode ✓' };
    const { tensors, metadata } = decodeSafetensors(encodeSafetensors(sample, meta));
    expect(metadata).toEqual(meta);
    expect([...tensors.keys()].sort()).toEqual(sample.map((t) => t.name).sort());
    for (const t of sample) {
      const got = tensors.get(t.name)!;
      expect(got.dtype).toBe(t.dtype);
      expect(got.shape).toEqual(t.shape);
      expect(got.data.constructor).toBe(t.data.constructor);
      expect(Array.from(got.data)).toEqual(Array.from(t.data));
    }
    expect(Object.is(tensors.get('net/dense/kernel')!.data[4], -0)).toBe(true);
  });

  it('writes the byte layout of the spec (length, padded JSON header, little-endian data)', () => {
    const bytes = encodeSafetensors(sample, { epoch: '3' });
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(n % 8).toBe(0);
    const headerText = new TextDecoder().decode(bytes.subarray(8, 8 + n));
    expect(headerText[0]).toBe('{');
    const trimmed = headerText.trimEnd(); // padding: 0 to 7 spaces (0x20) after the JSON
    expect(n - trimmed.length).toBeLessThan(8);
    expect(headerText.slice(trimmed.length)).toMatch(/^ *$/);
    const header = JSON.parse(headerText) as Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
    expect(Object.keys(header)[0]).toBe('__metadata__');
    const dataSha = createHash('sha256').update(bytes.subarray(8 + n)).digest('hex');
    expect(header['__metadata__']).toEqual({ epoch: '3', 'strata.sha256': dataSha });
    // 4-byte types first (by name), then 1-byte ones: each tensor aligned to its element size.
    expect(header['empty']).toEqual({ dtype: 'I32', shape: [0, 4], data_offsets: [0, 0] });
    expect(header['net/dense/kernel']).toEqual({ dtype: 'F32', shape: [2, 3], data_offsets: [0, 24] });
    expect(header['net/ids']).toEqual({ dtype: 'I32', shape: [2, 1, 2], data_offsets: [24, 40] });
    expect(header['scalar']).toEqual({ dtype: 'F32', shape: [], data_offsets: [40, 44] });
    expect(header['mask']).toEqual({ dtype: 'BOOL', shape: [5], data_offsets: [44, 49] });
    expect(bytes.length).toBe(8 + n + 49);
    const data = new DataView(bytes.buffer, 8 + n);
    expect(data.getFloat32(0, true)).toBe(1.5);
    expect(data.getFloat32(8, true)).toBe(3.25);
    expect(data.getInt32(24, true)).toBe(7);
    expect(data.getInt32(36, true)).toBe(-2147483648);
    expect(data.getFloat32(40, true)).toBeCloseTo(Math.PI, 6);
    expect(Array.from(bytes.subarray(8 + n + 44))).toEqual([1, 0, 0, 1, 1]);
  });

  it('decodes from a Node Buffer that is a view into a larger, pooled ArrayBuffer', () => {
    const bytes = encodeSafetensors(sample);
    const pool = Buffer.alloc(bytes.length + 13, 0xab);
    pool.set(bytes, 5);
    const { tensors } = decodeSafetensors(pool.subarray(5, 5 + bytes.length));
    const w = tensors.get('net/dense/kernel')!;
    expect(w.data.length).toBe(6);
    expect(w.data.buffer.byteLength).toBe(24);
    expect(Array.from(w.data)).toEqual(Array.from(sample[0]!.data));
    expect(Array.from(tensors.get('mask')!.data)).toEqual([1, 0, 0, 1, 1]);
  });

  it('decodes a file written by another writer (unpadded header, reverse order)', () => {
    const data = new Uint8Array([1, 0, 0, 0, 0, 0, 0x80, 0x3f]); // I32 1 at [0, 4), F32 1.0 at [4, 8)
    const bytes = rawFile({ b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] }, a: { dtype: 'I32', shape: [1], data_offsets: [0, 4] } }, data);
    const { tensors, metadata } = decodeSafetensors(bytes);
    expect(metadata).toEqual({});
    expect(Array.from(tensors.get('a')!.data)).toEqual([1]);
    expect(Array.from(tensors.get('b')!.data)).toEqual([1]);
  });

  it('rejects bad input to the encoder before producing bytes', () => {
    const f = (t: Partial<NamedTensorData>, meta: Record<string, unknown> = {}) => () =>
      encodeSafetensors([{ name: 'x', shape: [2], dtype: 'float32', data: new Float32Array(2), ...t }], meta as Record<string, string>, 'out.st');
    expect(f({ shape: [3] })).toThrow(/out\.st.*data has 2 elements, shape \[3\] needs 3/);
    expect(f({ data: new Int32Array(2) })).toThrow(/needs a Float32Array, got Int32Array/);
    expect(f({ name: '__metadata__' })).toThrow(CheckpointFormatError);
    expect(f({}, { epoch: 3 })).toThrow(/metadata value 'epoch' is a number/);
    const t = { name: 'x', shape: [1], dtype: 'int32' as const, data: new Int32Array(1) };
    expect(() => encodeSafetensors([t, t])).toThrow(/'x' appears twice/);
  });
});

describe('safetensors header validation', () => {
  const good = () => encodeSafetensors(sample, { epoch: '1' });
  const f32 = (name: string, offsets: [number, number], shape = [1]) => ({ [name]: { dtype: 'F32', shape, data_offsets: offsets } });

  it('accepts its own output and reports entries in offset order', () => {
    const h = parseSafetensorsHeader(good());
    expect(h.entries.map((e) => e.name)).toEqual(['empty', 'net/dense/kernel', 'net/ids', 'scalar', 'mask']);
    expect(h.dataStart % 8).toBe(0);
  });

  it('rejects a file shorter than the length field', () => {
    expectFormatError(new Uint8Array(5), /truncated: 5 bytes/);
  });

  it('rejects a header length beyond the end of the file', () => {
    const bytes = good().slice(0, 40);
    expectFormatError(bytes, /header length \d+ bytes runs beyond the end of the file/);
    const huge = new Uint8Array(16);
    new DataView(huge.buffer).setBigUint64(0, 2n ** 63n, true);
    expectFormatError(huge, /runs beyond the end/);
  });

  it('rejects a truncated data section', () => {
    const bytes = good();
    expectFormatError(bytes.slice(0, bytes.length - 3), /file size \d+ bytes does not match the header.*truncated/);
  });

  it('rejects trailing bytes after the data', () => {
    const bytes = good();
    const longer = new Uint8Array(bytes.length + 2);
    longer.set(bytes);
    expectFormatError(longer, /trailing bytes/);
  });

  it('rejects bad JSON, non-UTF-8 and non-object headers', () => {
    expectFormatError(rawFile(null, undefined, '{"a": {"dtype": "F32",'), /not valid JSON/);
    expectFormatError(rawFile(null, undefined, '[1, 2]'), /does not start with '\{'/);
    const bad = rawFile(null, undefined, '{"a":1}');
    bad[10] = 0xff;
    expectFormatError(bad, /not valid UTF-8/);
  });

  it('rejects overlapping offsets', () => {
    expectFormatError(rawFile({ ...f32('a', [0, 8], [2]), ...f32('b', [4, 12], [2]) }, new Uint8Array(12)), /'b'.*overlap tensor 'a'/);
  });

  it('rejects holes and data not starting at 0', () => {
    expectFormatError(rawFile({ ...f32('a', [0, 4]), ...f32('b', [8, 12]) }, new Uint8Array(12)), /hole in the byte buffer: bytes \[4, 8\)/);
    expectFormatError(rawFile(f32('a', [4, 8]), new Uint8Array(8)), /hole.*\[0, 4\)/);
  });

  it('rejects a byte size that does not match shape and dtype', () => {
    expectFormatError(rawFile(f32('w', [0, 8], [3]), new Uint8Array(8)), /'w'.*span 8 bytes, but shape \[3\] of F32 needs 12/);
  });

  it('rejects offsets beyond the file and malformed entries', () => {
    expectFormatError(rawFile(f32('w', [0, 400], [100]), new Uint8Array(8)), /file size.*truncated/);
    expectFormatError(rawFile({ w: { dtype: 'F32', shape: [1], data_offsets: [4, 0] } }), /data_offsets \[4,0\] is not \[begin, end\]/);
    expectFormatError(rawFile({ w: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, new Uint8Array(4)), /shape \[-1\]/);
    expectFormatError(rawFile({ w: { dtype: 'Q7', shape: [1], data_offsets: [0, 4] } }, new Uint8Array(4)), /unknown dtype "Q7"/);
    expectFormatError(rawFile({ w: [1, 2] }), /entry 'w' is not an object/);
  });

  it('rejects non-string metadata values', () => {
    expectFormatError(rawFile({ __metadata__: { epoch: 3 } }), /metadata value 'epoch' is 3, not a string/);
    expectFormatError(rawFile({ __metadata__: 'x' }), /'__metadata__' is not an object/);
  });

  it('rejects valid safetensors dtypes Strata cannot hold, naming the tensor', () => {
    expectFormatError(rawFile({ h: { dtype: 'F16', shape: [2], data_offsets: [0, 4] } }, new Uint8Array(4)), /'h' has dtype F16.*F32, I32, BOOL and integers that fit int32/);
  });
});

describe('safetensors integrity (strata.sha256)', () => {
  const file = '/ckpt/model.safetensors';
  const dataStart = (bytes: Uint8Array) => 8 + Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));

  it('records the SHA-256 of the data section, verifies it on read and hides it from the metadata', () => {
    const bytes = encodeSafetensors(sample, { epoch: '2' });
    const expected = createHash('sha256').update(bytes.subarray(dataStart(bytes))).digest('hex');
    expect(parseSafetensorsHeader(bytes).metadata[CHECKSUM_METADATA_KEY]).toBe(expected);
    const { metadata, sha256 } = decodeSafetensors(bytes, file);
    expect(metadata).toEqual({ epoch: '2' });
    expect(sha256).toBe(expected);
  });

  it('a flipped byte in the data section is a CheckpointChecksumError naming the file and both hashes', () => {
    const bytes = encodeSafetensors(sample, { epoch: '2' });
    const at = dataStart(bytes) + 9; // inside net/dense/kernel
    bytes[at] = bytes[at]! ^ 0x01;
    let err: unknown;
    try {
      decodeSafetensors(bytes, file);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CheckpointChecksumError);
    expect(err).toBeInstanceOf(CheckpointFormatError);
    const c = err as CheckpointChecksumError;
    expect(c.file).toBe(file);
    expect(c.message).toContain(file);
    expect(c.message).toMatch(/checksum mismatch/);
    expect(c.expected).toBe(parseSafetensorsHeader(bytes).metadata[CHECKSUM_METADATA_KEY]);
    expect(c.actual).toBe(createHash('sha256').update(bytes.subarray(dataStart(bytes))).digest('hex'));
    expect(c.actual).not.toBe(c.expected);
  });

  it('files without a checksum (other writers) still decode; a malformed checksum is rejected', () => {
    const plain = encodeSafetensors(sample, {}, '<buffer>', { checksum: false });
    expect(parseSafetensorsHeader(plain).metadata).toEqual({});
    expect(decodeSafetensors(plain).sha256).toBeUndefined();
    const data = new Uint8Array([0, 0, 0x80, 0x3f]);
    expectFormatError(rawFile({ __metadata__: { [CHECKSUM_METADATA_KEY]: 'abc' }, w: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, data), /'strata\.sha256' is "abc", not 64 lowercase hex digits/);
  });

  it('refuses user metadata under the reserved checksum key', () => {
    expect(() => encodeSafetensors(sample, { [CHECKSUM_METADATA_KEY]: 'x' }, 'out.safetensors')).toThrow(/out\.safetensors.*'strata\.sha256' is reserved/);
  });

  // The structural checks run before the checksum: each corruption gets its own message.
  it('a truncated file: typed error saying truncated', () => {
    const bytes = encodeSafetensors(sample);
    expectFormatError(bytes.slice(0, bytes.length - 1), /truncated/);
  });

  it('extra bytes after the data: typed error saying trailing bytes', () => {
    const bytes = encodeSafetensors(sample);
    const longer = new Uint8Array(bytes.length + 1);
    longer.set(bytes);
    expectFormatError(longer, /trailing bytes/);
  });

  it('a wrong dtype (byte size of F32 declared over I8 data, or an unknown dtype): typed error with the sizes', () => {
    expectFormatError(rawFile({ w: { dtype: 'F32', shape: [4], data_offsets: [0, 4] } }, new Uint8Array(4)), /'w'.*span 4 bytes, but shape \[4\] of F32 needs 16/);
    expectFormatError(rawFile({ w: { dtype: 'F33', shape: [1], data_offsets: [0, 4] } }, new Uint8Array(4)), /unknown dtype "F33"/);
  });

  it('overlapping offsets: typed error naming both tensors', () => {
    const header = { a: { dtype: 'I32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'I32', shape: [1], data_offsets: [4, 8] } };
    expectFormatError(rawFile(header, new Uint8Array(8)), /'b'.*overlap tensor 'a'/);
  });

  it('offsets out of range: typed error saying the file is truncated', () => {
    expectFormatError(rawFile({ w: { dtype: 'I32', shape: [2], data_offsets: [0, 8] } }, new Uint8Array(4)), /8 \+ \d+ header bytes \+ 8 data bytes.*truncated/);
  });
});
