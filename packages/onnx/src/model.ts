import onnxProto from 'onnx-proto';
import { BackendCapabilityError } from '@strata/backend';
import { formatDim, isStatic } from './dims.js';
import { ONNX_DTYPE } from './dtypes.js';
import type { Attribute, GraphBuilder, GraphConstant, GraphIO } from './graph.js';

const { onnx } = onnxProto;

/** Lowest ONNX opset Strata writes (the reduce ops' `axes` attribute form is used below 18). */
export const MIN_OPSET = 17;
/** Highest opset of the default domain onnxruntime 1.30 loads (probed: 27 is rejected). */
export const MAX_OPSET = 26;
/** Opset used unless asked otherwise: the highest onnxruntime 1.30 runs. */
export const DEFAULT_OPSET = MAX_OPSET;

/** The ONNX IR version that goes with an opset (ONNX's versioning table). */
export function irVersionFor(opset: number): number {
  if (opset <= 17) return 8;
  if (opset <= 20) return 9;
  if (opset <= 22) return 10;
  return 11;
}

/** @throws BackendCapabilityError for an opset outside [MIN_OPSET, MAX_OPSET]. */
export function checkOpset(opset: number): number {
  if (!Number.isInteger(opset) || opset < MIN_OPSET || opset > MAX_OPSET) {
    throw new BackendCapabilityError({
      backend: 'onnx',
      op: `opset ${opset}`,
      remedy: `Strata writes ONNX opsets ${MIN_OPSET} to ${MAX_OPSET} (onnxruntime 1.30 loads up to ${MAX_OPSET}); choose one in that range.`,
    });
  }
  return opset;
}

/** Options of {@link serializeModel}. */
export interface ModelOptions {
  /** Graph name shown by Netron. Default `strata`. */
  graphName?: string;
  /** `ModelProto.doc_string`. */
  docString?: string;
  /** Extra `metadata_props`. */
  metadata?: Record<string, string>;
}

/** Encodes a graph as a binary ONNX `ModelProto` (what `.onnx` files and `InferenceSession.create` take). */
export function serializeModel(g: GraphBuilder, opts: ModelOptions = {}): Uint8Array {
  const model = onnx.ModelProto.create({
    irVersion: irVersionFor(g.opset),
    opsetImport: [{ domain: '', version: g.opset }],
    producerName: 'strata',
    producerVersion: '0.1.0',
    docString: opts.docString ?? '',
    metadataProps: Object.entries(opts.metadata ?? {}).map(([key, value]) => ({ key, value })),
    graph: {
      name: opts.graphName ?? 'strata',
      node: g.nodes.map((n) => ({
        name: n.name,
        opType: n.opType,
        input: [...n.inputs],
        output: [...n.outputs],
        attribute: Object.entries(n.attributes).map(([name, a]) => attributeProto(name, a)),
      })),
      input: g.inputs.map(valueInfo),
      output: g.outputs.map(valueInfo),
      initializer: g.constants.map(tensorProto),
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

function attributeProto(name: string, a: Attribute): onnxProto.onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  switch (a.type) {
    case 'int':
      return { name, type: T.INT, i: a.value };
    case 'ints':
      return { name, type: T.INTS, ints: [...a.value] };
    case 'float':
      return { name, type: T.FLOAT, f: a.value };
    case 'string':
      return { name, type: T.STRING, s: new TextEncoder().encode(a.value) };
  }
}

function valueInfo(io: GraphIO): onnxProto.onnx.IValueInfoProto {
  return {
    name: io.name,
    type: {
      tensorType: {
        elemType: ONNX_DTYPE[io.dtype],
        shape: { dim: io.dims.map((d) => (isStatic(d) ? { dimValue: d } : d === 'unknown' ? {} : { dimParam: formatDim(d) })) },
      },
    },
  };
}

function tensorProto(c: GraphConstant): onnxProto.onnx.ITensorProto {
  const d = c.data;
  return {
    name: c.name,
    dims: [...c.shape],
    dataType: ONNX_DTYPE[c.dtype],
    rawData: new Uint8Array(d.buffer, d.byteOffset, d.byteLength),
  };
}
