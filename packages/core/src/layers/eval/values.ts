import { type DType, ops, type Tensor } from '@strata/backend';

/** A dtype as an eval string names it (`tf.float32`, `"int32"`). */
export class DTypeValue {
  constructor(readonly dtype: DType) {}
}

/**
 * A value while an eval string is evaluated: a tensor, a Python number
 * (`int` or `float`, both as numbers), bool, str, `None` (`null`), a tuple or
 * list (an array), or a dtype.
 */
export type EvalValue = Tensor | number | boolean | string | null | readonly EvalValue[] | DTypeValue;

/** One function an eval string may call: its parameters (Python's names, in order), their defaults, and its implementation. */
export interface EvalFunction {
  readonly params: readonly string[];
  /** Defaults of the trailing parameters; a parameter without one is required. `name` (TF's op name) is always accepted and ignored. */
  readonly defaults?: Readonly<Record<string, EvalValue>>;
  readonly fn: (args: readonly EvalValue[], op: string) => EvalValue;
}

/** Whether `v` is a tensor (not a Python value). */
export function isTensor(v: unknown): v is Tensor {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof DTypeValue) && 'shape' in v && 'dtype' in v;
}

/** A short description of a value for messages: `a float32 tensor [3, 4]`, `the int 2`. */
export function describe(v: EvalValue): string {
  if (isTensor(v)) return `a ${v.dtype} tensor [${v.shape.join(', ')}]`;
  if (v instanceof DTypeValue) return `the dtype ${v.dtype}`;
  if (Array.isArray(v)) return `a tuple of ${v.length}`;
  if (v === null) return 'None';
  if (typeof v === 'number') return `the number ${v}`;
  return `${typeof v} ${JSON.stringify(v)}`;
}

/**
 * Comparisons as TF has them: no gradient. Their operands are cut from the tape
 * (`stopGradient`), since tfjs has no gradient for Greater/Less/Equal and would fail when a bool result is cast and used.
 */
export const cmp = {
  greater: (a: Tensor, b: Tensor | number): Tensor => ops.greater(ops.stopGradient(a), typeof b === 'number' ? b : ops.stopGradient(b)),
  less: (a: Tensor, b: Tensor | number): Tensor => ops.less(ops.stopGradient(a), typeof b === 'number' ? b : ops.stopGradient(b)),
  equal: (a: Tensor, b: Tensor | number): Tensor => ops.equal(ops.stopGradient(a), typeof b === 'number' ? b : ops.stopGradient(b)),
};

/** A problem with the operands of an op; the evaluator turns it into an EvalExpressionError at the call. */
export class EvalOperandError extends Error {}

/**
 * Two operands as tensors of one dtype, as TensorFlow converts them: a Python
 * number takes the tensor's dtype (an int32 tensor with a non-integral number
 * is an error, as in TF); two tensors must have the same dtype.
 * @throws EvalOperandError for mixed dtypes, or when neither operand is a tensor and `allowNumbers` is false.
 */
export function asTensors(a: EvalValue, b: EvalValue, op: string): [Tensor, Tensor] {
  const ta = isTensor(a) ? a : undefined;
  const tb = isTensor(b) ? b : undefined;
  const dtype = (ta?.dtype ?? tb?.dtype ?? (Number.isInteger(a) && Number.isInteger(b) ? 'int32' : 'float32')) as DType;
  return [toTensor(a, dtype, op), toTensor(b, dtype, op)];
}

/** `v` as a tensor of `dtype` (a number or bool becomes a scalar; a tensor must already have that dtype). */
export function toTensor(v: EvalValue, dtype: DType, op: string): Tensor {
  if (isTensor(v)) {
    if (v.dtype !== dtype) throw new EvalOperandError(`${op} of ${v.dtype} and ${dtype} tensors (TensorFlow does not mix dtypes; cast one with tf.cast)`);
    return v;
  }
  if (typeof v === 'boolean') v = v ? 1 : 0;
  if (typeof v !== 'number') throw new EvalOperandError(`${op} takes tensors or numbers, not ${describe(v)}`);
  if (dtype === 'int32' && !Number.isInteger(v)) throw new EvalOperandError(`${op} of an int32 tensor and the float ${v} (TensorFlow refuses it; cast with tf.cast)`);
  return ops.scalar(v, dtype);
}

/** `v` as a float32 tensor (numbers become scalars; int32 is cast, as TF's float ops need floats). */
export function floatTensor(v: EvalValue, op: string): Tensor {
  if (isTensor(v)) {
    if (v.dtype === 'float32') return v;
    throw new EvalOperandError(`${op} needs a float32 tensor, not ${describe(v)} (cast it with tf.cast(x, tf.float32))`);
  }
  return toTensor(v, 'float32', op);
}

/** `floor(x)` of a float32 tensor from the contract's ops (truncation by an int32 cast, corrected below zero); no gradient, as TF's Floor. */
export function floor(x: Tensor): Tensor {
  const t = ops.cast(ops.cast(x, 'int32'), 'float32');
  return ops.stopGradient(ops.sub(t, ops.cast(cmp.greater(t, x), 'float32')));
}

/** Python's / TF's floor division `a // b` (int32 stays int32). */
export function floorDiv(a: Tensor, b: Tensor): Tensor {
  if (a.dtype === 'int32') return ops.cast(floor(ops.div(ops.cast(a, 'float32'), ops.cast(b, 'float32'))), 'int32');
  return floor(ops.div(a, b));
}

/** Python's / TF's `a % b` (`floormod`: the sign of `b`); gradient 1 for `a`, `-floor(a / b)` for `b`, as TF's FloorMod. */
export function floorMod(a: Tensor, b: Tensor): Tensor {
  return ops.sub(a, ops.mul(floorDiv(a, b), b));
}

/** Elementwise logical ops on bool tensors (through int32; the contract has no logical ops). */
export const logical = {
  and: (a: Tensor, b: Tensor): Tensor => ops.equal(ops.add(ops.cast(a, 'int32'), ops.cast(b, 'int32')), ops.scalar(2, 'int32')),
  or: (a: Tensor, b: Tensor): Tensor => ops.greater(ops.add(ops.cast(a, 'int32'), ops.cast(b, 'int32')), ops.scalar(0, 'int32')),
  xor: (a: Tensor, b: Tensor): Tensor => ops.equal(ops.add(ops.cast(a, 'int32'), ops.cast(b, 'int32')), ops.scalar(1, 'int32')),
  not: (a: Tensor): Tensor => ops.equal(ops.cast(a, 'int32'), ops.scalar(0, 'int32')),
};

/** numpy's broadcast of shapes. @throws EvalOperandError if they do not broadcast. */
export function broadcastShapes(shapes: readonly (readonly number[])[], op: string): number[] {
  const n = Math.max(...shapes.map((s) => s.length));
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    let d = 1;
    for (const s of shapes) {
      const x = s[i - (n - s.length)] ?? 1;
      if (x !== 1 && d !== 1 && x !== d) throw new EvalOperandError(`${op}: shapes ${shapes.map((q) => `[${q.join(', ')}]`).join(', ')} do not broadcast`);
      if (x !== 1) d = x;
    }
    out.push(d);
  }
  return out;
}

/** `where(cond, x, y)` with numpy broadcasting of all three (TF 2's `tf.where`, RETURNN's `where_bc`); gradients flow to `x` and `y`. */
export function whereBroadcast(cond: Tensor, x: Tensor, y: Tensor, op: string): Tensor {
  const shape = broadcastShapes([cond.shape, x.shape, y.shape], op);
  const same = (t: Tensor): boolean => t.shape.length === shape.length && t.shape.every((d, i) => d === shape[i]);
  const to = (t: Tensor): Tensor => (same(t) ? t : ops.add(t, ops.zeros(shape, t.dtype as DType)));
  const c = same(cond) ? cond : ops.greater(to(ops.cast(cond, 'int32')), ops.scalar(0, 'int32'));
  return ops.where(c, to(x), to(y));
}
