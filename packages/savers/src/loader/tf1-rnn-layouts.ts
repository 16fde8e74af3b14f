/**
 * TF1's `GRUCell` and `BasicRNNCell` parameter layouts (RETURNN `rec` units
 * `"gru"` and `"basicrnn"`, params `<rec>/rec/gru_cell/gates/kernel`, ...),
 * converted to Strata's (= Keras/tfjs-layers') GRU with `resetAfter: false`
 * and SimpleRNN layouts. Pure functions on row-major `Float32Array`s.
 *
 * TF1 `GRUCell.call` (tensorflow/python/keras/layers/legacy_rnn/rnn_cell_impl.py):
 *
 * ```
 * r, u = split(σ(concat([x, h]) · gates/kernel + gates/bias), 2)      gates/kernel [in + U, 2U], gates/bias [2U]
 * c = tanh(concat([x, r * h]) · candidate/kernel + candidate/bias)    candidate/kernel [in + U, U], candidate/bias [U]
 * h' = u * h + (1 - u) * c
 * ```
 *
 * Strata's `gruCell` (Keras order z, r, h; `resetAfter: false`):
 * `z = σ(x·K_z + h·R_z + b_z)`, `r = σ(x·K_r + h·R_r + b_r)`,
 * `ĥ = tanh(x·K_h + (r * h)·R_h + b_h)`, `h' = z * h + (1 - z) * ĥ`. So TF's
 * update gate `u` is Keras' `z` (the second block of `gates`), its reset
 * gate `r` the first block; the reset gate multiplies `h` before the
 * recurrent matMul in both (not Keras' `reset_after`). Input rows of each
 * TF kernel go to `kernel`, the `U` state rows to `recurrent_kernel`.
 *
 * TF1 `BasicRNNCell.call`: `h' = tanh(concat([x, h]) · kernel + bias)`, kernel
 * `[in + U, U]`: its input rows are Strata's SimpleRNN `kernel`, its state rows `recurrent_kernel`.
 */
import { LstmLayoutError } from '../errors.js';

/** Strata's (Keras') GRU or SimpleRNN weights: `kernel` `[inputSize, G·U]`, `recurrentKernel` `[U, G·U]`, `bias` `[G·U]` (G = 3 for a GRU, gates z, r, h; 1 for a SimpleRNN). */
export interface KerasRnn {
  readonly inputSize: number;
  readonly units: number;
  readonly kernel: Float32Array;
  readonly recurrentKernel: Float32Array;
  readonly bias: Float32Array;
}

/** TF1 `GRUCell` weights: `gatesKernel` `[in + U, 2U]` (blocks r, u), `gatesBias` `[2U]`, `candidateKernel` `[in + U, U]`, `candidateBias` `[U]`. */
export interface Tf1Gru {
  readonly inputSize: number;
  readonly units: number;
  readonly gatesKernel: Float32Array;
  readonly gatesBias: Float32Array;
  readonly candidateKernel: Float32Array;
  readonly candidateBias: Float32Array;
}

/** TF1 `BasicRNNCell` weights: `kernel` `[in + U, U]`, `bias` `[U]`. */
export interface Tf1BasicRnn {
  readonly inputSize: number;
  readonly units: number;
  readonly kernel: Float32Array;
  readonly bias: Float32Array;
}

function check(what: string, a: Float32Array, shape: readonly number[]): void {
  const n = shape.reduce((x, y) => x * y, 1);
  if (a.length !== n) throw new LstmLayoutError(`${what}: expected ${n} values for shape [${shape.join(', ')}]. Received: ${a.length} values.`);
}

/** Columns `[c0, c0 + width)` of rows `[r0, r1)` of `src` `[*, cols]`, written at column `d0` of `out` `[r1 - r0, outCols]`. */
function copyBlock(src: Float32Array, cols: number, r0: number, r1: number, c0: number, width: number, out: Float32Array, outCols: number, d0: number): void {
  for (let r = r0; r < r1; r++) for (let j = 0; j < width; j++) out[(r - r0) * outCols + d0 + j] = src[r * cols + c0 + j]!;
}

/**
 * TF1 `GRUCell` → Strata GRU (`resetAfter: false`): z from TF's `u` block, r from its `r` block, h from `candidate`.
 * @throws LstmLayoutError if an array's length does not fit `inputSize` and `units`.
 */
export function tf1GruToKeras(g: Tf1Gru): KerasRnn {
  const { inputSize: n, units: u } = g;
  check('gates/kernel', g.gatesKernel, [n + u, 2 * u]);
  check('gates/bias', g.gatesBias, [2 * u]);
  check('candidate/kernel', g.candidateKernel, [n + u, u]);
  check('candidate/bias', g.candidateBias, [u]);
  const kernel = new Float32Array(n * 3 * u);
  const recurrentKernel = new Float32Array(u * 3 * u);
  // Keras blocks z, r, h ← TF gates block 1 (u), gates block 0 (r), candidate.
  const blocks: [Float32Array, number, number][] = [
    [g.gatesKernel, 2 * u, u],
    [g.gatesKernel, 2 * u, 0],
    [g.candidateKernel, u, 0],
  ];
  blocks.forEach(([src, cols, c0], k) => {
    copyBlock(src, cols, 0, n, c0, u, kernel, 3 * u, k * u);
    copyBlock(src, cols, n, n + u, c0, u, recurrentKernel, 3 * u, k * u);
  });
  const bias = new Float32Array(3 * u);
  bias.set(g.gatesBias.subarray(u, 2 * u), 0);
  bias.set(g.gatesBias.subarray(0, u), u);
  bias.set(g.candidateBias, 2 * u);
  return { inputSize: n, units: u, kernel, recurrentKernel, bias };
}

/**
 * TF1 `BasicRNNCell` → Strata SimpleRNN: the kernel's input rows and state rows.
 * @throws LstmLayoutError if an array's length does not fit `inputSize` and `units`.
 */
export function tf1BasicRnnToKeras(c: Tf1BasicRnn): KerasRnn {
  const { inputSize: n, units: u } = c;
  check('kernel', c.kernel, [n + u, u]);
  check('bias', c.bias, [u]);
  return { inputSize: n, units: u, kernel: c.kernel.slice(0, n * u), recurrentKernel: c.kernel.slice(n * u), bias: c.bias.slice() };
}
