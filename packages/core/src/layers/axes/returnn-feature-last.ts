import { defaultFeatureAxis } from '../../data-layout.js';
import type { SymbolicShape } from '../../layer.js';

/**
 * The axis order Strata keeps for a batch-major `shape` that a RETURNN layer declares in its own order with no
 * explicit feature axis: the batch axis first, RETURNN's default feature axis last, the other axes in RETURNN's
 * order. `perm[i]` is the RETURNN axis at Strata's axis `i` (the identity where the feature axis is already last).
 *
 * The default feature axis is RETURNN's ({@link defaultFeatureAxis}).
 * @param shape the shape in RETURNN's order, the batch axis 0 (`null` for the batch and the dynamic axes).
 * @param timeAxis RETURNN's time axis of that shape (counted with the batch axis), or null for none.
 */
export function featureLastPerm(shape: SymbolicShape, timeAxis: number | null): number[] {
  const f = defaultFeatureAxis(shape, 0, timeAxis);
  return f === null ? shape.map((_, i) => i) : [...shape.map((_, i) => i).filter((i) => i !== f), f];
}

/** `xs` reordered by `perm` (`perm[i]` is the index of the i-th item). */
export const permuted = <T>(xs: readonly T[], perm: readonly number[]): T[] => perm.map((i) => xs[i]!);
