import { ops } from '@strata/backend';
import type { RecCell } from './cell.js';

/**
 * Elman's simple recurrent network (Elman 1990; Keras/tfjs-layers `SimpleRNN`):
 * `h' = tanh(x_t · kernel + h · recurrent_kernel + bias)`.
 *
 * Weights: `kernel` `[inFeatures, units]`, `recurrent_kernel` `[units, units]`,
 * `bias` `[units]`, float32. State `h` `[batch, units]`.
 */
export function simpleRnnCell(): RecCell {
  return {
    gates: 1,
    numStates: 1,
    biasShape: (units) => [units],
    biasInitializer: (base) => base,
    inputBias: (bias) => bias,
    stepper: (recurrentKernel) => (xp, [h]) => [ops.tanh(ops.add(xp, ops.matMul(h!, recurrentKernel)))],
  };
}
