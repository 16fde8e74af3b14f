import { ops, type Tensor } from '@strata/backend';
import { z } from 'zod';
import { InputShapeError } from '../errors.js';
import { type CallContext, Layer, type LayerArgs, type LayerConfig, type SymbolicShape } from '../layer.js';
import { type LayerOptions, type LayerSpec, option, resolveArgs } from '../layer-spec.js';
import { single } from './util.js';

/** Product of known sizes, or `null` if any is unknown. */
const product = (dims: readonly (number | null)[]): number | null =>
  dims.some((d) => d === null) ? null : (dims as number[]).reduce((a, b) => a * b, 1);

/** Arguments of {@link MergeDims} and {@link Flatten}. */
export interface MergeDimsArgs extends LayerArgs {
  /** The axes to merge (RETURNN `axes`): only `except_batch`, every axis after the batch axis (the default). */
  axes?: 'except_batch';
}

/** MergeDims' (and Flatten's) arguments in both vocabularies (RETURNN `MergeDimsLayer`'s keys). */
const MERGE_DIMS_OPTIONS = {
  axes: option(z.literal('except_batch', { error: "must be 'except_batch' (Strata merges every axis after the batch axis)" }), {
    default: 'except_batch',
    returnn: 'axes',
  }),
} satisfies LayerOptions;

/**
 * Merges all axes but the batch axis into one, row-major (RETURNN
 * `merge_dims` with `axes: "except_batch"`; Keras `Flatten`). No weights.
 *
 * Shape: `[batch, a, b, c]` → `[batch, a*b*c]`; `[batch, f]` is returned unchanged. Any dtype.
 * @throws LayerArgumentError if `axes` is not `except_batch` (`MergeDims: axes must be 'except_batch' ... Received: axes=...`).
 * @throws InputShapeError if the input has rank < 2 (no axis besides the batch axis).
 */
export class MergeDims extends Layer {
  static override readonly className: string = 'MergeDims';
  /** Always `except_batch`. */
  readonly axes: 'except_batch';

  constructor(args: MergeDimsArgs = {}) {
    super(args);
    this.axes = resolveArgs((new.target as typeof MergeDims).className, MERGE_DIMS_OPTIONS, args).axes ?? 'except_batch';
  }

  override call(inputs: Tensor | Tensor[], _ctx: CallContext): Tensor {
    const x = single(inputs);
    this.computeOutputShape(x.shape);
    if (x.shape.length === 2) return x;
    // [-1, n] rather than [batch, -1]: the batch size may be symbolic on a graph backend.
    return ops.reshape(x, [-1, product(x.shape.slice(1)) as number]);
  }

  override computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    if (inputShape.length < 2) {
      throw new InputShapeError({ layer: this.name, expected: 'expected rank >= 2 input [batch, ...] with at least one axis to merge', received: inputShape });
    }
    return [inputShape[0]!, product(inputShape.slice(1))];
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), axes: this.axes };
  }
}

/** Keras' name for {@link MergeDims} (same behaviour, default name `flatten`). */
export class Flatten extends MergeDims {
  static override readonly className: string = 'Flatten';
}

/** RETURNN's `merge_dims` (`MergeDimsLayer`), `axes: "except_batch"` only (the default here; RETURNN requires the key). */
export const mergeDimsLayer: LayerSpec = { cls: MergeDims, options: MERGE_DIMS_OPTIONS, netDict: { names: ['merge_dims'], sources: 'concat' } };

/** `flatten` in a net dict: Strata's (Keras') name for `merge_dims` with `axes: "except_batch"`, making a {@link Flatten}. Not a RETURNN class. */
export const flattenLayer: LayerSpec = { cls: Flatten, options: MERGE_DIMS_OPTIONS, netDict: { names: ['flatten'], sources: 'concat' } };
