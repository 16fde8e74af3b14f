import { ops, type Tensor } from '@strata/backend';
import { option, schemas, sequenceMask } from '@strata/core';
import { LossArgumentError } from './errors.js';
import { Loss, LOSS_OPTIONS, type LossInput, type LossOptions } from './loss.js';
import { maskForRank } from './sequence-mask.js';

/** Options of {@link AsIsLoss}. */
export interface AsIsLossOptions extends LossOptions {
  /** RETURNN `as_error`: the output as the error (reports only), not the loss. Not supported (an error when true). */
  asError?: boolean;
}

/**
 * The layer's output is the loss (RETURNN `as_is`, `AsIsLoss`, returnn/tf/layers/basic.py;
 * `need_target = False`): the sum of the output over its valid frames
 * (`reduce_sum` of the flattened output), normalised in reports by the number
 * of the output's frames (RETURNN's `loss_norm_factor` without a target:
 * `1 / sum(output_seq_lens)`, else `1 / batch`). It takes no target: the
 * network passes the output itself in the target's place, and the output's
 * lengths as `targetSeqLens`. No error. Uses `output`, never logits.
 *
 * Shape: `output` float32 `[batch, ...]`; returns float32 `[]`.
 */
export class AsIsLoss extends Loss {
  static override readonly className: string = 'as_is';
  /** RETURNN `need_target`: false (no default target). */
  static readonly needTarget = false;
  static override readonly options = {
    ...LOSS_OPTIONS,
    asError: option(schemas.boolean(), { default: false, returnn: 'as_error' }),
  };

  constructor(opts: AsIsLossOptions = {}) {
    super(opts);
    if (opts.asError) {
      throw new LossArgumentError('as_is: as_error=true (the output as a reported error, not a loss) is not supported: Strata reports errors only for losses with targets. Drop as_error.');
    }
  }

  protected override defaultCheckOutputBeforeSoftmax(): boolean {
    return false;
  }

  computeSum(input: LossInput, target: Tensor, seqLens?: Tensor): Tensor {
    return ops.sum(this.computeFrameValues(input, target, seqLens));
  }

  /** The output summed over its non-frame axes, float32 `[batch, time]` (sequences, 0 at padding) or `[batch]`. */
  override computeFrameValues(input: LossInput, _target: Tensor, seqLens?: Tensor): Tensor {
    const x = ops.cast(input.output, 'float32');
    const rank = x.shape.length;
    if (seqLens && rank >= 2) {
      const valid = ops.greater(sequenceMask(seqLens, x.shape[1]!), 0);
      const masked = ops.where(maskForRank(valid, rank), x, 0);
      return rank > 2 ? ops.sum(masked, [...Array(rank - 2).keys()].map((i) => i + 2)) : masked;
    }
    return rank > 1 ? ops.sum(x, [...Array(rank - 1).keys()].map((i) => i + 1)) : x;
  }

  /** `sum(seqLens)` for sequences, else the batch size; float32 `[]`. */
  override numFrames(target: Tensor, seqLens?: Tensor): Tensor {
    return seqLens ? ops.sum(ops.cast(seqLens, 'float32')) : ops.scalar(target.shape[0] ?? 1);
  }
}
