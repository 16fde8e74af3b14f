/**
 * Reading an ONNX `ModelProto`: its header fields and the values of its
 * graph's initializers (the weights), in every encoding the spec allows.
 *
 * Source: onnx/onnx.proto (`TensorProto`): values are in `raw_data`
 * (little-endian, row-major) or in the typed field of the data type —
 * `float_data` (FLOAT), `int32_data` (INT32, INT16, INT8, UINT16, UINT8,
 * BOOL, and FLOAT16 as its bit patterns), `int64_data` (INT64),
 * `double_data` (DOUBLE), `uint64_data` (UINT32, UINT64).
 */
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
const T = onnx.TensorProto.DataType;

/** Element types of initializers {@link readOnnxModel} decodes, with the array each one is returned in. */
export type OnnxElementType = 'float32' | 'float16' | 'float64' | 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'int64' | 'uint32' | 'uint64' | 'bool';

/** One decoded initializer. */
export interface OnnxInitializer {
  readonly name: string;
  /** The element type in the file. */
  readonly elementType: OnnxElementType;
  /** Dims (row-major, outermost first); `[]` for a scalar. */
  readonly dims: number[];
  /**
   * The values, `product(dims)` of them: `Float32Array` for float32 and
   * float16 (converted exactly), `Float64Array` for float64, `Int32Array` for
   * int8..int32 and uint8/uint16, `BigInt64Array` for int64 and uint32,
   * `BigUint64Array` for uint64, `Uint8Array` (0/1) for bool.
   */
  readonly values: Float32Array | Float64Array | Int32Array | BigInt64Array | BigUint64Array | Uint8Array;
}

/** What {@link readOnnxModel} returns. */
export interface OnnxModelContents {
  readonly irVersion: number;
  /** Opset versions by domain (`''` is the default ONNX domain). */
  readonly opsets: Record<string, number>;
  readonly producerName: string;
  readonly producerVersion: string;
  readonly graphName: string;
  /** `metadata_props` as a map. */
  readonly metadata: Record<string, string>;
  readonly inputs: string[];
  readonly outputs: string[];
  readonly initializers: OnnxInitializer[];
}

/** Options of {@link OnnxModelReadError}. */
export interface OnnxModelReadErrorOptions {
  /** Where the bytes came from: a file path, or `<buffer>`. */
  source: string;
  /** What is wrong and how to fix it, in a sentence or two. */
  problem: string;
}

/**
 * Thrown by {@link readOnnxModel} when the bytes are not an ONNX model, or an
 * initializer cannot be decoded. The message names the source and the fix.
 */
export class OnnxModelReadError extends Error {
  override name = 'OnnxModelReadError';
  /** Where the bytes came from. */
  readonly source: string;
  /** What is wrong. */
  readonly problem: string;
  constructor(options: OnnxModelReadErrorOptions) {
    const { source, problem } = options;
    super(`${source}: cannot read ONNX model: ${problem}`);
    this.source = source;
    this.problem = problem;
  }
}

type Int64 = number | string | { toString(): string } | null | undefined;
const bigOf = (v: Int64): bigint => (v === null || v === undefined ? 0n : BigInt(typeof v === 'number' ? Math.trunc(v) : v.toString()));
const numOf = (v: Int64): number => Number(bigOf(v));

const BYTES: Partial<Record<number, [OnnxElementType, number]>> = {
  [T.FLOAT]: ['float32', 4], [T.FLOAT16]: ['float16', 2], [T.DOUBLE]: ['float64', 8],
  [T.INT8]: ['int8', 1], [T.UINT8]: ['uint8', 1], [T.INT16]: ['int16', 2], [T.UINT16]: ['uint16', 2],
  [T.INT32]: ['int32', 4], [T.INT64]: ['int64', 8], [T.UINT32]: ['uint32', 4], [T.UINT64]: ['uint64', 8], [T.BOOL]: ['bool', 1],
};

/**
 * Decodes a binary ONNX model's header and its graph's initializers.
 * Initializers of subgraphs (`If`/`Loop` bodies) and sparse initializers are
 * not included.
 *
 * @param source - the file named in errors.
 * @throws OnnxModelReadError if the bytes do not decode as a `ModelProto`
 *   with a graph, or an initializer has an unsupported type (string,
 *   complex, bfloat16, float8), external or segmented data, or a value
 *   count that does not match its dims.
 */
export function readOnnxModel(bytes: Uint8Array, source = '<buffer>'): OnnxModelContents {
  let model: onnxProto.onnx.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw new OnnxModelReadError({ source, problem: `the bytes are not a protobuf ModelProto (${(e as Error).message}); is this an .onnx file?` });
  }
  const g = model.graph;
  if (!g || (!g.node?.length && !g.initializer?.length && !g.input?.length)) {
    throw new OnnxModelReadError({ source, problem: 'the model has no graph (no nodes, inputs or initializers); is this an .onnx file?' });
  }
  const opsets: Record<string, number> = {};
  for (const o of model.opsetImport ?? []) opsets[o.domain ?? ''] = numOf(o.version as Int64);
  return {
    irVersion: numOf(model.irVersion as Int64),
    opsets,
    producerName: model.producerName ?? '',
    producerVersion: model.producerVersion ?? '',
    graphName: g.name ?? '',
    metadata: Object.fromEntries((model.metadataProps ?? []).map((p) => [p.key ?? '', p.value ?? ''])),
    inputs: (g.input ?? []).map((i) => i.name ?? ''),
    outputs: (g.output ?? []).map((o) => o.name ?? ''),
    initializers: (g.initializer ?? []).map((t) => decodeTensor(t, source)),
  };
}

/** Decodes one `TensorProto`'s values. */
export function decodeTensor(t: onnxProto.onnx.ITensorProto, source = '<buffer>'): OnnxInitializer {
  const name = t.name ?? '';
  const fail = (problem: string): never => {
    throw new OnnxModelReadError({ source, problem: `initializer '${name}' ${problem}` });
  };
  const type = BYTES[t.dataType ?? 0] ?? fail(`has data type ${t.dataType} (${T[t.dataType ?? 0] ?? 'unknown'}), which Strata does not read; export it as float32 or int32.`);
  const [elementType, size] = type;
  if (t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) fail('keeps its values in an external file; re-save the model with all tensors inside (onnx.save_model(m, path, save_as_external_data=False)).');
  if (t.segment) fail('is segmented; re-save the model without segments.');
  const dims = (t.dims ?? []).map((d) => numOf(d as Int64));
  if (!dims.every((d) => Number.isSafeInteger(d) && d >= 0)) fail(`has dims [${dims.join(', ')}], not non-negative integers.`);
  const count = dims.reduce((a, b) => a * b, 1);
  const raw = t.rawData && t.rawData.length ? t.rawData : undefined;
  let values: OnnxInitializer['values'];
  if (raw) {
    if (raw.length !== count * size) fail(`has ${raw.length} bytes of raw_data; dims [${dims.join(', ')}] of ${elementType} need ${count * size}.`);
    values = fromRaw(new DataView(raw.buffer, raw.byteOffset, raw.byteLength), elementType, count);
  } else {
    values = fromTyped(t, elementType);
    if (values.length !== count) fail(`has ${values.length} values; dims [${dims.join(', ')}] need ${count}.`);
  }
  return { name, elementType, dims, values };
}

function fromRaw(view: DataView, type: OnnxElementType, n: number): OnnxInitializer['values'] {
  const read: Record<OnnxElementType, (i: number) => number | bigint> = {
    float32: (i) => view.getFloat32(i * 4, true), float16: (i) => view.getUint16(i * 2, true), float64: (i) => view.getFloat64(i * 8, true),
    int8: (i) => view.getInt8(i), uint8: (i) => view.getUint8(i), int16: (i) => view.getInt16(i * 2, true), uint16: (i) => view.getUint16(i * 2, true),
    int32: (i) => view.getInt32(i * 4, true), int64: (i) => view.getBigInt64(i * 8, true), uint32: (i) => BigInt(view.getUint32(i * 4, true)),
    uint64: (i) => view.getBigUint64(i * 8, true), bool: (i) => (view.getUint8(i) ? 1 : 0),
  };
  const out = allocate(type, n);
  for (let i = 0; i < n; i++) (out as { [i: number]: number | bigint })[i] = read[type](i);
  return type === 'float16' ? halfToFloat(out as Int32Array) : out;
}

function fromTyped(t: onnxProto.onnx.ITensorProto, type: OnnxElementType): OnnxInitializer['values'] {
  switch (type) {
    case 'float32':
      return Float32Array.from(t.floatData ?? []);
    case 'float64':
      return Float64Array.from(t.doubleData ?? []);
    case 'int64':
      return BigInt64Array.from((t.int64Data ?? []) as Int64[], bigOf);
    case 'uint32':
      return BigInt64Array.from((t.uint64Data ?? []) as Int64[], bigOf);
    case 'uint64':
      return BigUint64Array.from((t.uint64Data ?? []) as Int64[], (v) => BigInt.asUintN(64, bigOf(v)));
    case 'bool':
      return Uint8Array.from(t.int32Data ?? [], (v) => (v ? 1 : 0));
    case 'float16':
      return halfToFloat(Int32Array.from(t.int32Data ?? []));
    default:
      return Int32Array.from(t.int32Data ?? []);
  }
}

function allocate(type: OnnxElementType, n: number): OnnxInitializer['values'] {
  if (type === 'float32') return new Float32Array(n);
  if (type === 'float64') return new Float64Array(n);
  if (type === 'int64' || type === 'uint32') return new BigInt64Array(n);
  if (type === 'uint64') return new BigUint64Array(n);
  if (type === 'bool') return new Uint8Array(n);
  return new Int32Array(n); // int8..int32, and float16 bit patterns before conversion
}

/** Half-precision bit patterns (low 16 bits) to float32 values, exactly. */
function halfToFloat(bits: Int32Array): Float32Array {
  return Float32Array.from(bits, (b) => {
    const sign = b & 0x8000 ? -1 : 1;
    const exponent = (b >> 10) & 0x1f;
    const mantissa = b & 0x3ff;
    if (exponent === 0) return sign * mantissa * 2 ** -24;
    if (exponent === 0x1f) return mantissa ? NaN : sign * Infinity;
    return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
  });
}
