import { ShapeError } from '@strata/backend';
import { type GraphBuilder, intAttr, intsAttr, type OnnxValue } from '../graph.js';
import { ONNX_DTYPE } from '../dtypes.js';
import { cast } from './elementwise.js';

/** Normalises an axis (negative counts from the end). @throws ShapeError if out of range. */
export function normAxis(axis: number, rank: number, op: string): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) {
    throw new ShapeError(`${op}: axis ${axis} is out of range for a tensor of rank ${rank}.`);
  }
  return a;
}

const REDUCE_OPS = { sum: 'ReduceSum', mean: 'ReduceMean', max: 'ReduceMax' } as const;
/** Opset from which each reduce takes `axes` as an input instead of an attribute. */
const AXES_AS_INPUT_SINCE = { sum: 13, mean: 18, max: 18 } as const;

/**
 * `sum`/`mean`/`max` over `axes` (all if omitted; `[]` is the identity),
 * ONNX `ReduceSum`/`ReduceMean`/`ReduceMax` with `keepdims`. As on tfjs,
 * the sum of a bool tensor is an int32 count and the mean of an int32 or
 * bool tensor is float32 (the input is cast first).
 */
export function reduce(g: GraphBuilder, kind: keyof typeof REDUCE_OPS, input: OnnxValue, axes: number[] | undefined, keepDims: boolean): OnnxValue {
  const x =
    kind === 'mean' && input.dtype !== 'float32' ? cast(g, input, 'float32')
    : kind === 'sum' && input.dtype === 'bool' ? cast(g, input, 'int32')
    : input;
  const rank = x.shape.length;
  const ax = [...new Set((axes ?? x.shape.map((_, i) => i)).map((a) => normAxis(a, rank, kind)))].sort((a, b) => a - b);
  if (ax.length === 0) return g.op('Identity', [x], {}, x);
  const shape: number[] = [];
  const dims = [] as typeof x.dims[number][];
  x.shape.forEach((s, i) => {
    if (!ax.includes(i)) {
      shape.push(s);
      dims.push(x.dims[i]!);
    } else if (keepDims) {
      shape.push(1);
      dims.push(1);
    }
  });
  const keep = { keepdims: intAttr(keepDims ? 1 : 0) };
  const out = { shape, dtype: x.dtype, dims };
  if (g.opset >= AXES_AS_INPUT_SINCE[kind]) return g.op(REDUCE_OPS[kind], [x, g.int64s(ax)], keep, out);
  return g.op(REDUCE_OPS[kind], [x], { ...keep, axes: intsAttr(ax) }, out);
}

/** Index of the maximum along `axis`, int32 (ONNX `ArgMax`, then `Cast` from int64). */
export function argMax(g: GraphBuilder, x: OnnxValue, axis: number): OnnxValue {
  const a = normAxis(axis, x.shape.length, 'argMax');
  const shape = x.shape.filter((_, i) => i !== a);
  const dims = x.dims.filter((_, i) => i !== a);
  const [i64] = g.node('ArgMax', [x.name], { axis: intAttr(a), keepdims: intAttr(0) });
  return g.op('Cast', [i64!], { to: intAttr(ONNX_DTYPE.int32) }, { shape, dtype: 'int32', dims });
}

/** ONNX `Softmax` / `LogSoftmax` along one axis (opset ≥ 13 semantics). */
export function softmax(g: GraphBuilder, x: OnnxValue, axis: number, log: boolean): OnnxValue {
  const a = normAxis(axis, x.shape.length, log ? 'logSoftmax' : 'softmax');
  return g.op(log ? 'LogSoftmax' : 'Softmax', [x], { axis: intAttr(a) }, x);
}
