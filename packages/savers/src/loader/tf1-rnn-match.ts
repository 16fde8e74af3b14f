/**
 * Finding one Strata GRU or SimpleRNN's weights in a checkpoint written by
 * TF1's `GRUCell` / `BasicRNNCell` (as RETURNN's `rec` units `"gru"` and
 * `"basicrnn"` write them: `output/rec/gru_cell/gates/kernel`,
 * `output/rec/basic_rnn_cell/kernel`), by name and shape under the layer's
 * checkpoint scope. Used by `CheckpointLoader` for a network GRU
 * (`scope/kernel` `[in, 3u]`, `scope/recurrent_kernel` `[u, 3u]`,
 * `scope/bias` `[3u]`) or SimpleRNN (`[in, u]`, `[u, u]`, `[u]`) none of
 * whose params is in the checkpoint under its own name. Layouts: `tf1-rnn-layouts.ts`.
 */
import { shapesEqual } from '@strata/backend';
import type { NamedTensorData } from '../safetensors.js';
import type { TensorLookup } from './lstm-match.js';
import { type KerasRnn, tf1BasicRnnToKeras, tf1GruToKeras } from './tf1-rnn-layouts.js';

/** Which TF1 cell a Strata recurrent layer's weights were found as. */
export type Tf1RnnLayout = 'tf1-gru' | 'tf1-basic-rnn';

/** A TF1 cell found in a checkpoint, converted to Strata's layout. */
export interface Tf1RnnMatch {
  readonly layout: Tf1RnnLayout;
  /** The checkpoint tensors it was made from. */
  readonly sources: readonly string[];
  readonly value: KerasRnn;
}

/** The cell scopes TF1 and RETURNN put a cell's params under, after the layer's scope (`''`: directly under it). */
const GRU_SCOPES = ['', 'gru_cell/', 'rnn/gru_cell/', 'rec/gru_cell/', 'rec/rnn/gru_cell/'];
const BASIC_RNN_SCOPES = ['', 'basic_rnn_cell/', 'rnn/basic_rnn_cell/', 'rec/basic_rnn_cell/', 'rec/rnn/basic_rnn_cell/'];

function find(lookup: TensorLookup, names: readonly string[], shape: readonly number[]): NamedTensorData | undefined {
  for (const n of names) {
    const t = lookup(n);
    if (t && t.dtype === 'float32' && shapesEqual(t.shape, shape)) return t;
  }
  return undefined;
}

const f32 = (t: NamedTensorData) => t.data as Float32Array;

/**
 * Looks for a TF1 cell of `inputSize` inputs and `units` units under the
 * checkpoint scope `scope` (with its trailing `/`, or empty):
 *
 * - `gates === 3` (a GRU): `gates/kernel` `[in + u, 2u]`, `gates/bias` `[2u]`,
 *   `candidate/kernel` `[in + u, u]`, `candidate/bias` `[u]`, under one of
 *   `''`, `gru_cell/`, `rnn/gru_cell/`, `rec/gru_cell/`, `rec/rnn/gru_cell/`.
 * - `gates === 1` (a SimpleRNN): `kernel` `[in + u, u]`, `bias` `[u]` under one
 *   of `basic_rnn_cell/`, `rnn/basic_rnn_cell/`, `rec/basic_rnn_cell/`, ... (or directly).
 *
 * `weights`/`biases` are accepted for `kernel`/`bias`. Every tensor must be float32 with exactly the expected shape.
 * @returns the first match, or undefined.
 */
export function matchTf1Rnn(scope: string, gates: 1 | 3, inputSize: number, units: number, lookup: TensorLookup): Tf1RnnMatch | undefined {
  const [n, u] = [inputSize, units];
  const kernel = (p: string, cols: number) => find(lookup, [`${p}kernel`, `${p}weights`], [n + u, cols]);
  const bias = (p: string, cols: number) => find(lookup, [`${p}bias`, `${p}biases`], [cols]);
  if (gates === 3) {
    for (const sub of GRU_SCOPES) {
      const p = scope + sub;
      const gk = kernel(`${p}gates/`, 2 * u);
      const gb = gk && bias(`${p}gates/`, 2 * u);
      const ck = gb && kernel(`${p}candidate/`, u);
      const cb = ck && bias(`${p}candidate/`, u);
      if (gk && gb && ck && cb) {
        const value = tf1GruToKeras({ inputSize: n, units: u, gatesKernel: f32(gk), gatesBias: f32(gb), candidateKernel: f32(ck), candidateBias: f32(cb) });
        return { layout: 'tf1-gru', sources: [gk.name, gb.name, ck.name, cb.name], value };
      }
    }
    return undefined;
  }
  for (const sub of BASIC_RNN_SCOPES) {
    const p = scope + sub;
    const k = kernel(p, u);
    const b = k && bias(p, u);
    if (k && b) return { layout: 'tf1-basic-rnn', sources: [k.name, b.name], value: tf1BasicRnnToKeras({ inputSize: n, units: u, kernel: f32(k), bias: f32(b) }) };
  }
  return undefined;
}
