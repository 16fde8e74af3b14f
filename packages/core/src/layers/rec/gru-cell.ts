import { ops, type Tensor } from '@strata/backend';
import { type RecCell, splitGates } from './cell.js';

/** Options of {@link gruCell}. */
export interface GruCellOptions {
  /**
   * Apply the reset gate after the recurrent matMul (Keras `reset_after`, the
   * cuDNN form, Keras 2's default) instead of before it. Default false, as in
   * tfjs-layers 4.22, which supports only false (its GRUCell throws for true).
   */
  resetAfter?: boolean;
}

/**
 * Gated recurrent unit (Cho et al. 2014) in Keras/tfjs-layers' layout and
 * gate order **z, r, h** (update, reset, candidate), σ the logistic sigmoid
 * (Keras ≥ 2.3; tfjs-layers defaults to `hardSigmoid`):
 *
 * ```
 * x = x_t · kernel + b                                     [batch, 3 * units]
 * z = σ(x_z + h · U_z)   r = σ(x_r + h · U_r)
 * resetAfter false:  ĥ = tanh(x_h + (r * h) · U_h)
 * resetAfter true:   ĥ = tanh(x_h + r * (h · U_h + b'_h)),  with b'_z, b'_r added inside σ too
 * h' = z * h + (1 - z) * ĥ
 * ```
 *
 * Weights: `kernel` `[inFeatures, 3 * units]`, `recurrent_kernel`
 * `[units, 3 * units]` (U), `bias` `[3 * units]` (b), or with `resetAfter`
 * `[2, 3 * units]`: row 0 the input bias b, row 1 the recurrent bias b'.
 * State `h` `[batch, units]`.
 */
export function gruCell(options: GruCellOptions = {}): RecCell {
  const resetAfter = options.resetAfter ?? false;
  const row = (bias: Tensor, r: number): Tensor => ops.reshape(ops.slice(bias, [r, 0], [1, -1]), [-1]);
  return {
    gates: 3,
    numStates: 1,
    biasShape: (units) => (resetAfter ? [2, 3 * units] : [3 * units]),
    biasInitializer: (base) => base,
    inputBias: (bias) => (resetAfter ? row(bias, 0) : bias),
    stepper: (recurrentKernel, bias) => {
      const units = recurrentKernel.shape[0]!;
      if (resetAfter) {
        const recurrentBias = row(bias, 1);
        return (xp, [h]) => {
          const [xz, xr, xh] = splitGates(xp, 3);
          const [rz, rr, rh] = splitGates(ops.add(ops.matMul(h!, recurrentKernel), recurrentBias), 3);
          const z = ops.sigmoid(ops.add(xz!, rz!));
          const r = ops.sigmoid(ops.add(xr!, rr!));
          return [mix(z, h!, ops.tanh(ops.add(xh!, ops.mul(r, rh!))))];
        };
      }
      const uzr = ops.slice(recurrentKernel, [0, 0], [units, 2 * units]);
      const uh = ops.slice(recurrentKernel, [0, 2 * units], [units, units]);
      return (xp, [h]) => {
        const [xz, xr, xh] = splitGates(xp, 3);
        const [rz, rr] = splitGates(ops.matMul(h!, uzr), 2);
        const z = ops.sigmoid(ops.add(xz!, rz!));
        const r = ops.sigmoid(ops.add(xr!, rr!));
        return [mix(z, h!, ops.tanh(ops.add(xh!, ops.matMul(ops.mul(r, h!), uh))))];
      };
    },
  };
}

/** `z * h + (1 - z) * candidate`. */
const mix = (z: Tensor, h: Tensor, candidate: Tensor): Tensor => ops.add(ops.mul(z, h), ops.mul(ops.sub(1, z), candidate));
