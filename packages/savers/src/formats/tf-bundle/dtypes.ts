/**
 * Tensor bytes of a bundle's data shard ↔ Strata's float32/int32/bool arrays.
 *
 * TF stores a tensor's elements row-major in the byte order the header names
 * (`BundleHeaderProto.endianness`), `DataTypeSize(dtype)` bytes each
 * (tensorflow/core/framework/types.cc), bool as one byte 0/1.
 */
import type { DType, TensorData } from '@strata/backend';
import { DT, dataTypeName } from './protos.js';

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Bytes per element of the TF dtypes Strata reads. */
export const DTYPE_BYTES: Readonly<Record<number, number>> = {
  [DT.FLOAT]: 4, [DT.DOUBLE]: 8, [DT.HALF]: 2, [DT.BFLOAT16]: 2,
  [DT.INT8]: 1, [DT.UINT8]: 1, [DT.INT16]: 2, [DT.UINT16]: 2, [DT.INT32]: 4, [DT.UINT32]: 4, [DT.INT64]: 8, [DT.UINT64]: 8,
  [DT.BOOL]: 1,
};

/** The TF dtype Strata writes for each of its dtypes. */
export const TF_DTYPE: Readonly<Record<DType, number>> = { float32: DT.FLOAT, int32: DT.INT32, bool: DT.BOOL };

/** A decoded tensor: Strata's dtype and values, and the conversion made (`DT_DOUBLE→float32`), if any. */
export interface DecodedValues {
  readonly dtype: DType;
  readonly data: TensorData;
  readonly converted?: string;
}

/** Thrown by {@link decodeValues} for a dtype or value Strata cannot hold; the caller names the file and tensor. */
export class UnsupportedValuesError extends Error {
  override name = 'UnsupportedValuesError';
  constructor(readonly problem: string, readonly fix: string) {
    super(problem);
  }
}

/**
 * The `count` elements of TF dtype `dtype` in `bytes` as Strata values:
 * float32, int32 and bool as they are; float64 rounded to the nearest
 * float32; float16 and bfloat16 widened exactly to float32; 8/16-bit integers
 * widened to int32; int64, uint32 and uint64 narrowed to int32 when every
 * value fits.
 *
 * @throws UnsupportedValuesError for strings, resources, variants, complex and
 *   quantized dtypes, and for an integer outside the int32 range (naming its index).
 */
export function decodeValues(bytes: Uint8Array, dtype: number, count: number, littleEndian: boolean): DecodedValues {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const each = <T extends Float32Array | Int32Array>(out: T, read: (i: number) => number): T => {
    for (let i = 0; i < count; i++) out[i] = read(i);
    return out;
  };
  const conv = (data: TensorData, to: DType) => ({ dtype: to, data, converted: `${dataTypeName(dtype)}→${to}` });
  // The common case, little-endian float32/int32 on a little-endian host: the bytes are the array (no per-element copy).
  if (littleEndian && LITTLE_ENDIAN_HOST && bytes.byteOffset % 4 === 0 && (dtype === DT.FLOAT || dtype === DT.INT32)) {
    const data = dtype === DT.FLOAT ? new Float32Array(bytes.buffer, bytes.byteOffset, count) : new Int32Array(bytes.buffer, bytes.byteOffset, count);
    return { dtype: dtype === DT.FLOAT ? 'float32' : 'int32', data };
  }
  switch (dtype) {
    case DT.FLOAT: return { dtype: 'float32', data: each(new Float32Array(count), (i) => view.getFloat32(4 * i, littleEndian)) };
    case DT.INT32: return { dtype: 'int32', data: each(new Int32Array(count), (i) => view.getInt32(4 * i, littleEndian)) };
    case DT.BOOL: return { dtype: 'bool', data: Uint8Array.from(bytes.subarray(0, count), (b) => (b ? 1 : 0)) };
    case DT.DOUBLE: return conv(each(new Float32Array(count), (i) => view.getFloat64(8 * i, littleEndian)), 'float32');
    case DT.HALF: return conv(each(new Float32Array(count), (i) => halfToFloat(view.getUint16(2 * i, littleEndian))), 'float32');
    case DT.BFLOAT16: return conv(each(new Float32Array(count), (i) => bfloat16ToFloat(view.getUint16(2 * i, littleEndian))), 'float32');
    case DT.INT8: return conv(each(new Int32Array(count), (i) => view.getInt8(i)), 'int32');
    case DT.UINT8: return conv(each(new Int32Array(count), (i) => view.getUint8(i)), 'int32');
    case DT.INT16: return conv(each(new Int32Array(count), (i) => view.getInt16(2 * i, littleEndian)), 'int32');
    case DT.UINT16: return conv(each(new Int32Array(count), (i) => view.getUint16(2 * i, littleEndian)), 'int32');
    case DT.UINT32: return conv(each(new Int32Array(count), (i) => inInt32(view.getUint32(4 * i, littleEndian), i, dtype)), 'int32');
    case DT.INT64: return conv(each(new Int32Array(count), (i) => inInt32(view.getBigInt64(8 * i, littleEndian), i, dtype)), 'int32');
    case DT.UINT64: return conv(each(new Int32Array(count), (i) => inInt32(view.getBigUint64(8 * i, littleEndian), i, dtype)), 'int32');
    default:
      throw unsupportedDtype(dtype);
  }
}

/** The error for a TF dtype Strata does not read (strings, resources, variants, complex, quantized). */
export function unsupportedDtype(dtype: number): UnsupportedValuesError {
  return new UnsupportedValuesError(
    `its dtype is ${dataTypeName(dtype)}; Strata tensors are float32, int32 or bool, read from DT_FLOAT, DT_DOUBLE, DT_HALF, DT_BFLOAT16, DT_(U)INT8/16/32/64 and DT_BOOL.`,
    'leave this tensor out of the checkpoint (save only the variables the model needs, e.g. tf.compat.v1.train.Saver(var_list=...)), or cast it to float32/int32 in TF before saving.',
  );
}

function inInt32(v: number | bigint, i: number, dtype: number): number {
  if (v < -2147483648 || v > 2147483647) {
    throw new UnsupportedValuesError(
      `its ${dataTypeName(dtype)} value ${v} at flat index ${i} is outside the int32 range Strata holds (-2^31 to 2^31-1).`,
      'store it as float32 (or smaller integers) in TF before saving, or leave it out of the checkpoint.',
    );
  }
  return Number(v);
}

/** IEEE half-precision bits → the same value as float32 (exact). */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** bfloat16 bits (the high half of a float32) → float32 (exact). */
function bfloat16ToFloat(b: number): number {
  const view = new DataView(new ArrayBuffer(4));
  view.setUint32(0, b << 16);
  return view.getFloat32(0);
}
