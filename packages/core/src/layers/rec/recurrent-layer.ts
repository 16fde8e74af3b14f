import { ops, type Tensor } from '@strata/backend';
import { LayerArgumentError } from '../../errors.js';
import { type Initializer, type InitializerSpec, serializeInitializer } from '../../initializers/index.js';
import { Layer, type LayerArgs, type LayerConfig } from '../../layer.js';
import type { Variable } from '../../variable.js';
import type { RecCell } from './cell.js';
import { gruCell } from './gru-cell.js';
import { lstmCell } from './lstm-cell.js';
import { recInitializer } from './orthogonal.js';
import { simpleRnnCell } from './simple-rnn-cell.js';

/** The cells of {@link Rec} and {@link RnnCell} (RETURNN `unit`). */
export const REC_UNITS = ['lstm', 'gru', 'rnn'] as const;
/** A cell name: `lstm`, `gru` or `rnn` (SimpleRNN). */
export type RecUnit = (typeof REC_UNITS)[number];

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
}

/**
 * What {@link Rec} (a cell over time) and {@link RnnCell} (one frame) share:
 * the cell, its weights in Keras' layout (`kernel` `[inFeatures, gates *
 * units]`, `recurrent_kernel` `[units, gates * units]`, `bias`), their
 * initializers and config, and the input projection.
 *
 * @throws LayerArgumentError for an unknown `unit`, non-positive `units`, or
 *   `resetAfter` with a unit other than `gru` (messages start with the class name).
 */
export abstract class RecurrentLayer extends Layer {
  readonly unit: RecUnit;
  readonly units: number;
  readonly unitForgetBias: boolean;
  readonly resetAfter: boolean;
  readonly cell: RecCell;
  private readonly kernelInit: Initializer;
  private readonly recurrentInit: Initializer;
  private readonly biasInit: Initializer;
  kernel!: Variable;
  recurrentKernel!: Variable;
  bias!: Variable;

  constructor(args: RecurrentArgs) {
    super(args);
    const cls = (this.constructor as typeof Layer).className;
    if (!(REC_UNITS as readonly string[]).includes(args.unit)) {
      throw new LayerArgumentError(`${cls}: unit must be one of ${REC_UNITS.join(', ')}. Received: unit=${JSON.stringify(args.unit)}.`);
    }
    if (!Number.isInteger(args.units) || args.units <= 0) {
      throw new LayerArgumentError(`${cls}: units (n_out) must be a positive integer. Received: units=${String(args.units)}.`);
    }
    if (args.resetAfter && args.unit !== 'gru') {
      throw new LayerArgumentError(`${cls}: resetAfter applies to unit 'gru' only; remove it. Received: unit='${args.unit}', resetAfter=true.`);
    }
    this.unit = args.unit;
    this.units = args.units;
    this.unitForgetBias = args.unitForgetBias ?? true;
    this.resetAfter = args.resetAfter ?? false;
    this.cell =
      this.unit === 'lstm' ? lstmCell({ unitForgetBias: this.unitForgetBias }) : this.unit === 'gru' ? gruCell({ resetAfter: this.resetAfter }) : simpleRnnCell();
    this.kernelInit = recInitializer(args.kernelInitializer ?? 'glorot_uniform');
    this.recurrentInit = recInitializer(args.recurrentInitializer ?? 'orthogonal');
    this.biasInit = recInitializer(args.biasInitializer ?? 'zeros');
  }

  /** Creates `kernel`, `recurrent_kernel` and `bias` for inputs of `features` features. */
  protected addCellWeights(features: number): void {
    const width = this.cell.gates * this.units;
    this.kernel = this.addWeight('kernel', { shape: [features, width], initializer: this.kernelInit });
    this.recurrentKernel = this.addWeight('recurrent_kernel', { shape: [this.units, width], initializer: this.recurrentInit });
    this.bias = this.addWeight('bias', { shape: this.cell.biasShape(this.units), initializer: this.cell.biasInitializer(this.biasInit, this.units) });
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
    };
  }
}
