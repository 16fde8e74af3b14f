/**
 * Op parity: every op of the Backend contract, run on tfjs-cpu (the
 * reference), on onnxruntime eager (one-op sessions) and on onnxruntime
 * compiled (the op traced by `compile` into a graph), at the default opset
 * and at opset 17 (attribute form of ReduceMean/ReduceMax). Float results
 * agree within 1e-5 + 1e-5·|ref|; int32 and bool results exactly, with the
 * same dtype and shape.
 */
import { type Backend, type DType, registerBackend, setBackend, type Tensor, type TensorData } from '@strata/backend';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { OrtBackend } from './ort-backend.js';
import { registerOnnxruntimeBackends } from './register.js';

// ---- inputs ---------------------------------------------------------------------------------------

interface Input {
  values: number[];
  shape: number[];
  dtype: DType;
}

let seed = 12345;
/** Deterministic float32 values uniform in `[lo, hi)`. */
function f32(shape: number[], lo = -2, hi = 2): Input {
  const n = shape.reduce((a, b) => a * b, 1);
  const values: number[] = [];
  for (let i = 0; i < n; i++) {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    values.push(Math.fround(lo + ((hi - lo) * seed) / 2 ** 32));
  }
  return { values, shape, dtype: 'float32' };
}
/** Float32 values drawn from a few small integers, so that comparisons hit ties. */
function f32ints(shape: number[], choices = [-1, 0, 1, 2]): Input {
  const r = f32(shape, 0, choices.length);
  return { ...r, values: r.values.map((v) => choices[Math.floor(v)]!) };
}
const f32v = (values: number[], shape: number[]): Input => ({ values, shape, dtype: 'float32' });
const i32 = (values: number[], shape: number[]): Input => ({ values, shape, dtype: 'int32' });
const bool = (values: number[], shape: number[]): Input => ({ values, shape, dtype: 'bool' });

// ---- the table ------------------------------------------------------------------------------------

interface Row {
  name: string;
  inputs: Input[];
  op: (b: Backend, ...xs: Tensor[]) => Tensor;
}

const x234 = f32([2, 3, 4]);
const img = f32([2, 5, 5, 3]);
const img1 = f32([1, 5, 5, 2]);
const img7 = f32([1, 7, 7, 2]);
const cmpA = f32ints([2, 3]);
const cmpB = f32ints([3]);

const ROWS: Row[] = [
  // data
  { name: 'tensor float32', inputs: [], op: (b) => b.tensor([1.5, -2, 3.25, 0], [2, 2], 'float32') },
  { name: 'tensor int32', inputs: [], op: (b) => b.tensor([1, -2, 3, 2147483647], [4], 'int32') },
  { name: 'tensor bool', inputs: [], op: (b) => b.tensor([1, 0, 0, 1, 1, 0], [3, 2], 'bool') },
  { name: 'scalar float32', inputs: [], op: (b) => b.scalar(-0.125) },
  { name: 'scalar int32', inputs: [], op: (b) => b.scalar(-7, 'int32') },
  { name: 'fill float32', inputs: [], op: (b) => b.fill([2, 3], 2.5) },
  { name: 'fill int32', inputs: [], op: (b) => b.fill([4], -3, 'int32') },
  { name: 'fill bool', inputs: [], op: (b) => b.fill([2, 2], 1, 'bool') },
  { name: 'fill bool false', inputs: [], op: (b) => b.fill([3], 0, 'bool') },
  { name: 'fill scalar shape', inputs: [], op: (b) => b.fill([], 4) },

  // elementwise binary, float32 with broadcasting
  { name: 'add same shape', inputs: [f32([2, 3]), f32([2, 3])], op: (b, x, y) => b.add(x!, y!) },
  { name: 'add [2,3]+[3]', inputs: [f32([2, 3]), f32([3])], op: (b, x, y) => b.add(x!, y!) },
  { name: 'add [2,1]+[1,3]', inputs: [f32([2, 1]), f32([1, 3])], op: (b, x, y) => b.add(x!, y!) },
  { name: 'add scalar', inputs: [f32([2, 3]), f32([])], op: (b, x, y) => b.add(x!, y!) },
  { name: 'sub [3]-[2,3]', inputs: [f32([3]), f32([2, 3])], op: (b, x, y) => b.sub(x!, y!) },
  { name: 'mul [2,3,4]*[3,1]', inputs: [x234, f32([3, 1])], op: (b, x, y) => b.mul(x!, y!) },
  { name: 'div', inputs: [f32([2, 3]), f32([2, 3], 0.5, 2)], op: (b, x, y) => b.div(x!, y!) },
  { name: 'div by negative [3]', inputs: [f32([2, 3]), f32([3], -2, -0.5)], op: (b, x, y) => b.div(x!, y!) },
  { name: 'pow', inputs: [f32([2, 3], 0.2, 3), f32([2, 3], -2, 2)], op: (b, x, y) => b.pow(x!, y!) },
  { name: 'pow negative base, integer exponents', inputs: [f32([2, 3], -3, -0.5), f32v([2, 3, 4, 1, 0, 3], [2, 3])], op: (b, x, y) => b.pow(x!, y!) },
  { name: 'maximum', inputs: [f32([2, 3]), f32([3])], op: (b, x, y) => b.maximum(x!, y!) },
  { name: 'minimum', inputs: [f32([2, 1]), f32([2, 3])], op: (b, x, y) => b.minimum(x!, y!) },
  { name: 'equal float32', inputs: [cmpA, cmpB], op: (b, x, y) => b.equal(x!, y!) },
  { name: 'greater float32', inputs: [cmpA, cmpB], op: (b, x, y) => b.greater(x!, y!) },
  { name: 'less float32', inputs: [cmpA, cmpB], op: (b, x, y) => b.less(x!, y!) },

  // elementwise binary, int32 and bool
  { name: 'add int32', inputs: [i32([1, -2, 3, 4, -5, 6], [2, 3]), i32([10, 20, -30], [3])], op: (b, x, y) => b.add(x!, y!) },
  { name: 'sub int32', inputs: [i32([1, -2, 3, 4, -5, 6], [2, 3]), i32([7], [1])], op: (b, x, y) => b.sub(x!, y!) },
  { name: 'mul int32', inputs: [i32([1, -2, 3, 4, -5, 6], [2, 3]), i32([3, -1], [2, 1])], op: (b, x, y) => b.mul(x!, y!) },
  {
    name: 'div int32 (floor division)',
    inputs: [i32([-7, 7, -8, 5, 0, -1, 9, -9], [8]), i32([2, 2, 3, -3, 4, 5, -4, -4], [8])],
    op: (b, x, y) => b.div(x!, y!),
  },
  { name: 'pow int32', inputs: [i32([2, -3, 5, 1, 0, 7], [2, 3]), i32([3, 2, 0], [3])], op: (b, x, y) => b.pow(x!, y!) },
  { name: 'maximum int32', inputs: [i32([1, -2, 3, 4, -5, 6], [2, 3]), i32([0, 0, 5], [3])], op: (b, x, y) => b.maximum(x!, y!) },
  { name: 'minimum int32', inputs: [i32([1, -2, 3, 4, -5, 6], [2, 3]), i32([0, 0, 5], [3])], op: (b, x, y) => b.minimum(x!, y!) },
  { name: 'equal int32', inputs: [i32([1, 2, 3, 1, 2, 3], [2, 3]), i32([1, 0, 3], [3])], op: (b, x, y) => b.equal(x!, y!) },
  { name: 'greater int32', inputs: [i32([1, 2, 3, 1, 2, 3], [2, 3]), i32([2], [1])], op: (b, x, y) => b.greater(x!, y!) },
  { name: 'less int32', inputs: [i32([1, 2, 3, 1, 2, 3], [2, 3]), i32([2], [1])], op: (b, x, y) => b.less(x!, y!) },
  { name: 'equal bool', inputs: [bool([1, 0, 1, 0], [2, 2]), bool([1, 1], [2])], op: (b, x, y) => b.equal(x!, y!) },

  // where
  { name: 'where float32, broadcast branch', inputs: [bool([1, 0, 1, 0, 0, 1], [2, 3]), f32([2, 3]), f32([3])], op: (b, c, x, y) => b.where(c!, x!, y!) },
  { name: 'where broadcast cond [2,1]', inputs: [bool([0, 1], [2, 1]), f32([2, 3]), f32([2, 3])], op: (b, c, x, y) => b.where(c!, x!, y!) },
  { name: 'where int32', inputs: [bool([1, 0, 0, 1], [4]), i32([1, 2, 3, 4], [4]), i32([-1], [1])], op: (b, c, x, y) => b.where(c!, x!, y!) },
  { name: 'where bool branches', inputs: [bool([1, 0, 0, 1], [4]), bool([1, 1, 0, 0], [4]), bool([0, 1, 1, 0], [4])], op: (b, c, x, y) => b.where(c!, x!, y!) },

  // elementwise unary
  { name: 'neg', inputs: [f32([2, 3])], op: (b, x) => b.neg(x!) },
  { name: 'abs', inputs: [f32([2, 3])], op: (b, x) => b.abs(x!) },
  { name: 'exp', inputs: [f32([2, 3], -5, 5)], op: (b, x) => b.exp(x!) },
  { name: 'log', inputs: [f32([2, 3], 0.01, 10)], op: (b, x) => b.log(x!) },
  { name: 'sqrt', inputs: [f32v([0, 0.25, 1, 2, 9, 1e4], [2, 3])], op: (b, x) => b.sqrt(x!) },
  { name: 'square', inputs: [f32([2, 3])], op: (b, x) => b.square(x!) },
  { name: 'relu', inputs: [f32v([-1, 0, 0.5, -0.25, 3, -0], [2, 3])], op: (b, x) => b.relu(x!) },
  { name: 'sigmoid', inputs: [f32([3, 4], -10, 10)], op: (b, x) => b.sigmoid(x!) },
  { name: 'tanh', inputs: [f32([3, 4], -4, 4)], op: (b, x) => b.tanh(x!) },
  { name: 'elu', inputs: [f32([3, 4], -4, 4)], op: (b, x) => b.elu(x!) },
  { name: 'softplus', inputs: [f32v([-30, -5, -0.5, 0, 0.5, 5, 15, 30], [8])], op: (b, x) => b.softplus(x!) },
  { name: 'stopGradient', inputs: [f32([2, 3])], op: (b, x) => b.stopGradient(x!) },
  { name: 'neg int32', inputs: [i32([1, -2, 0, 7], [4])], op: (b, x) => b.neg(x!) },
  { name: 'abs int32', inputs: [i32([1, -2, 0, -7], [4])], op: (b, x) => b.abs(x!) },
  { name: 'square int32', inputs: [i32([3, -2, 0, -7], [4])], op: (b, x) => b.square(x!) },
  { name: 'relu int32', inputs: [i32([3, -2, 0, -7], [4])], op: (b, x) => b.relu(x!) },
  { name: 'stopGradient int32', inputs: [i32([3, -2], [2])], op: (b, x) => b.stopGradient(x!) },
  { name: 'stopGradient bool', inputs: [bool([1, 0], [2])], op: (b, x) => b.stopGradient(x!) },

  // cast
  { name: 'cast float32→int32 (truncates)', inputs: [f32v([-2.7, -0.5, 0.5, 2.7, 3, -3], [6])], op: (b, x) => b.cast(x!, 'int32') },
  { name: 'cast float32→bool', inputs: [f32v([0, 0.5, -1, 0, 2, -0], [6])], op: (b, x) => b.cast(x!, 'bool') },
  { name: 'cast float32→float32', inputs: [f32([3])], op: (b, x) => b.cast(x!, 'float32') },
  { name: 'cast int32→float32', inputs: [i32([-3, 0, 16777217, 5], [4])], op: (b, x) => b.cast(x!, 'float32') },
  { name: 'cast int32→bool', inputs: [i32([-3, 0, 1, 5], [2, 2])], op: (b, x) => b.cast(x!, 'bool') },
  { name: 'cast bool→float32', inputs: [bool([1, 0, 1], [3])], op: (b, x) => b.cast(x!, 'float32') },
  { name: 'cast bool→int32', inputs: [bool([1, 0, 1], [3])], op: (b, x) => b.cast(x!, 'int32') },

  // reductions
  { name: 'sum all axes', inputs: [x234], op: (b, x) => b.sum(x!) },
  { name: 'sum [1]', inputs: [x234], op: (b, x) => b.sum(x!, [1]) },
  { name: 'sum [0,2] keepDims', inputs: [x234], op: (b, x) => b.sum(x!, [0, 2], true) },
  { name: 'sum [-1]', inputs: [x234], op: (b, x) => b.sum(x!, [-1]) },
  { name: 'sum [-1,-3] keepDims', inputs: [x234], op: (b, x) => b.sum(x!, [-1, -3], true) },
  { name: 'sum all axes keepDims', inputs: [x234], op: (b, x) => b.sum(x!, undefined, true) },
  { name: 'sum [] (no axes: identity)', inputs: [x234], op: (b, x) => b.sum(x!, []) },
  { name: 'sum int32 [0]', inputs: [i32([1, -2, 3, 4, -5, 6], [2, 3])], op: (b, x) => b.sum(x!, [0]) },
  { name: 'sum bool (count)', inputs: [bool([1, 0, 1, 1, 1, 0], [2, 3])], op: (b, x) => b.sum(x!, [1]) },
  { name: 'mean all axes', inputs: [x234], op: (b, x) => b.mean(x!) },
  { name: 'mean [1]', inputs: [x234], op: (b, x) => b.mean(x!, [1]) },
  { name: 'mean [0,2] keepDims', inputs: [x234], op: (b, x) => b.mean(x!, [0, 2], true) },
  { name: 'mean [-1]', inputs: [x234], op: (b, x) => b.mean(x!, [-1]) },
  { name: 'mean [-2] keepDims', inputs: [x234], op: (b, x) => b.mean(x!, [-2], true) },
  { name: 'mean [] (no axes: identity)', inputs: [x234], op: (b, x) => b.mean(x!, []) },
  { name: 'mean int32 (float32 result)', inputs: [i32([1, -2, 3, 4, -5, 7], [2, 3])], op: (b, x) => b.mean(x!, [1]) },
  { name: 'mean bool (fraction)', inputs: [bool([1, 0, 1, 1, 1, 0, 0, 0], [2, 4])], op: (b, x) => b.mean(x!, [-1]) },
  { name: 'max all axes', inputs: [x234], op: (b, x) => b.max(x!) },
  { name: 'max [1]', inputs: [x234], op: (b, x) => b.max(x!, [1]) },
  { name: 'max [0,2] keepDims', inputs: [x234], op: (b, x) => b.max(x!, [0, 2], true) },
  { name: 'max [-1]', inputs: [x234], op: (b, x) => b.max(x!, [-1]) },
  { name: 'max [-3,-1] keepDims', inputs: [x234], op: (b, x) => b.max(x!, [-3, -1], true) },
  { name: 'max [] (no axes: identity)', inputs: [x234], op: (b, x) => b.max(x!, []) },
  { name: 'max int32 [-1]', inputs: [i32([1, -2, 3, 4, -5, 6], [2, 3])], op: (b, x) => b.max(x!, [-1]) },
  { name: 'argMax axis -1', inputs: [f32([3, 5])], op: (b, x) => b.argMax(x!, -1) },
  { name: 'argMax axis 0', inputs: [f32([3, 5])], op: (b, x) => b.argMax(x!, 0) },
  { name: 'argMax rank 3 axis 1', inputs: [x234], op: (b, x) => b.argMax(x!, 1) },
  { name: 'argMax int32', inputs: [i32([1, 9, 3, -4, -5, -6], [2, 3])], op: (b, x) => b.argMax(x!, 1) },
  { name: 'softmax (default axis)', inputs: [f32([3, 5], -3, 3)], op: (b, x) => b.softmax(x!) },
  { name: 'softmax axis 0', inputs: [f32([3, 5], -3, 3)], op: (b, x) => b.softmax(x!, 0) },
  { name: 'softmax rank 3 axis 1', inputs: [x234], op: (b, x) => b.softmax(x!, 1) },
  { name: 'softmax large logits', inputs: [f32([2, 6], -80, 80)], op: (b, x) => b.softmax(x!, -1) },
  { name: 'logSoftmax (default axis)', inputs: [f32([3, 5], -3, 3)], op: (b, x) => b.logSoftmax(x!) },
  { name: 'logSoftmax axis 0', inputs: [f32([3, 5], -3, 3)], op: (b, x) => b.logSoftmax(x!, 0) },
  { name: 'logSoftmax rank 3 axis -2', inputs: [x234], op: (b, x) => b.logSoftmax(x!, -2) },
  { name: 'logSoftmax large logits', inputs: [f32([2, 6], -80, 80)], op: (b, x) => b.logSoftmax(x!) },

  // linear algebra
  { name: 'matMul', inputs: [f32([3, 4]), f32([4, 5])], op: (b, x, y) => b.matMul(x!, y!) },
  { name: 'matMul transposeA', inputs: [f32([4, 3]), f32([4, 5])], op: (b, x, y) => b.matMul(x!, y!, true, false) },
  { name: 'matMul transposeB', inputs: [f32([3, 4]), f32([5, 4])], op: (b, x, y) => b.matMul(x!, y!, false, true) },
  { name: 'matMul transposeA transposeB', inputs: [f32([4, 3]), f32([5, 4])], op: (b, x, y) => b.matMul(x!, y!, true, true) },
  { name: 'matMul batched rank 3', inputs: [f32([2, 3, 4]), f32([2, 4, 5])], op: (b, x, y) => b.matMul(x!, y!) },
  { name: 'matMul batched transposeA', inputs: [f32([2, 4, 3]), f32([2, 4, 5])], op: (b, x, y) => b.matMul(x!, y!, true, false) },
  { name: 'matMul batched transposeB', inputs: [f32([2, 3, 4]), f32([2, 5, 4])], op: (b, x, y) => b.matMul(x!, y!, false, true) },
  { name: 'matMul batched both', inputs: [f32([2, 4, 3]), f32([2, 5, 4])], op: (b, x, y) => b.matMul(x!, y!, true, true) },
  { name: 'matMul rank 3 x rank 2 (broadcast)', inputs: [f32([2, 3, 4]), f32([4, 5])], op: (b, x, y) => b.matMul(x!, y!) },
  { name: 'matMul int32', inputs: [i32([1, 2, 3, 4, 5, 6], [2, 3]), i32([1, -1, 2, 0, -3, 1], [3, 2])], op: (b, x, y) => b.matMul(x!, y!) },
  { name: 'conv2d valid', inputs: [img, f32([3, 3, 3, 4])], op: (b, x, f) => b.conv2d(x!, f!) },
  { name: 'conv2d same', inputs: [img, f32([3, 3, 3, 4])], op: (b, x, f) => b.conv2d(x!, f!, { padding: 'same' }) },
  { name: 'conv2d same strided (odd input)', inputs: [img, f32([3, 3, 3, 4])], op: (b, x, f) => b.conv2d(x!, f!, { padding: 'same', strides: [2, 2] }) },
  {
    name: 'conv2d same strided (even input: pad after)',
    inputs: [f32([1, 6, 6, 2]), f32([3, 3, 2, 3])],
    op: (b, x, f) => b.conv2d(x!, f!, { padding: 'same', strides: [2, 2] }),
  },
  { name: 'conv2d valid strided [2,1]', inputs: [img7, f32([3, 2, 2, 2])], op: (b, x, f) => b.conv2d(x!, f!, { strides: [2, 1] }) },
  { name: 'conv2d valid dilated', inputs: [img7, f32([3, 3, 2, 2])], op: (b, x, f) => b.conv2d(x!, f!, { dilations: [2, 2] }) },
  { name: 'conv2d same dilated [2,1]', inputs: [img7, f32([3, 3, 2, 2])], op: (b, x, f) => b.conv2d(x!, f!, { padding: 'same', dilations: [2, 1] }) },
  { name: 'conv2d 1x1', inputs: [img, f32([1, 1, 3, 2])], op: (b, x, f) => b.conv2d(x!, f!) },
  { name: 'maxPool2d valid 2x2', inputs: [img1], op: (b, x) => b.maxPool2d(x!, { poolSize: [2, 2] }) },
  { name: 'maxPool2d same 2x2', inputs: [img1], op: (b, x) => b.maxPool2d(x!, { poolSize: [2, 2], padding: 'same' }) },
  { name: 'maxPool2d same 3x3 stride 2', inputs: [img1], op: (b, x) => b.maxPool2d(x!, { poolSize: [3, 3], strides: [2, 2], padding: 'same' }) },
  { name: 'maxPool2d valid 3x3 stride 1', inputs: [img1], op: (b, x) => b.maxPool2d(x!, { poolSize: [3, 3], strides: [1, 1] }) },
  { name: 'maxPool2d same on negative values', inputs: [f32([1, 4, 6, 1], -5, -1)], op: (b, x) => b.maxPool2d(x!, { poolSize: [3, 3], strides: [2, 2], padding: 'same' }) },
  { name: 'avgPool2d valid 2x2', inputs: [img1], op: (b, x) => b.avgPool2d(x!, { poolSize: [2, 2] }) },
  { name: 'avgPool2d same 3x3 stride 1', inputs: [img1], op: (b, x) => b.avgPool2d(x!, { poolSize: [3, 3], strides: [1, 1], padding: 'same' }) },
  { name: 'avgPool2d same 2x2', inputs: [img1], op: (b, x) => b.avgPool2d(x!, { poolSize: [2, 2], padding: 'same' }) },
  { name: 'avgPool2d valid 2x3 strides [1,2]', inputs: [img1], op: (b, x) => b.avgPool2d(x!, { poolSize: [2, 3], strides: [1, 2] }) },

  // shape
  { name: 'reshape with -1', inputs: [x234], op: (b, x) => b.reshape(x!, [4, -1]) },
  { name: 'reshape to rank 4', inputs: [x234], op: (b, x) => b.reshape(x!, [2, 1, 3, 4]) },
  { name: 'reshape to scalar', inputs: [f32([1])], op: (b, x) => b.reshape(x!, []) },
  { name: 'reshape int32', inputs: [i32([1, 2, 3, 4, 5, 6], [6])], op: (b, x) => b.reshape(x!, [3, 2]) },
  { name: 'reshape bool', inputs: [bool([1, 0, 0, 1], [4])], op: (b, x) => b.reshape(x!, [2, -1]) },
  { name: 'transpose rank 3', inputs: [x234], op: (b, x) => b.transpose(x!, [2, 0, 1]) },
  { name: 'transpose int32', inputs: [i32([1, 2, 3, 4, 5, 6], [2, 3])], op: (b, x) => b.transpose(x!, [1, 0]) },
  { name: 'unstack axis 1, middle frame', inputs: [f32([2, 3, 4])], op: (b, x) => b.unstack(x!, 1)[1]! },
  { name: 'unstack axis 0, sum of slices', inputs: [f32([2, 3])], op: (b, x) => { const [p, q] = b.unstack(x!); return b.add(p!, q!); } },
  { name: 'unstack axis -1 of int32', inputs: [i32([1, 2, 3, 4, 5, 6], [3, 2])], op: (b, x) => b.unstack(x!, -1)[1]! },
  { name: 'concat of 3 axis 1', inputs: [f32([2, 1]), f32([2, 3]), f32([2, 2])], op: (b, x, y, z) => b.concat([x!, y!, z!], 1) },
  { name: 'concat of 3 axis -1 rank 3', inputs: [f32([2, 3, 1]), f32([2, 3, 2]), f32([2, 3, 1])], op: (b, x, y, z) => b.concat([x!, y!, z!], -1) },
  { name: 'concat of 3 axis 0', inputs: [f32([1, 3]), f32([2, 3]), f32([1, 3])], op: (b, x, y, z) => b.concat([x!, y!, z!], 0) },
  { name: 'concat of 1', inputs: [f32([2, 3])], op: (b, x) => b.concat([x!], 0) },
  { name: 'concat int32 of 3', inputs: [i32([1, 2], [2]), i32([3], [1]), i32([4, 5, 6], [3])], op: (b, x, y, z) => b.concat([x!, y!, z!], 0) },
  { name: 'concat bool', inputs: [bool([1, 0], [1, 2]), bool([0, 1], [1, 2])], op: (b, x, y) => b.concat([x!, y!], 0) },
  { name: 'slice', inputs: [f32([4, 5])], op: (b, x) => b.slice(x!, [1, 2], [2, 3]) },
  { name: 'slice with -1 sizes', inputs: [x234], op: (b, x) => b.slice(x!, [1, 0, 2], [-1, 2, -1]) },
  { name: 'slice all -1', inputs: [f32([3, 4])], op: (b, x) => b.slice(x!, [0, 1], [-1, -1]) },
  { name: 'slice int32', inputs: [i32([1, 2, 3, 4, 5, 6], [2, 3])], op: (b, x) => b.slice(x!, [0, 1], [2, -1]) },
  { name: 'pad', inputs: [f32([2, 3])], op: (b, x) => b.pad(x!, [[1, 0], [2, 3]]) },
  { name: 'pad with value, rank 3', inputs: [x234], op: (b, x) => b.pad(x!, [[0, 1], [1, 1], [0, 2]], -1.5) },
  { name: 'pad int32 with value', inputs: [i32([1, 2, 3], [3])], op: (b, x) => b.pad(x!, [[2, 1]], 7) },
  { name: 'pad bool', inputs: [bool([1, 0], [2])], op: (b, x) => b.pad(x!, [[1, 1]]) },
  { name: 'gather axis 0, 2-D indices', inputs: [f32([4, 3]), i32([3, 0, 1, 3], [2, 2])], op: (b, x, i) => b.gather(x!, i!, 0) },
  { name: 'gather axis 1', inputs: [f32([4, 3]), i32([2, 2, 0], [3])], op: (b, x, i) => b.gather(x!, i!, 1) },
  { name: 'gather axis -1 rank 3', inputs: [x234, i32([3, 1], [2])], op: (b, x, i) => b.gather(x!, i!, -1) },
  { name: 'gather int32 values', inputs: [i32([10, 20, 30, 40], [4]), i32([3, 3, 0], [3])], op: (b, x, i) => b.gather(x!, i!) },
  { name: 'gather bool values', inputs: [bool([1, 0, 1], [3]), i32([1, 2], [2])], op: (b, x, i) => b.gather(x!, i!) },
  { name: 'oneHot', inputs: [i32([0, 2, 1, 2], [4])], op: (b, i) => b.oneHot(i!, 3) },
  { name: 'oneHot out of range (zero rows)', inputs: [i32([-1, 0, 3, 2, 7], [5])], op: (b, i) => b.oneHot(i!, 3) },
  { name: 'oneHot 2-D indices', inputs: [i32([0, 4, 1, 3], [2, 2])], op: (b, i) => b.oneHot(i!, 5) },

  // fused epilogues (bias + activation): tfjs-cpu runs tf.fused kernels, onnxruntime Conv/MatMul + Add + Relu
  { name: 'conv2d same strided + bias + relu', inputs: [img, f32([3, 3, 3, 4]), f32([4])], op: (b, x, f, c) => b.conv2d(x!, f!, { padding: 'same', strides: [2, 2], bias: c!, activation: 'relu' }) },
  { name: 'conv2d valid dilated + bias', inputs: [img7, f32([3, 3, 2, 2]), f32([2])], op: (b, x, f, c) => b.conv2d(x!, f!, { dilations: [2, 2], bias: c!, activation: 'linear' }) },
  { name: 'conv2d valid + relu (no bias)', inputs: [img, f32([3, 3, 3, 4])], op: (b, x, f) => b.conv2d(x!, f!, { activation: 'relu' }) },
  { name: 'matMul + bias + relu', inputs: [f32([3, 4]), f32([4, 5]), f32([5])], op: (b, x, y, c) => b.matMul(x!, y!, false, false, { bias: c!, activation: 'relu' }) },
  { name: 'matMul transposeA transposeB + bias', inputs: [f32([4, 3]), f32([5, 4]), f32([5])], op: (b, x, y, c) => b.matMul(x!, y!, true, true, { bias: c! }) },
  { name: 'matMul batched transposeB + bias + relu', inputs: [f32([2, 3, 4]), f32([2, 5, 4]), f32([5])], op: (b, x, y, c) => b.matMul(x!, y!, false, true, { bias: c!, activation: 'relu' }) },
  { name: 'matMul rank 3 x rank 2 + relu (no bias)', inputs: [f32([2, 3, 4]), f32([4, 5])], op: (b, x, y) => b.matMul(x!, y!, false, false, { activation: 'relu' }) },
];

// ---- running a row --------------------------------------------------------------------------------

interface Result {
  dtype: string;
  shape: number[];
  values: TensorData;
}

function runRow(b: Backend, row: Row, compiled: boolean): Result {
  return b.tidy(() => {
    const xs = row.inputs.map((i) => b.tensor(i.values, i.shape, i.dtype));
    const f = (...args: Tensor[]) => row.op(b, ...args);
    const y = compiled ? b.compile(f)(...xs) : f(...xs);
    return { dtype: y.dtype, shape: [...y.shape], values: b.readSync(y) };
  });
}

const ATOL = 1e-5;
const RTOL = 1e-5;

function expectAgree(got: Result, want: Result): void {
  expect(got.dtype).toBe(want.dtype);
  expect(got.shape).toEqual(want.shape);
  expect(got.values.length).toBe(want.values.length);
  if (want.dtype !== 'float32') {
    expect(Array.from(got.values)).toEqual(Array.from(want.values));
    return;
  }
  const bad: string[] = [];
  want.values.forEach((w, i) => {
    const g = got.values[i]!;
    const ok = Number.isNaN(w) ? Number.isNaN(g) : w === g || Math.abs(g - w) <= ATOL + RTOL * Math.abs(w);
    if (!ok) bad.push(`[${i}] got ${g}, want ${w}`);
  });
  expect(bad.slice(0, 5)).toEqual([]);
}

// ---- tests ------------------------------------------------------------------------------------------

let tfjs: Backend;
const backends: Record<string, Backend> = {};
const reference = new Map<string, Result>();

beforeAll(async () => {
  registerTfjsBackends();
  // Every row compiles a new function, i.e. one more session; without a thread pool
  // per session, hundreds of them stay cheap on a small machine.
  registerOnnxruntimeBackends({ intraOpNumThreads: 1 });
  registerBackend('onnxruntime-opset17', () => new OrtBackend({ opset: 17, name: 'onnxruntime-opset17', intraOpNumThreads: 1 }));
  tfjs = await setBackend('tfjs-cpu');
  backends.onnxruntime = await setBackend('onnxruntime');
  backends['onnxruntime-opset17'] = await setBackend('onnxruntime-opset17');
});

function ref(row: Row): Result {
  let r = reference.get(row.name);
  if (!r) reference.set(row.name, (r = runRow(tfjs, row, false)));
  return r;
}

it('row names are unique', () => {
  expect(new Set(ROWS.map((r) => r.name)).size).toBe(ROWS.length);
});

it('the table covers every op of the contract', () => {
  const ops = [
    'tensor', 'scalar', 'fill', 'add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'equal', 'greater', 'less', 'where',
    'neg', 'abs', 'exp', 'log', 'sqrt', 'square', 'relu', 'sigmoid', 'tanh', 'elu', 'softplus', 'cast', 'stopGradient',
    'sum', 'mean', 'max', 'argMax', 'softmax', 'logSoftmax', 'matMul', 'conv2d', 'maxPool2d', 'avgPool2d',
    'reshape', 'transpose', 'concat', 'slice', 'unstack', 'pad', 'gather', 'oneHot',
  ];
  const sources = ROWS.map((r) => r.op.toString()).join('\n');
  expect(ops.filter((op) => !sources.includes(`b.${op}(`))).toEqual([]);
});

describe.each(['onnxruntime', 'onnxruntime-opset17'])('%s agrees with tfjs-cpu', (name) => {
  it.each(ROWS.map((r) => [r.name, r] as const))('%s', (_, row) => {
    const b = backends[name]!;
    const want = ref(row);
    const start = b.memory().numTensors;
    expectAgree(runRow(b, row, false), want);
    expectAgree(runRow(b, row, true), want);
    expect(b.memory().numTensors).toBe(start);
  });
});

describe('randomUniform', () => {
  const moments = (v: TensorData) => {
    let m = 0;
    for (const x of v) m += x;
    m /= v.length;
    let s = 0;
    for (const x of v) s += (x - m) ** 2;
    return { mean: m, variance: s / (v.length - 1) };
  };
  // U(lo, hi): mean (lo+hi)/2, variance (hi-lo)²/12; 6-sigma bounds for n samples
  // (Var of the sample variance ≈ (μ4 - σ⁴)/n with μ4 = (hi-lo)⁴/80).
  const expectUniform = (v: TensorData, lo: number, hi: number) => {
    const n = v.length;
    for (const x of v) {
      expect(x).toBeGreaterThanOrEqual(lo);
      expect(x).toBeLessThan(hi);
    }
    const w = hi - lo;
    const { mean, variance } = moments(v);
    expect(Math.abs(mean - (lo + hi) / 2)).toBeLessThan(6 * Math.sqrt(w ** 2 / 12 / n));
    expect(Math.abs(variance - w ** 2 / 12)).toBeLessThan(6 * Math.sqrt((w ** 4 / 80 - (w ** 2 / 12) ** 2) / n));
  };

  it.each(['onnxruntime', 'onnxruntime-opset17'])('%s eager: shape, range, statistics, determined by the seed', (name) => {
    const b = backends[name]!;
    const a = b.randomUniform([100, 50], -2, 3, 7);
    expect(a.shape).toEqual([100, 50]);
    expect(a.dtype).toBe('float32');
    const va = b.readSync(a);
    expectUniform(va, -2, 3);
    expect(Array.from(b.readSync(b.randomUniform([100, 50], -2, 3, 7)))).toEqual(Array.from(va));
    const other = b.readSync(b.randomUniform([100, 50], -2, 3, 8));
    expect(other.filter((x, i) => x === va[i]).length).toBeLessThan(50);
    // A prefix of a larger draw: each element is a function of (seed, index).
    expect(Array.from(b.readSync(b.randomUniform([7], -2, 3, 7)))).toEqual(Array.from(va.slice(0, 7)));
  });

  it.each(['onnxruntime', 'onnxruntime-opset17'])('%s compiled: shape, range, statistics; first run = eager, later runs new', (name) => {
    const b = backends[name]!;
    const f = b.compile(() => b.randomUniform([80, 60], 0.5, 1.5, 3));
    const r = f();
    expect(r.shape).toEqual([80, 60]);
    expect(r.dtype).toBe('float32');
    const first = b.readSync(r);
    expectUniform(first, 0.5, 1.5);
    expect(Array.from(first)).toEqual(Array.from(b.readSync(b.randomUniform([80, 60], 0.5, 1.5, 3))));
    const second = b.readSync(f());
    expectUniform(second, 0.5, 1.5);
    expect(second.filter((x, i) => x === first[i]).length).toBeLessThan(50);
    // Random samples combine with other ops in one graph (dropout-style mask).
    const x = b.tensor(Float32Array.from({ length: 1000 }, (_, i) => i), [1000], 'float32');
    const drop = b.compile((t: Tensor) => b.mul(t, b.cast(b.greater(b.randomUniform([1000], 0, 1, 9), b.scalar(0.25)), 'float32')));
    const kept = b.readSync(drop(x)).filter((v, i) => v === i && i > 0).length;
    expect(kept).toBeGreaterThan(650);
    expect(kept).toBeLessThan(850);
  });

  it('tfjs-cpu reference has the same statistics', () => {
    expectUniform(tfjs.readSync(tfjs.randomUniform([100, 50], -2, 3, 7)), -2, 3);
  });
});
