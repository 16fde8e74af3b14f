import { BackendCapabilityError, type DType } from '@strata/backend';
import { broadcastDims } from '../dims.js';
import { floatAttr, type GraphBuilder, intAttr, type OnnxValue } from '../graph.js';
import { ONNX_DTYPE } from '../dtypes.js';

/** Binary ops of the contract and their ONNX operators (numpy broadcasting). */
export const BINARY_OPS = {
  add: 'Add',
  sub: 'Sub',
  mul: 'Mul',
  div: 'Div',
  pow: 'Pow',
  maximum: 'Max',
  minimum: 'Min',
  equal: 'Equal',
  greater: 'Greater',
  less: 'Less',
} as const;
export type BinaryOp = keyof typeof BINARY_OPS;

const COMPARISONS = new Set<BinaryOp>(['equal', 'greater', 'less']);

/**
 * `a op b` with numpy broadcasting (ONNX `Add`, `Sub`, `Mul`, `Div`, `Pow`,
 * `Max`, `Min`, `Equal`, `Greater`, `Less`). Comparisons return bool.
 * int32 `div` is floor division (rounds toward -infinity, as on tfjs; ONNX
 * `Div` truncates), computed exactly as `(a - Mod(a, b)) / b`.
 * Operands of different dtypes are an error.
 */
export function binary(g: GraphBuilder, op: BinaryOp, a: OnnxValue, b: OnnxValue): OnnxValue {
  if (a.dtype !== b.dtype) {
    throw new BackendCapabilityError({ backend: 'onnx', op, remedy: `Operands must have the same dtype (got ${a.dtype} and ${b.dtype}); cast one first.` });
  }
  const { shape, dims } = broadcastDims(a.shape, a.dims, b.shape, b.dims);
  const dtype: DType = COMPARISONS.has(op) ? 'bool' : a.dtype;
  if (op === 'div' && a.dtype === 'int32') {
    // Mod with fmod = 0 takes the sign of the divisor, so a - Mod(a, b) is an exact multiple of b.
    const [m] = g.node('Mod', [a.name, b.name], { fmod: intAttr(0) });
    const [multiple] = g.node('Sub', [a.name, m!]);
    return g.op('Div', [multiple!, b.name], {}, { shape, dtype, dims });
  }
  return g.op(BINARY_OPS[op], [a, b], {}, { shape, dtype, dims });
}

/** Unary ops of the contract and their ONNX operators. */
export const UNARY_OPS = {
  neg: 'Neg',
  abs: 'Abs',
  exp: 'Exp',
  log: 'Log',
  sqrt: 'Sqrt',
  relu: 'Relu',
  sigmoid: 'Sigmoid',
  tanh: 'Tanh',
  softplus: 'Softplus',
  stopGradient: 'Identity',
} as const;
export type UnaryOp = keyof typeof UNARY_OPS | 'elu' | 'square';

/** Elementwise unary op; `elu` is ONNX `Elu` with alpha 1, `square` is `Mul(x, x)`. */
export function unary(g: GraphBuilder, op: UnaryOp, x: OnnxValue): OnnxValue {
  const out = { shape: x.shape, dtype: x.dtype, dims: x.dims };
  if (op === 'square') return g.op('Mul', [x, x], {}, out);
  if (op === 'elu') return g.op('Elu', [x], { alpha: floatAttr(1) }, out);
  return g.op(UNARY_OPS[op], [x], {}, out);
}

/** ONNX `Cast`; a no-op cast is an `Identity`. */
export function cast(g: GraphBuilder, x: OnnxValue, dtype: DType): OnnxValue {
  const out = { shape: x.shape, dtype, dims: x.dims };
  if (x.dtype === dtype) return g.op('Identity', [x], {}, out);
  return g.op('Cast', [x], { to: intAttr(ONNX_DTYPE[dtype]) }, out);
}

/**
 * ONNX `Where(cond, a, b)` with broadcasting of all three. Bool branches go
 * through int32 (onnxruntime has no bool `Where` kernel).
 */
export function where(g: GraphBuilder, cond: OnnxValue, a: OnnxValue, b: OnnxValue): OnnxValue {
  if (a.dtype !== b.dtype) {
    throw new BackendCapabilityError({ backend: 'onnx', op: 'where', remedy: `Branches must have the same dtype (got ${a.dtype} and ${b.dtype}).` });
  }
  if (a.dtype === 'bool') return cast(g, where(g, cond, cast(g, a, 'int32'), cast(g, b, 'int32')), 'bool');
  const c = cond.dtype === 'bool' ? cond : cast(g, cond, 'bool');
  const ab = broadcastDims(a.shape, a.dims, b.shape, b.dims);
  const { shape, dims } = broadcastDims(c.shape, c.dims, ab.shape, ab.dims);
  return g.op('Where', [c, a, b], {}, { shape, dtype: a.dtype, dims });
}
