import type { Tensor } from '@strata/backend';
import { z } from 'zod';
import { LayerArgumentError } from '../../errors.js';
import type { CallContext } from '../../layer.js';
import { type LayerBuildContext, option } from '../../layer-spec.js';
import { applyDropout } from '../dropout.js';
import type { TfLstmOptions } from './lstm-cell.js';

/**
 * RETURNN's `unit_opts` of a `rec` layer with a cell unit: keyword arguments
 * of the cell's constructor (`RecLayer._get_cell`: `rnn_cell_class(n_hidden, **unit_opts)`).
 * What Strata runs of them, by the cell RETURNN makes for the unit name:
 *
 * - `NativeLstm2` (`lstm`, `lstmp`, `nativelstm2`, and `LSTMBlock`, `LSTMBlockFused`, `CudnnLSTM`
 *   on TF 2 / CPU in a `rec` layer): `rec_weight_dropout` (dropout on the recurrent matrix `W_re` in training,
 *   scaled by 1 / keep, https://openreview.net/pdf?id=SyyGPP0TZ), `rec_weight_dropout_shape`
 *   (its noise shape over `[units, 4 * units]`, e.g. `[null, 1]`), `forget_bias` (only 0: RETURNN
 *   asserts it, the forget bias is a param init there).
 * - `NativeLstm` (`nativelstm`): `forget_bias` 0 only.
 *
 * The TF cells' options are not kept here: {@link returnnUnitOpts} turns them into the layer's
 * `lstmCellOptions` ({@link TfLstmOptions}). Everything else is refused by name.
 */
export interface RecUnitOpts {
  rec_weight_dropout?: number;
  rec_weight_dropout_shape?: (number | null)[] | null;
  forget_bias?: number;
}

const NATIVE2 = new Set(['lstm', 'lstmp', 'nativelstm2', 'lstmblock', 'lstmblockfused', 'blocklstm', 'cudnnlstm']);
/** TF's `LSTMCell` (RETURNN's `StandardLSTM`; `basiclstm` and `lstmcell` run as it on TF 2). */
const STANDARD = new Set(['standardlstm', 'basiclstm', 'lstmcell']);
/** In an `rnn_cell` (one step, `get_rnn_cell_class(cell_only=True)`), RETURNN runs `LSTMBlock`/`LSTMBlockFused` as `StandardLSTM` on TF 2. */
const STANDARD_CELL_ONLY = new Set(['lstmblock', 'lstmblockfused']);

/** The `unitOpts` argument of {@link Rec} (RETURNN `unit_opts`): see {@link RecUnitOpts}. Default none. */
export const UNIT_OPTS_OPTION = option(z.record(z.string(), z.unknown(), { error: 'must be an object of the cell\u2019s options' }), {
  default: {},
  returnn: 'unit_opts',
  returnnSchema: z.record(z.string(), z.unknown(), { error: "must be an object of the cell's options (RETURNN unit_opts) or None" }).nullable(),
  fromReturnn: (v) => v ?? {},
});

/**
 * Checks `unit_opts` of a native LSTM (or a GRU / RNN, which take none) against the cell RETURNN makes for `unit`.
 * @throws LayerArgumentError naming the option and why Strata refuses it.
 */
export function checkUnitOpts(unit: string, opts: Readonly<Record<string, unknown>>, layer: string): RecUnitOpts {
  const u = unit.toLowerCase();
  const fail = (key: string, why: string): never => {
    throw new LayerArgumentError(`rec layer '${layer}': unit_opts.${key}=${JSON.stringify(opts[key])} for unit '${unit}': ${why}`);
  };
  const allowed = NATIVE2.has(u) ? ['forget_bias', 'rec_weight_dropout', 'rec_weight_dropout_shape'] : u === 'nativelstm' ? ['forget_bias'] : [];
  for (const key of Object.keys(opts)) {
    if (!allowed.includes(key)) {
      fail(key, allowed.length ? `Strata runs only ${allowed.join(', ')} of this cell's options (RETURNN passes unit_opts to the cell's constructor).` : 'Strata runs this cell without options (RETURNN passes unit_opts to the cell\u2019s constructor); remove it.');
    }
  }
  const fb = opts.forget_bias;
  if (fb !== undefined && fb !== 0) fail('forget_bias', 'RETURNN asserts forget_bias == 0 for its native LSTMs ("should be done via right param init"): initialise the bias instead.');
  const rate = opts.rec_weight_dropout;
  if (rate !== undefined && (typeof rate !== 'number' || !(rate >= 0 && rate < 1))) fail('rec_weight_dropout', 'must be a number in [0, 1).');
  const shape = opts.rec_weight_dropout_shape;
  if (shape !== undefined && shape !== null && !(Array.isArray(shape) && shape.length === 2 && shape.every((s) => s === null || s === 1))) {
    fail('rec_weight_dropout_shape', 'must be the noise shape of the recurrent matrix [units, 4 * units]: two entries, each 1 (one draw shared along the axis) or None.');
  }
  return opts as RecUnitOpts;
}

/**
 * RETURNN's `unit_opts` for the cell RETURNN makes for `unit` (the name as written):
 *
 * - TF's `LSTMCell` (`standardlstm`, `lstmcell`; `basiclstm`; in an `rnn_cell` also `LSTMBlock`,
 *   `LSTMBlockFused`): `forget_bias` (default 1.0), `use_peepholes`, `cell_clip` (None or a number;
 *   `basiclstm`: `forget_bias` only) as `lstmCellOptions` ({@link TfLstmOptions}). `num_proj` (an
 *   output projection, `projection/kernel`) and the other constructor options are refused by name.
 * - RETURNN's `ZoneoutLSTMCell` (`ZoneoutLSTM`, a TF `LSTMCell` with its default forget bias 1.0):
 *   `zoneout_factor_cell`, `zoneout_factor_output` (default 0, in [0, 1)), `use_zoneout_output`
 *   (default: `behaviorVersion` >= 17).
 * - Others: {@link checkUnitOpts}, kept as `unitOpts` without `forget_bias` (0, no effect).
 *
 * @param cellOnly true for an `rnn_cell` (one step), where RETURNN takes the cell with `cell_only`.
 * @throws LayerArgumentError naming the option and why Strata refuses it.
 */
export function returnnUnitOpts(
  unit: string,
  opts: Readonly<Record<string, unknown>>,
  layer: string,
  { cellOnly = false, behaviorVersion = 0 }: { cellOnly?: boolean; behaviorVersion?: number } = {},
): { unitOpts?: RecUnitOpts; lstmCellOptions?: TfLstmOptions } {
  const u = unit.toLowerCase();
  const fail = (key: string, why: string): never => {
    throw new LayerArgumentError(`rec layer '${layer}': unit_opts.${key}=${JSON.stringify(opts[key])} for unit '${unit}': ${why}`);
  };
  const only = (allowed: readonly string[], cell: string) => {
    for (const key of Object.keys(opts)) {
      if (key === 'num_proj' && opts[key] != null) fail(key, `${cell} then projects its output to num_proj features (param projection/kernel); Strata's LSTM has no output projection. Remove num_proj or add a linear layer after the LSTM.`);
      if (!allowed.includes(key)) fail(key, `Strata runs only ${allowed.join(', ')} of ${cell}'s options (RETURNN passes unit_opts to the cell's constructor).`);
    }
  };
  const num = (key: string, lo: number, hi: number, def: number): number => {
    const v = opts[key] ?? def;
    if (typeof v !== 'number' || !(v >= lo && v < hi)) fail(key, `must be a number in [${lo}, ${hi}).`);
    return v as number;
  };
  if (STANDARD.has(u) || (cellOnly && STANDARD_CELL_ONLY.has(u))) {
    const basic = u === 'basiclstm';
    only(basic ? ['forget_bias'] : ['forget_bias', 'use_peepholes', 'cell_clip', 'num_proj'], basic ? "TF's BasicLSTMCell" : "TF's LSTMCell");
    const fb = opts.forget_bias ?? 1;
    if (typeof fb !== 'number' || !Number.isFinite(fb)) fail('forget_bias', 'must be a number (TF adds it to the forget gate at every step).');
    const peep = opts.use_peepholes ?? false;
    if (typeof peep !== 'boolean') fail('use_peepholes', 'must be true or false.');
    const clip = opts.cell_clip ?? undefined;
    if (clip !== undefined && !(typeof clip === 'number' && clip > 0)) fail('cell_clip', 'must be a positive number or None.');
    const o: TfLstmOptions = { forgetBias: fb as number, ...(peep ? { peepholes: true } : {}), ...(clip !== undefined ? { cellClip: clip as number } : {}) };
    return { lstmCellOptions: o };
  }
  if (u === 'zoneoutlstm') {
    only(['zoneout_factor_cell', 'zoneout_factor_output', 'use_zoneout_output'], "RETURNN's ZoneoutLSTMCell");
    const z0 = opts.use_zoneout_output;
    if (z0 !== undefined && typeof z0 !== 'boolean') fail('use_zoneout_output', 'must be true or false.');
    const zoneout = { cell: num('zoneout_factor_cell', 0, 1, 0), output: num('zoneout_factor_output', 0, 1, 0), useZoneoutOutput: (z0 as boolean | undefined) ?? behaviorVersion >= 17 };
    return { lstmCellOptions: { forgetBias: 1, zoneout } };
  }
  const { forget_bias: _fb, ...rest } = checkUnitOpts(unit, opts, layer);
  return Object.keys(rest).length ? { unitOpts: rest } : {};
}

/**
 * Net-dict derive: `unitOpts` and `lstmCellOptions` of the entry's `unit` and `unit_opts` (see {@link returnnUnitOpts});
 * `cellOnly` for an `rnn_cell`.
 */
export function deriveUnitOpts(c: LayerBuildContext, cellOnly = false): { unitOpts?: RecUnitOpts; lstmCellOptions?: TfLstmOptions } {
  const raw = c.entry.unit_opts;
  const opts = raw && typeof raw === 'object' ? (raw as Record<string, unknown>) : {};
  const out = returnnUnitOpts(String(c.entry.unit), opts, c.name, { cellOnly, ...(c.behaviorVersion !== undefined ? { behaviorVersion: c.behaviorVersion } : {}) });
  return { unitOpts: out.unitOpts ?? {}, ...(out.lstmCellOptions ? { lstmCellOptions: out.lstmCellOptions } : {}) };
}

/** The recurrent matrix as the cell uses it this call: with `rec_weight_dropout` in training, dropped and scaled (RETURNN's NativeLstm2). */
export function recurrentMatrix(w: Tensor, opts: RecUnitOpts, ctx: CallContext): Tensor {
  const rate = opts.rec_weight_dropout ?? 0;
  return rate > 0 ? applyDropout(w, rate, ctx, opts.rec_weight_dropout_shape ?? undefined) : w;
}
