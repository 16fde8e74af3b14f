import { BackendCapabilityError, type Conv2dOptions, type DType, type MatMulFused, type Pool2dOptions, type Shape, type Tensor } from '@strata/backend';
import { isStatic } from './dims.js';
import { floatAttr, type GraphBuilder, intAttr, intsAttr, OnnxValue } from './graph.js';
import { binary, type BinaryOp, cast, unary, type UnaryOp, where } from './lower/elementwise.js';
import { conv2d, matMul, pool2d } from './lower/linalg.js';
import { argMax, reduce, softmax } from './lower/reduce.js';
import { concat, gather, oneHot, pad, reshape, slice, transpose } from './lower/shape.js';

/** The plain (non-tensor) arguments of one contract op call, by parameter name. */
export type OpAttrs = Readonly<Record<string, unknown>>;

/** Builds the nodes of one op on graph `g` from its resolved inputs. */
export type Lowering = (g: GraphBuilder, inputs: OnnxValue[]) => OnnxValue;

/**
 * The op half of the `Backend` contract, written once as ONNX lowerings
 * (`lower/*.ts`). A subclass decides what running an op means through
 * {@link GraphOps.run}: the tracer appends the nodes to the graph being
 * traced; the onnxruntime backend does the same inside `compile` and,
 * outside it, runs a one-op graph at once (eager mode).
 */
export abstract class GraphOps {
  /**
   * Runs (or records) `lower` on `inputs`. `op` names the contract op;
   * `attrs` holds its plain arguments (axes, permutation, options), so that a
   * recording backend can differentiate the op later (reverse mode).
   */
  protected abstract run(op: string, inputs: Tensor[], lower: Lowering, attrs?: OpAttrs): Tensor;

  private bin(op: BinaryOp, a: Tensor, b: Tensor): Tensor {
    return this.run(op, [a, b], (g, [x, y]) => binary(g, op, x!, y!));
  }
  private un(op: UnaryOp, x: Tensor): Tensor {
    return this.run(op, [x], (g, [v]) => unary(g, op, v!));
  }

  add(a: Tensor, b: Tensor) { return this.bin('add', a, b); }
  sub(a: Tensor, b: Tensor) { return this.bin('sub', a, b); }
  mul(a: Tensor, b: Tensor) { return this.bin('mul', a, b); }
  div(a: Tensor, b: Tensor) { return this.bin('div', a, b); }
  pow(a: Tensor, b: Tensor) { return this.bin('pow', a, b); }
  maximum(a: Tensor, b: Tensor) { return this.bin('maximum', a, b); }
  minimum(a: Tensor, b: Tensor) { return this.bin('minimum', a, b); }
  equal(a: Tensor, b: Tensor) { return this.bin('equal', a, b); }
  greater(a: Tensor, b: Tensor) { return this.bin('greater', a, b); }
  less(a: Tensor, b: Tensor) { return this.bin('less', a, b); }
  where(c: Tensor, a: Tensor, b: Tensor) {
    return this.run('where', [c, a, b], (g, [x, y, z]) => where(g, x!, y!, z!));
  }
  neg(x: Tensor) { return this.un('neg', x); }
  abs(x: Tensor) { return this.un('abs', x); }
  exp(x: Tensor) { return this.un('exp', x); }
  log(x: Tensor) { return this.un('log', x); }
  sqrt(x: Tensor) { return this.un('sqrt', x); }
  square(x: Tensor) { return this.un('square', x); }
  relu(x: Tensor) { return this.un('relu', x); }
  sigmoid(x: Tensor) { return this.un('sigmoid', x); }
  tanh(x: Tensor) { return this.un('tanh', x); }
  elu(x: Tensor) { return this.un('elu', x); }
  softplus(x: Tensor) { return this.un('softplus', x); }
  stopGradient(x: Tensor) { return this.un('stopGradient', x); }
  cast(x: Tensor, dtype: DType) {
    return this.run('cast', [x], (g, [v]) => cast(g, v!, dtype), { dtype });
  }

  sum(x: Tensor, axes?: number[], keepDims = false) {
    return this.run('sum', [x], (g, [v]) => reduce(g, 'sum', v!, axes, keepDims), { axes, keepDims });
  }
  mean(x: Tensor, axes?: number[], keepDims = false) {
    return this.run('mean', [x], (g, [v]) => reduce(g, 'mean', v!, axes, keepDims), { axes, keepDims });
  }
  max(x: Tensor, axes?: number[], keepDims = false) {
    return this.run('max', [x], (g, [v]) => reduce(g, 'max', v!, axes, keepDims), { axes, keepDims });
  }
  argMax(x: Tensor, axis: number) {
    return this.run('argMax', [x], (g, [v]) => argMax(g, v!, axis), { axis });
  }
  softmax(x: Tensor, axis = -1) {
    return this.run('softmax', [x], (g, [v]) => softmax(g, v!, axis, false), { axis });
  }
  logSoftmax(x: Tensor, axis = -1) {
    return this.run('logSoftmax', [x], (g, [v]) => softmax(g, v!, axis, true), { axis });
  }

  /**
   * With `fused`, records the product, `add` and `relu` as separate ops
   * (each differentiated on its own; onnxruntime's optimizer fuses them).
   */
  matMul(a: Tensor, b: Tensor, transposeA = false, transposeB = false, fused?: MatMulFused): Tensor {
    const y = this.run('matMul', [a, b], (g, [x, y]) => matMul(g, x!, y!, transposeA, transposeB), { transposeA, transposeB });
    return fused ? this.epilogue(y, fused) : y;
  }
  /**
   * With `options.bias`/`options.activation`, records `conv2d` (plain options),
   * `add` and `relu` as separate ops (ONNX `Conv`, `Add`, `Relu`, which
   * onnxruntime's optimizer fuses).
   */
  conv2d(x: Tensor, filter: Tensor, options?: Conv2dOptions): Tensor {
    const { bias, activation, ...plain } = options ?? {};
    // attrs hold plain values only (the autodiff tape and the tracer read them).
    const o = bias === undefined && activation === undefined ? options : plain;
    const y = this.run('conv2d', [x, filter], (g, [v, f]) => conv2d(g, v!, f!, o), { options: o });
    return this.epilogue(y, { bias, activation });
  }
  /** `act(y + bias)` from the contract's `add` and `relu`. */
  private epilogue(y: Tensor, { bias, activation }: MatMulFused): Tensor {
    const biased = bias ? this.add(y, bias) : y;
    return activation === 'relu' ? this.relu(biased) : biased;
  }
  maxPool2d(x: Tensor, options: Pool2dOptions) {
    return this.run('maxPool2d', [x], (g, [v]) => pool2d(g, 'max', v!, options), { options });
  }
  avgPool2d(x: Tensor, options: Pool2dOptions) {
    return this.run('avgPool2d', [x], (g, [v]) => pool2d(g, 'avg', v!, options), { options });
  }

  reshape(x: Tensor, shape: Shape) {
    return this.run('reshape', [x], (g, [v]) => reshape(g, v!, shape), { shape });
  }
  transpose(x: Tensor, perm: number[]) {
    return this.run('transpose', [x], (g, [v]) => transpose(g, v!, perm), { perm });
  }
  concat(xs: Tensor[], axis: number) {
    return this.run('concat', xs, (g, vs) => concat(g, vs, axis), { axis });
  }
  slice(x: Tensor, begin: number[], size: number[]) {
    return this.run('slice', [x], (g, [v]) => slice(g, v!, begin, size), { begin, size });
  }
  /** `unstack` as one `Slice` + `Reshape` per index (a graph has no autodiff cost for it). */
  unstack(x: Tensor, axis = 0): Tensor[] {
    const rank = x.shape.length;
    const a = axis < 0 ? axis + rank : axis;
    if (x instanceof OnnxValue && !isStatic(x.dims[a]!)) {
      throw new BackendCapabilityError({
        backend: 'onnx',
        op: 'unstack of a dynamic axis',
        remedy: 'A loop over the frames of a dynamic (time) axis, as in rec layers, would be unrolled to the traced length. Export such networks with a static time size (dynamicAxes), or run them on a backend instead of exporting.',
      });
    }
    const rest = x.shape.filter((_, i) => i !== a);
    return Array.from({ length: x.shape[a] ?? 0 }, (_, k) =>
      this.reshape(
        this.slice(x, x.shape.map((_, i) => (i === a ? k : 0)), x.shape.map((_, i) => (i === a ? 1 : -1))),
        rest,
      ),
    );
  }
  pad(x: Tensor, paddings: [number, number][], value = 0) {
    return this.run('pad', [x], (g, [v]) => pad(g, v!, paddings, value), { paddings, value });
  }
  gather(x: Tensor, indices: Tensor, axis = 0) {
    return this.run('gather', [x, indices], (g, [v, i]) => gather(g, v!, i!, axis), { axis });
  }
  oneHot(indices: Tensor, depth: number) {
    return this.run('oneHot', [indices], (g, [i]) => oneHot(g, i!, depth), { depth });
  }
}

/**
 * A `RandomUniform` node (float32 samples in `[min, max)`, static shape). The
 * generator is seeded with `seed` when the session is created and advances
 * with every run, as in onnxruntime.
 */
export function randomUniformNode(g: GraphBuilder, shape: Shape, min: number, max: number, seed: number): OnnxValue {
  return g.op(
    'RandomUniform',
    [],
    { dtype: intAttr(1), low: floatAttr(min), high: floatAttr(max), seed: floatAttr(seed), shape: intsAttr(shape) },
    { shape, dtype: 'float32', dims: [...shape] },
  );
}
