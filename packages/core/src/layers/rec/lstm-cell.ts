import { ops, type Shape } from '@strata/backend';
import { type Initializer, Ones } from '../../initializers/index.js';
import type { Rng } from '../../rng.js';
import { type RecCell, splitGates } from './cell.js';

/** Options of {@link lstmCell}. */
export interface LstmCellOptions {
  /** Initialise the forget-gate bias block to ones (Gers et al. 2000; Keras `unit_forget_bias`). Default true. */
  unitForgetBias?: boolean;
}

/**
 * Keras' `unit_forget_bias`: the `[4 * units]` bias is `base([units])`
 * (input gate), ones (forget gate), `base([2 * units])` (cell, output gate),
 * drawn in that order from the one `rng`.
 */
export class UnitForgetBias implements Initializer {
  readonly className = 'unit_forget_bias';
  constructor(
    readonly base: Initializer,
    readonly units: number,
  ) {}
  generate(_shape: Shape, rng: Rng): Float32Array {
    const u = this.units;
    const out = new Float32Array(4 * u);
    out.set(this.base.generate([u], rng), 0);
    out.set(new Ones().generate([u]), u);
    out.set(this.base.generate([2 * u], rng), 2 * u);
    return out;
  }
  getConfig(): Record<string, unknown> {
    return { base: { className: this.base.className, config: this.base.getConfig() }, units: this.units };
  }
}

/**
 * Long short-term memory (Hochreiter & Schmidhuber 1997, with the forget gate
 * of Gers et al. 2000), in Keras/tfjs-layers' layout and gate order
 * **i, f, c, o** (input, forget, cell candidate, output):
 *
 * ```
 * z = x_t · kernel + h · recurrent_kernel + bias            [batch, 4 * units]
 * i = σ(z_i)   f = σ(z_f)   g = tanh(z_c)   o = σ(z_o)
 * c' = f * c + i * g        h' = o * tanh(c')
 * ```
 *
 * σ is the logistic sigmoid (Keras ≥ 2.3 and RETURNN default; tfjs-layers
 * defaults to `hardSigmoid`, so pass `recurrentActivation: 'sigmoid'` there
 * to compare). No peepholes.
 *
 * Weights: `kernel` `[inFeatures, 4 * units]`, `recurrent_kernel`
 * `[units, 4 * units]`, `bias` `[4 * units]`, float32. States `h`, `c` `[batch, units]`.
 */
export function lstmCell(options: LstmCellOptions = {}): RecCell {
  const unitForgetBias = options.unitForgetBias ?? true;
  return {
    gates: 4,
    numStates: 2,
    biasShape: (units) => [4 * units],
    biasInitializer: (base, units) => (unitForgetBias ? new UnitForgetBias(base, units) : base),
    inputBias: (bias) => bias,
    stepper: (recurrentKernel) => (xp, [h, c]) => {
      const [zi, zf, zc, zo] = splitGates(ops.add(xp, ops.matMul(h!, recurrentKernel)), 4);
      const cNext = ops.add(ops.mul(ops.sigmoid(zf!), c!), ops.mul(ops.sigmoid(zi!), ops.tanh(zc!)));
      return [ops.mul(ops.sigmoid(zo!), ops.tanh(cNext)), cNext];
    },
  };
}
