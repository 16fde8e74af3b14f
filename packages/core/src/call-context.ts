import type { Tensor } from '@strata/backend';
import type { Rng } from './rng.js';
import type { Variable } from './variable.js';

/** Per-call state: the training flag, explicit randomness, and state updates. */
export interface CallContext {
  /** True in training (dropout active, batch norm uses and updates batch statistics). */
  training: boolean;
  /** A fresh seed for a random op (dropout). */
  nextSeed(): number;
  /**
   * Records a state update to apply after the step (seed `add_update`), e.g. batch
   * norm's moving statistics. When absent the update is applied at once.
   * Layers go through {@link Layer.addUpdate}, which also lists the update in `layer.updates`.
   */
  addUpdate?(variable: Variable, value: Tensor): void;
  /**
   * Inside a rec layer's frame loop: the running frame's index, 0 at the first frame (RETURNN
   * `TFNetwork.get_rec_step_index()`, read by eval strings); undefined outside a loop.
   */
  recStepIndex?: number;
}

/** A call context for inference: no dropout, no updates. */
export const INFERENCE: CallContext = { training: false, nextSeed: () => 0 };

/** A call context for training, with seeds from `rng`; updates are collected in `updates`. */
export function trainingContext(rng: Rng, updates: [Variable, Tensor][] = []): CallContext & { updates: [Variable, Tensor][] } {
  return {
    training: true,
    nextSeed: () => rng.nextUint32(),
    addUpdate: (v, t) => void updates.push([v, t]),
    updates,
  };
}
