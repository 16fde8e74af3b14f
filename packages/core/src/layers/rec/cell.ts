import { ops, type Tensor } from '@strata/backend';
import type { Initializer } from '../../initializers/index.js';

/**
 * One step of a recurrence: `states` (each `[batch, units]`, the output `h`
 * first) and this frame's input projection `xp` give the next states.
 */
export type RecStep = (xp: Tensor, states: Tensor[]) => Tensor[];

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
  /** The step function for these weights; slices of the weights are taken once here, not per frame. */
  stepper(recurrentKernel: Tensor, bias: Tensor): RecStep;
}

/** The `n` blocks `[batch, units]` of `z` `[batch, n * units]`, in column order. */
export function splitGates(z: Tensor, n: number): Tensor[] {
  const units = z.shape[1]! / n;
  return Array.from({ length: n }, (_, k) => ops.slice(z, [0, k * units], [-1, units]));
}
