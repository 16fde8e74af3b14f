/**
 * LSTM parameter layouts of other frameworks, converted to and from Strata's
 * (= Keras/tfjs-layers') layout. Pure functions on row-major `Float32Array`s.
 *
 * All layouts compute the same cell (σ the logistic sigmoid, no peepholes):
 * `c' = σ(f) * c + σ(i) * tanh(g)`, `h' = σ(o) * tanh(c')`, with the gate
 * pre-activations `z = x · Wx + h · Wh + b`. They differ in the gate order,
 * in which axis is transposed, and in extra terms:
 *
 * | layout | weights | gate order | source |
 * | --- | --- | --- | --- |
 * | Keras, tfjs-layers, Strata | `kernel` `[in, 4u]`, `recurrent_kernel` `[u, 4u]`, `bias` `[4u]` | i, f, c, o | keras/src/layers/rnn/lstm.py (`LSTMCell.call`: `z0, z1, z2, z3 = split(z)`, `i, f, c, o`) |
 * | TF1 `LSTMCell`, `BasicLSTMCell`, `LSTMBlockCell`, `LSTMBlockFusedCell` | `kernel` `[in + u, 4u]` (= kernel rows, then recurrent rows: `concat([x, h]) · kernel`), `bias` `[4u]` | i, j (= c), f, o | tensorflow/python/ops/rnn_cell_impl.py (`BasicLSTMCell.call`: `i, j, f, o = split(...)`; `sigmoid(f + forget_bias)`); tensorflow/contrib/rnn/python/ops/lstm_ops.py |
 * | ONNX `LSTM` | `W` `[dirs, 4u, in]`, `R` `[dirs, 4u, u]`, `B` `[dirs, 8u]` = `Wb ‖ Rb` | i, o, f, c | onnx/docs/Operators.md#LSTM (`it = f(Xt*(Wi^T) + Ht-1*(Ri^T) + Wbi + Rbi)`, `W[iofc]`) |
 * | RETURNN `NativeLstm`, `NativeLstm2` | `W` `[in, 4u]`, `W_re` `[u, 4u]`, `b` `[4u]` | j (= c), i, f, o | returnn/tf/network.py `CustomCheckpointLoader` (comment "LstmGenericBase/NativeLstm: j, i, f, o"); returnn/tf/native_op.py |
 *
 * The forget-bias caveat (seed 003, `CustomCheckpointLoader`): TF1's cells
 * add a scalar `forget_bias` (default 1.0) to the forget gate at run time,
 * `σ(f + forget_bias)`, and do not store it in `bias`. A Keras-layout cell has
 * no such term, so converting TF1 → Keras adds `forgetBias` to the forget
 * block of the bias, and Keras → TF1 subtracts it; with the `forget_bias` the
 * TF1 model ran with, the outputs are identical. RETURNN's loader ignores it
 * (the same as `forgetBias: 0`) and asks the user to set
 * `unit_opts: {forget_bias: 0}` instead. ONNX and RETURNN's native LSTMs have
 * no forget bias (`NativeLstm2` asserts `forget_bias == 0`).
 */
import { LstmLayoutError } from '../errors.js';

/** One LSTM gate: input, forget, cell candidate (TF's `j`, PyTorch's `g`), output. */
export type LstmGate = 'i' | 'f' | 'c' | 'o';
/** The order of the four `units`-wide gate blocks along a weight's gate axis. */
export type LstmGateOrder = readonly [LstmGate, LstmGate, LstmGate, LstmGate];

export const KERAS_GATE_ORDER: LstmGateOrder = ['i', 'f', 'c', 'o'];
export const TF1_GATE_ORDER: LstmGateOrder = ['i', 'c', 'f', 'o'];
export const ONNX_GATE_ORDER: LstmGateOrder = ['i', 'o', 'f', 'c'];
export const RETURNN_NATIVE_GATE_ORDER: LstmGateOrder = ['c', 'i', 'f', 'o'];

/** Strata's (Keras') LSTM weights. `kernel` `[inputSize, 4u]`, `recurrentKernel` `[units, 4u]`, `bias` `[4u]`; gates i, f, c, o. */
export interface KerasLstm {
  readonly inputSize: number;
  readonly units: number;
  readonly kernel: Float32Array;
  readonly recurrentKernel: Float32Array;
  readonly bias: Float32Array;
}

/** TF1 `LSTMCell`/`LSTMBlockCell` weights: `kernel` `[inputSize + units, 4u]` (input rows first), `bias` `[4u]`; gates i, j, f, o. */
export interface Tf1Lstm {
  readonly inputSize: number;
  readonly units: number;
  readonly kernel: Float32Array;
  readonly bias: Float32Array;
}

/**
 * ONNX `LSTM` inputs: `W` `[numDirections, 4u, inputSize]`, `R` `[numDirections, 4u, units]`,
 * `B` `[numDirections, 8u]` (`Wb` then `Rb`); gates i, o, f, c. Direction 0 is forward,
 * 1 the reverse half of a bidirectional LSTM.
 */
export interface OnnxLstm {
  readonly inputSize: number;
  readonly units: number;
  readonly numDirections: number;
  readonly W: Float32Array;
  readonly R: Float32Array;
  readonly B: Float32Array;
}

/** RETURNN `NativeLstm2` weights: `W` `[inputSize, 4u]`, `W_re` `[units, 4u]`, `b` `[4u]`; gates j, i, f, o. */
export interface ReturnnNativeLstm {
  readonly inputSize: number;
  readonly units: number;
  readonly W: Float32Array;
  readonly WRe: Float32Array;
  readonly b: Float32Array;
}

/** Options of the TF1 conversions. */
export interface ForgetBiasOptions {
  /** The `forget_bias` the TF1 cell adds at run time (TF's default 1.0; 0 for a cell built with `forget_bias=0`). Default 1. */
  forgetBias?: number;
}

function check(what: string, a: Float32Array, shape: readonly number[]): void {
  const n = shape.reduce((x, y) => x * y, 1);
  if (a.length !== n) throw new LstmLayoutError(`${what}: expected ${n} values for shape [${shape.join(', ')}]. Received: ${a.length} values.`);
}

/**
 * `src` `[rows, 4u]` with gate column blocks in order `from` → `[rows, 4u]` in order `to`.
 * With `transposeOut`, writes `[4u, rows]` instead (ONNX's gate-major layout).
 */
export function reorderGates(src: Float32Array, rows: number, units: number, from: LstmGateOrder, to: LstmGateOrder, transposeOut = false): Float32Array {
  const w = 4 * units;
  const out = new Float32Array(rows * w);
  for (let g = 0; g < 4; g++) {
    const s = from.indexOf(to[g]!) * units;
    const d = g * units;
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < units; j++) {
        if (transposeOut) out[(d + j) * rows + r] = src[r * w + s + j]!;
        else out[r * w + d + j] = src[r * w + s + j]!;
      }
    }
  }
  return out;
}

/** `[a, b]` → `[b, a]`. */
function transpose(src: Float32Array, a: number, b: number): Float32Array {
  const out = new Float32Array(a * b);
  for (let i = 0; i < a; i++) for (let j = 0; j < b; j++) out[j * a + i] = src[i * b + j]!;
  return out;
}

function checkKeras(k: KerasLstm): void {
  check('kernel', k.kernel, [k.inputSize, 4 * k.units]);
  check('recurrentKernel', k.recurrentKernel, [k.units, 4 * k.units]);
  check('bias', k.bias, [4 * k.units]);
}

/**
 * Keras/Strata → ONNX `LSTM` (`W`, `R`, `B` with `Rb = 0`). Pass a second
 * layer for the reverse direction of a bidirectional ONNX LSTM.
 * @throws LstmLayoutError if an array's length does not fit `inputSize` and `units`, or the directions differ in size.
 */
export function kerasToOnnxLstm(forward: KerasLstm, backward?: KerasLstm): OnnxLstm {
  const dirs = backward ? [forward, backward] : [forward];
  const { inputSize: n, units: u } = forward;
  for (const k of dirs) {
    checkKeras(k);
    if (k.inputSize !== n || k.units !== u) throw new LstmLayoutError(`kerasToOnnxLstm: both directions need the same sizes. Received: [${n}, ${u}] and [${k.inputSize}, ${k.units}].`);
  }
  const W = new Float32Array(dirs.length * 4 * u * n);
  const R = new Float32Array(dirs.length * 4 * u * u);
  const B = new Float32Array(dirs.length * 8 * u);
  dirs.forEach((k, d) => {
    W.set(reorderGates(k.kernel, n, u, KERAS_GATE_ORDER, ONNX_GATE_ORDER, true), d * 4 * u * n);
    R.set(reorderGates(k.recurrentKernel, u, u, KERAS_GATE_ORDER, ONNX_GATE_ORDER, true), d * 4 * u * u);
    B.set(reorderGates(k.bias, 1, u, KERAS_GATE_ORDER, ONNX_GATE_ORDER), d * 8 * u);
  });
  return { inputSize: n, units: u, numDirections: dirs.length, W, R, B };
}

/**
 * ONNX `LSTM` (one direction of it) → Keras/Strata. The bias is `Wb + Rb`
 * (ONNX adds both every step), so ONNX → Keras → ONNX keeps `W`, `R` and
 * `Wb + Rb`, not the split. Assumes the ONNX defaults: activations
 * Sigmoid/Tanh/Tanh, no `clip`, `input_forget = 0`, no peepholes `P`.
 * @param direction 0 (forward) or 1 (the reverse half of a bidirectional LSTM).
 * @throws LstmLayoutError if an array's length does not fit, or `direction` is out of range.
 */
export function onnxToKerasLstm(onnx: OnnxLstm, direction = 0): KerasLstm {
  const { inputSize: n, units: u, numDirections: nd } = onnx;
  check('W', onnx.W, [nd, 4 * u, n]);
  check('R', onnx.R, [nd, 4 * u, u]);
  check('B', onnx.B, [nd, 8 * u]);
  if (!Number.isInteger(direction) || direction < 0 || direction >= nd) {
    throw new LstmLayoutError(`onnxToKerasLstm: direction must be in [0, ${nd - 1}]. Received: direction=${direction}.`);
  }
  const w = transpose(onnx.W.subarray(direction * 4 * u * n, (direction + 1) * 4 * u * n), 4 * u, n);
  const r = transpose(onnx.R.subarray(direction * 4 * u * u, (direction + 1) * 4 * u * u), 4 * u, u);
  const b = new Float32Array(4 * u);
  const off = direction * 8 * u;
  for (let j = 0; j < 4 * u; j++) b[j] = onnx.B[off + j]! + onnx.B[off + 4 * u + j]!;
  return {
    inputSize: n,
    units: u,
    kernel: reorderGates(w, n, u, ONNX_GATE_ORDER, KERAS_GATE_ORDER),
    recurrentKernel: reorderGates(r, u, u, ONNX_GATE_ORDER, KERAS_GATE_ORDER),
    bias: reorderGates(b, 1, u, ONNX_GATE_ORDER, KERAS_GATE_ORDER),
  };
}

/**
 * TF1 `LSTMCell` / `BasicLSTMCell` / `LSTMBlockCell` / `LSTMBlockFusedCell` →
 * Keras/Strata: the fused kernel is split at row `inputSize`, the gates are
 * reordered, and `forgetBias` is added to the forget block of the bias (see
 * the module comment).
 * @throws LstmLayoutError if an array's length does not fit `inputSize` and `units`.
 */
export function tf1BlockToKerasLstm(tf1: Tf1Lstm, options: ForgetBiasOptions = {}): KerasLstm {
  const { inputSize: n, units: u } = tf1;
  check('kernel', tf1.kernel, [n + u, 4 * u]);
  check('bias', tf1.bias, [4 * u]);
  const all = reorderGates(tf1.kernel, n + u, u, TF1_GATE_ORDER, KERAS_GATE_ORDER);
  const bias = reorderGates(tf1.bias, 1, u, TF1_GATE_ORDER, KERAS_GATE_ORDER);
  const fb = options.forgetBias ?? 1;
  for (let j = u; j < 2 * u; j++) bias[j] = bias[j]! + fb;
  return { inputSize: n, units: u, kernel: all.slice(0, n * 4 * u), recurrentKernel: all.slice(n * 4 * u), bias };
}

/**
 * Keras/Strata → TF1 `LSTMCell`/`LSTMBlockCell` (the inverse of
 * {@link tf1BlockToKerasLstm}: `forgetBias` is subtracted from the forget block).
 * @throws LstmLayoutError if an array's length does not fit `inputSize` and `units`.
 */
export function kerasToTf1Lstm(k: KerasLstm, options: ForgetBiasOptions = {}): Tf1Lstm {
  checkKeras(k);
  const { inputSize: n, units: u } = k;
  const all = new Float32Array((n + u) * 4 * u);
  all.set(k.kernel, 0);
  all.set(k.recurrentKernel, n * 4 * u);
  const bias = Float32Array.from(k.bias);
  const fb = options.forgetBias ?? 1;
  for (let j = u; j < 2 * u; j++) bias[j] = bias[j]! - fb;
  return {
    inputSize: n,
    units: u,
    kernel: reorderGates(all, n + u, u, KERAS_GATE_ORDER, TF1_GATE_ORDER),
    bias: reorderGates(bias, 1, u, KERAS_GATE_ORDER, TF1_GATE_ORDER),
  };
}

/**
 * RETURNN `NativeLstm`/`NativeLstm2` (`rec/W`, `rec/W_re`, `rec/b`) → Keras/Strata: a gate reorder.
 * @throws LstmLayoutError if an array's length does not fit `inputSize` and `units`.
 */
export function returnnNativeToKerasLstm(r: ReturnnNativeLstm): KerasLstm {
  const { inputSize: n, units: u } = r;
  check('W', r.W, [n, 4 * u]);
  check('W_re', r.WRe, [u, 4 * u]);
  check('b', r.b, [4 * u]);
  const to = (a: Float32Array, rows: number) => reorderGates(a, rows, u, RETURNN_NATIVE_GATE_ORDER, KERAS_GATE_ORDER);
  return { inputSize: n, units: u, kernel: to(r.W, n), recurrentKernel: to(r.WRe, u), bias: to(r.b, 1) };
}

/**
 * Keras/Strata → RETURNN `NativeLstm2` (the inverse of {@link returnnNativeToKerasLstm}).
 * @throws LstmLayoutError if an array's length does not fit `inputSize` and `units`.
 */
export function kerasToReturnnNativeLstm(k: KerasLstm): ReturnnNativeLstm {
  checkKeras(k);
  const { inputSize: n, units: u } = k;
  const to = (a: Float32Array, rows: number) => reorderGates(a, rows, u, KERAS_GATE_ORDER, RETURNN_NATIVE_GATE_ORDER);
  return { inputSize: n, units: u, W: to(k.kernel, n), WRe: to(k.recurrentKernel, u), b: to(k.bias, 1) };
}
