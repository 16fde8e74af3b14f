import type { SymbolicShape } from '../../layer.js';

/**
 * The axis order Strata keeps for a batch-major `shape` that a RETURNN layer declares in its own order with no
 * explicit feature axis: the batch axis first, RETURNN's default feature axis last, the other axes in RETURNN's
 * order. `perm[i]` is the RETURNN axis at Strata's axis `i` (the identity where the feature axis is already last).
 *
 * The default feature axis is RETURNN's `_default_feature_dim_axis` (returnn/tensor/_tensor_extra.py): among the
 * axes besides the batch and the time axis, the last static one, else the last one; none for a shape of the batch
 * axis (and the time axis) only.
 * @param shape the shape in RETURNN's order, the batch axis 0 (`null` for the batch and the dynamic axes).
 * @param timeAxis RETURNN's time axis of that shape (counted with the batch axis), or null for none.
 */
export function featureLastPerm(shape: SymbolicShape, timeAxis: number | null): number[] {
  const axes = shape.map((_, i) => i).filter((i) => i > 0 && i !== timeAxis);
  const statics = axes.filter((i) => shape[i] !== null);
  const f = statics.length ? statics[statics.length - 1] : axes[axes.length - 1];
  return f === undefined ? shape.map((_, i) => i) : [...shape.map((_, i) => i).filter((i) => i !== f), f];
}

/** `xs` reordered by `perm` (`perm[i]` is the index of the i-th item). */
export const permuted = <T>(xs: readonly T[], perm: readonly number[]): T[] => perm.map((i) => xs[i]!);
