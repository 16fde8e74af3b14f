import { type DType, ops, type Tensor } from '@strata/backend';
import { describe, type EvalFunction, EvalOperandError, type EvalValue, isTensor, toTensor } from './values.js';

type Reducer = (x: Tensor, axes: number[]) => Tensor;

/** The axes of TF's `axis` argument: `None` (all), an int, or a tuple/list of ints; negative ones count from the end. */
function axesOf(axis: EvalValue, rank: number, op: string): number[] {
  if (axis === null) return [...Array(rank).keys()];
  const list = Array.isArray(axis) ? (axis as readonly EvalValue[]) : [axis];
  const out: number[] = [];
  for (const a of list) {
    if (typeof a !== 'number' || !Number.isInteger(a)) throw new EvalOperandError(`${op}: axis must be None, an int or a tuple of ints, not ${describe(axis)}`);
    if (a < -rank || a >= rank) throw new EvalOperandError(`${op}: axis ${a} is out of range for a tensor of rank ${rank} (TF: Invalid reduction dimension)`);
    const k = a < 0 ? a + rank : a;
    if (out.includes(k)) throw new EvalOperandError(`${op}: axis ${a} is given twice (TF: Invalid reduction arguments)`);
    out.push(k);
  }
  return out.sort((p, q) => p - q);
}

/** `x` with the reduced axes of `axes` kept as size 1 (TF's `keepdims=True`). */
function keep(y: Tensor, shape: readonly number[], axes: readonly number[]): Tensor {
  return ops.reshape(y, shape.map((d, i) => (axes.includes(i) ? 1 : d)));
}

/** The product over `axes`, one axis at a time as a chain of multiplications (exact, and TF's gradient: the product of the others). */
const prod: Reducer = (x, axes) => {
  let y = x;
  for (const a of [...axes].sort((p, q) => q - p)) {
    const parts = ops.unstack(y, a);
    y = parts.length ? parts.slice(1).reduce((acc, t) => ops.mul(acc, t), parts[0]!) : ops.ones(y.shape.filter((_, i) => i !== a), y.dtype as DType);
  }
  return y;
};

/** TF's integer mean: the int32 sum divided by the count, truncated toward zero. */
const mean: Reducer = (x, axes) => {
  if (x.dtype !== 'int32') return ops.mean(x, axes);
  const n = axes.reduce((p, a) => p * x.shape[a]!, 1);
  return ops.cast(ops.div(ops.cast(ops.sum(x, axes), 'float32'), Math.max(n, 1)), 'int32');
};

/** `-max(-x)`; the contract has no `min`. */
const min: Reducer = (x, axes) => ops.neg(ops.max(ops.neg(x), axes));

/** TF's reduce function `op` with `f` over a float32 or int32 tensor (or a Python number, as a scalar). */
function reduceFn(f: Reducer): EvalFunction {
  return {
    params: ['input_tensor', 'axis', 'keepdims'],
    defaults: { axis: null, keepdims: false },
    fn: ([v, axis, keepdims], op) => {
      const x = isTensor(v) ? v : toTensor(v!, Number.isInteger(v) ? 'int32' : 'float32', op);
      if (x.dtype !== 'float32' && x.dtype !== 'int32') throw new EvalOperandError(`${op} takes float32 or int32 tensors, not ${describe(x)} (cast it with tf.cast)`);
      if (typeof keepdims !== 'boolean') throw new EvalOperandError(`${op}: keepdims must be True or False, not ${describe(keepdims!)}`);
      const axes = axesOf(axis!, x.shape.length, op);
      if (!axes.length) return x;
      const y = f(x, axes);
      return keepdims ? keep(y, x.shape, axes) : y;
    },
  };
}

/**
 * TensorFlow 2's reductions as eval strings call them (`tf.reduce_mean(x, axis=None, keepdims=False)`,
 * also as `tf.math.*`): `axis` None reduces all axes (a scalar), an int or a tuple of ints those axes
 * (negative from the end; out of range or repeated is an error, as in TF); `keepdims` keeps them as size 1.
 * float32 or int32; int32 `reduce_mean` truncates toward zero, as TF's integer division.
 * Source: tf.math.reduce_mean/sum/max/min/prod (TF 2.21).
 */
export const REDUCE_FUNCTIONS: readonly (readonly [string, EvalFunction])[] = [
  ['reduce_mean', reduceFn(mean)],
  ['reduce_sum', reduceFn((x, a) => ops.sum(x, a))],
  ['reduce_max', reduceFn((x, a) => ops.max(x, a))],
  ['reduce_min', reduceFn(min)],
  ['reduce_prod', reduceFn(prod)],
];
