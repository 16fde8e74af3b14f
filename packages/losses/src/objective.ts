import { ops, type Tensor } from '@strata/backend';
import type { LossHolder } from './loss-holder.js';

/** Options of {@link totalObjective}. */
export interface ObjectiveOptions {
  /**
   * Regularization and constraint terms (RETURNN's "constraints"), each a
   * float32 scalar `[]`, e.g. `L2.apply(kernel)` or a layer's added losses.
   * Added unnormalised, as RETURNN adds `get_constraints_value()`.
   */
  regularization?: readonly Tensor[];
}

/** The parts of the objective, each a float32 scalar `[]`. */
export interface Objective {
  /** `sum_h scale_h · sum_h / numFrames_h` over the holders (RETURNN's total loss). */
  loss: Tensor;
  /** Sum of the regularization terms (RETURNN's total constraints). */
  constraints: Tensor;
  /** `loss + constraints`: what the optimizer minimises (RETURNN's objective). */
  total: Tensor;
}

/**
 * The training objective of a network (RETURNN's `get_objective`): the sum of
 * the scaled, normalised losses of all holders plus all regularization terms.
 * Each holder must have been {@link LossHolder.compute}d for this batch.
 *
 * Returns the total; see {@link objectiveParts} for the two summands.
 */
export function totalObjective(holders: readonly LossHolder[], opts: ObjectiveOptions = {}): Tensor {
  return objectiveParts(holders, opts).total;
}

/** {@link totalObjective} with its summands, for reporting. */
export function objectiveParts(holders: readonly LossHolder[], opts: ObjectiveOptions = {}): Objective {
  const loss = sumScalars(holders.map((h) => h.lossForObjective));
  const constraints = sumScalars(opts.regularization ?? []);
  return { loss, constraints, total: ops.add(loss, constraints) };
}

function sumScalars(xs: readonly Tensor[]): Tensor {
  if (xs.length === 0) return ops.scalar(0);
  return xs.slice(1).reduce((acc, x) => ops.add(acc, x), xs[0]!);
}
