import { ops, type Tensor } from '@strata/backend';
import { InputShapeError, LayerArgumentError } from '../../errors.js';
import { type CallContext, INFERENCE, type LayerConfig, type SymbolicShape } from '../../layer.js';
import { xShapeOf } from '../seq/seq-inputs.js';
import { many } from '../util.js';
import type { LayerOptions, LayerSpec } from '../../layer-spec.js';
import type { Variable } from '../../variable.js';
import { stepResult } from './cell.js';
import { addInitialStateWeights, INITIAL_STATE_OPTION, initialStateConfig, initialStates, type InitialStateValue, initialStateValues, type RecInitialState } from './initial-state.js';
import { isKeptState } from './keep-over-epoch.js';
import { RECURRENT_CHECKS, RECURRENT_OPTIONS, RecurrentLayer, type RecurrentArgs } from './recurrent-layer.js';
import { recSparseInputDim, SPARSE_INPUT_DIM_OPTION } from './sparse-input.js';
import { checkUnitOpts, deriveUnitOpts, type RecUnitOpts, recurrentMatrix, UNIT_OPTS_OPTION } from './unit-opts.js';

/** Arguments of {@link RnnCell}. */
export interface RnnCellArgs extends RecurrentArgs {
  /** The state before the first frame (RETURNN `initial_state`: `'zeros'`, `'ones'`, `'var'`, per part). Default `'zeros'`. */
  initialState?: RecInitialState;
  /** Input of int32 class indices `[batch]` in `[0, sparseInputDim)`, run as their one-hot vectors (RETURNN's native LSTMs embed them). Default: dense input. */
  sparseInputDim?: number;
  /** RETURNN `unit_opts` of a native LSTM (see {@link RecUnitOpts}). Default none. */
  unitOpts?: RecUnitOpts;
}

const RNN_CELL_OPTIONS = {
  ...RECURRENT_OPTIONS,
  initialState: INITIAL_STATE_OPTION,
  sparseInputDim: SPARSE_INPUT_DIM_OPTION,
  unitOpts: UNIT_OPTS_OPTION,
} satisfies LayerOptions;

/**
 * One step of a recurrent cell (RETURNN `rnn_cell`, TF `RNNCell`): the cell
 * of {@link Rec} applied to a single frame, with its state passed in and out
 * explicitly, for use inside a recurrent sub-network where the loop is
 * outside the layer (RETURNN's `rec` layer with a `unit` dict).
 *
 * `x` float32 `[batch, inFeatures]` (or int32 class indices `[batch]` with `sparseInputDim`);
 * state: the cell's states, each `[batch, units]` (LSTM: `h`, `c`; GRU and rnn: `h`); output `h`
 * (ZoneoutLSTM without `useZoneoutOutput`: the LSTM's `h` before zoneout). With more axes,
 * `x` `[batch, ..., inFeatures]` (sparse: `[batch, ...]`) is one step at each position (RETURNN's
 * single step on an input with an unrelated time axis), states `[batch·..., units]`, output `[batch, ..., units]`.
 * Weights and gate orders as {@link Rec} (Keras layout); with `initialState` `'var'` the trainable
 * `initial_<part>` `[units]` (RETURNN's names in an `rnn_cell`).
 *
 * @throws LayerArgumentError for an unknown unit, non-positive units, `keep_over_epoch` as initial state,
 *   or unit_opts the cell does not take.
 */
export class RnnCell extends RecurrentLayer {
  static override readonly className: string = 'RnnCell';
  readonly initialStateValues: InitialStateValue[];
  readonly sparseInputDim: number | undefined;
  readonly unitOpts: RecUnitOpts;
  private initialStateVars: (Variable | undefined)[] = [];

  constructor(args: RnnCellArgs) {
    super(args, RNN_CELL_OPTIONS, RECURRENT_CHECKS);
    this.initialStateValues = initialStateValues(args.initialState ?? 'zeros', this.unit, this.name);
    if (this.initialStateValues.some(isKeptState)) {
      throw new LayerArgumentError(`RnnCell '${this.name}': initial_state keep_over_epoch is a rec layer's (a state kept from batch to batch); Strata's rnn_cell starts each sequence from 'zeros', 'ones' or 'var'.`);
    }
    this.sparseInputDim = args.sparseInputDim;
    this.unitOpts = checkUnitOpts(this.unit, (args.unitOpts ?? {}) as Record<string, unknown>, this.name);
  }

  override build(inputShape: SymbolicShape | SymbolicShape[]): void {
    const x0 = xShapeOf(inputShape);
    const xShape = this.sparseInputDim === undefined ? x0 : [...x0, this.sparseInputDim];
    const features = xShape[xShape.length - 1];
    if (xShape.length < 2 || features === null || features === undefined) {
      throw new InputShapeError({ layer: this.name, expected: 'expected x of rank 2 [batch, features] (one frame), or more axes each a position stepped once', received: xShape });
    }
    this.addCellWeights(features);
    this.initialStateVars = addInitialStateWeights(this, this.initialStateValues, this.unit, this.units, '');
    super.build(inputShape);
  }

  /** The states before the first frame for a batch: `numStates` tensors `[batch, units]` (zeros unless `initialState` says otherwise). */
  initialState(batch: number): Tensor[] {
    return initialStates(this.initialStateValues, this.initialStateVars, batch, this.units);
  }

  /** One frame: `x` `[batch, inFeatures]` (more axes: each position one step) and the states give the output and the next states; `ctx` for dropout and zoneout in training. */
  step(x: Tensor, states: Tensor[], ctx: CallContext = INFERENCE): { output: Tensor; states: Tensor[] } {
    const sparse = this.sparseInputDim !== undefined;
    const lead = sparse ? x.shape : x.shape.slice(0, -1);
    const flat = lead.length > 1 ? ops.reshape(x, sparse ? [-1] : [-1, x.shape[x.shape.length - 1]!]) : x;
    this.ensureBuilt(flat);
    const xd = sparse ? ops.oneHot(flat, this.sparseInputDim!) : flat;
    const step = this.cellStepper(recurrentMatrix(this.recurrentKernel.value, this.unitOpts, ctx), ctx);
    const r = stepResult(this.cell, step(this.projectInput(xd), states));
    return lead.length > 1 ? { ...r, output: ops.reshape(r.output, [...lead, this.units]) } : r;
  }

  /** The number of positions `x` steps (the rows of its states): `[batch, ..., inFeatures]` (sparse `[batch, ...]`) without features. */
  positions(x: Tensor): number {
    return (this.sparseInputDim === undefined ? x.shape.slice(0, -1) : x.shape).reduce((a, b) => a * b, 1);
  }

  /** Inputs `[x, ...states]` (the initial states if omitted); returns the output. */
  override call(inputs: Tensor | Tensor[], ctx: CallContext): Tensor {
    const [x, ...states] = many(inputs);
    return this.step(x!, states.length ? states : this.initialState(this.positions(x!)), ctx).output;
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const xShape = xShapeOf(inputShape);
    return [...(this.sparseInputDim === undefined ? xShape.slice(0, -1) : xShape), this.units];
  }

  override getConfig(): LayerConfig {
    return {
      ...super.getConfig(),
      initialState: initialStateConfig(this.initialStateValues, this.unit),
      ...(this.sparseInputDim !== undefined ? { sparseInputDim: this.sparseInputDim } : {}),
      ...(Object.keys(this.unitOpts).length ? { unitOpts: { ...this.unitOpts } } : {}),
    };
  }
}

/**
 * RnnCell's vocabulary: RETURNN's `rnn_cell` options (`unit`, `n_out`, `unit_opts`, `initial_state`,
 * initializers); a sparse source (class indices) for RETURNN's native LSTMs. Its net-dict class (which
 * carries the cell state from frame to frame) is registered by @strata/network from this spec; it has
 * no name of its own here (`names: []`).
 */
export const rnnCellLayer: LayerSpec = {
  cls: RnnCell,
  options: RNN_CELL_OPTIONS,
  checks: RECURRENT_CHECKS,
  netDict: { names: [], sources: 'concat', acceptsSparse: true, derive: (c) => ({ ...recSparseInputDim(c), ...deriveUnitOpts(c, true) }) },
};
