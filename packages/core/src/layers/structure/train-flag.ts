import { ops, type Tensor } from '@strata/backend';
import { Data } from '../../data.js';
import { type CallContext, Layer, type LayerArgs, type SymbolicShape } from '../../layer.js';
import type { LayerSpec } from '../../layer-spec.js';

/**
 * Whether the network runs in training (RETURNN `TrainFlagLayer`, the
 * network's `train_flag`): a bool scalar, true under `ctx.training`.
 *
 * Inputs: none. Shape: `[]`, bool, no batch axis. No weights.
 */
export class TrainFlag extends Layer {
  static override readonly className: string = 'TrainFlag';

  constructor(args: LayerArgs = {}) {
    super({ ...args, dtype: undefined });
  }

  override call(_inputs: Tensor | Tensor[], ctx: CallContext): Tensor {
    return ops.scalar(ctx.training ? 1 : 0, 'bool');
  }

  override computeOutputShape(_inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    return [];
  }
}

/** RETURNN's `train_flag`: no options, no sources (RETURNN's default `from` is empty). */
export const trainFlagLayer: LayerSpec = {
  cls: TrainFlag,
  options: {},
  netDict: { names: ['train_flag'], sources: 'none', outputData: (c) => new Data({ name: c.name, dims: [], dtype: 'bool', hasBatch: false }) },
};
