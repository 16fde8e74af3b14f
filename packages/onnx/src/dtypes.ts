import type { GraphDType } from './graph.js';

/** ONNX `TensorProto.DataType` codes of the graph dtypes. */
export const ONNX_DTYPE: Record<GraphDType, number> = { float32: 1, int32: 6, int64: 7, bool: 9 };

/** The graph dtype of an ONNX `TensorProto.DataType` code, if Strata has one. */
export function graphDTypeOf(code: number): GraphDType | undefined {
  return (Object.keys(ONNX_DTYPE) as GraphDType[]).find((k) => ONNX_DTYPE[k] === code);
}
