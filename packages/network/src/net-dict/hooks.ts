import type { Variable } from '@strata/core';

/**
 * What a NetDictNetwork keeps between steps besides its layers (seed 003):
 * the global train step, the functions run after each step
 * (`register_post_control_dependencies`), on a graph reset
 * (`register_graph_reset_callback`) and after `initialize_params`
 * (`set_custom_post_init`).
 */
export class NetDictHooks {
  /** The number of training steps taken (seed `get_global_train_step`), set by the trainer or a checkpoint. */
  globalTrainStep = 0;
  readonly postControl: (() => void)[] = [];
  readonly resetCallbacks: (() => void)[] = [];
  readonly postInit = new Map<Variable, (v: Variable) => void>();

  /** Runs the custom post-init functions (seed `set_custom_post_init`) in registration order. */
  runPostInit(): void {
    for (const [v, fn] of this.postInit) fn(v);
  }
}
