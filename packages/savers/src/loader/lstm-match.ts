/**
 * Finding one Strata LSTM's weights in a checkpoint written in another
 * layout (see `lstm-layouts.ts`), by name and shape under the layer's
 * checkpoint scope. Used by `CheckpointLoader` for a network LSTM
 * (`scope/kernel` `[in, 4u]`, `scope/recurrent_kernel` `[u, 4u]`,
 * `scope/bias` `[4u]`) none of whose params is in the checkpoint under its own name.
 */
import { shapesEqual } from '@strata/backend';
import type { NamedTensorData } from '../safetensors.js';
import { type KerasLstm, onnxToKerasLstm, returnnNativeToKerasLstm, tf1BlockToKerasLstm } from './lstm-layouts.js';
import { CELL_SUBSCOPES } from './renames.js';

/** Which layout an LSTM was found in. */
export type LstmLayout = 'keras' | 'tf1' | 'onnx' | 'returnn-native' | 'returnn-native-lowmem';

/** An LSTM found in a checkpoint, converted to Strata's layout. */
export interface LstmMatch {
  readonly layout: LstmLayout;
  /** The checkpoint tensors it was made from. */
  readonly sources: readonly string[];
  readonly value: KerasLstm;
}

/** A checkpoint tensor by name, or undefined if it is absent or already taken. */
export type TensorLookup = (name: string) => NamedTensorData | undefined;

/** Options of {@link matchLstm}. */
export interface MatchLstmOptions {
  /** Added to the forget-gate bias when converting from TF1 (see `tf1BlockToKerasLstm`). */
  forgetBias: number;
}

/** The first of `names` present with `shape` and dtype float32. */
function find(lookup: TensorLookup, names: readonly string[], shape: readonly number[]): NamedTensorData | undefined {
  for (const n of names) {
    const t = lookup(n);
    if (t && t.dtype === 'float32' && shapesEqual(t.shape, shape)) return t;
  }
  return undefined;
}

const f32 = (t: NamedTensorData) => t.data as Float32Array;

/**
 * Looks for an LSTM of `inputSize` inputs and `units` units under the
 * checkpoint scope `scope` (with its trailing `/`, or empty), in this order:
 *
 * 1. Keras under a cell sub-scope (TF2 Keras' `lstm/lstm_cell/kernel`,
 *    `recurrent_kernel`, `bias`; `weights`/`W`, `biases`/`b` accepted).
 * 2. TF1 `LSTMCell`/`BasicLSTMCell`/`LSTMBlockCell`/`LSTMBlockFusedCell`:
 *    `kernel` (or `weights`) `[in + u, 4u]` and `bias` (or `biases`) `[4u]`
 *    directly under `scope` or under a cell sub-scope (`rnn/lstm_cell/`,
 *    `lstm_cell/`, `basic_lstm_cell/`, `lstm_block_wrapper/`, RETURNN's
 *    `rec/lstm_cell/`, ...); `forgetBias` is added to the forget bias.
 * 3. ONNX `LSTM`: `W` `[1, 4u, in]`, `R` `[1, 4u, u]`, optional `B` `[1, 8u]` (zeros when absent, as in ONNX).
 * 4. RETURNN `NativeLstm2`: `rec/W` (or `W`) `[in, 4u]`, `W_re` `[u, 4u]`, `b` `[4u]`.
 * 5. RETURNN `NativeLstmLowMem`: `rec/W` (or `W`) `[in + u, 4u]` (input rows, then recurrent
 *    rows, returnn/tf/native_op.py `NativeLstmLowMemCell`), `b` `[4u]`; gates as NativeLstm2.
 *
 * Every tensor must be float32 with exactly the expected shape.
 * @returns the first match, or undefined.
 */
export function matchLstm(scope: string, inputSize: number, units: number, lookup: TensorLookup, options: MatchLstmOptions): LstmMatch | undefined {
  const [n, u] = [inputSize, units];
  for (const sub of CELL_SUBSCOPES) {
    const p = scope + sub;
    const rk = find(lookup, [`${p}recurrent_kernel`], [u, 4 * u]);
    const k = rk && find(lookup, [`${p}kernel`, `${p}weights`, `${p}W`], [n, 4 * u]);
    const b = k && find(lookup, [`${p}bias`, `${p}biases`, `${p}b`], [4 * u]);
    if (rk && k && b) {
      return { layout: 'keras', sources: [k.name, rk.name, b.name], value: { inputSize: n, units: u, kernel: f32(k), recurrentKernel: f32(rk), bias: f32(b) } };
    }
  }
  for (const sub of ['', ...CELL_SUBSCOPES]) {
    const p = scope + sub;
    const k = find(lookup, [`${p}kernel`, `${p}weights`], [n + u, 4 * u]);
    const b = k && find(lookup, [`${p}bias`, `${p}biases`], [4 * u]);
    if (k && b) {
      const value = tf1BlockToKerasLstm({ inputSize: n, units: u, kernel: f32(k), bias: f32(b) }, { forgetBias: options.forgetBias });
      return { layout: 'tf1', sources: [k.name, b.name], value };
    }
  }
  const W = find(lookup, [`${scope}W`], [1, 4 * u, n]);
  const R = W && find(lookup, [`${scope}R`], [1, 4 * u, u]);
  if (W && R) {
    const B = find(lookup, [`${scope}B`], [1, 8 * u]);
    const value = onnxToKerasLstm({ inputSize: n, units: u, numDirections: 1, W: f32(W), R: f32(R), B: B ? f32(B) : new Float32Array(8 * u) });
    return { layout: 'onnx', sources: B ? [W.name, R.name, B.name] : [W.name, R.name], value };
  }
  for (const sub of ['rec/', '']) {
    const p = scope + sub;
    const wre = find(lookup, [`${p}W_re`], [u, 4 * u]);
    const w = wre && find(lookup, [`${p}W`], [n, 4 * u]);
    const b = w && find(lookup, [`${p}b`], [4 * u]);
    if (wre && w && b) {
      return { layout: 'returnn-native', sources: [w.name, wre.name, b.name], value: returnnNativeToKerasLstm({ inputSize: n, units: u, W: f32(w), WRe: f32(wre), b: f32(b) }) };
    }
  }
  for (const sub of ['rec/', '']) {
    const p = scope + sub;
    const w = find(lookup, [`${p}W`], [n + u, 4 * u]);
    const b = w && find(lookup, [`${p}b`], [4 * u]);
    if (w && b) {
      const all = f32(w);
      const value = returnnNativeToKerasLstm({ inputSize: n, units: u, W: all.slice(0, n * 4 * u), WRe: all.slice(n * 4 * u), b: f32(b) });
      return { layout: 'returnn-native-lowmem', sources: [w.name, b.name], value };
    }
  }
  return undefined;
}
