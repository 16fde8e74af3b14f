import { ops, type Tensor } from '@strata/backend';
import { Data } from '../../data.js';
import { type CallContext, Layer, type SymbolicShape } from '../../layer.js';
import type { LayerSpec } from '../../layer-spec.js';
import { seqInput, xShapeOf } from './seq-inputs.js';

/**
 * The sequence lengths of its input (RETURNN `LengthLayer` on the time
 * axis): `[x, seqLens]` → a copy of `seqLens`.
 *
 * Inputs: `x` `[batch, time, ...]` (any dtype; only its batch size is checked) and `seqLens` int32 `[batch]`.
 * Shape: int32 `[batch]`. Not differentiable.
 * @throws InputShapeError if `seqLens` is missing or not int32 `[batch]`.
 */
export class Length extends Layer {
  static override readonly className: string = 'Length';

  override call(inputs: Tensor | Tensor[], _ctx: CallContext): Tensor {
    const { seqLens } = seqInput(inputs, this.name, { requireLens: true });
    // A copy, so that disposing the output leaves the input alive.
    return ops.cast(seqLens!, 'int32');
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    return [xShapeOf(inputShape)[0]!];
  }
}

/**
 * RETURNN's `length` (`LengthLayer` of the time axis): no options of its own;
 * outputs int32 `[batch]` lengths (a sparse source is fine: only its lengths are read).
 */
export const lengthLayer: LayerSpec = {
  cls: Length,
  options: {},
  netDict: { names: ['length'], sources: 'concat', acceptsSparse: true, seqLens: true, outputData: (c) => new Data({ name: c.name, dims: [], dtype: 'int32' }) },
};
