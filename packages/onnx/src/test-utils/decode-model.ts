// Test helper (excluded from the build): decodes a serialized ModelProto into plain
// values that tests can assert on.
import onnxProto from 'onnx-proto';
import { decodeTensor } from '../read-model.js';

const { onnx } = onnxProto;

type Int64 = number | { toNumber(): number } | string | null | undefined;
const num = (v: Int64): number => (v === null || v === undefined ? 0 : typeof v === 'object' ? v.toNumber() : Number(v));

/** What tests look at in a decoded model. */
export interface DecodedModel {
  opset: number;
  irVersion: number;
  inputs: { name: string; dims: (number | string)[] }[];
  outputs: { name: string; dims: (number | string | null)[] }[];
  nodes: { opType: string; inputs: string[]; outputs: string[] }[];
  /** Initializers by name, int64 ones as numbers. */
  initializers: Map<string, { dims: number[]; values: number[] }>;
}

const dimsOf = (vi: onnxProto.onnx.IValueInfoProto) =>
  (vi.type?.tensorType?.shape?.dim ?? []).map((d) => (d.dimParam ? d.dimParam : d.dimValue !== null && d.dimValue !== undefined ? num(d.dimValue as Int64) : null));

export function decodeModel(bytes: Uint8Array): DecodedModel {
  const m = onnx.ModelProto.decode(bytes);
  const g = m.graph!;
  const initializers = new Map<string, { dims: number[]; values: number[] }>();
  for (const t of g.initializer ?? []) {
    const { dims, values } = decodeTensor(t);
    initializers.set(t.name!, { dims, values: Array.from(values as ArrayLike<number | bigint>, Number) });
  }
  return {
    opset: num(m.opsetImport![0]!.version as Int64),
    irVersion: num(m.irVersion as Int64),
    inputs: (g.input ?? []).map((i) => ({ name: i.name!, dims: dimsOf(i) as (number | string)[] })),
    outputs: (g.output ?? []).map((o) => ({ name: o.name!, dims: dimsOf(o) })),
    nodes: (g.node ?? []).map((n) => ({ opType: n.opType!, inputs: [...(n.input ?? [])], outputs: [...(n.output ?? [])] })),
    initializers,
  };
}
