import { ops, type Tensor } from '@strata/backend';
import { LossError } from './errors.js';
import type { Loss, LossInput } from './loss.js';

/** The raw values of one loss on one batch, all float32 scalars `[]`. */
export interface LossValues {
  /** Loss summed over all frames. */
  sum: Tensor;
  /** Error summed over all frames (e.g. wrong frames), or `null` if the loss has none. */
  error: Tensor | null;
  /** Number of frames the sums run over. */
  numFrames: Tensor;
}

/** Options of {@link LossHolder}. */
export interface LossHolderOptions {
  /** Unique name of the loss, e.g. `output` or `output/sub`. Default: `layerName`. */
  name?: string;
  /** The layer the loss is computed on. */
  layerName: string;
  loss: Loss;
  /** Factor in the objective; default `loss.scale` (RETURNN's `loss_scale`). */
  scale?: number;
}

/**
 * One loss of a network and the normalisation logic (RETURNN's
 * `TFNetwork.LossHolder`).
 *
 * {@link LossHolder.compute} evaluates the loss on one batch and keeps the
 * values; the getters derive, without further reduction:
 *
 * - {@link LossHolder.lossForObjective}: `sum · scale / numFrames`, what the
 *   optimizer minimises (RETURNN's `get_normalized_loss_value_for_objective`);
 * - {@link LossHolder.lossForReport}: `sum / numFrames`, unscaled, the
 *   `cost:<name>` value RETURNN prints (`get_loss_value_for_fetch` normalised);
 * - {@link LossHolder.errorRate}: `error / numFrames`, e.g. the frame error rate.
 *
 * The kept tensors belong to the memory scope `compute` ran in (the training
 * step's `tidy`/`valueAndGrads`); read them before that scope ends.
 */
export class LossHolder {
  readonly name: string;
  readonly layerName: string;
  readonly loss: Loss;
  readonly scale: number;
  private last: LossValues | null = null;

  constructor(opts: LossHolderOptions) {
    this.layerName = opts.layerName;
    this.name = opts.name ?? opts.layerName;
    this.loss = opts.loss;
    this.scale = opts.scale ?? opts.loss.scale;
  }

  /**
   * Computes sum, error and frame count of the loss for one batch and keeps them.
   *
   * @param output the layer output (and logits), float32 `[batch, ..., classes]`.
   *   For sequences, `output.seqLens` holds the output's lengths (int32 `[batch]`).
   * @param target the target, as the loss expects it (see the loss class).
   * @param targetSeqLens int32 `[batch]`, the target's lengths when it is a
   *   padded sequence `[batch, time, ...]` (the batch key `<target>:seq_lens`).
   */
  compute(output: LossInput, target: Tensor, targetSeqLens?: Tensor): LossValues {
    this.last = {
      sum: this.loss.computeSum(output, target, targetSeqLens),
      error: this.loss.computeError(output, target, targetSeqLens),
      numFrames: this.loss.normalization === 'sequences' ? ops.scalar(target.shape[0] ?? 1) : this.loss.numFrames(target, targetSeqLens),
    };
    return this.last;
  }

  /** The values of the last {@link LossHolder.compute}; throws if there was none. */
  get values(): LossValues {
    if (!this.last) {
      throw new LossError(`LossHolder ${JSON.stringify(this.name)}: no values yet; call compute(output, target) first.`);
    }
    return this.last;
  }

  /** `sum · scale / numFrames`, float32 `[]`: the term of this loss in the objective. */
  get lossForObjective(): Tensor {
    const { sum, numFrames } = this.values;
    return ops.div(this.scale === 1 ? sum : ops.mul(sum, this.scale), numFrames);
  }

  /** `sum / numFrames`, float32 `[]`, unscaled: the reported `cost:` value. */
  get lossForReport(): Tensor {
    const { sum, numFrames } = this.values;
    return ops.div(sum, numFrames);
  }

  /** `error / numFrames`, float32 `[]`, or `null` if the loss has no error. */
  get errorRate(): Tensor | null {
    const { error, numFrames } = this.values;
    return error ? ops.div(error, numFrames) : null;
  }
}
