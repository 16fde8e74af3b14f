// The rows of op-grads.test.ts: one or more per differentiable contract op,
// with inputs chosen like op-parity.test.ts's (broadcasting, all transpose
// combinations, strides/dilations/padding, overlapping pools, repeated
// gather indices, ties). Float32 inputs are differentiated; int32 and bool
// inputs are constants.
import type { Backend, Tensor } from '@strata/backend';
import { bool, distinct, f32, f32away, f32v, i32, type Input, ties } from '../../test-utils/inputs.js';

export interface GradRow {
  name: string;
  inputs: Input[];
  op: (b: Backend, ...xs: Tensor[]) => Tensor;
  /** Why no finite-difference check is made (a deliberate non-differentiable point, or a gradient zero by definition). */
  noFd?: string;
  /** Why there is no tfjs reference. */
  noRef?: string;
  /** The reference backend when tfjs-cpu cannot take the gradient, and why. */
  ref?: { backend: 'tfjs-wasm'; why: string };
  /** The same function written for the reference where tfjs cannot differentiate the row's form, and why. */
  refOp?: { op: (b: Backend, ...xs: Tensor[]) => Tensor; why: string };
  /** Float inputs left out of the finite-difference check, and why. */
  fdSkip?: { inputs: number[]; why: string };
  /** A looser tolerance against tfjs, and why. */
  tol?: { atol: number; rtol: number; why: string };
}

const x234 = f32([2, 3, 4]);
const img = f32([2, 5, 5, 3]);
const img7 = f32([1, 7, 7, 2]);
const CONV_TOL = { atol: 1e-4, rtol: 1e-4, why: 'sums of up to ~150 products, accumulated in another order by MLAS and tfjs' };
const DILATED = { backend: 'tfjs-wasm' as const, why: 'tfjs-cpu has no gradient for dilated conv2d' };
/** `x` broadcast to `shape` by adding zeros (tfjs's Add gradient undoes broadcasting; its Maximum, Minimum and BatchMatMul gradients do not). */
const bcast = (b: Backend, x: Tensor, shape: number[]): Tensor => b.add(x, b.fill(shape, 0));
const NO_BCAST = "tfjs 4.22's gradient of this op does not sum over broadcast axes (it throws a shape error): the reference broadcasts explicitly";
/**
 * `avgPool2d(x, 'same')` written as tfjs differentiates it correctly: a
 * 'valid' average pool of the zero-padded input, rescaled by (window size /
 * real taps) per output. (tfjs-cpu's AvgPoolGrad divides every window by its
 * full size, also where 'same' padding cut it, which is not the derivative of
 * its own forward; finite differences side with onnxruntime's rule.)
 */
function avgPoolSameRef(b: Backend, x: Tensor, poolSize: [number, number], strides: [number, number]): Tensor {
  const pads = [1, 2].map((a, i): [number, number] => {
    const n = x.shape[a]!;
    const total = Math.max((Math.ceil(n / strides[i]!) - 1) * strides[i]! + poolSize[i]! - n, 0);
    return [Math.floor(total / 2), total - Math.floor(total / 2)];
  });
  const padded: [number, number][] = [[0, 0], pads[0]!, pads[1]!, [0, 0]];
  const o = { poolSize, strides, padding: 'valid' as const };
  const share = b.avgPool2d(b.pad(b.fill(x.shape, 1), padded), o);
  const rescale = b.tensor(Float32Array.from(b.readSync(share), (v) => 1 / v), share.shape, 'float32');
  return b.mul(b.avgPool2d(b.pad(x, padded), o), rescale);
}
const AVG_SAME = "tfjs-cpu's AvgPoolGrad ignores that 'same' windows cut by the border average fewer taps (see avgPoolSameRef)";
/** Half-integer biases: added to sums of integer products, never within 0.5 of relu's kink. */
const HALF = [-1.5, -0.5, 0.5, 1.5];
const TIE = 'ties (non-differentiable on purpose: the tie-breaking must match tfjs)';

const rows: GradRow[] = [
  // elementwise binary (broadcasting)
  { name: 'add same shape', inputs: [f32([2, 3]), f32([2, 3])], op: (b, x, y) => b.add(x!, y!) },
  { name: 'add [2,3]+[3]', inputs: [f32([2, 3]), f32([3])], op: (b, x, y) => b.add(x!, y!) },
  { name: 'add [2,1]+[1,3]', inputs: [f32([2, 1]), f32([1, 3])], op: (b, x, y) => b.add(x!, y!) },
  { name: 'add scalar', inputs: [f32([2, 3]), f32([])], op: (b, x, y) => b.add(x!, y!) },
  { name: 'sub [3]-[2,3]', inputs: [f32([3]), f32([2, 3])], op: (b, x, y) => b.sub(x!, y!) },
  { name: 'sub [2,3,4]-[3,1]', inputs: [x234, f32([3, 1])], op: (b, x, y) => b.sub(x!, y!) },
  { name: 'mul [2,3,4]*[3,1]', inputs: [x234, f32([3, 1])], op: (b, x, y) => b.mul(x!, y!) },
  { name: 'mul same input twice', inputs: [f32([2, 3])], op: (b, x) => b.mul(x!, x!) },
  { name: 'div', inputs: [f32([2, 3]), f32([2, 3], 0.5, 2)], op: (b, x, y) => b.div(x!, y!) },
  { name: 'div by negative [3]', inputs: [f32([2, 3]), f32([3], -2, -0.5)], op: (b, x, y) => b.div(x!, y!) },
  { name: 'div [1,3] / [2,1]', inputs: [f32([1, 3]), f32([2, 1], 0.5, 2)], op: (b, x, y) => b.div(x!, y!) },
  { name: 'pow', inputs: [f32([2, 3], 0.2, 3), f32([2, 3], -2, 2)], op: (b, x, y) => b.pow(x!, y!) },
  { name: 'pow [2,3] ^ [3] broadcast', inputs: [f32([2, 3], 0.5, 2), f32([3], -1, 2)], op: (b, x, y) => b.pow(x!, y!) },
  {
    name: 'pow negative base, integer exponents',
    inputs: [f32([2, 3], -3, -0.5), f32v([2, 3, 4, 1, 0, 3], [2, 3])],
    op: (b, x, y) => b.pow(x!, y!),
    fdSkip: { inputs: [1], why: 'a negative base to a non-integer exponent is NaN; the exponent gradient there is 0 by convention (tfjs)' },
  },
  { name: 'maximum [2,3],[3]', inputs: [distinct([2, 3]), distinct([3], 0.1, 0.05)], op: (b, x, y) => b.maximum(x!, y!), refOp: { op: (b, x, y) => b.maximum(x!, bcast(b, y!, [2, 3])), why: NO_BCAST } },
  { name: 'maximum ties', inputs: [ties([2, 3]), ties([3])], op: (b, x, y) => b.maximum(x!, y!), noFd: TIE, refOp: { op: (b, x, y) => b.maximum(x!, bcast(b, y!, [2, 3])), why: NO_BCAST } },
  { name: 'minimum [2,1],[2,3]', inputs: [distinct([2, 1]), distinct([2, 3], 0.1, 0.05)], op: (b, x, y) => b.minimum(x!, y!), refOp: { op: (b, x, y) => b.minimum(bcast(b, x!, [2, 3]), y!), why: NO_BCAST } },
  { name: 'minimum ties', inputs: [ties([2, 3]), ties([2, 3])], op: (b, x, y) => b.minimum(x!, y!), noFd: TIE },
  { name: 'where, broadcast branch', inputs: [bool([1, 0, 1, 0, 0, 1], [2, 3]), f32([2, 3]), f32([3])], op: (b, c, x, y) => b.where(c!, x!, y!) },
  { name: 'where broadcast cond [2,1]', inputs: [bool([0, 1], [2, 1]), f32([2, 3]), f32([2, 3])], op: (b, c, x, y) => b.where(c!, x!, y!) },
  { name: 'where of a comparison', inputs: [f32away([2, 4], [0])], op: (b, x) => b.where(b.greater(x!, b.scalar(0)), b.square(x!), b.neg(x!)),
    refOp: {
      op: (b, x) => b.where(b.greater(b.tensor(b.readSync(x!), x!.shape, 'float32'), b.scalar(0)), b.square(x!), b.neg(x!)),
      why: 'tfjs throws (no gradient function for Greater) when a comparison lies on a path from a variable: the reference compares a constant copy',
    },
  },

  // elementwise unary
  { name: 'neg', inputs: [f32([2, 3])], op: (b, x) => b.neg(x!) },
  { name: 'abs', inputs: [f32away([2, 3], [0])], op: (b, x) => b.abs(x!) },
  { name: 'abs at 0', inputs: [f32v([0, -1, 1, 0], [4])], op: (b, x) => b.abs(x!), noFd: 'abs at 0 (tfjs: sign with -1 at 0)' },
  { name: 'exp', inputs: [f32([2, 3], -5, 5)], op: (b, x) => b.exp(x!) },
  { name: 'log', inputs: [f32([2, 3], 0.3, 10)], op: (b, x) => b.log(x!) },
  { name: 'sqrt', inputs: [f32v([0.25, 0.5, 1, 2, 9, 1e2], [2, 3])], op: (b, x) => b.sqrt(x!) },
  { name: 'square', inputs: [f32([2, 3])], op: (b, x) => b.square(x!) },
  { name: 'relu', inputs: [f32away([3, 4], [0])], op: (b, x) => b.relu(x!) },
  { name: 'relu at 0', inputs: [f32v([-1, 0, 0.5, -0.25, 3, -0], [2, 3])], op: (b, x) => b.relu(x!), noFd: 'relu at 0 (gradient 0 there, as tfjs)' },
  { name: 'sigmoid', inputs: [f32([3, 4], -10, 10)], op: (b, x) => b.sigmoid(x!) },
  { name: 'tanh', inputs: [f32([3, 4], -4, 4)], op: (b, x) => b.tanh(x!) },
  { name: 'elu', inputs: [f32away([3, 4], [0], 0.05, -4, 4)], op: (b, x) => b.elu(x!) },
  { name: 'softplus', inputs: [f32v([-30, -5, -0.5, 0, 0.5, 5, 15, 30], [8])], op: (b, x) => b.softplus(x!) },
  { name: 'cast float32→float32', inputs: [f32([3])], op: (b, x) => b.cast(x!, 'float32') },
  {
    name: 'cast float32→int32→float32 (no gradient through int)',
    inputs: [f32v([-2.7, -0.5, 0.5, 2.7, 3.3, -3.4], [6])],
    op: (b, x) => b.add(b.cast(b.cast(x!, 'int32'), 'float32'), b.mul(x!, b.scalar(0.5))),
    noRef: "tfjs's Cast gradient passes dy through a cast to int32 (straight-through); the derivative of truncation is 0, which FD confirms",
  },
  { name: 'stopGradient', inputs: [f32([2, 3])], op: (b, x) => b.add(b.stopGradient(b.square(x!)), x!), noFd: 'stopGradient has zero gradient by definition, not the derivative of its forward' },

  // reductions
  ...(
    [
      ['all axes', undefined, false],
      ['[1]', [1], false],
      ['[0,2] keepDims', [0, 2], true],
      ['[-1]', [-1], false],
      ['[-1,-3] keepDims', [-1, -3], true],
      ['all axes keepDims', undefined, true],
      ['[] (identity)', [], false],
    ] as [string, number[] | undefined, boolean][]
  ).flatMap(([label, axes, keep]): GradRow[] => [
    { name: `sum ${label}`, inputs: [x234], op: (b, x) => b.sum(x!, axes, keep) },
    { name: `mean ${label}`, inputs: [x234], op: (b, x) => b.mean(x!, axes, keep) },
    { name: `max ${label}`, inputs: [distinct([2, 3, 4])], op: (b, x) => b.max(x!, axes, keep) },
  ]),
  { name: 'max [1] ties', inputs: [ties([2, 3, 4])], op: (b, x) => b.max(x!, [1]), noFd: TIE },
  { name: 'max all axes ties', inputs: [f32v([1, 3, 3, -2, 3, 0], [2, 3])], op: (b, x) => b.max(x!), noFd: TIE },
  { name: 'softmax (default axis)', inputs: [f32([3, 5], -3, 3)], op: (b, x) => b.softmax(x!) },
  { name: 'softmax axis 0', inputs: [f32([3, 5], -3, 3)], op: (b, x) => b.softmax(x!, 0) },
  { name: 'softmax rank 3 axis 1', inputs: [x234], op: (b, x) => b.softmax(x!, 1) },
  { name: 'softmax rank 3 axis -3', inputs: [x234], op: (b, x) => b.softmax(x!, -3) },
  { name: 'softmax large logits', inputs: [f32([2, 6], -20, 20)], op: (b, x) => b.softmax(x!, -1) },
  { name: 'logSoftmax (default axis)', inputs: [f32([3, 5], -3, 3)], op: (b, x) => b.logSoftmax(x!) },
  { name: 'logSoftmax axis 0', inputs: [f32([3, 5], -3, 3)], op: (b, x) => b.logSoftmax(x!, 0) },
  { name: 'logSoftmax rank 3 axis -2', inputs: [x234], op: (b, x) => b.logSoftmax(x!, -2) },
  { name: 'logSoftmax large logits', inputs: [f32([2, 6], -20, 20)], op: (b, x) => b.logSoftmax(x!) },

  // linear algebra
  { name: 'matMul', inputs: [f32([3, 4]), f32([4, 5])], op: (b, x, y) => b.matMul(x!, y!) },
  { name: 'matMul transposeA', inputs: [f32([4, 3]), f32([4, 5])], op: (b, x, y) => b.matMul(x!, y!, true, false) },
  { name: 'matMul transposeB', inputs: [f32([3, 4]), f32([5, 4])], op: (b, x, y) => b.matMul(x!, y!, false, true) },
  { name: 'matMul transposeA transposeB', inputs: [f32([4, 3]), f32([5, 4])], op: (b, x, y) => b.matMul(x!, y!, true, true) },
  { name: 'matMul batched rank 3', inputs: [f32([2, 3, 4]), f32([2, 4, 5])], op: (b, x, y) => b.matMul(x!, y!) },
  { name: 'matMul batched transposeA', inputs: [f32([2, 4, 3]), f32([2, 4, 5])], op: (b, x, y) => b.matMul(x!, y!, true, false) },
  { name: 'matMul batched transposeB', inputs: [f32([2, 3, 4]), f32([2, 5, 4])], op: (b, x, y) => b.matMul(x!, y!, false, true) },
  { name: 'matMul batched both', inputs: [f32([2, 4, 3]), f32([2, 5, 4])], op: (b, x, y) => b.matMul(x!, y!, true, true) },
  { name: 'matMul rank 3 x rank 2 (broadcast)', inputs: [f32([2, 3, 4]), f32([4, 5])], op: (b, x, y) => b.matMul(x!, y!), refOp: { op: (b, x, y) => b.matMul(x!, bcast(b, y!, [2, 4, 5])), why: NO_BCAST } },
  { name: 'matMul rank 2 x rank 3 transposeB (broadcast)', inputs: [f32([3, 4]), f32([2, 5, 4])], op: (b, x, y) => b.matMul(x!, y!, false, true), refOp: { op: (b, x, y) => b.matMul(bcast(b, x!, [2, 3, 4]), y!, false, true), why: NO_BCAST } },
  { name: 'matMul batch dims [2,1] x [3] (broadcast)', inputs: [f32([2, 1, 3, 4]), f32([3, 4, 2])], op: (b, x, y) => b.matMul(x!, y!), refOp: { op: (b, x, y) => b.matMul(bcast(b, x!, [2, 3, 3, 4]), bcast(b, y!, [2, 3, 4, 2])), why: NO_BCAST } },
  { name: 'matMul batch [1,2] x [3,1] transposeA', inputs: [f32([1, 2, 4, 3]), f32([3, 1, 4, 2])], op: (b, x, y) => b.matMul(x!, y!, true, false), refOp: { op: (b, x, y) => b.matMul(bcast(b, x!, [3, 2, 4, 3]), bcast(b, y!, [3, 2, 4, 2]), true, false), why: NO_BCAST } },
  { name: 'conv2d valid', inputs: [img, f32([3, 3, 3, 4])], op: (b, x, f) => b.conv2d(x!, f!), tol: CONV_TOL },
  { name: 'conv2d same', inputs: [img, f32([3, 3, 3, 4])], op: (b, x, f) => b.conv2d(x!, f!, { padding: 'same' }), tol: CONV_TOL },
  { name: 'conv2d same strided (odd input)', inputs: [img, f32([3, 3, 3, 4])], op: (b, x, f) => b.conv2d(x!, f!, { padding: 'same', strides: [2, 2] }), tol: CONV_TOL },
  {
    name: 'conv2d same strided (even input: pad after)',
    inputs: [f32([1, 6, 6, 2]), f32([3, 3, 2, 3])],
    op: (b, x, f) => b.conv2d(x!, f!, { padding: 'same', strides: [2, 2] }),
    tol: CONV_TOL,
  },
  { name: 'conv2d valid strided (rows left over)', inputs: [f32([1, 6, 6, 2]), f32([3, 3, 2, 2])], op: (b, x, f) => b.conv2d(x!, f!, { strides: [2, 2] }), tol: CONV_TOL },
  { name: 'conv2d valid strided [2,1]', inputs: [img7, f32([3, 2, 2, 2])], op: (b, x, f) => b.conv2d(x!, f!, { strides: [2, 1] }), tol: CONV_TOL },
  { name: 'conv2d same 3x2 kernel non-square input', inputs: [f32([2, 7, 5, 2]), f32([3, 2, 2, 3])], op: (b, x, f) => b.conv2d(x!, f!, { padding: 'same', strides: [2, 2] }), tol: CONV_TOL },
  { name: 'conv2d valid dilated', inputs: [img7, f32([3, 3, 2, 2])], op: (b, x, f) => b.conv2d(x!, f!, { dilations: [2, 2] }), tol: CONV_TOL, ref: DILATED },
  { name: 'conv2d same dilated [2,1]', inputs: [img7, f32([3, 3, 2, 2])], op: (b, x, f) => b.conv2d(x!, f!, { padding: 'same', dilations: [2, 1] }), tol: CONV_TOL, ref: DILATED },
  { name: 'conv2d same dilated 2, 2x2 kernel', inputs: [f32([1, 6, 5, 2]), f32([2, 2, 2, 3])], op: (b, x, f) => b.conv2d(x!, f!, { padding: 'same', dilations: [2, 2] }), tol: CONV_TOL, ref: DILATED },
  { name: 'conv2d 1x1', inputs: [img, f32([1, 1, 3, 2])], op: (b, x, f) => b.conv2d(x!, f!), tol: CONV_TOL },
  { name: 'conv2d same 1x1 stride 2', inputs: [img, f32([1, 1, 3, 2])], op: (b, x, f) => b.conv2d(x!, f!, { padding: 'same', strides: [2, 2] }), tol: CONV_TOL },
  { name: 'conv2d valid 2x2 stride 3 (gaps)', inputs: [f32([2, 7, 8, 2]), f32([2, 2, 2, 3])], op: (b, x, f) => b.conv2d(x!, f!, { strides: [3, 3] }), tol: CONV_TOL },
  { name: 'conv2d same 4x4 stride 2 (even kernel)', inputs: [f32([1, 7, 6, 2]), f32([4, 4, 2, 2])], op: (b, x, f) => b.conv2d(x!, f!, { padding: 'same', strides: [2, 2] }), tol: CONV_TOL },
  { name: 'maxPool2d valid 2x2', inputs: [distinct([1, 5, 5, 2])], op: (b, x) => b.maxPool2d(x!, { poolSize: [2, 2] }) },
  { name: 'maxPool2d same 2x2', inputs: [distinct([1, 5, 5, 2])], op: (b, x) => b.maxPool2d(x!, { poolSize: [2, 2], padding: 'same' }) },
  { name: 'maxPool2d same 3x3 stride 2', inputs: [distinct([2, 5, 5, 2])], op: (b, x) => b.maxPool2d(x!, { poolSize: [3, 3], strides: [2, 2], padding: 'same' }) },
  { name: 'maxPool2d valid 3x3 stride 1 (overlapping)', inputs: [distinct([1, 5, 5, 2])], op: (b, x) => b.maxPool2d(x!, { poolSize: [3, 3], strides: [1, 1] }) },
  { name: 'maxPool2d same 3x2 stride 1 (overlapping)', inputs: [distinct([1, 4, 5, 2])], op: (b, x) => b.maxPool2d(x!, { poolSize: [3, 2], strides: [1, 1], padding: 'same' }) },
  { name: 'maxPool2d same on negative values', inputs: [distinct([1, 4, 6, 1], 0.1, -5)], op: (b, x) => b.maxPool2d(x!, { poolSize: [3, 3], strides: [2, 2], padding: 'same' }) },
  { name: 'maxPool2d valid 2x2 stride 3 (gaps)', inputs: [distinct([2, 7, 8, 2])], op: (b, x) => b.maxPool2d(x!, { poolSize: [2, 2], strides: [3, 3] }) },
  { name: 'maxPool2d ties, overlapping', inputs: [ties([1, 4, 4, 2], [0, 1])], op: (b, x) => b.maxPool2d(x!, { poolSize: [2, 2], strides: [1, 1] }), noFd: TIE },
  { name: 'avgPool2d valid 2x2', inputs: [f32([1, 5, 5, 2])], op: (b, x) => b.avgPool2d(x!, { poolSize: [2, 2] }) },
  { name: 'avgPool2d same 3x3 stride 1 (overlapping)', inputs: [f32([1, 5, 5, 2])], op: (b, x) => b.avgPool2d(x!, { poolSize: [3, 3], strides: [1, 1], padding: 'same' }), refOp: { op: (b, x) => avgPoolSameRef(b, x!, [3, 3], [1, 1]), why: AVG_SAME } },
  { name: 'avgPool2d same 2x2', inputs: [f32([1, 5, 5, 2])], op: (b, x) => b.avgPool2d(x!, { poolSize: [2, 2], padding: 'same' }), refOp: { op: (b, x) => avgPoolSameRef(b, x!, [2, 2], [2, 2]), why: AVG_SAME } },
  { name: 'avgPool2d same 3x3 stride 2', inputs: [f32([2, 6, 5, 2])], op: (b, x) => b.avgPool2d(x!, { poolSize: [3, 3], strides: [2, 2], padding: 'same' }), refOp: { op: (b, x) => avgPoolSameRef(b, x!, [3, 3], [2, 2]), why: AVG_SAME } },
  { name: 'avgPool2d same 2x2 stride 3 (gaps)', inputs: [f32([2, 7, 8, 2])], op: (b, x) => b.avgPool2d(x!, { poolSize: [2, 2], strides: [3, 3], padding: 'same' }), refOp: { op: (b, x) => avgPoolSameRef(b, x!, [2, 2], [3, 3]), why: AVG_SAME } },
  { name: 'avgPool2d valid 3x3 stride 2', inputs: [f32([2, 7, 6, 2])], op: (b, x) => b.avgPool2d(x!, { poolSize: [3, 3], strides: [2, 2] }) },
  { name: 'avgPool2d valid 2x3 strides [1,2]', inputs: [f32([1, 5, 5, 2])], op: (b, x) => b.avgPool2d(x!, { poolSize: [2, 3], strides: [1, 2] }) },

  // shape
  { name: 'reshape with -1', inputs: [x234], op: (b, x) => b.reshape(x!, [4, -1]) },
  { name: 'reshape to rank 4', inputs: [x234], op: (b, x) => b.reshape(x!, [2, 1, 3, 4]) },
  { name: 'reshape to scalar', inputs: [f32([1])], op: (b, x) => b.reshape(x!, []) },
  { name: 'transpose rank 3', inputs: [x234], op: (b, x) => b.transpose(x!, [2, 0, 1]) },
  { name: 'transpose rank 4', inputs: [f32([2, 3, 1, 2])], op: (b, x) => b.transpose(x!, [1, 3, 0, 2]) },
  { name: 'unstack axis 1, middle frame', inputs: [f32([2, 3, 4])], op: (b, x) => b.unstack(x!, 1)[1]! },
  { name: 'unstack axis 0, weighted sum of slices', inputs: [f32([3, 2])], op: (b, x) => { const [p, q, r] = b.unstack(x!); return b.add(b.mul(p!, q!), r!); } },
  { name: 'unstack axis -1, frames re-joined', inputs: [f32([2, 3])], op: (b, x) => b.concat(b.unstack(x!, -1).map((t, i) => b.mul(t, b.scalar(i + 1))), 0) },
  { name: 'unstack axis 1, frames 0 and 2 of 4 used (gaps)', inputs: [f32([2, 4, 3])], op: (b, x) => { const f = b.unstack(x!, 1); return b.concat([f[2]!, f[0]!], 1); } },
  {
    name: 'slices overlapping, on two axes, and repeated',
    inputs: [f32([4, 3])],
    op: (b, x) => {
      const flat = (t: Tensor) => b.reshape(t, [-1]);
      const parts = [b.slice(x!, [0, 0], [2, -1]), b.slice(x!, [1, 0], [2, -1]), b.slice(x!, [0, 1], [-1, 1]), b.slice(x!, [3, 0], [1, 3]), b.slice(x!, [3, 0], [1, 3])];
      return b.concat(parts.map(flat), 0);
    },
  },
  { name: 'concat of 3 axis 1', inputs: [f32([2, 1]), f32([2, 3]), f32([2, 2])], op: (b, x, y, z) => b.concat([x!, y!, z!], 1) },
  { name: 'concat of 3 axis -1 rank 3', inputs: [f32([2, 3, 1]), f32([2, 3, 2]), f32([2, 3, 1])], op: (b, x, y, z) => b.concat([x!, y!, z!], -1) },
  { name: 'concat of 3 axis 0', inputs: [f32([1, 3]), f32([2, 3]), f32([1, 3])], op: (b, x, y, z) => b.concat([x!, y!, z!], 0) },
  { name: 'concat of 1', inputs: [f32([2, 3])], op: (b, x) => b.concat([x!], 0) },
  { name: 'concat of the same input twice', inputs: [f32([2, 3])], op: (b, x) => b.concat([x!, x!], 1) },
  { name: 'slice', inputs: [f32([4, 5])], op: (b, x) => b.slice(x!, [1, 2], [2, 3]) },
  { name: 'slice with -1 sizes', inputs: [x234], op: (b, x) => b.slice(x!, [1, 0, 2], [-1, 2, -1]) },
  { name: 'slice all -1', inputs: [f32([3, 4])], op: (b, x) => b.slice(x!, [0, 1], [-1, -1]) },
  { name: 'pad', inputs: [f32([2, 3])], op: (b, x) => b.pad(x!, [[1, 0], [2, 3]]) },
  { name: 'pad with value, rank 3', inputs: [x234], op: (b, x) => b.pad(x!, [[0, 1], [1, 1], [0, 2]], -1.5) },
  { name: 'gather axis 0, 2-D repeated indices', inputs: [f32([4, 3]), i32([3, 0, 1, 3], [2, 2])], op: (b, x, i) => b.gather(x!, i!, 0) },
  { name: 'gather axis 1, repeated indices', inputs: [f32([4, 3]), i32([2, 2, 0], [3])], op: (b, x, i) => b.gather(x!, i!, 1) },
  { name: 'gather axis -1 rank 3', inputs: [x234, i32([3, 1], [2])], op: (b, x, i) => b.gather(x!, i!, -1) },
  { name: 'gather axis 1 rank 3, 2-D indices', inputs: [x234, i32([2, 0, 2, 2], [2, 2])], op: (b, x, i) => b.gather(x!, i!, 1) },
  { name: 'gather scalar index', inputs: [f32([4, 3]), i32([2], [])], op: (b, x, i) => b.gather(x!, i!, 0) },

  // fused epilogues (bias + activation): gradients w.r.t. x, filter/b and bias; tfjs-cpu differentiates the separate ops under its tape.
  // With relu, integer inputs and half-integer biases (HALF) keep every pre-activation at least 0.5 away from relu's kink,
  // far beyond what a finite-difference step of one input can move it (|step · weight| <= 0.02).
  { name: 'conv2d same strided + bias + relu', inputs: [ties([2, 5, 5, 3]), ties([3, 3, 3, 4]), ties([4], HALF)], op: (b, x, f, c) => b.conv2d(x!, f!, { padding: 'same', strides: [2, 2], bias: c!, activation: 'relu' }), tol: CONV_TOL },
  { name: 'conv2d valid + bias', inputs: [img, f32([3, 3, 3, 2]), f32([2])], op: (b, x, f, c) => b.conv2d(x!, f!, { bias: c!, activation: 'linear' }), tol: CONV_TOL },
  { name: 'conv2d valid dilated + bias + relu', inputs: [ties([1, 7, 7, 2]), ties([3, 3, 2, 2]), ties([2], HALF)], op: (b, x, f, c) => b.conv2d(x!, f!, { dilations: [2, 2], bias: c!, activation: 'relu' }), tol: CONV_TOL, ref: DILATED },
  { name: 'matMul + bias + relu', inputs: [ties([3, 4]), ties([4, 5]), ties([5], HALF)], op: (b, x, y, c) => b.matMul(x!, y!, false, false, { bias: c!, activation: 'relu' }) },
  { name: 'matMul transposeB + bias', inputs: [f32([3, 4]), f32([5, 4]), f32([5])], op: (b, x, y, c) => b.matMul(x!, y!, false, true, { bias: c! }) },
  { name: 'matMul batched + bias + relu', inputs: [ties([2, 3, 4]), ties([2, 4, 5]), ties([5], HALF)], op: (b, x, y, c) => b.matMul(x!, y!, false, false, { bias: c!, activation: 'relu' }) },
];

export const GRAD_ROWS: readonly GradRow[] = rows;

/**
 * Contract ops with no gradient row, and why: each either has no float
 * input or has no float output through which a gradient could flow.
 */
export const NON_DIFFERENTIABLE: Readonly<Record<string, string>> = {
  tensor: 'makes a constant (no tensor input)',
  scalar: 'makes a constant (no tensor input)',
  fill: 'makes a constant (no tensor input)',
  randomUniform: 'makes samples (no tensor input)',
  equal: 'bool output',
  greater: 'bool output',
  less: 'bool output',
  argMax: 'int32 output',
  oneHot: 'int32 input only',
};
