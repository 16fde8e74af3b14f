import type { Tensor } from '@strata/backend';
import { z } from 'zod';
import { LayerArgumentError } from '../../errors.js';
import type { CallContext } from '../../layer.js';
import { type LayerBuildContext, option } from '../../layer-spec.js';
import { applyDropout } from '../dropout.js';

/**
 * RETURNN's `unit_opts` of a `rec` layer with a cell unit: keyword arguments
 * of the cell's constructor (`RecLayer._get_cell`: `rnn_cell_class(n_hidden, **unit_opts)`).
 * What Strata runs of them, by the cell RETURNN makes for the unit name:
 *
 * - `NativeLstm2` (`lstm`, `lstmp`, `nativelstm2`, and `LSTMBlock`, `LSTMBlockFused`, `CudnnLSTM`
 *   on TF 2 / CPU): `rec_weight_dropout` (dropout on the recurrent matrix `W_re` in training,
 *   scaled by 1 / keep, https://openreview.net/pdf?id=SyyGPP0TZ), `rec_weight_dropout_shape`
 *   (its noise shape over `[units, 4 * units]`, e.g. `[null, 1]`), `forget_bias` (only 0: RETURNN
 *   asserts it, the forget bias is a param init there).
 * - `NativeLstm` (`nativelstm`): `forget_bias` 0 only.
 * - `StandardLSTM` (`standardlstm`, `basiclstm`, `lstmcell`, TF's `LSTMCell`): `forget_bias` 1.0, the
 *   value Strata's checkpoint loader folds into the bias of such checkpoints.
 *
 * Everything else (peepholes, projections, cell clipping, GRU/RNN options) is refused by name.
 */
export interface RecUnitOpts {
  rec_weight_dropout?: number;
  rec_weight_dropout_shape?: (number | null)[] | null;
  forget_bias?: number;
}

const NATIVE2 = new Set(['lstm', 'lstmp', 'nativelstm2', 'lstmblock', 'lstmblockfused', 'blocklstm', 'cudnnlstm']);
const STANDARD = new Set(['standardlstm', 'basiclstm', 'lstmcell']);

/** The `unitOpts` argument of {@link Rec} (RETURNN `unit_opts`): see {@link RecUnitOpts}. Default none. */
export const UNIT_OPTS_OPTION = option(z.record(z.string(), z.unknown(), { error: 'must be an object of the cell\u2019s options' }), {
  default: {},
  returnn: 'unit_opts',
  returnnSchema: z.record(z.string(), z.unknown(), { error: "must be an object of the cell's options (RETURNN unit_opts) or None" }).nullable(),
  fromReturnn: (v) => v ?? {},
});

/**
 * Checks `unit_opts` against the cell RETURNN makes for `unit` (the unit name as written).
 * @throws LayerArgumentError naming the option and why Strata refuses it.
 */
export function checkUnitOpts(unit: string, opts: Readonly<Record<string, unknown>>, layer: string): RecUnitOpts {
  const u = unit.toLowerCase();
  const fail = (key: string, why: string): never => {
    throw new LayerArgumentError(`rec layer '${layer}': unit_opts.${key}=${JSON.stringify(opts[key])} for unit '${unit}': ${why}`);
  };
  const allowed = NATIVE2.has(u) ? ['forget_bias', 'rec_weight_dropout', 'rec_weight_dropout_shape'] : u === 'nativelstm' || STANDARD.has(u) ? ['forget_bias'] : [];
  for (const key of Object.keys(opts)) {
    if (!allowed.includes(key)) {
      fail(key, allowed.length ? `Strata runs only ${allowed.join(', ')} of this cell's options (RETURNN passes unit_opts to the cell's constructor).` : 'Strata runs this cell without options (RETURNN passes unit_opts to the cell\u2019s constructor); remove it.');
    }
  }
  const fb = opts.forget_bias;
  if (fb !== undefined) {
    if (STANDARD.has(u) && fb !== 1) fail('forget_bias', "TF's LSTMCell adds it to the forget gate at every step; Strata folds 1.0 (TF's default) into the bias when it loads such a checkpoint and supports no other value. Use forget_bias 1.0 or a native LSTM unit.");
    if (!STANDARD.has(u) && fb !== 0) fail('forget_bias', 'RETURNN asserts forget_bias == 0 for its native LSTMs ("should be done via right param init"): initialise the bias instead.');
  }
  const rate = opts.rec_weight_dropout;
  if (rate !== undefined && (typeof rate !== 'number' || !(rate >= 0 && rate < 1))) fail('rec_weight_dropout', 'must be a number in [0, 1).');
  const shape = opts.rec_weight_dropout_shape;
  if (shape !== undefined && shape !== null && !(Array.isArray(shape) && shape.length === 2 && shape.every((s) => s === null || s === 1))) {
    fail('rec_weight_dropout_shape', 'must be the noise shape of the recurrent matrix [units, 4 * units]: two entries, each 1 (one draw shared along the axis) or None.');
  }
  return opts as RecUnitOpts;
}

/**
 * Net-dict derive: checks the entry's `unit_opts` against its unit name as written (see {@link checkUnitOpts});
 * `unitOpts` without `forget_bias`, which has no effect left once checked (0 for native LSTMs, 1.0 folded into the bias by the loader).
 */
export function deriveUnitOpts(c: LayerBuildContext): { unitOpts?: RecUnitOpts } {
  const opts = c.entry.unit_opts;
  if (!opts || typeof opts !== 'object') return {};
  const { forget_bias: _fb, ...rest } = checkUnitOpts(String(c.entry.unit), opts as Record<string, unknown>, c.name);
  return { unitOpts: rest };
}

/** The recurrent matrix as the cell uses it this call: with `rec_weight_dropout` in training, dropped and scaled (RETURNN's NativeLstm2). */
export function recurrentMatrix(w: Tensor, opts: RecUnitOpts, ctx: CallContext): Tensor {
  const rate = opts.rec_weight_dropout ?? 0;
  return rate > 0 ? applyDropout(w, rate, ctx, opts.rec_weight_dropout_shape ?? undefined) : w;
}
