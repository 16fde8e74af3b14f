import type {
  Backend,
  Conv2dOptions,
  DType,
  FusedActivation,
  LossAndAux,
  MatMulFused,
  MemoryInfo,
  Pool2dOptions,
  Shape,
  Tensor,
  TensorData,
  ValueAndGrads,
} from '@strata/backend';
import { ShapeError, sizeOf } from '@strata/backend';
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core registers no gradients by itself; the tfjs umbrella package's Node bundle does
// (tfjs-core's own ESM registration file uses directory imports that Node's ESM loader rejects).
import '@tensorflow/tfjs';
import { avgPoolSameExactGrad, samePadsSomething } from './avg-pool-grad.js';
import { registerComparisonGrads } from './comparison-grads.js';
import { conv2dWithFilterGradFromForwardConv } from './conv2d-grad.js';
import { gatherWithMatMulGrad } from './gather-grad.js';
import { matMulExplicitTranspose, transposeLast2 } from './mat-mul.js';
import { maxPoolPositiveGrad } from './max-pool-grad.js';
import { recordingGradients } from './tape.js';

registerComparisonGrads();

type T = tf.Tensor;
const u = (x: Tensor): T => x as unknown as T;
/** Whether a bias or a non-identity activation follows the product or convolution. */
const hasEpilogue = (f?: { bias?: Tensor; activation?: FusedActivation }): boolean =>
  f !== undefined && (f.bias !== undefined || (f.activation ?? 'linear') !== 'linear');
/** `act(y + bias)` as separate tfjs ops (their gradients are tfjs' own). */
function applyEpilogue(y: T, f: { bias?: Tensor; activation?: FusedActivation }): T {
  const biased = f.bias ? tf.add(y, u(f.bias)) : y;
  return f.activation === 'relu' ? tf.relu(biased) : biased;
}
const axesOf = (axes?: number[]): number[] | undefined => (axes && axes.length > 0 ? axes : axes ? [] : undefined);

/** Options of {@link TfjsBackend}. */
export interface TfjsBackendOptions {
  /** Strata registry name (`tfjs-cpu`, `tfjs-wasm`, `tfjs-node`, ...): the name `setBackend` takes and errors show. */
  name: string;
  /** tfjs' own name of the backend to run on (`cpu`, `wasm`, `tensorflow`, `webgl`, `webgpu`); its package must be imported first. */
  tfjsBackendName: string;
}

/**
 * A Strata {@link Backend} over one `@tensorflow/tfjs-core` backend (eager).
 *
 * Handles are tfjs' own `tf.Tensor`s (no wrapper). Gradients come from tfjs'
 * tape. `compile` returns the function unchanged (tfjs is eager).
 *
 * Where the tfjs backend lacks a gradient kernel, the adapter expresses the
 * gradient through kernels it has: on `wasm`, which has no
 * `Conv2DBackpropFilter`, the filter gradient of `conv2d` is computed as a
 * product of image patches and the output gradient (see `conv2d-grad.ts`);
 * `cpu` takes that path too, its own kernel being about 50x slower.
 * These wrappers apply only while a gradient tape records (`tape.ts`):
 * inference and evaluation run the plain tfjs ops.
 */
export class TfjsBackend implements Backend {
  readonly kind = 'eager' as const;
  private readonly convFilterGradFromForward: boolean;
  /** On that path, keep the backend's own `Conv2DBackpropInput` (cpu: faster than the forward-conv form; see conv2d-grad.ts). */
  private readonly convNativeInputGrad: boolean;
  /** tfjs `wasm` has no `UnsortedSegmentSum` (gather's gradient): use a one-hot matMul instead (gather-grad.ts). */
  private readonly gatherGradFromMatMul: boolean;

  /** Strata registry name (`tfjs-cpu`, `tfjs-wasm`, ...). */
  readonly name: string;
  /** tfjs' name of the backend (`cpu`, `wasm`, `tensorflow`, `webgl`, `webgpu`). */
  readonly tfjsBackendName: string;

  constructor(options: TfjsBackendOptions) {
    const { name, tfjsBackendName } = options;
    this.name = name;
    this.tfjsBackendName = tfjsBackendName;
    // cpu has the kernel, but a naive one ~50x slower than the patch product (conv2d-grad.ts).
    this.convFilterGradFromForward = tf.getKernel('Conv2DBackpropFilter', tfjsBackendName) === undefined || tfjsBackendName === 'cpu';
    this.convNativeInputGrad = tf.getKernel('Conv2DBackpropInput', tfjsBackendName) !== undefined && tfjsBackendName !== 'wasm';
    this.gatherGradFromMatMul = tf.getKernel('UnsortedSegmentSum', tfjsBackendName) === undefined;
  }

  async init(): Promise<void> {
    // PROD silences tfjs' console banner suggesting tfjs-node; Strata's docs cover backend choice.
    tf.env().set('PROD', true);
    const ok = await tf.setBackend(this.tfjsBackendName);
    if (!ok) throw new Error(`tfjs could not initialise its '${this.tfjsBackendName}' backend`);
    await tf.ready();
  }

  /** Makes this backend's tfjs backend the one tfjs runs on (tfjs keeps one global engine). */
  activate(): void {
    if (tf.getBackend() !== this.tfjsBackendName) tf.setBackend(this.tfjsBackendName);
  }

  tidy<R>(fn: () => R): R {
    return tf.tidy(fn as () => tf.TensorContainer) as R;
  }
  keep<X extends Tensor>(x: X): X {
    return tf.keep(u(x)) as unknown as X;
  }
  dispose(x: Tensor | Tensor[]): void {
    tf.dispose(x as unknown as T | T[]);
  }
  memory(): MemoryInfo {
    const m = tf.memory();
    return { numTensors: m.numTensors, numBytes: m.numBytes };
  }
  compile<A extends Tensor[], R>(fn: (...args: A) => R): (...args: A) => R {
    return fn;
  }

  tensor(values: TensorData | number[], shape: Shape, dtype: DType): Tensor {
    if (values.length !== sizeOf(shape)) {
      throw new ShapeError(`tensor(): ${values.length} values do not fill shape [${shape.join(', ')}] (${sizeOf(shape)} elements).`);
    }
    return tf.tensor(values as tf.TypedArray, [...shape], dtype);
  }
  scalar(value: number, dtype: DType = 'float32'): Tensor {
    return tf.scalar(value, dtype);
  }
  fill(shape: Shape, value: number, dtype: DType = 'float32'): Tensor {
    return tf.fill([...shape], value, dtype);
  }
  async read(x: Tensor): Promise<TensorData> {
    return (await u(x).data()) as TensorData;
  }
  readSync(x: Tensor): TensorData {
    return u(x).dataSync() as TensorData;
  }

  variable(initial: Tensor, trainable: boolean): Tensor {
    // No name: tfjs requires variable names to be unique per process, Strata's are per network.
    return tf.variable(u(initial), trainable);
  }
  assign(variable: Tensor, value: Tensor): void {
    (variable as unknown as tf.Variable).assign(u(value));
  }

  valueAndGrads(f: () => LossAndAux, variables: Tensor[]): ValueAndGrads {
    let aux: T[] = [];
    const vars = variables as unknown as tf.Variable[];
    const { value, grads } = tf.variableGrads(() => {
      const out = f();
      aux = (out.aux ?? []).map((a) => tf.keep(u(a)));
      return u(out.value) as tf.Scalar;
    }, vars);
    return { value, grads: vars.map((v) => grads[v.name] ?? tf.zerosLike(v)), aux };
  }

  add(a: Tensor, b: Tensor): Tensor { return tf.add(u(a), u(b)); }
  sub(a: Tensor, b: Tensor): Tensor { return tf.sub(u(a), u(b)); }
  mul(a: Tensor, b: Tensor): Tensor { return tf.mul(u(a), u(b)); }
  div(a: Tensor, b: Tensor): Tensor { return tf.div(u(a), u(b)); }
  pow(a: Tensor, b: Tensor): Tensor { return tf.pow(u(a), u(b)); }
  maximum(a: Tensor, b: Tensor): Tensor { return tf.maximum(u(a), u(b)); }
  minimum(a: Tensor, b: Tensor): Tensor { return tf.minimum(u(a), u(b)); }
  equal(a: Tensor, b: Tensor): Tensor { return tf.equal(u(a), u(b)); }
  greater(a: Tensor, b: Tensor): Tensor { return tf.greater(u(a), u(b)); }
  less(a: Tensor, b: Tensor): Tensor { return tf.less(u(a), u(b)); }
  where(cond: Tensor, a: Tensor, b: Tensor): Tensor {
    return tf.where(u(cond), u(a), u(b));
  }
  neg(x: Tensor): Tensor { return tf.neg(u(x)); }
  abs(x: Tensor): Tensor { return tf.abs(u(x)); }
  exp(x: Tensor): Tensor { return tf.exp(u(x)); }
  log(x: Tensor): Tensor { return tf.log(u(x)); }
  sqrt(x: Tensor): Tensor { return tf.sqrt(u(x)); }
  square(x: Tensor): Tensor { return tf.square(u(x)); }
  relu(x: Tensor): Tensor { return tf.relu(u(x)); }
  sigmoid(x: Tensor): Tensor { return tf.sigmoid(u(x)); }
  tanh(x: Tensor): Tensor { return tf.tanh(u(x)); }
  elu(x: Tensor): Tensor { return tf.elu(u(x)); }
  softplus(x: Tensor): Tensor { return tf.softplus(u(x)); }
  cast(x: Tensor, dtype: DType): Tensor { return tf.cast(u(x), dtype); }
  stopGradient(x: Tensor): Tensor {
    const f = tf.customGrad(((a: T, save: tf.GradSaveFunc) => {
      save([]);
      return { value: tf.clone(a), gradFunc: (dy: T) => tf.zerosLike(dy) };
    }) as unknown as Parameters<typeof tf.customGrad>[0]);
    return f(u(x));
  }

  sum(x: Tensor, axes?: number[], keepDims = false): Tensor { return tf.sum(u(x), axesOf(axes), keepDims); }
  mean(x: Tensor, axes?: number[], keepDims = false): Tensor { return tf.mean(u(x), axesOf(axes), keepDims); }
  max(x: Tensor, axes?: number[], keepDims = false): Tensor { return tf.max(u(x), axesOf(axes), keepDims); }
  argMax(x: Tensor, axis: number): Tensor { return tf.argMax(u(x), axis); }
  softmax(x: Tensor, axis = -1): Tensor {
    const r = u(x).rank;
    if (axis === -1 || axis === r - 1) return tf.softmax(u(x));
    return tf.exp(this.logSoftmax(x, axis) as T);
  }
  logSoftmax(x: Tensor, axis = -1): Tensor {
    const xs = u(x);
    const ax = axis < 0 ? xs.rank + axis : axis;
    if (ax === xs.rank - 1) return tf.logSoftmax(xs);
    const shifted = tf.sub(xs, tf.max(xs, ax, true));
    return tf.sub(shifted, tf.log(tf.sum(tf.exp(shifted), ax, true)));
  }

  /**
   * With `fused` and no gradient tape recording, one `tf.fused.matMul` kernel
   * (product, bias and relu; what tfjs-layers' `dense` runs). Under a tape the
   * product takes its usual path and the bias and relu follow as separate ops,
   * so gradients are those of the unfused ops.
   */
  matMul(a: Tensor, b: Tensor, transposeA = false, transposeB = false, fused?: MatMulFused): Tensor {
    const epilogue = hasEpilogue(fused);
    const recording = recordingGradients();
    const wasm = this.tfjsBackendName === 'wasm';
    // tfjs-backend-wasm 4.22's _FusedMatMul adds the bias wrongly to batched (rank > 2) products.
    const fusable = !(wasm && fused?.bias && Math.max(a.shape.length, b.shape.length) > 2);
    if (epilogue && !recording && fusable) {
      // wasm's product with transpose flags is ~10x slower than explicit transposes (mat-mul.ts).
      return tf.fused.matMul({
        a: wasm && transposeA ? transposeLast2(u(a)) : u(a),
        b: wasm && transposeB ? transposeLast2(u(b)) : u(b),
        transposeA: !wasm && transposeA,
        transposeB: !wasm && transposeB,
        ...(fused!.bias ? { bias: u(fused!.bias) } : {}),
        activation: fused!.activation ?? 'linear',
      });
    }
    const y = wasm ? matMulExplicitTranspose(u(a), u(b), transposeA, transposeB, recording) : tf.matMul(u(a), u(b), transposeA, transposeB);
    return epilogue ? applyEpilogue(y, fused!) : y;
  }
  /**
   * With `options.bias`/`options.activation` and no gradient tape recording,
   * one `tf.fused.conv2d` kernel (convolution, bias and relu; what
   * tfjs-layers' `conv2d` runs). Under a tape the convolution takes its usual
   * path (see `conv2d-grad.ts`) and the bias and relu follow as separate ops.
   */
  conv2d(x: Tensor, filter: Tensor, options: Conv2dOptions = {}): Tensor {
    const strides = options.strides ?? [1, 1];
    const padding = options.padding ?? 'valid';
    const dilations = options.dilations ?? [1, 1];
    const epilogue = hasEpilogue(options);
    const recording = recordingGradients();
    if (epilogue && !recording) {
      return tf.fused.conv2d({
        x: u(x) as tf.Tensor4D,
        filter: u(filter) as tf.Tensor4D,
        strides,
        pad: padding,
        dataFormat: 'NHWC',
        dilations,
        ...(options.bias ? { bias: u(options.bias) } : {}),
        activation: options.activation ?? 'linear',
      });
    }
    let y: T;
    if (this.convFilterGradFromForward && recording) {
      y = conv2dWithFilterGradFromForwardConv(u(x) as tf.Tensor4D, u(filter) as tf.Tensor4D, strides, padding, dilations, this.name, this.convNativeInputGrad);
    } else {
      y = tf.conv2d(u(x) as tf.Tensor4D, u(filter) as tf.Tensor4D, strides, padding, 'NHWC', dilations);
    }
    return epilogue ? applyEpilogue(y, options) : y;
  }
  maxPool2d(x: Tensor, o: Pool2dOptions): Tensor {
    if (this.tfjsBackendName === 'wasm' && recordingGradients()) {
      return maxPoolPositiveGrad(u(x) as tf.Tensor4D, o.poolSize, o.strides ?? o.poolSize, o.padding ?? 'valid');
    }
    return tf.maxPool(u(x) as tf.Tensor4D, o.poolSize, o.strides ?? o.poolSize, o.padding ?? 'valid');
  }
  avgPool2d(x: Tensor, o: Pool2dOptions): Tensor {
    const strides = o.strides ?? o.poolSize;
    // tfjs' AvgPoolGrad is wrong at borders cut by 'same' padding (avg-pool-grad.ts).
    if (o.padding === 'same' && recordingGradients() && samePadsSomething(x.shape, o.poolSize, strides)) {
      return avgPoolSameExactGrad(u(x) as tf.Tensor4D, o.poolSize, strides);
    }
    return tf.avgPool(u(x) as tf.Tensor4D, o.poolSize, strides, o.padding ?? 'valid');
  }

  reshape(x: Tensor, shape: Shape): Tensor { return tf.reshape(u(x), [...shape]); }
  transpose(x: Tensor, perm: number[]): Tensor { return tf.transpose(u(x), perm); }
  unstack(x: Tensor, axis = 0): Tensor[] {
    return tf.unstack(u(x), axis);
  }
  concat(xs: Tensor[], axis: number): Tensor {
    return xs.length === 1 ? tf.clone(u(xs[0]!)) : tf.concat(xs as unknown as T[], axis);
  }
  slice(x: Tensor, begin: number[], size: number[]): Tensor { return tf.slice(u(x), begin, size); }
  pad(x: Tensor, paddings: [number, number][], value = 0): Tensor { return tf.pad(u(x), paddings, value); }
  gather(x: Tensor, indices: Tensor, axis = 0): Tensor {
    if (this.gatherGradFromMatMul && u(x).dtype === 'float32' && recordingGradients()) return gatherWithMatMulGrad(u(x), u(indices) as tf.Tensor, axis);
    return tf.gather(u(x), u(indices) as tf.Tensor, axis);
  }
  oneHot(indices: Tensor, depth: number): Tensor {
    return tf.cast(tf.oneHot(u(indices) as tf.Tensor, depth), 'float32');
  }
  randomUniform(shape: Shape, min: number, max: number, seed: number): Tensor {
    return tf.randomUniform([...shape], min, max, 'float32', seed);
  }
}
