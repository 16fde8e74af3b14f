import { type DType, ops, type Tensor } from '@strata/backend';
import { erf } from '../../erf.js';
import {
  asTensors,
  cmp,
  DTypeValue,
  describe,
  EvalOperandError,
  type EvalFunction,
  type EvalValue,
  floatTensor,
  floor,
  floorDiv,
  floorMod,
  isTensor,
  logical,
  toTensor,
  whereBroadcast,
} from './values.js';
import { REDUCE_FUNCTIONS } from './reduce.js';

export type { EvalFunction } from './values.js';

const unaryF = (f: (x: Tensor) => Tensor): EvalFunction => ({ params: ['x'], fn: ([x], op) => f(floatTensor(x!, op)) });
const binaryT = (f: (a: Tensor, b: Tensor) => Tensor): EvalFunction => ({ params: ['x', 'y'], fn: ([a, b], op) => f(...asTensors(a!, b!, op)) });
const compare = (f: (a: Tensor, b: Tensor) => Tensor): EvalFunction => binaryT(f);
const boolT = (v: EvalValue, op: string): Tensor => {
  if (isTensor(v) && v.dtype === 'bool') return v;
  if (typeof v === 'boolean') return ops.scalar(v ? 1 : 0, 'bool');
  throw new EvalOperandError(`${op} takes bool tensors, not ${describe(v)}`);
};
const logicalT = (f: (a: Tensor, b: Tensor) => Tensor): EvalFunction => ({ params: ['x', 'y'], fn: ([a, b], op) => f(boolT(a!, op), boolT(b!, op)) });
const softmaxLike = (f: (x: Tensor, axis: number) => Tensor): EvalFunction => ({
  params: ['logits', 'axis'],
  defaults: { axis: -1 },
  fn: ([x, axis], op) => {
    if (typeof axis !== 'number' || !Number.isInteger(axis)) throw new EvalOperandError(`${op}: axis must be an int, not ${describe(axis!)}`);
    return f(floatTensor(x!, op), axis);
  },
});
const sigmoid = ops.sigmoid;
const gelu = (x: Tensor, approximate: boolean): Tensor =>
  approximate
    ? ops.mul(ops.mul(x, 0.5), ops.add(1, ops.tanh(ops.mul(Math.sqrt(2 / Math.PI), ops.add(x, ops.mul(0.044715, ops.mul(x, ops.square(x))))))))
    : ops.mul(ops.mul(x, 0.5), ops.add(1, erf(ops.mul(x, Math.SQRT1_2))));
const sign = (x: Tensor): Tensor => ops.stopGradient(ops.sub(ops.cast(cmp.greater(x, 0), 'float32'), ops.cast(cmp.less(x, 0), 'float32')));
/** RETURNN's `maximum_with_identity_grad`: the forward of `max(x, eps)`, the gradient of `x`. */
const maxIdentityGrad = (x: Tensor, eps: number): Tensor => ops.add(x, ops.stopGradient(ops.sub(ops.maximum(x, eps), x)));
const DTYPES: Readonly<Record<string, DType>> = { float32: 'float32', int32: 'int32', bool: 'bool' };

/** The functions by their last name, with the namespaces TensorFlow 2.21 has them in (checked with `hasattr`). */
const TABLE: readonly (readonly [string, string, EvalFunction])[] = [
  ['abs', 'tf tf.math', { params: ['x'], fn: ([x], op) => (isTensor(x) && x.dtype === 'int32' ? ops.abs(x) : ops.abs(floatTensor(x!, op))) }],
  ['exp', 'tf tf.math', unaryF(ops.exp)],
  ['log', 'tf.math', unaryF(ops.log)],
  ['sqrt', 'tf tf.math', unaryF(ops.sqrt)],
  ['rsqrt', 'tf.math', unaryF((x) => ops.div(1, ops.sqrt(x)))],
  ['square', 'tf tf.math', { params: ['x'], fn: ([x], op) => (isTensor(x) && x.dtype === 'int32' ? ops.mul(x, x) : ops.square(floatTensor(x!, op))) }],
  ['tanh', 'tf tf.math tf.nn', unaryF(ops.tanh)],
  ['sigmoid', 'tf tf.math tf.nn', unaryF(sigmoid)],
  ['relu', 'tf.nn', unaryF(ops.relu)],
  ['relu6', 'tf.nn', unaryF((x) => ops.minimum(ops.relu(x), 6))],
  ['elu', 'tf.nn', unaryF(ops.elu)],
  ['selu', 'tf.nn', unaryF((x) => ops.mul(1.0507009873554805, ops.where(cmp.greater(x, 0), x, ops.mul(1.6732632423543772, ops.elu(x)))))],
  ['leaky_relu', 'tf.nn', { params: ['features', 'alpha'], defaults: { alpha: 0.2 }, fn: ([x, a], op) => { const t = floatTensor(x!, op); return ops.maximum(t, ops.mul(t, floatTensor(a!, op))); } }],
  ['softplus', 'tf.math tf.nn', unaryF(ops.softplus)],
  ['softsign', 'tf.math tf.nn', unaryF((x) => ops.div(x, ops.add(1, ops.abs(x))))],
  ['swish', 'tf.nn', unaryF((x) => ops.mul(x, sigmoid(x)))],
  ['silu', 'tf.nn', unaryF((x) => ops.mul(x, sigmoid(x)))],
  ['gelu', 'tf.nn', { params: ['features', 'approximate'], defaults: { approximate: false }, fn: ([x, a], op) => gelu(floatTensor(x!, op), a === true) }],
  ['log_sigmoid', 'tf.math', unaryF((x) => ops.neg(ops.softplus(ops.neg(x))))],
  ['erf', 'tf.math', unaryF(erf)],
  ['negative', 'tf tf.math', { params: ['x'], fn: ([x], op) => (isTensor(x) ? ops.neg(x) : ops.neg(floatTensor(x!, op))) }],
  ['reciprocal', 'tf.math', unaryF((x) => ops.div(1, x))],
  ['log1p', 'tf.math', unaryF((x) => ops.log(ops.add(x, 1)))],
  ['expm1', 'tf.math', unaryF((x) => ops.sub(ops.exp(x), 1))],
  ['sign', 'tf tf.math', unaryF(sign)],
  ['floor', 'tf tf.math', unaryF(floor)],
  ['ceil', 'tf.math', unaryF((x) => ops.neg(floor(ops.neg(x))))],
  ['stop_gradient', 'tf', { params: ['input'], fn: ([x], op) => ops.stopGradient(toT(x!, op)) }],
  ['identity', 'tf', { params: ['input'], fn: ([x], op) => toT(x!, op) }],
  ['shape', 'tf', {
    params: ['input', 'out_type'],
    defaults: { out_type: null },
    fn: ([x, d], op) => {
      const dtype = dtypeOf(d!, op) ?? 'int32';
      if (dtype !== 'int32') throw new EvalOperandError(`${op}: out_type must be tf.int32`);
      const s = toT(x!, op).shape;
      return ops.tensor(Int32Array.from(s), [s.length], 'int32');
    },
  }],
  ['zeros_like', 'tf', { params: ['input', 'dtype'], defaults: { dtype: null }, fn: ([x, d], op) => ops.zeros(toT(x!, op).shape, dtypeOf(d!, op) ?? toT(x!, op).dtype as DType) }],
  ['ones_like', 'tf', { params: ['input', 'dtype'], defaults: { dtype: null }, fn: ([x, d], op) => ops.ones(toT(x!, op).shape, dtypeOf(d!, op) ?? toT(x!, op).dtype as DType) }],
  ['softmax', 'tf.math tf.nn', softmaxLike(ops.softmax)],
  ['log_softmax', 'tf.math tf.nn', softmaxLike(ops.logSoftmax)],
  ['add', 'tf tf.math', binaryT(ops.add)],
  ['subtract', 'tf tf.math', binaryT(ops.sub)],
  ['multiply', 'tf tf.math', binaryT(ops.mul)],
  ['divide', 'tf tf.math', { params: ['x', 'y'], fn: ([a, b], op) => trueDiv(a!, b!, op) }],
  ['truediv', 'tf tf.math', { params: ['x', 'y'], fn: ([a, b], op) => trueDiv(a!, b!, op) }],
  ['maximum', 'tf tf.math', binaryT(ops.maximum)],
  ['minimum', 'tf tf.math', binaryT(ops.minimum)],
  ['pow', 'tf tf.math', binaryT(ops.pow)],
  ['squared_difference', 'tf.math', binaryT((a, b) => ops.square(ops.sub(a, b)))],
  ['floordiv', 'tf.math', binaryT(floorDiv)],
  ['floormod', 'tf.math', binaryT(floorMod)],
  ['mod', 'tf.math', binaryT(floorMod)],
  ['equal', 'tf tf.math', compare(cmp.equal)],
  ['not_equal', 'tf tf.math', compare((a, b) => logical.not(cmp.equal(a, b)))],
  ['greater', 'tf tf.math', compare(cmp.greater)],
  ['greater_equal', 'tf tf.math', compare((a, b) => logical.or(cmp.greater(a, b), cmp.equal(a, b)))],
  ['less', 'tf tf.math', compare(cmp.less)],
  ['less_equal', 'tf tf.math', compare((a, b) => logical.or(cmp.less(a, b), cmp.equal(a, b)))],
  ['logical_and', 'tf tf.math', logicalT(logical.and)],
  ['logical_or', 'tf tf.math', logicalT(logical.or)],
  ['logical_xor', 'tf.math', logicalT(logical.xor)],
  ['logical_not', 'tf tf.math', { params: ['x'], fn: ([x], op) => logical.not(boolT(x!, op)) }],
  ['where', 'tf', { params: ['condition', 'x', 'y'], fn: ([c, x, y], op) => where(c!, x!, y!, op) }],
  ['clip_by_value', 'tf', {
    params: ['t', 'clip_value_min', 'clip_value_max'],
    fn: ([t, lo, hi], op) => {
      const [x, l] = asTensors(t!, lo!, op);
      return ops.minimum(ops.maximum(x, l), asTensors(x, hi!, op)[1]);
    },
  }],
  ['cast', 'tf', {
    params: ['x', 'dtype'],
    fn: ([x, d], op) => {
      const dtype = dtypeOf(d!, op);
      if (!dtype) throw new EvalOperandError(`${op}: dtype is required`);
      const t = isTensor(x) ? x : toTensor(x!, Number.isInteger(x) ? 'int32' : 'float32', op);
      if (t.dtype === dtype) return t;
      // TF's Cast to bool is `x != 0`; the contract's cast is used between numbers.
      return dtype === 'bool' ? logical.not(cmp.equal(t, ops.scalar(0, t.dtype as DType))) : ops.cast(t, dtype);
    },
  }],
];

/** RETURNN's `returnn.tf.util.basic` helpers an eval string sees as globals (`vs.update(vars(tf_util))`). */
const TF_UTIL: Readonly<Record<string, EvalFunction>> = {
  safe_log: {
    params: ['x', 'eps', 'use_fake_grad'],
    defaults: { eps: 1e-20, use_fake_grad: true },
    fn: ([x, eps, fake], op) => {
      if (typeof eps !== 'number') throw new EvalOperandError(`${op}: eps must be a number`);
      const t = floatTensor(x!, op);
      return ops.log(fake === false ? ops.maximum(t, eps) : maxIdentityGrad(t, eps));
    },
  },
  safe_exp: {
    params: ['x', 'eps'],
    defaults: { eps: 1e-20 },
    fn: ([x, eps], op) => {
      if (typeof eps !== 'number') throw new EvalOperandError(`${op}: eps must be a number`);
      return ops.exp(ops.minimum(ops.maximum(floatTensor(x!, op), Math.log(eps)), Math.log(1 / eps)));
    },
  },
  where_bc: { params: ['condition', 'x', 'y'], fn: ([c, x, y], op) => where(c!, x!, y!, op) },
  py_print: {
    params: ['pass_through_value', 'print_args', 'message', 'summarize', 'first_n'],
    defaults: { message: null, summarize: null, first_n: null },
    fn: ([x, args, message, summarize, firstN], op) => pyPrint(toT(x!, op), args!, message!, summarize!, firstN!, op),
  },
};

/**
 * RETURNN's `py_print`: `x` itself, printing `message` and `print_args` to stdout as it passes (str as `[s]`,
 * tensors as values, at most `summarize` (default 3) at each edge). `first_n` only as None or negative (print
 * every time): RETURNN counts the runs of each op, which Strata's eval strings do not keep.
 */
function pyPrint(x: Tensor, args: EvalValue, message: EvalValue, summarize: EvalValue, firstN: EvalValue, op: string): Tensor {
  if (!Array.isArray(args)) throw new EvalOperandError(`${op}: print_args must be a list of str and tensors, not ${describe(args)}`);
  if (message !== null && typeof message !== 'string') throw new EvalOperandError(`${op}: message must be a str or None`);
  const edge = typeof summarize === 'number' ? summarize : 3;
  if (firstN !== null && !(typeof firstN === 'number' && firstN < 0)) throw new EvalOperandError(`${op}: first_n must be None or negative (print every time); Strata keeps no count of runs`);
  const fmt = (v: EvalValue): string => {
    if (typeof v === 'string') return `[${v}]`;
    if (!isTensor(v)) return `[${describe(v)}]`;
    const flat = Array.from(ops.readSync(v), Number);
    if (!flat.length) return '[]';
    const shown = flat.length > 2 * edge ? [...flat.slice(0, edge), '...', ...flat.slice(-edge)] : flat;
    return `[${shown.join(' ')}]`;
  };
  console.log((message ?? '') + (args as readonly EvalValue[]).map(fmt).join(''));
  return x;
}

function toT(x: EvalValue, op: string): Tensor {
  return isTensor(x) ? x : toTensor(x, typeof x === 'boolean' ? 'bool' : Number.isInteger(x) ? 'int32' : 'float32', op);
}

function dtypeOf(d: EvalValue, op: string): DType | undefined {
  if (d === null) return undefined;
  if (d instanceof DTypeValue) return d.dtype;
  if (typeof d === 'string' && DTYPES[d]) return DTYPES[d];
  throw new EvalOperandError(`${op}: dtype must be tf.float32, tf.int32 or tf.bool, not ${describe(d)}`);
}

/** TF's truediv: floats divide; int32 operands are divided as floats (TF gives float64; Strata float32). */
export function trueDiv(a: EvalValue, b: EvalValue, op: string): Tensor {
  const [x, y] = asTensors(a, b, op);
  return x.dtype === 'int32' ? ops.div(ops.cast(x, 'float32'), ops.cast(y, 'float32')) : ops.div(x, y);
}

function where(c: EvalValue, x: EvalValue, y: EvalValue, op: string): Tensor {
  const [tx, ty] = asTensors(x, y, op);
  return whereBroadcast(boolT(c, op), tx, ty, op);
}

/**
 * The allowlist of functions an eval string may call, by the dotted name it
 * calls them by (`tf.nn.relu`, `tf.math.sigmoid`, `tf.sigmoid`, `safe_log`):
 * each TF name in each namespace TensorFlow 2 has it in, mapped onto the
 * backend contract's ops (every one differentiable where TF's is; comparisons
 * and logical ops give bool, `floor`/`sign` have zero gradient as in TF),
 * TF's `reduce_*` (see {@link REDUCE_FUNCTIONS}),
 * plus RETURNN's `safe_log`, `safe_exp`, `where_bc`. `gelu` is the exact erf
 * form unless `approximate=True`.
 */
export const EVAL_FUNCTIONS: ReadonlyMap<string, EvalFunction> = new Map([
  ...TABLE.flatMap(([name, spaces, f]) => spaces.split(' ').map((ns) => [`${ns}.${name}`, f] as const)),
  ...REDUCE_FUNCTIONS.flatMap(([name, f]) => ['tf', 'tf.math'].map((ns) => [`${ns}.${name}`, f] as const)),
  ...Object.entries(TF_UTIL),
]);

/** Names an eval string may read: dtypes (`tf.float32`) and constants (`numpy.pi`). */
export const EVAL_CONSTANTS: ReadonlyMap<string, EvalValue> = new Map<string, EvalValue>([
  ...['tf', 'tf.dtypes'].flatMap((ns) => Object.keys(DTYPES).map((d) => [`${ns}.${d}`, new DTypeValue(DTYPES[d]!)] as const)),
  ...['numpy', 'np', 'math'].flatMap((ns) => [[`${ns}.pi`, Math.PI] as const, [`${ns}.e`, Math.E] as const]),
]);
