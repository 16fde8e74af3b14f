import { ops, type Shape, type Tensor } from '@strata/backend';
import { type Initializer, Ones } from '../../initializers/index.js';
import type { Rng } from '../../rng.js';
import { applyDropout } from '../dropout.js';
import { type RecCell, splitGates } from './cell.js';

/**
 * The options of TF's `LSTMCell` (tf.compat.v1.nn.rnn_cell, RETURNN's `StandardLSTM`) and of
 * RETURNN's `ZoneoutLSTMCell` (returnn/tf/layers/rec.py, a TF `LSTMCell` with zoneout) that
 * Strata's {@link lstmCell} runs.
 */
export interface TfLstmOptions {
  /**
   * TF's `forget_bias`, added to the forget gate at every step (`σ(f + forget_bias)`). Strata's
   * `bias` holds TF's bias plus 1.0 (TF's default `forget_bias`) on the forget block, which is what
   * the checkpoint loader folds in when it converts a TF `LSTMCell`'s weights, so the cell adds
   * `forgetBias − 1` at run time. Undefined: nothing added (Keras' LSTM).
   */
  forgetBias?: number;
  /** TF's `use_peepholes` (Sak et al. 2014): diagonal weights `w_i_diag`, `w_f_diag`, `w_o_diag` `[units]` from the cell state into the gates. Default false. */
  peepholes?: boolean;
  /** TF's `cell_clip`: the new cell state is clipped to `[-cellClip, cellClip]` before the output gate. Default none. */
  cellClip?: number;
  /**
   * RETURNN `ZoneoutLSTMCell` (Krueger et al. 2016, https://arxiv.org/abs/1606.01305): in training each unit of
   * `c` (`h`) keeps its previous value with probability `cell` (`output`), else takes the new one
   * (`(1 − z) · dropout(new − prev, rate z) + prev`); in evaluation `(1 − z) · new + z · prev`.
   * `useZoneoutOutput` (RETURNN `use_zoneout_output`, true since behavior version 17): the frame's output is
   * the zoned-out `h`; false: the LSTM's `h` before zoneout (the state still carries the zoned-out one).
   */
  zoneout?: { readonly cell: number; readonly output: number; readonly useZoneoutOutput: boolean };
}

/** Options of {@link lstmCell}. */
export interface LstmCellOptions extends TfLstmOptions {
  /** Initialise the forget-gate bias block to ones (Gers et al. 2000; Keras `unit_forget_bias`). Default true. */
  unitForgetBias?: boolean;
}

/** The peephole weights of an LSTM with `peepholes`, in the order {@link lstmCell}'s step takes them (TF's names). */
export const PEEPHOLE_WEIGHTS = ['w_i_diag', 'w_f_diag', 'w_o_diag'] as const;

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
 * to compare).
 *
 * TF `LSTMCell` options ({@link TfLstmOptions}, tensorflow/python/keras/layers/legacy_rnn/rnn_cell_impl.py
 * `LSTMCell.call`): with `forgetBias` fb, `f = σ(z_f + fb − 1)`; with `peepholes`,
 * `i = σ(z_i + w_i_diag * c)`, `f = σ(z_f + … + w_f_diag * c)`, `o = σ(z_o + w_o_diag * c')`;
 * with `cellClip`, `c'` is clipped before `o` and `h'`. With `zoneout`, `h'` and `c'` are then
 * zoned out (RETURNN `ZoneoutLSTMCell`), and the step returns the output after the states.
 *
 * Weights: `kernel` `[inFeatures, 4 * units]`, `recurrent_kernel`
 * `[units, 4 * units]`, `bias` `[4 * units]`, with peepholes `w_i_diag`, `w_f_diag`, `w_o_diag` `[units]`;
 * float32. States `h`, `c` `[batch, units]`.
 * @throws LayerArgumentError (from dropout) for a zoneout factor outside [0, 1).
 */
export function lstmCell(options: LstmCellOptions = {}): RecCell {
  const unitForgetBias = options.unitForgetBias ?? true;
  const fbOffset = options.forgetBias === undefined ? 0 : options.forgetBias - 1;
  const { peepholes = false, cellClip, zoneout } = options;
  const separateOutput = zoneout !== undefined && !zoneout.useZoneoutOutput;
  return {
    gates: 4,
    numStates: 2,
    biasShape: (units) => [4 * units],
    biasInitializer: (base, units) => (unitForgetBias ? new UnitForgetBias(base, units) : base),
    inputBias: (bias) => bias,
    ...(peepholes ? { extraWeights: PEEPHOLE_WEIGHTS } : {}),
    ...(separateOutput ? { separateOutput } : {}),
    stepper: (recurrentKernel, _bias, extras) => {
      const [wi, wf, wo] = peepholes ? extras!.weights! : [];
      const ctx = extras?.ctx;
      const zone = (z: number, next: Tensor, prev: Tensor): Tensor => {
        if (z === 0) return next;
        const delta = ops.sub(next, prev);
        return ops.add(ops.mul(ctx ? applyDropout(delta, z, ctx) : delta, 1 - z), prev);
      };
      return (xp, [h, c]) => {
        const [zi, zf0, zc, zo] = splitGates(ops.add(xp, ops.matMul(h!, recurrentKernel)), 4);
        const zf = fbOffset !== 0 ? ops.add(zf0!, fbOffset) : zf0!;
        const gi = ops.sigmoid(wi ? ops.add(zi!, ops.mul(wi, c!)) : zi!);
        const gf = ops.sigmoid(wf ? ops.add(zf, ops.mul(wf, c!)) : zf);
        let cNext = ops.add(ops.mul(gf, c!), ops.mul(gi, ops.tanh(zc!)));
        if (cellClip !== undefined) cNext = ops.minimum(ops.maximum(cNext, -cellClip), cellClip);
        const hNext = ops.mul(ops.sigmoid(wo ? ops.add(zo!, ops.mul(wo, cNext)) : zo!), ops.tanh(cNext));
        if (!zoneout) return [hNext, cNext];
        const states = [zone(zoneout.output, hNext, h!), zone(zoneout.cell, cNext, c!)];
        return separateOutput ? [...states, hNext] : states;
      };
    },
  };
}
