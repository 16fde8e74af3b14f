import writeFileAtomic from 'write-file-atomic';
import { type DType, getBackend, type Tensor, withBackend } from '@strata/backend';
import { formatDim, isStatic, type SymDim, sym } from './dims.js';
import { OnnxValue } from './graph.js';
import { checkOpset, DEFAULT_OPSET, type ModelOptions, serializeModel } from './model.js';
import { OnnxTracer } from './tracer.js';

/** One input of an exported graph. */
export interface ExportInput {
  /** Graph input name (an `extern_data` key such as `data`). */
  name: string;
  dtype: DType;
  /**
   * Per axis: a static size, or a symbol name for a dynamic axis (written as
   * ONNX `dim_param`, e.g. `batch`, `time`). The same symbol on several
   * inputs means the same size.
   */
  shape: readonly (number | string)[];
}

/** Options of {@link traceToOnnx}. */
export interface TraceOptions extends ModelOptions {
  /** ONNX opset of the default domain, `MIN_OPSET`..`MAX_OPSET`. Default {@link DEFAULT_OPSET}. */
  opset?: number;
  /** Names of the outputs when `fn` returns a tensor or an array. Default `output`, `output_1`, ... */
  outputNames?: string[];
  /** Initializer names of captured tensors (variables → their paths). */
  names?: ReadonlyMap<Tensor, string>;
  /**
   * Size each dynamic axis has in the traced example. Defaults are distinct
   * primes above 1000 (1009, 1013, ...): a static size of the model equal to
   * one of them would be taken for that dynamic axis, so they are chosen
   * where model sizes rarely are.
   */
  traceSizes?: Record<string, number>;
}

/** Result of {@link traceToOnnx}. */
export interface TracedModel {
  /** The binary ONNX `ModelProto`. */
  bytes: Uint8Array;
  /** Input names, dtypes and dims (symbols as strings). */
  inputs: { name: string; dtype: string; dims: (number | string)[] }[];
  outputs: { name: string; dtype: string; dims: (number | string | null)[] }[];
}

/** Traced sizes of dynamic axes: primes above 1000, so that no static size of a model is mistaken for one (tracing computes nothing, so large sizes cost nothing). */
const TRACE_PRIMES = [1009, 1013, 1019, 1021, 1031, 1033, 1039, 1049];

/**
 * Traces `fn` on symbolic inputs into a standalone ONNX model: the ops
 * `fn` calls (through `ops.*`, on whichever backend is active) become
 * nodes, tensors it captures (weights) become initializers read from the
 * active backend. Dynamic axes stay symbolic (`dim_param`); shapes computed
 * from them (reshapes) are computed at run time from the inputs' `Shape`.
 *
 * @throws BackendCapabilityError if `fn` uses something a graph cannot hold
 *   (reading values, creating variables, state updates) or an opset outside
 *   the supported range.
 */
export function traceToOnnx(
  fn: (...inputs: Tensor[]) => Tensor | Tensor[] | Record<string, Tensor>,
  inputs: readonly ExportInput[],
  opts: TraceOptions = {},
): TracedModel {
  const opset = checkOpset(opts.opset ?? DEFAULT_OPSET);
  const tracer = new OnnxTracer({ opset, source: getBackend(), names: opts.names });
  const g = tracer.graph;
  const sizes = new Map<string, number>(Object.entries(opts.traceSizes ?? {}));
  let prime = 0;
  const sizeOf = (s: string) => {
    if (!sizes.has(s)) sizes.set(s, TRACE_PRIMES[prime++ % TRACE_PRIMES.length]!);
    return sizes.get(s)!;
  };
  const args = inputs.map((i) => {
    const dims: SymDim[] = i.shape.map((d) => (typeof d === 'number' ? d : sym(d)));
    const shape = i.shape.map((d) => (typeof d === 'number' ? d : sizeOf(d)));
    return g.input(i.name, i.dtype, shape, dims);
  });
  const result = withBackend(tracer, () => fn(...args));
  const entries: [string, Tensor][] = result instanceof OnnxValue || !(Array.isArray(result) || typeof result === 'object')
    ? [[opts.outputNames?.[0] ?? 'output', result as Tensor]]
    : Array.isArray(result)
      ? result.map((t, i): [string, Tensor] => [opts.outputNames?.[i] ?? (i === 0 ? 'output' : `output_${i}`), t])
      : Object.entries(result);
  for (const [name, t] of entries) g.output(g.resolve(t), name);
  const show = (d: SymDim) => (isStatic(d) ? d : d === 'unknown' ? null : formatDim(d));
  return {
    bytes: serializeModel(g, opts),
    inputs: g.inputs.map((i) => ({ name: i.name, dtype: i.dtype, dims: i.dims.map((d) => show(d) ?? '?') })),
    outputs: g.outputs.map((o) => ({ name: o.name, dtype: o.dtype, dims: o.dims.map(show) })),
  };
}

/**
 * Writes a traced model to `path` atomically (write-file-atomic: a temporary
 * file, fsync, rename), so a crash never leaves a half-written `.onnx` file.
 */
export async function writeOnnxFile(path: string, model: TracedModel | Uint8Array): Promise<void> {
  const bytes = model instanceof Uint8Array ? model : model.bytes;
  await writeFileAtomic(path, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), { fsync: true });
}
