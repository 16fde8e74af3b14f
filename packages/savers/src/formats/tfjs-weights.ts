/**
 * Decoding one tfjs weight from its bytes, with the semantics of tfjs-core's
 * `io.decodeWeights` (io/io_utils.ts, v4.22): plain `float32`/`int32`/`bool`
 * little-endian values, or values quantised to `uint8`/`uint16` (value =
 * q · scale + min, rounded for `int32` weights) or `float16` (`float32` weights
 * only, converted bit-exactly, NaN payloads included).
 */
import { sizeOf, type DType, type TensorData } from '@strata/backend';

/** One entry of a tfjs `weightsManifest` group's `weights` (tfjs' `WeightsManifestEntry`). */
export interface WeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: string; scale?: number; min?: number } | null;
  group?: string;
}

/** Reports a problem with a weight, and how to fix it; never returns. */
export type Fail = (problem: string, fix: string) => never;

const PLAIN_SIZES: Record<string, number> = { float32: 4, int32: 4, bool: 1 };
const QUANTIZED_SIZES: Record<string, number> = { uint8: 1, uint16: 2, float16: 2 };
const REEXPORT = 'Re-export the model with tfjs-converter using float32, int32 or bool weights and uint8, uint16 or float16 quantisation.';

/** Checks a spec's name, shape, dtype and quantisation; returns its size in the shards, in bytes. */
export function weightByteLength(spec: WeightSpec, fail: Fail): number {
  const what = `weight ${JSON.stringify(spec?.name)}`;
  if (typeof spec?.name !== 'string' || spec.name === '') fail(`a weightsManifest entry has no name (${JSON.stringify(spec)}).`, 'give every weight a unique name.');
  if (!Array.isArray(spec.shape) || !spec.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    fail(`${what} has shape ${JSON.stringify(spec.shape)}, not a list of non-negative integers.`, 'fix the shape in model.json.');
  }
  if (!(spec.dtype in PLAIN_SIZES)) {
    fail(`${what} has dtype ${JSON.stringify(spec.dtype)}; Strata reads float32, int32 and bool weights.`, REEXPORT);
  }
  const q = spec.quantization;
  if (q == null) return sizeOf(spec.shape) * PLAIN_SIZES[spec.dtype]!;
  if (!(q.dtype in QUANTIZED_SIZES)) {
    fail(`${what} has unknown quantization dtype ${JSON.stringify(q.dtype)}; supported are uint8, uint16 and float16.`, REEXPORT);
  }
  if (q.dtype === 'float16' && spec.dtype !== 'float32') {
    fail(`${what} is quantized with float16, which only supports weights of type float32, not ${spec.dtype}.`, REEXPORT);
  }
  if (q.dtype !== 'float16') {
    if (!Number.isFinite(q.scale) || !Number.isFinite(q.min)) {
      fail(`${what} with quantization ${q.dtype} lacks a numeric scale and min (got scale=${q.scale}, min=${q.min}).`, 'add the scale and min the quantiser used to model.json.');
    }
    if (spec.dtype === 'bool') fail(`${what}: bool weights cannot be quantized with ${q.dtype}.`, REEXPORT);
  }
  return sizeOf(spec.shape) * QUANTIZED_SIZES[q.dtype]!;
}

/**
 * Decodes one weight from exactly `weightByteLength(spec)` bytes (checked by
 * the caller) into a fresh typed array of `spec.dtype`. Assumes a
 * little-endian host, as tfjs does.
 */
export function decodeWeight(spec: WeightSpec, bytes: Uint8Array): { dtype: DType; data: TensorData } {
  const copy = new Uint8Array(bytes); // a copy with its own, aligned ArrayBuffer (Buffer#slice would be a view)
  const dtype = spec.dtype as DType;
  const q = spec.quantization;
  if (q == null) {
    const data = dtype === 'float32' ? new Float32Array(copy.buffer) : dtype === 'int32' ? new Int32Array(copy.buffer) : copy;
    return { dtype, data };
  }
  const quantized = q.dtype === 'uint8' ? copy : new Uint16Array(copy.buffer);
  if (q.dtype === 'float16') return { dtype, data: float16ToFloat32(quantized as Uint16Array) };
  const scale = q.scale!;
  const min = q.min!;
  if (dtype === 'int32') {
    const out = new Int32Array(quantized.length);
    for (let i = 0; i < quantized.length; i++) out[i] = Math.round(quantized[i]! * scale + min);
    return { dtype, data: out };
  }
  // Computed in float64, then rounded to float32 on store: what tfjs does.
  const out = new Float32Array(quantized.length);
  for (let i = 0; i < quantized.length; i++) out[i] = quantized[i]! * scale + min;
  return { dtype, data: out };
}

/**
 * IEEE half-precision bit patterns to float32, exactly (every half value is a
 * float32 value). Infinities and NaNs keep their sign and payload (the
 * mantissa shifted left by 13), as tfjs' table-driven decoder produces.
 */
export function float16ToFloat32(halves: Uint16Array): Float32Array {
  const out = new Float32Array(halves.length);
  const bits = new Uint32Array(out.buffer);
  for (let i = 0; i < halves.length; i++) {
    const h = halves[i]!;
    const sign = (h & 0x8000) << 16;
    const exponent = (h >> 10) & 0x1f;
    const mantissa = h & 0x3ff;
    if (exponent === 0) {
      // Zero or subnormal: mantissa · 2^-24, exact in float32.
      out[i] = (sign ? -1 : 1) * mantissa * 2 ** -24;
    } else if (exponent === 0x1f) {
      bits[i] = (sign | 0x7f800000 | (mantissa << 13)) >>> 0;
    } else {
      bits[i] = (sign | ((exponent - 15 + 127) << 23) | (mantissa << 13)) >>> 0;
    }
  }
  return out;
}
