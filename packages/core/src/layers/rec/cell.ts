import { ops, type Tensor } from '@strata/backend';
import type { Initializer } from '../../initializers/index.js';
import type { CallContext } from '../../layer.js';

/**
 * One step of a recurrence: `states` (each `[batch, units]`, the output `h`
 * first) and this frame's input projection `xp` give the next states; a cell
 * with {@link RecCell.separateOutput} appends the frame's output after them.
 */
export type RecStep = (xp: Tensor, states: Tensor[]) => Tensor[];

/** What a cell's step may need besides its three weights. */
export interface RecStepExtras {
  /** The values of the cell's {@link RecCell.extraWeights}, in that order. */
  readonly weights?: readonly Tensor[];
  /** The call's context (training flag, seeds), for cells with randomness in training (zoneout). */
  readonly ctx?: CallContext;
}

/**
 * A recurrent cell as the {@link Rec} layer runs it: the weight layout
 * (Keras/tfjs-layers: `kernel` `[inFeatures, gates * units]`,
 * `recurrent_kernel` `[units, gates * units]`, `bias`) and the per-frame
 * update. The layer owns the weights; the cell only says how to use them, so
 * the input projection `x · kernel + inputBias` of all frames is one matMul.
 */
export interface RecCell {
  /** Blocks of `units` columns in `kernel` and `recurrent_kernel`: LSTM 4, GRU 3, SimpleRNN 1. */
  readonly gates: number;
  /** States carried from frame to frame: LSTM 2 (`h`, `c`), else 1 (`h`). */
  readonly numStates: number;
  /** Shape of `bias`: `[gates * units]`, or `[2, 3 * units]` for a GRU with `resetAfter`. */
  biasShape(units: number): number[];
  /** The bias initializer made from the user's (LSTM's `unitForgetBias` sets the forget block to ones). */
  biasInitializer(base: Initializer, units: number): Initializer;
  /** The part of `bias` added to the input projection, `[gates * units]`. */
  inputBias(bias: Tensor): Tensor;
  /** Names of further `[units]` weights of the cell (an LSTM's peepholes `w_i_diag`, `w_f_diag`, `w_o_diag`); none if absent. */
  readonly extraWeights?: readonly string[];
  /** True if the frame's output is not the first state (ZoneoutLSTM's output before zoneout): the step returns it after the states. */
  readonly separateOutput?: boolean;
  /** The step function for these weights; slices of the weights are taken once here, not per frame. */
  stepper(recurrentKernel: Tensor, bias: Tensor, extras?: RecStepExtras): RecStep;
}

/** A step's next states and the frame's output (the first state unless the cell has a {@link RecCell.separateOutput}). */
export function stepResult(cell: RecCell, next: Tensor[]): { states: Tensor[]; output: Tensor } {
  return cell.separateOutput ? { states: next.slice(0, cell.numStates), output: next[cell.numStates]! } : { states: next, output: next[0]! };
}

/** The `n` blocks `[batch, units]` of `z` `[batch, n * units]`, in column order. */
export function splitGates(z: Tensor, n: number): Tensor[] {
  const units = z.shape[1]! / n;
  return Array.from({ length: n }, (_, k) => ops.slice(z, [0, k * units], [-1, units]));
}
