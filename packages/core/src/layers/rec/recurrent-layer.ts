import { ops, type Tensor } from '@strata/backend';
import { z } from 'zod';
import { type Initializer, type InitializerSpec, serializeInitializer } from '../../initializers/index.js';
import { type CallContext, Layer, type LayerArgs, type LayerConfig } from '../../layer.js';
import { type LayerCheck, type LayerOptions, option, resolveArgs, schemas } from '../../layer-spec.js';
import type { Variable } from '../../variable.js';
import type { RecCell, RecStep } from './cell.js';
import { gruCell } from './gru-cell.js';
import { lstmCell, type TfLstmOptions } from './lstm-cell.js';
import { recInitializer } from './orthogonal.js';
import { simpleRnnCell } from './simple-rnn-cell.js';

/** The cells of {@link Rec} and {@link RnnCell} (RETURNN `unit`). */
export const REC_UNITS = ['lstm', 'gru', 'rnn'] as const;
/** A cell name: `lstm`, `gru` or `rnn` (SimpleRNN). */
export type RecUnit = (typeof REC_UNITS)[number];

/**
 * RETURNN unit names and the cell they run. RETURNN's LSTM variants
 * (`nativelstm2`, `lstmblock`, `cudnnlstm`, ...) are implementations of the
 * same function (RETURNN on TF 2 runs `LSTMBlock`/`LSTMBlockFused` as
 * `NativeLSTM2`, `cudnnlstm` on CPU as `LSTMBlockFused`; `NativeLstmLowMem` is
 * NativeLstm's function with the input projection in its one `W`; the checkpoint loader
 * maps each one's params); `lstmp` runs as a plain LSTM (no projection). Case-insensitive.
 */
export const UNIT_ALIASES: Readonly<Record<string, RecUnit>> = {
  lstm: 'lstm',
  nativelstm: 'lstm',
  nativelstm2: 'lstm',
  nativelstmlowmem: 'lstm',
  lstmp: 'lstm',
  standardlstm: 'lstm',
  basiclstm: 'lstm',
  lstmblock: 'lstm',
  lstmblockfused: 'lstm',
  blocklstm: 'lstm',
  cudnnlstm: 'lstm',
  lstmcell: 'lstm',
  zoneoutlstm: 'lstm',
  gru: 'gru',
  grublock: 'gru',
  cudnngru: 'gru',
  grucell: 'gru',
  rnn: 'rnn',
  basicrnn: 'rnn',
  vanillarnn: 'rnn',
  rnncell: 'rnn',
};

/** An initializer {@link recInitializer} takes (the shared ones and `orthogonal`). */
const recInit = () =>
  z.custom(
    (v) => {
      try {
        recInitializer(v as InitializerSpec);
        return true;
      } catch {
        return false;
      }
    },
    { error: 'must be an initializer name such as glorot_uniform, orthogonal, zeros, or an initializer' },
  );

/** The arguments of {@link Rec} and {@link RnnCell} in both vocabularies. */
export const RECURRENT_OPTIONS = {
  unit: option(schemas.oneOf(REC_UNITS), {
    returnn: 'unit',
    returnnSchema: z.string().refine((u) => UNIT_ALIASES[u.toLowerCase()] !== undefined, {
      error: `must be a unit net dict or one of ${Object.keys(UNIT_ALIASES).join(', ')} (any case)`,
    }),
    fromReturnn: (u) => UNIT_ALIASES[(u as string).toLowerCase()],
  }),
  units: option(schemas.positiveInt(), { returnn: 'n_out' }),
  kernelInitializer: option(recInit(), { default: 'glorot_uniform', returnn: 'forward_weights_init' }),
  recurrentInitializer: option(recInit(), { default: 'orthogonal', returnn: 'recurrent_weights_init' }),
  biasInitializer: option(recInit(), { default: 'zeros', returnn: 'bias_init' }),
  unitForgetBias: option(schemas.boolean(), { default: true }),
  resetAfter: option(schemas.boolean(), { default: false }),
  // Set by net dicts from RETURNN's unit name and unit_opts (see deriveUnitOpts); no RETURNN key of its own.
  lstmCellOptions: option(
    z
      .strictObject({
        forgetBias: z.number().optional(),
        peepholes: z.boolean().optional(),
        cellClip: z.number().positive().optional(),
        zoneout: z.strictObject({ cell: z.number().min(0).lt(1), output: z.number().min(0).lt(1), useZoneoutOutput: z.boolean() }).optional(),
      }, { error: 'must be an object of TF LSTMCell options: forgetBias, peepholes, cellClip, zoneout {cell, output, useZoneoutOutput}' })
      .optional(),
  ),
} satisfies LayerOptions;

/** `resetAfter` is a GRU option. */
export const RECURRENT_CHECKS: readonly LayerCheck[] = [
  (a, name) => (a.resetAfter && a.unit !== 'gru' ? `${name('resetAfter')} applies to ${name('unit')} 'gru' only; remove it. Received: ${name('unit')}=${JSON.stringify(a.unit)}, ${name('resetAfter')}=true.` : undefined),
  (a, name) => (a.lstmCellOptions && a.unit !== 'lstm' ? `${name('lstmCellOptions')} applies to ${name('unit')} 'lstm' only; remove it. Received: ${name('unit')}=${JSON.stringify(a.unit)}.` : undefined),
];

/** Arguments shared by {@link Rec} and {@link RnnCell}. */
export interface RecurrentArgs extends LayerArgs {
  /** The cell: `lstm` ({@link lstmCell}), `gru` ({@link gruCell}) or `rnn` ({@link simpleRnnCell}). */
  unit: RecUnit;
  /** State and output features (RETURNN `n_out`, Keras `units`). Positive integer. */
  units: number;
  /** Default `glorot_uniform` (Keras). */
  kernelInitializer?: InitializerSpec;
  /** Default `orthogonal` (Keras). */
  recurrentInitializer?: InitializerSpec;
  /** Default `zeros`. */
  biasInitializer?: InitializerSpec;
  /** LSTM only: forget-gate bias initialised to ones (Keras `unit_forget_bias`). Default true. */
  unitForgetBias?: boolean;
  /** GRU only: reset gate after the recurrent matMul (Keras `reset_after`). Default false, as tfjs-layers. */
  resetAfter?: boolean;
  /** LSTM only: TF `LSTMCell` / RETURNN `ZoneoutLSTMCell` options (peepholes, forget bias, cell clipping, zoneout; see {@link TfLstmOptions}). Default none. */
  lstmCellOptions?: TfLstmOptions;
}

/**
 * What {@link Rec} (a cell over time) and {@link RnnCell} (one frame) share:
 * the cell, its weights in Keras' layout (`kernel` `[inFeatures, gates *
 * units]`, `recurrent_kernel` `[units, gates * units]`, `bias`), their
 * initializers and config, and the input projection.
 *
 * @throws LayerArgumentError for an unknown `unit`, non-positive `units`, or
 *   `resetAfter` with a unit other than `gru` (messages start with the class name;
 *   see {@link RECURRENT_OPTIONS}).
 */
export abstract class RecurrentLayer extends Layer {
  readonly unit: RecUnit;
  readonly units: number;
  readonly unitForgetBias: boolean;
  readonly resetAfter: boolean;
  readonly lstmCellOptions: TfLstmOptions | undefined;
  readonly cell: RecCell;
  private readonly kernelInit: Initializer;
  private readonly recurrentInit: Initializer;
  private readonly biasInit: Initializer;
  kernel!: Variable;
  recurrentKernel!: Variable;
  bias!: Variable;
  /** The cell's further weights ({@link RecCell.extraWeights}: an LSTM's peepholes), `[units]` each. */
  cellExtraWeights: Variable[] = [];

  constructor(args: RecurrentArgs, options: LayerOptions = RECURRENT_OPTIONS, checks: readonly LayerCheck[] = RECURRENT_CHECKS) {
    super(args);
    const a = resolveArgs((this.constructor as typeof Layer).className, options, args, checks) as Required<RecurrentArgs>;
    this.unit = a.unit;
    this.units = a.units;
    this.unitForgetBias = a.unitForgetBias;
    this.resetAfter = a.resetAfter;
    this.lstmCellOptions = args.lstmCellOptions;
    this.cell =
      this.unit === 'lstm' ? lstmCell({ unitForgetBias: this.unitForgetBias, ...this.lstmCellOptions }) : this.unit === 'gru' ? gruCell({ resetAfter: this.resetAfter }) : simpleRnnCell();
    this.kernelInit = recInitializer(a.kernelInitializer);
    this.recurrentInit = recInitializer(a.recurrentInitializer);
    this.biasInit = recInitializer(a.biasInitializer);
  }

  /** Creates `kernel`, `recurrent_kernel` and `bias` for inputs of `features` features. */
  protected addCellWeights(features: number): void {
    const width = this.cell.gates * this.units;
    this.kernel = this.addWeight('kernel', { shape: [features, width], initializer: this.kernelInit });
    this.recurrentKernel = this.addWeight('recurrent_kernel', { shape: [this.units, width], initializer: this.recurrentInit });
    this.bias = this.addWeight('bias', { shape: this.cell.biasShape(this.units), initializer: this.cell.biasInitializer(this.biasInit, this.units) });
    // TF's LSTMCell draws its peepholes from the cell's initializer (RETURNN: forward_weights_init).
    this.cellExtraWeights = (this.cell.extraWeights ?? []).map((name) => this.addWeight(name, { shape: [this.units], initializer: this.kernelInit }));
  }

  /** The cell's step for this call: its weights (the recurrent one as given, e.g. with weight dropout) and the call's context. */
  protected cellStepper(recurrentKernel: Tensor, ctx?: CallContext): RecStep {
    return this.cell.stepper(recurrentKernel, this.bias.value, { weights: this.cellExtraWeights.map((v) => v.value), ...(ctx ? { ctx } : {}) });
  }

  /** `x · kernel + inputBias` for rows of `x` `[rows, inFeatures]`: `[rows, gates * units]`. */
  protected projectInput(x: Tensor): Tensor {
    return ops.add(ops.matMul(x, this.kernel.value), this.cell.inputBias(this.bias.value));
  }

  override getConfig(): LayerConfig {
    return {
      ...super.getConfig(),
      unit: this.unit,
      units: this.units,
      kernelInitializer: serializeInitializer(this.kernelInit),
      recurrentInitializer: serializeInitializer(this.recurrentInit),
      biasInitializer: serializeInitializer(this.biasInit),
      unitForgetBias: this.unitForgetBias,
      resetAfter: this.resetAfter,
      ...(this.lstmCellOptions ? { lstmCellOptions: { ...this.lstmCellOptions } } : {}),
    };
  }
}
