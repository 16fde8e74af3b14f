// Integer safetensors tensors of every width, written by the `safetensors` Python package
// (numpy) with tools/safetensors-fixtures/make_fixtures.py; expected.json is what numpy reads back.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CheckpointFormatError } from './errors.js';
import { decodeSafetensors } from './safetensors.js';

const DIR = path.join(import.meta.dirname, 'fixtures', 'safetensors-ints');
const read = (name: string) => decodeSafetensors(fs.readFileSync(path.join(DIR, name)), path.join(DIR, name));
interface Expected {
  dtype: string;
  shape: number[];
  values: (number | boolean)[];
}

describe('safetensors integer tensors (written by the safetensors package)', () => {
  it('reads I8/U8/I16/U16/U32/I64/U64 as exact int32, F32/I32/BOOL as they are', () => {
    const expected = JSON.parse(fs.readFileSync(path.join(DIR, 'expected.json'), 'utf8')) as Record<string, Expected>;
    const { tensors } = read('ints.safetensors');
    expect([...tensors.keys()].sort()).toEqual(Object.keys(expected).sort());
    for (const [name, e] of Object.entries(expected)) {
      const t = tensors.get(name)!;
      const dtype = e.dtype === 'float32' ? 'float32' : e.dtype === 'bool' ? 'bool' : 'int32';
      expect({ name, dtype: t.dtype, shape: t.shape }).toEqual({ name, dtype, shape: e.shape });
      expect(t.data.constructor, name).toBe(dtype === 'float32' ? Float32Array : dtype === 'int32' ? Int32Array : Uint8Array);
      expect(Array.from(t.data), name).toEqual(e.values.map(Number));
    }
    expect(Array.from(tensors.get('i64_extremes')!.data)).toEqual([-(2 ** 31), 2 ** 31 - 1, 0, -1]);
  });

  it('an I64 value outside int32 is a CheckpointFormatError naming the file, tensor, index and value', () => {
    const file = path.join(DIR, 'int64-range.safetensors');
    let err: unknown;
    try {
      read('int64-range.safetensors');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CheckpointFormatError);
    expect((err as CheckpointFormatError).file).toBe(file);
    expect((err as CheckpointFormatError).problem).toMatch(/^tensor 'offsets' \(I64\) has the value 1099511627776 at flat index 2, outside the int32 range/);
  });

  it('a U32 value of 2^31 does not fit int32 either', () => {
    expect(() => read('u32-range.safetensors')).toThrow(/tensor 'ids' \(U32\) has the value 2147483648 at flat index 1/);
  });
});
