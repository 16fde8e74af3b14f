/**
 * The op set as free functions over the active backend ({@link getBackend}).
 * Layers, losses and optimizers call these, so they run unchanged on every
 * backend. Semantics and shapes are documented on {@link Backend}; binary ops
 * also accept a plain number for either operand (a float32 scalar).
 */
import type { Conv2dOptions, LossAndAux, MatMulFused, Pool2dOptions, ValueAndGrads } from './backend.js';
import { getBackend } from './registry.js';
import type { DType, Shape, Tensor, TensorData } from './tensor.js';

/** A tensor or a number standing for a float32 scalar. */
export type TensorLike = Tensor | number;

const b = getBackend;
const t = (x: TensorLike): Tensor => (typeof x === 'number' ? b().scalar(x) : x);

// ---- data and memory ----
export const tensor = (values: TensorData | number[], shape: Shape, dtype: DType = 'float32'): Tensor =>
  b().tensor(values, shape, dtype);
export const scalar = (value: number, dtype: DType = 'float32'): Tensor => b().scalar(value, dtype);
export const fill = (shape: Shape, value: number, dtype: DType = 'float32'): Tensor => b().fill(shape, value, dtype);
export const zeros = (shape: Shape, dtype: DType = 'float32'): Tensor => b().fill(shape, 0, dtype);
export const ones = (shape: Shape, dtype: DType = 'float32'): Tensor => b().fill(shape, 1, dtype);
export const read = (x: Tensor): Promise<TensorData> => b().read(x);
export const readSync = (x: Tensor): TensorData => b().readSync(x);
export const tidy = <T>(fn: () => T): T => b().tidy(fn);
export const keep = <T extends Tensor>(x: T): T => b().keep(x);
export const dispose = (x: Tensor | Tensor[]): void => b().dispose(x);
export const valueAndGrads = (f: () => LossAndAux, variables: Tensor[]): ValueAndGrads =>
  b().valueAndGrads(f, variables);
/** Reads a scalar tensor as a number. */
export const item = (x: Tensor): number => b().readSync(x)[0] as number;

// ---- elementwise ----
export const add = (x: TensorLike, y: TensorLike): Tensor => b().add(t(x), t(y));
export const sub = (x: TensorLike, y: TensorLike): Tensor => b().sub(t(x), t(y));
export const mul = (x: TensorLike, y: TensorLike): Tensor => b().mul(t(x), t(y));
export const div = (x: TensorLike, y: TensorLike): Tensor => b().div(t(x), t(y));
export const pow = (x: TensorLike, y: TensorLike): Tensor => b().pow(t(x), t(y));
export const maximum = (x: TensorLike, y: TensorLike): Tensor => b().maximum(t(x), t(y));
export const minimum = (x: TensorLike, y: TensorLike): Tensor => b().minimum(t(x), t(y));
export const equal = (x: TensorLike, y: TensorLike): Tensor => b().equal(t(x), t(y));
export const greater = (x: TensorLike, y: TensorLike): Tensor => b().greater(t(x), t(y));
export const less = (x: TensorLike, y: TensorLike): Tensor => b().less(t(x), t(y));
export const where = (cond: Tensor, x: TensorLike, y: TensorLike): Tensor => b().where(cond, t(x), t(y));
export const neg = (x: Tensor): Tensor => b().neg(x);
export const abs = (x: Tensor): Tensor => b().abs(x);
export const exp = (x: Tensor): Tensor => b().exp(x);
export const log = (x: Tensor): Tensor => b().log(x);
export const sqrt = (x: Tensor): Tensor => b().sqrt(x);
export const square = (x: Tensor): Tensor => b().square(x);
export const relu = (x: Tensor): Tensor => b().relu(x);
export const sigmoid = (x: Tensor): Tensor => b().sigmoid(x);
export const tanh = (x: Tensor): Tensor => b().tanh(x);
export const elu = (x: Tensor): Tensor => b().elu(x);
export const softplus = (x: Tensor): Tensor => b().softplus(x);
export const cast = (x: Tensor, dtype: DType): Tensor => b().cast(x, dtype);
export const stopGradient = (x: Tensor): Tensor => b().stopGradient(x);

// ---- reductions ----
export const sum = (x: Tensor, axes?: number[], keepDims = false): Tensor => b().sum(x, axes, keepDims);
export const mean = (x: Tensor, axes?: number[], keepDims = false): Tensor => b().mean(x, axes, keepDims);
export const max = (x: Tensor, axes?: number[], keepDims = false): Tensor => b().max(x, axes, keepDims);
export const argMax = (x: Tensor, axis = -1): Tensor => b().argMax(x, axis);
export const softmax = (x: Tensor, axis = -1): Tensor => b().softmax(x, axis);
export const logSoftmax = (x: Tensor, axis = -1): Tensor => b().logSoftmax(x, axis);

// ---- linear algebra ----
/** `[..., m, k] x [..., k, n] -> [..., m, n]`; with `fused`, `act(x · y + bias)` (see {@link MatMulFused}). */
export const matMul = (x: Tensor, y: Tensor, transposeA = false, transposeB = false, fused?: MatMulFused): Tensor =>
  fused ? b().matMul(x, y, transposeA, transposeB, fused) : b().matMul(x, y, transposeA, transposeB);
export const conv2d = (x: Tensor, filter: Tensor, options?: Conv2dOptions): Tensor => b().conv2d(x, filter, options);
export const maxPool2d = (x: Tensor, options: Pool2dOptions): Tensor => b().maxPool2d(x, options);
export const avgPool2d = (x: Tensor, options: Pool2dOptions): Tensor => b().avgPool2d(x, options);

// ---- shape ----
export const reshape = (x: Tensor, shape: Shape): Tensor => b().reshape(x, shape);
export const transpose = (x: Tensor, perm: number[]): Tensor => b().transpose(x, perm);
export const concat = (xs: Tensor[], axis = -1): Tensor => b().concat(xs, axis);
export const slice = (x: Tensor, begin: number[], size: number[]): Tensor => b().slice(x, begin, size);
export const unstack = (x: Tensor, axis = 0): Tensor[] => b().unstack(x, axis);
export const pad = (x: Tensor, paddings: [number, number][], value = 0): Tensor => b().pad(x, paddings, value);
export const gather = (x: Tensor, indices: Tensor, axis = 0): Tensor => b().gather(x, indices, axis);
export const oneHot = (indices: Tensor, depth: number): Tensor => b().oneHot(indices, depth);

// ---- randomness ----
export const randomUniform = (shape: Shape, min: number, max: number, seed: number): Tensor =>
  b().randomUniform(shape, min, max, seed);
