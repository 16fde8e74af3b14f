/**
 * The safetensors format, encoded and decoded in memory.
 *
 * Source: https://github.com/huggingface/safetensors (README "Format"). Layout:
 * 8 bytes `N` (unsigned 64-bit little-endian) · `N` bytes of UTF-8 JSON header
 * `{"NAME": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]},
 * "__metadata__": {"key": "value"}}`, padded with spaces (0x20) to a multiple
 * of 8 bytes · the byte buffer, every tensor row-major little-endian, offsets
 * relative to the start of the buffer, the buffer indexed entirely, no holes.
 *
 * Integrity (a Strata addition the format allows): the writer records the
 * SHA-256 of the byte buffer in `__metadata__["strata.sha256"]`, and the
 * reader verifies it when present, so a flipped bit on disk is an error rather
 * than a silently wrong weight. Files from other writers have no such key and
 * are read as before.
 */
import { createHash } from 'node:crypto';
import { sizeOf, type DType, type TensorData } from '@strata/backend';
import { CheckpointChecksumError, CheckpointFormatError } from './errors.js';

/**
 * One named tensor's values on the host, as written to and read from a checkpoint.
 *
 * `data` is row-major and has `sizeOf(shape)` elements: a `Float32Array` for
 * `float32`, an `Int32Array` for `int32`, a `Uint8Array` of 0/1 for `bool`.
 */
export interface NamedTensorData {
  /** Checkpoint key, e.g. `net/dense/kernel` (a Variable's `path`). */
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly data: TensorData;
}

/** The contents of a safetensors file: tensors by name, and the string metadata. */
export interface SafetensorsContents {
  readonly tensors: Map<string, NamedTensorData>;
  /** The header's `__metadata__`, without the checksum key ({@link CHECKSUM_METADATA_KEY}). */
  readonly metadata: Record<string, string>;
  /** Hex SHA-256 of the byte buffer, when the file records one (it was verified). */
  readonly sha256?: string;
}

/** Options of {@link encodeSafetensors}. */
export interface EncodeSafetensorsOptions {
  /** Record the SHA-256 of the byte buffer under {@link CHECKSUM_METADATA_KEY}. Default true. */
  readonly checksum?: boolean;
}

/** One validated header entry: where a tensor's bytes lie in the file. */
export interface SafetensorsEntry {
  readonly name: string;
  /** The safetensors dtype string, e.g. `F32`. */
  readonly dtype: string;
  readonly shape: readonly number[];
  /** Byte offsets `[begin, end)` relative to the start of the byte buffer. */
  readonly dataOffsets: readonly [number, number];
}

/** A validated header: entries sorted by offset, metadata, and where the byte buffer starts (bytes). */
export interface SafetensorsHeader {
  readonly entries: readonly SafetensorsEntry[];
  readonly metadata: Record<string, string>;
  /** `8 + N`: file offset of the byte buffer, in bytes. */
  readonly dataStart: number;
}

/** Bytes per element of every dtype the safetensors spec names (sub-byte float types excluded). */
export const SAFETENSORS_DTYPE_SIZES: Readonly<Record<string, number>> = {
  BOOL: 1, U8: 1, I8: 1, F8_E5M2: 1, F8_E4M3: 1,
  I16: 2, U16: 2, F16: 2, BF16: 2,
  I32: 4, U32: 4, F32: 4,
  I64: 8, U64: 8, F64: 8,
};

const TO_SAFETENSORS: Record<DType, string> = { float32: 'F32', int32: 'I32', bool: 'BOOL' };
const FROM_SAFETENSORS: Record<string, DType> = { F32: 'float32', I32: 'int32', BOOL: 'bool' };
/**
 * Integer dtypes read into int32 (exactly: 8/16-bit ones always fit; I64, U32
 * and U64 when every value lies in the int32 range), with the reader of each
 * little-endian element. RETURNN/TF write sparse data and some params as int64.
 */
const INTS_TO_INT32: Readonly<Record<string, (v: DataView, i: number) => number | bigint>> = {
  I8: (v, i) => v.getInt8(i),
  U8: (v, i) => v.getUint8(i),
  I16: (v, i) => v.getInt16(2 * i, true),
  U16: (v, i) => v.getUint16(2 * i, true),
  U32: (v, i) => v.getUint32(4 * i, true),
  I64: (v, i) => v.getBigInt64(8 * i, true),
  U64: (v, i) => v.getBigUint64(8 * i, true),
};

/** Upper bound on `N` (bytes), as in the reference implementation, so a corrupt length cannot allocate gigabytes. */
export const MAX_HEADER_BYTES = 100_000_000;
const METADATA_KEY = '__metadata__';
/** The `__metadata__` key holding the hex SHA-256 of the byte buffer (written by Strata, verified on read). */
export const CHECKSUM_METADATA_KEY = 'strata.sha256';
const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Encodes tensors and string metadata as one safetensors file image.
 *
 * Tensors are laid out by element size (largest first), then by name, as the
 * reference writer does, so every tensor's bytes are aligned to its element
 * size within the file; `__metadata__` is omitted when empty. Unless
 * `options.checksum` is false, the SHA-256 of the byte buffer is added to the
 * metadata under {@link CHECKSUM_METADATA_KEY}.
 *
 * @param target - the destination named in errors (a path, or `<buffer>`).
 * @throws CheckpointFormatError if a name is empty, repeated or `__metadata__`,
 *   metadata uses the reserved key {@link CHECKSUM_METADATA_KEY},
 *   a shape is not a list of non-negative integers, `data` is not the typed
 *   array of `dtype` or its length is not `sizeOf(shape)`, or a metadata value
 *   is not a string. Errors thrown while reading `data` propagate unchanged.
 */
export function encodeSafetensors(
  tensors: readonly NamedTensorData[],
  metadata: Readonly<Record<string, string>> = {},
  target = '<buffer>',
  options: EncodeSafetensorsOptions = {},
): Uint8Array {
  const fail = (problem: string): never => {
    throw new CheckpointFormatError({ file: target, problem: `cannot encode: ${problem}` });
  };
  for (const [k, v] of Object.entries(metadata)) {
    if (typeof v !== 'string') fail(`metadata value '${k}' is a ${typeof v}; safetensors metadata values must be strings (use String(x)).`);
    if (k === CHECKSUM_METADATA_KEY) fail(`metadata key '${k}' is reserved for the checksum Strata writes; rename the key.`);
  }
  const seen = new Set<string>();
  const items = tensors.map((t) => {
    const { name, shape, dtype, data } = t;
    if (typeof name !== 'string' || name === '' || name === METADATA_KEY) fail(`invalid tensor name ${JSON.stringify(name)}.`);
    if (seen.has(name)) fail(`tensor name '${name}' appears twice.`);
    seen.add(name);
    if (!(dtype in TO_SAFETENSORS)) fail(`tensor '${name}': unsupported dtype ${JSON.stringify(dtype)}; expected float32, int32 or bool.`);
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      fail(`tensor '${name}': shape ${JSON.stringify(shape)} must be a list of non-negative integers.`);
    }
    const want = dtype === 'float32' ? Float32Array : dtype === 'int32' ? Int32Array : Uint8Array;
    if (!(data instanceof want)) fail(`tensor '${name}': dtype ${dtype} needs a ${want.name}, got ${data?.constructor?.name ?? typeof data}.`);
    if (data.length !== sizeOf(shape)) fail(`tensor '${name}': data has ${data.length} elements, shape [${shape.join(', ')}] needs ${sizeOf(shape)}.`);
    return { name, shape, st: TO_SAFETENSORS[dtype], data };
  });
  items.sort((a, b) => b.data.BYTES_PER_ELEMENT - a.data.BYTES_PER_ELEMENT || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

  const header: Record<string, unknown> = {};
  const meta: Record<string, string> = { ...metadata };
  if (options.checksum ?? true) {
    const hash = createHash('sha256');
    for (const it of items) hash.update(littleEndianBytes(it.data));
    meta[CHECKSUM_METADATA_KEY] = hash.digest('hex');
  }
  if (Object.keys(meta).length > 0) header[METADATA_KEY] = meta;
  let offset = 0;
  for (const it of items) {
    header[it.name] = { dtype: it.st, shape: [...it.shape], data_offsets: [offset, offset + it.data.byteLength] };
    offset += it.data.byteLength;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const n = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + n + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(n), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + n);
  let at = 8 + n;
  for (const it of items) {
    out.set(littleEndianBytes(it.data), at);
    at += it.data.byteLength;
  }
  return out;
}

/**
 * Reads and fully validates the header of a safetensors file image, without
 * copying any tensor data.
 *
 * Checks: the file holds the 8-byte length and the `N` header bytes; `N` ≤
 * {@link MAX_HEADER_BYTES}; the header is UTF-8 JSON starting with `{` and is
 * an object; `__metadata__`, if present, maps strings to strings; each entry
 * has a known `dtype`, a `shape` of non-negative integers and `data_offsets`
 * `[begin, end]` with `begin ≤ end`; `end - begin = product(shape) · dtypeSize`;
 * sorted by offset the entries start at 0, are contiguous and do not overlap;
 * and `8 + N + lastEnd` equals the file size.
 *
 * @param source - the file named in errors.
 * @throws CheckpointFormatError naming `source` and the first violation found.
 */
export function parseSafetensorsHeader(bytes: Uint8Array, source = '<buffer>'): SafetensorsHeader {
  const fail = (problem: string): never => {
    throw new CheckpointFormatError({ file: source, problem });
  };
  if (bytes.length < 8) fail(`file is truncated: ${bytes.length} bytes, shorter than the 8-byte header length.`);
  const n64 = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(0, true);
  if (n64 > BigInt(bytes.length - 8)) fail(`header length ${n64} bytes runs beyond the end of the file (${bytes.length - 8} bytes after the length field); the file is truncated or not safetensors.`);
  const n = Number(n64);
  if (n > MAX_HEADER_BYTES) fail(`header length ${n} bytes exceeds the ${MAX_HEADER_BYTES}-byte limit.`);
  if (n < 2 || bytes[8] !== 0x7b) fail(`header does not start with '{' (not a safetensors file?).`);
  let text = '';
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n));
  } catch {
    fail('header is not valid UTF-8.');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    fail(`header is not valid JSON (${(e as Error).message}).`);
  }
  if (!isPlainObject(parsed)) fail('header JSON is not an object.');
  const obj = parsed as Record<string, unknown>;

  const metadata: Record<string, string> = {};
  if (METADATA_KEY in obj) {
    const m = obj[METADATA_KEY];
    if (!isPlainObject(m)) fail(`'${METADATA_KEY}' is not an object of strings.`);
    for (const [k, v] of Object.entries(m as Record<string, unknown>)) {
      if (typeof v !== 'string') fail(`metadata value '${k}' is ${JSON.stringify(v)}, not a string.`);
      metadata[k] = v as string;
    }
  }

  const entries: SafetensorsEntry[] = [];
  for (const [name, raw] of Object.entries(obj)) {
    if (name === METADATA_KEY) continue;
    if (!isPlainObject(raw)) fail(`entry '${name}' is not an object.`);
    const { dtype, shape, data_offsets: offs } = raw as Record<string, unknown>;
    if (typeof dtype !== 'string' || !(dtype in SAFETENSORS_DTYPE_SIZES)) {
      fail(`tensor '${name}': unknown dtype ${JSON.stringify(dtype)}; expected one of ${Object.keys(SAFETENSORS_DTYPE_SIZES).join(', ')}.`);
    }
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      fail(`tensor '${name}': shape ${JSON.stringify(shape)} is not a list of non-negative integers.`);
    }
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((o) => Number.isSafeInteger(o) && o >= 0) || offs[0] > offs[1]) {
      fail(`tensor '${name}': data_offsets ${JSON.stringify(offs)} is not [begin, end] with 0 ≤ begin ≤ end.`);
    }
    const [begin, end] = offs as [number, number];
    const need = sizeOf(shape as number[]) * SAFETENSORS_DTYPE_SIZES[dtype as string]!;
    if (end - begin !== need) {
      fail(`tensor '${name}': data_offsets [${begin}, ${end}] span ${end - begin} bytes, but shape ${JSON.stringify(shape)} of ${dtype} needs ${need}.`);
    }
    entries.push({ name, dtype: dtype as string, shape: shape as number[], dataOffsets: [begin, end] });
  }

  entries.sort((a, b) => a.dataOffsets[0] - b.dataOffsets[0] || a.dataOffsets[1] - b.dataOffsets[1]);
  let expected = 0;
  let prev = '';
  for (const e of entries) {
    const [begin, end] = e.dataOffsets;
    if (begin < expected) fail(`tensor '${e.name}' data_offsets [${begin}, ${end}] overlap tensor '${prev}' (which ends at ${expected}).`);
    if (begin > expected) fail(`hole in the byte buffer: bytes [${expected}, ${begin}) belong to no tensor (before '${e.name}').`);
    expected = end;
    prev = e.name;
  }
  const dataStart = 8 + n;
  if (dataStart + expected !== bytes.length) {
    fail(
      `file size ${bytes.length} bytes does not match the header: 8 + ${n} header bytes + ${expected} data bytes = ${dataStart + expected}` +
        (dataStart + expected > bytes.length ? ' (the file is truncated).' : ' (trailing bytes).'),
    );
  }
  return { entries, metadata, dataStart };
}

/**
 * Decodes a safetensors file image into tensors (copies, independent of
 * `bytes`) and metadata, after {@link parseSafetensorsHeader} validated it
 * and, when the header records one, the SHA-256 of the byte buffer matched.
 *
 * @param source - the file named in errors.
 * Integer tensors of other widths (I8, U8, I16, U16, U32, I64, U64) are read
 * as int32 when every value fits, so the values are exact (TF and RETURNN
 * write sparse labels and some params as int64).
 *
 * @throws CheckpointFormatError for any header violation, a tensor whose
 *   dtype is valid safetensors but not one Strata holds (floats other than F32),
 *   or an integer value outside the int32 range (naming the tensor, its flat index and the value).
 * @throws CheckpointChecksumError if the recorded SHA-256 does not match the data.
 */
export function decodeSafetensors(bytes: Uint8Array, source = '<buffer>'): SafetensorsContents {
  // A Node Buffer's slice() is a view, not a copy: work on a plain Uint8Array view.
  bytes = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const { entries, metadata: header, dataStart } = parseSafetensorsHeader(bytes, source);
  const { [CHECKSUM_METADATA_KEY]: expected, ...metadata } = header;
  if (expected !== undefined) {
    if (!/^[0-9a-f]{64}$/.test(expected)) {
      throw new CheckpointFormatError({ file: source, problem: `metadata '${CHECKSUM_METADATA_KEY}' is ${JSON.stringify(expected)}, not 64 lowercase hex digits; the header was edited. Re-save the checkpoint.` });
    }
    const actual = createHash('sha256').update(bytes.subarray(dataStart)).digest('hex');
    if (actual !== expected) throw new CheckpointChecksumError({ file: source, expected, actual });
  }
  const tensors = new Map<string, NamedTensorData>();
  for (const e of entries) {
    const raw = bytes.subarray(dataStart + e.dataOffsets[0], dataStart + e.dataOffsets[1]);
    const read = INTS_TO_INT32[e.dtype];
    if (read) {
      tensors.set(e.name, { name: e.name, shape: e.shape, dtype: 'int32', data: narrowToInt32(raw, e, read, source) });
      continue;
    }
    const dtype = FROM_SAFETENSORS[e.dtype];
    if (!dtype) {
      throw new CheckpointFormatError({
        file: source,
        problem: `tensor '${e.name}' has dtype ${e.dtype}, which Strata cannot hold; Strata reads F32, I32, BOOL and integers that fit int32 (I8, U8, I16, U16, U32, I64, U64). Convert the tensor to F32 before loading.`,
      });
    }
    tensors.set(e.name, { name: e.name, shape: e.shape, dtype, data: fromLittleEndian(raw, dtype) });
  }
  return expected === undefined ? { tensors, metadata } : { tensors, metadata, sha256: expected };
}

function isPlainObject(x: unknown): boolean {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** The little-endian bytes of `data` (a view on little-endian hosts, a swapped copy otherwise). */
export function littleEndianBytes(data: TensorData): Uint8Array {
  const view = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (LITTLE_ENDIAN_HOST || data.BYTES_PER_ELEMENT === 1) return view;
  const out = new Uint8Array(data.byteLength);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < data.length; i++) {
    if (data instanceof Float32Array) dv.setFloat32(i * 4, data[i]!, true);
    else dv.setInt32(i * 4, data[i]!, true);
  }
  return out;
}

/**
 * The little-endian integers of `raw` as int32 (exact).
 * @throws CheckpointFormatError at the first value outside the int32 range.
 */
function narrowToInt32(raw: Uint8Array, e: SafetensorsEntry, read: (v: DataView, i: number) => number | bigint, source: string): Int32Array {
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const out = new Int32Array(raw.byteLength / SAFETENSORS_DTYPE_SIZES[e.dtype]!);
  for (let i = 0; i < out.length; i++) {
    const v = read(view, i);
    if (v < -2147483648 || v > 2147483647) {
      throw new CheckpointFormatError({
        file: source,
        problem:
          `tensor '${e.name}' (${e.dtype}) has the value ${v} at flat index ${i}, outside the int32 range Strata holds (-2^31 to 2^31-1). ` +
          `Store it as F32 (or smaller integers) before saving, or leave it out of the file.`,
      });
    }
    out[i] = Number(v);
  }
  return out;
}

/** A fresh, aligned typed array holding little-endian `raw` bytes as `dtype`. */
function fromLittleEndian(raw: Uint8Array, dtype: DType): TensorData {
  const copy = new Uint8Array(raw); // a copy with its own, aligned ArrayBuffer
  if (dtype === 'bool') return copy;
  const out = dtype === 'float32' ? new Float32Array(copy.buffer) : new Int32Array(copy.buffer);
  if (!LITTLE_ENDIAN_HOST) {
    const dv = new DataView(copy.buffer);
    for (let i = 0; i < out.length; i++) out[i] = dtype === 'float32' ? dv.getFloat32(i * 4, true) : dv.getInt32(i * 4, true);
  }
  return out;
}
