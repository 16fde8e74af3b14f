import { ops, type Tensor } from '@strata/backend';
import { InputShapeError } from '../errors.js';
import { type CallContext, Layer, type SymbolicShape } from '../layer.js';
import { single } from './util.js';

/** Product of known sizes, or `null` if any is unknown. */
const product = (dims: readonly (number | null)[]): number | null =>
  dims.some((d) => d === null) ? null : (dims as number[]).reduce((a, b) => a * b, 1);

/**
 * Merges all axes but the batch axis into one, row-major (RETURNN
 * `merge_dims` over every non-batch axis; Keras `Flatten`). No weights.
 *
 * Shape: `[batch, a, b, c]` → `[batch, a*b*c]`; `[batch, f]` is returned unchanged. Any dtype.
 * @throws InputShapeError if the input has rank < 2 (no axis besides the batch axis).
 */
export class MergeDims extends Layer {
  static override readonly className: string = 'MergeDims';

  override call(inputs: Tensor | Tensor[], _ctx: CallContext): Tensor {
    const x = single(inputs);
    this.computeOutputShape(x.shape);
    if (x.shape.length === 2) return x;
    // [-1, n] rather than [batch, -1]: the batch size may be symbolic on a graph backend.
    return ops.reshape(x, [-1, product(x.shape.slice(1)) as number]);
  }

  override computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    if (inputShape.length < 2) {
      throw new InputShapeError(this.name, 'expected rank >= 2 input [batch, ...] with at least one axis to merge', inputShape);
    }
    return [inputShape[0]!, product(inputShape.slice(1))];
  }
}

/** Keras' name for {@link MergeDims} (same behaviour, default name `flatten`). */
export class Flatten extends MergeDims {
  static override readonly className: string = 'Flatten';
}
