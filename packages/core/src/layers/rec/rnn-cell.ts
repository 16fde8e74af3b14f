import { ops, type Tensor } from '@strata/backend';
import { InputShapeError, LayerArgumentError } from '../../errors.js';
import { type Initializer, serializeInitializer } from '../../initializers/index.js';
import { type CallContext, Layer, type LayerConfig, type SymbolicShape } from '../../layer.js';
import type { Variable } from '../../variable.js';
import { many } from '../util.js';
import type { RecCell } from './cell.js';
import { gruCell } from './gru-cell.js';
import { lstmCell } from './lstm-cell.js';
import { recInitializer } from './orthogonal.js';
import { type RecArgs, REC_UNITS, type RecUnit } from './rec.js';
import { simpleRnnCell } from './simple-rnn-cell.js';

/**
 * One step of a recurrent cell (RETURNN `rnn_cell`, TF `RNNCell`): the cell
 * of {@link Rec} applied to a single frame, with its state passed in and out
 * explicitly, for use inside a recurrent sub-network where the loop is
 * outside the layer (RETURNN's `rec` layer with a `unit` dict).
 *
 * `x` float32 `[batch, inFeatures]`; state: the cell's states, each
 * `[batch, units]` (LSTM: `h`, `c`; GRU and rnn: `h`); output `h`.
 * Weights and gate orders as {@link Rec} (Keras layout).
 *
 * @throws LayerArgumentError for an unknown unit or non-positive units.
 */
export class RnnCell extends Layer {
  static override readonly className: string = 'RnnCell';
  readonly unit: RecUnit;
  readonly units: number;
  readonly cell: RecCell;
  private readonly kernelInit: Initializer;
  private readonly recurrentInit: Initializer;
  private readonly biasInit: Initializer;
  kernel!: Variable;
  recurrentKernel!: Variable;
  bias!: Variable;

  constructor(args: Omit<RecArgs, 'direction'>) {
    super(args);
    if (!(REC_UNITS as readonly string[]).includes(args.unit)) {
      throw new LayerArgumentError(`RnnCell: unit must be one of ${REC_UNITS.join(', ')}. Received: unit=${JSON.stringify(args.unit)}.`);
    }
    if (!Number.isInteger(args.units) || args.units <= 0) {
      throw new LayerArgumentError(`RnnCell: units (n_out) must be a positive integer. Received: units=${String(args.units)}.`);
    }
    this.unit = args.unit;
    this.units = args.units;
    this.cell = this.unit === 'lstm' ? lstmCell({ unitForgetBias: args.unitForgetBias ?? true }) : this.unit === 'gru' ? gruCell({ resetAfter: args.resetAfter ?? false }) : simpleRnnCell();
    this.kernelInit = recInitializer(args.kernelInitializer ?? 'glorot_uniform');
    this.recurrentInit = recInitializer(args.recurrentInitializer ?? 'orthogonal');
    this.biasInit = recInitializer(args.biasInitializer ?? 'zeros');
  }

  override build(inputShape: SymbolicShape | SymbolicShape[]): void {
    const xShape = Array.isArray(inputShape[0]) ? (inputShape as SymbolicShape[])[0]! : (inputShape as SymbolicShape);
    const features = xShape[xShape.length - 1];
    if (xShape.length !== 2 || features === null || features === undefined) {
      throw new InputShapeError(this.name, 'expected x of rank 2 [batch, features] (one frame)', xShape);
    }
    const width = this.cell.gates * this.units;
    this.kernel = this.addWeight('kernel', { shape: [features, width], initializer: this.kernelInit });
    this.recurrentKernel = this.addWeight('recurrent_kernel', { shape: [this.units, width], initializer: this.recurrentInit });
    this.bias = this.addWeight('bias', { shape: this.cell.biasShape(this.units), initializer: this.cell.biasInitializer(this.biasInit, this.units) });
    super.build(inputShape);
  }

  /** Zero states for a batch: `numStates` tensors `[batch, units]`. */
  initialState(batch: number): Tensor[] {
    return Array.from({ length: this.cell.numStates }, () => ops.zeros([batch, this.units]));
  }

  /** One frame: `x` `[batch, inFeatures]` and the states give the output `h` and the next states. */
  step(x: Tensor, states: Tensor[]): { output: Tensor; states: Tensor[] } {
    this.ensureBuilt(x);
    const xp = ops.add(ops.matMul(x, this.kernel.value), this.cell.inputBias(this.bias.value));
    const next = this.cell.stepper(this.recurrentKernel.value, this.bias.value)(xp, states);
    return { output: next[0]!, states: next };
  }

  /** Inputs `[x, ...states]` (zero states if omitted); returns `h`. */
  override call(inputs: Tensor | Tensor[], _ctx: CallContext): Tensor {
    const [x, ...states] = many(inputs);
    return this.step(x!, states.length ? states : this.initialState(x!.shape[0]!)).output;
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const xShape = Array.isArray(inputShape[0]) ? (inputShape as SymbolicShape[])[0]! : (inputShape as SymbolicShape);
    return [...xShape.slice(0, -1), this.units];
  }

  override getConfig(): LayerConfig {
    return {
      ...super.getConfig(),
      unit: this.unit,
      units: this.units,
      kernelInitializer: serializeInitializer(this.kernelInit),
      recurrentInitializer: serializeInitializer(this.recurrentInit),
      biasInitializer: serializeInitializer(this.biasInit),
    };
  }
}
