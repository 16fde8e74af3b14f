import { ops, type Tensor } from '@strata/backend';
import { InputShapeError } from '../../errors.js';
import type { CallContext, SymbolicShape } from '../../layer.js';
import { xShapeOf } from '../seq/seq-inputs.js';
import { many } from '../util.js';
import type { LayerSpec } from '../../layer-spec.js';
import { RECURRENT_CHECKS, RECURRENT_OPTIONS, RecurrentLayer } from './recurrent-layer.js';

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
export class RnnCell extends RecurrentLayer {
  static override readonly className: string = 'RnnCell';

  override build(inputShape: SymbolicShape | SymbolicShape[]): void {
    const xShape = xShapeOf(inputShape);
    const features = xShape[xShape.length - 1];
    if (xShape.length !== 2 || features === null || features === undefined) {
      throw new InputShapeError({ layer: this.name, expected: 'expected x of rank 2 [batch, features] (one frame)', received: xShape });
    }
    this.addCellWeights(features);
    super.build(inputShape);
  }

  /** Zero states for a batch: `numStates` tensors `[batch, units]`. */
  initialState(batch: number): Tensor[] {
    return Array.from({ length: this.cell.numStates }, () => ops.zeros([batch, this.units]));
  }

  /** One frame: `x` `[batch, inFeatures]` and the states give the output `h` and the next states. */
  step(x: Tensor, states: Tensor[]): { output: Tensor; states: Tensor[] } {
    this.ensureBuilt(x);
    const next = this.cell.stepper(this.recurrentKernel.value, this.bias.value)(this.projectInput(x), states);
    return { output: next[0]!, states: next };
  }

  /** Inputs `[x, ...states]` (zero states if omitted); returns `h`. */
  override call(inputs: Tensor | Tensor[], _ctx: CallContext): Tensor {
    const [x, ...states] = many(inputs);
    return this.step(x!, states.length ? states : this.initialState(x!.shape[0]!)).output;
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const xShape = xShapeOf(inputShape);
    return [...xShape.slice(0, -1), this.units];
  }
}

/**
 * RnnCell's vocabulary: RETURNN's `rnn_cell` options (`unit`, `n_out`,
 * initializers). Its net-dict class (which carries the cell state from frame
 * to frame) is registered by @strata/network from this spec; it has no name
 * of its own here (`names: []`).
 */
export const rnnCellLayer: LayerSpec = {
  cls: RnnCell,
  options: RECURRENT_OPTIONS,
  checks: RECURRENT_CHECKS,
  netDict: { names: [], sources: 'concat' },
};
