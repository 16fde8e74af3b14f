import type { DType, Shape, Tensor, TensorData } from './tensor.js';

/** Padding of a convolution or pooling window (as in TF/Keras and ONNX `auto_pad`). */
export type Padding = 'same' | 'valid';

/** Options of {@link Backend.conv2d}. */
export interface Conv2dOptions {
  /** Step of the window along `[height, width]`. Default `[1, 1]`. */
  strides?: [number, number];
  /** `same`: output spatial size is `ceil(in / stride)`; `valid`: no padding. Default `valid`. */
  padding?: Padding;
  /** Spacing between window taps along `[height, width]`. Default `[1, 1]`. */
  dilations?: [number, number];
  /**
   * Bias added to every output position, float32 `[outChannels]` (broadcast over
   * `[batch, outHeight, outWidth]`). Default none. See {@link FusedActivation}.
   */
  bias?: Tensor;
  /** Activation applied after the bias (`linear`: none). Default `linear`. See {@link FusedActivation}. */
  activation?: FusedActivation;
}

/**
 * Activation a {@link Backend.conv2d} or {@link Backend.matMul} may apply to
 * its result after adding the optional bias: `linear` (identity) or `relu`.
 *
 * The semantics are exactly those of the separate ops:
 * `act(conv2d(x, filter) + bias)` with `act` = {@link Backend.relu} or the
 * identity, including gradients with respect to `x`, `filter` and `bias`.
 * A fused kernel (tfjs' `tf.fused.conv2d`/`tf.fused.matMul`, ONNX Runtime's
 * `Conv`+`Add`+`Relu` fusion) is an optimisation a backend may use; a
 * backend may as well compute the separate ops.
 */
export type FusedActivation = 'linear' | 'relu';

/** The optional epilogue of {@link Backend.matMul}: `act(a · b + bias)`. */
export interface MatMulFused {
  /**
   * Bias added to every row of the product, float32 `[n]` (`n` the last axis of
   * the result, broadcast over `[..., m]`). Default none.
   */
  bias?: Tensor;
  /** Activation applied after the bias. Default `linear`. See {@link FusedActivation}. */
  activation?: FusedActivation;
}

/** Options of {@link Backend.maxPool2d} and {@link Backend.avgPool2d}. */
export interface Pool2dOptions {
  /** Window size `[height, width]`. */
  poolSize: [number, number];
  /** Step of the window. Default: `poolSize`. */
  strides?: [number, number];
  /** Default `valid`. Average pooling with `same` divides by the number of non-padded taps. */
  padding?: Padding;
}

/** Result of {@link Backend.valueAndGrads}. */
export interface ValueAndGrads {
  /** The scalar the function returned. */
  value: Tensor;
  /** `d value / d v` for each variable, in the order they were given; same shapes as the variables. */
  grads: Tensor[];
  /** The auxiliary tensors the function returned (metrics, state updates), kept alive. */
  aux: Tensor[];
}

/** What a function differentiated by {@link Backend.valueAndGrads} returns. */
export interface LossAndAux {
  /** A float32 scalar (shape `[]`) to differentiate. */
  value: Tensor;
  /** Extra outputs computed in the same pass and not differentiated (e.g. batch-norm statistics, error counts). */
  aux?: Tensor[];
}

/** Memory held by a backend. */
export interface MemoryInfo {
  /** Live tensor handles, variables included. */
  numTensors: number;
  /** Bytes held by those tensors, where the backend knows it. */
  numBytes: number;
}

/**
 * The contract every Strata backend implements: tensors, the op set,
 * variables, gradients and memory scopes. Layers, losses and optimizers are
 * written once against it (through the functions of `ops.ts`, which dispatch
 * to the active backend) and never import a backend library.
 *
 * ## Eager and graph backends
 *
 * An **eager** backend (`kind: 'eager'`, e.g. tfjs) computes every op when it
 * is called and returns handles that hold values.
 *
 * A **graph** backend (`kind: 'graph'`, e.g. onnxruntime) implements the very
 * same methods by *recording*: inside {@link Backend.compile}, each op call
 * appends a node to an intermediate graph and returns a symbolic handle with a
 * known shape (batch and time axes may be symbolic). When the traced function
 * returns, the graph is compiled once per input signature (shapes and dtypes
 * of the arguments) into one executable (an ONNX `ModelProto` run as one
 * `InferenceSession`) and cached. The compiled function is then run with real
 * tensors. The method contracts below are written so that recording is
 * possible:
 *
 * - ops are pure functions of their tensor arguments and plain options;
 * - randomness takes an explicit integer `seed` argument (ONNX
 *   `RandomUniform` has a `seed` attribute), never a hidden global state;
 * - {@link Backend.valueAndGrads} receives the whole loss function, so a graph
 *   backend differentiates its recording in reverse mode and emits the
 *   backward pass as more nodes of the same graph;
 * - state changes are explicit: {@link Backend.assign} of a variable inside a
 *   compiled function becomes an extra output of the graph, written back to
 *   the variable after the run. A whole training step (forward, losses,
 *   backward, optimizer update of every variable and slot) therefore becomes
 *   one graph, run once per batch, with parameters kept on the device;
 * - values are read back only through {@link Backend.read} /
 *   {@link Backend.readSync}, which a graph backend may call only outside a
 *   trace (reading a symbolic handle throws `BackendCapabilityError`).
 *
 * On an eager backend {@link Backend.compile} returns the function unchanged,
 * so callers (the engine) always write `backend.compile(step)` and get the
 * best each backend can do.
 *
 * ## Memory
 *
 * Handles created inside {@link Backend.tidy} are released when it returns,
 * except the ones it returns or {@link Backend.keep}s. Variables live until
 * {@link Backend.dispose}d.
 *
 * ## Errors
 *
 * A backend that cannot run an op throws `BackendCapabilityError` naming the
 * backend, the op and what to choose instead: never a silent fallback.
 */
export interface Backend {
  /** Registry name, e.g. `tfjs-wasm`, `onnxruntime`. */
  readonly name: string;
  /** `eager` computes each op at once; `graph` records ops and compiles them (see above). */
  readonly kind: 'eager' | 'graph';

  // ---- lifecycle and memory -------------------------------------------------
  /** Prepares the backend (loads binaries, selects devices). Called once by the registry. */
  init(): Promise<void>;
  /**
   * Called by the registry each time this backend becomes the active one
   * (after {@link Backend.init}); lets adapters that share a global engine
   * (all tfjs backends share one) switch it over.
   */
  activate?(): void;
  /** Runs `fn` in a memory scope; handles it creates are released unless returned or kept. */
  tidy<T>(fn: () => T): T;
  /** Exempts a handle from release by the enclosing {@link Backend.tidy}. */
  keep<T extends Tensor>(t: T): T;
  /** Releases handles (also variables). Releasing twice is a no-op. */
  dispose(t: Tensor | Tensor[]): void;
  /** Live handles and bytes. */
  memory(): MemoryInfo;
  /**
   * Returns a function that computes the same as `fn`. Eager backends return
   * `fn` itself; graph backends trace and compile it (see above). `fn` must be
   * a pure function of its tensor arguments and of variables.
   */
  compile<A extends Tensor[], R>(fn: (...args: A) => R): (...args: A) => R;

  // ---- data -------------------------------------------------------------------
  /** A tensor with the given values (row-major) and shape. Throws if `values.length` differs from the shape's size. */
  tensor(values: TensorData | number[], shape: Shape, dtype: DType): Tensor;
  /** A float32 or int32 scalar. */
  scalar(value: number, dtype?: DType): Tensor;
  /** A tensor of `shape` filled with `value`. */
  fill(shape: Shape, value: number, dtype?: DType): Tensor;
  /** Values of a tensor, row-major, as a fresh typed array. */
  read(t: Tensor): Promise<TensorData>;
  /** Like {@link Backend.read}, blocking. Graph backends may only call it outside a trace. */
  readSync(t: Tensor): TensorData;

  // ---- variables ----------------------------------------------------------------
  /** A mutable tensor initialised with a copy of `initial`; gradients can be taken with respect to it. */
  variable(initial: Tensor, trainable: boolean): Tensor;
  /** Replaces a variable's value (same shape and dtype) with `value`. */
  assign(variable: Tensor, value: Tensor): void;

  // ---- gradients ----------------------------------------------------------------
  /**
   * Evaluates `f` and the gradient of its scalar `value` with respect to each
   * of `variables` (reverse mode). Tensors created in `f` are released except
   * `value`, the gradients and `aux`.
   */
  valueAndGrads(f: () => LossAndAux, variables: Tensor[]): ValueAndGrads;

  // ---- elementwise (numpy broadcasting) -------------------------------------------------------
  add(a: Tensor, b: Tensor): Tensor;
  sub(a: Tensor, b: Tensor): Tensor;
  mul(a: Tensor, b: Tensor): Tensor;
  div(a: Tensor, b: Tensor): Tensor;
  pow(a: Tensor, b: Tensor): Tensor;
  maximum(a: Tensor, b: Tensor): Tensor;
  minimum(a: Tensor, b: Tensor): Tensor;
  /** Elementwise `a == b`, dtype bool. */
  equal(a: Tensor, b: Tensor): Tensor;
  /** Elementwise `a > b`, dtype bool. */
  greater(a: Tensor, b: Tensor): Tensor;
  /** Elementwise `a < b`, dtype bool. */
  less(a: Tensor, b: Tensor): Tensor;
  /** `cond ? a : b` elementwise, with broadcasting. */
  where(cond: Tensor, a: Tensor, b: Tensor): Tensor;
  neg(x: Tensor): Tensor;
  abs(x: Tensor): Tensor;
  exp(x: Tensor): Tensor;
  /** Natural logarithm. */
  log(x: Tensor): Tensor;
  sqrt(x: Tensor): Tensor;
  square(x: Tensor): Tensor;
  relu(x: Tensor): Tensor;
  sigmoid(x: Tensor): Tensor;
  tanh(x: Tensor): Tensor;
  /** `x` if `x > 0`, else `exp(x) - 1`. */
  elu(x: Tensor): Tensor;
  /** `log(1 + exp(x))`. */
  softplus(x: Tensor): Tensor;
  cast(x: Tensor, dtype: DType): Tensor;
  /** Identity in the forward pass, zero gradient. */
  stopGradient(x: Tensor): Tensor;

  // ---- reductions --------------------------------------------------------------------------------
  /** Sum over `axes` (all axes if omitted). Negative axes count from the end. */
  sum(x: Tensor, axes?: number[], keepDims?: boolean): Tensor;
  mean(x: Tensor, axes?: number[], keepDims?: boolean): Tensor;
  max(x: Tensor, axes?: number[], keepDims?: boolean): Tensor;
  /** Index of the largest element along `axis`, dtype int32. */
  argMax(x: Tensor, axis: number): Tensor;
  /** Softmax along `axis` (default last). */
  softmax(x: Tensor, axis?: number): Tensor;
  /** Numerically stable `log(softmax(x))` along `axis` (default last). */
  logSoftmax(x: Tensor, axis?: number): Tensor;

  // ---- linear algebra ------------------------------------------------------------------------------
  /**
   * Batched matrix product over the last two axes: `[..., m, k] x [..., k, n] -> [..., m, n]`.
   * With `fused`: `act(a · b + bias)`, `bias` `[n]` added to every row, exactly
   * as `relu(add(matMul(a, b), bias))` (see {@link FusedActivation}).
   */
  matMul(a: Tensor, b: Tensor, transposeA?: boolean, transposeB?: boolean, fused?: MatMulFused): Tensor;
  /**
   * 2-D convolution. `x`: `[batch, height, width, inChannels]` (NHWC);
   * `filter`: `[filterHeight, filterWidth, inChannels, outChannels]` (HWIO).
   * Returns `[batch, outHeight, outWidth, outChannels]`. With `options.bias` /
   * `options.activation`: `act(conv2d(x, filter) + bias)`, exactly as the
   * separate ops (see {@link FusedActivation}).
   */
  conv2d(x: Tensor, filter: Tensor, options?: Conv2dOptions): Tensor;
  /** Max pooling over `[height, width]` of an NHWC tensor. */
  maxPool2d(x: Tensor, options: Pool2dOptions): Tensor;
  /** Average pooling over `[height, width]` of an NHWC tensor. */
  avgPool2d(x: Tensor, options: Pool2dOptions): Tensor;

  // ---- shape -------------------------------------------------------------------------------------------
  /** Same values, new shape (same size; one `-1` is inferred). */
  reshape(x: Tensor, shape: Shape): Tensor;
  /** Permutes axes: output axis `i` is input axis `perm[i]`. */
  transpose(x: Tensor, perm: number[]): Tensor;
  /** Joins tensors along `axis`; other axes must agree. */
  concat(xs: Tensor[], axis: number): Tensor;
  /** The block starting at `begin` with `size` (`-1`: to the end) per axis. */
  slice(x: Tensor, begin: number[], size: number[]): Tensor;
  /**
   * The slices of `x` along `axis` (default 0), that axis removed:
   * `x.shape[axis]` tensors (TF/tfjs `unstack`). Recurrent loops take their
   * frames with it: its gradient stacks the frames' gradients once, where a
   * `slice` per frame would pad each frame's gradient to the full size
   * (quadratic in the number of frames).
   */
  unstack(x: Tensor, axis?: number): Tensor[];
  /** Pads each axis with `paddings[i] = [before, after]` copies of `value`. */
  pad(x: Tensor, paddings: [number, number][], value?: number): Tensor;
  /** Takes entries of `x` along `axis` at int32 `indices`. */
  gather(x: Tensor, indices: Tensor, axis?: number): Tensor;
  /** `[...indices.shape, depth]` float32 one-hot encoding of int32 `indices`. */
  oneHot(indices: Tensor, depth: number): Tensor;

  // ---- randomness (explicit seeds, see above) ---------------------------------------------------------------
  /** Uniform samples in `[min, max)`, float32, determined by `seed`. */
  randomUniform(shape: Shape, min: number, max: number, seed: number): Tensor;
}
