import { ops, type Tensor } from '@strata/backend';
import { type LayerOptions, option, schemas } from '@strata/core';
import { PROBABILITY_EPSILON } from './ce.js';
import { ctcLossSum, type CtcLossOptions } from './ctc.js';
import { editDistanceOps } from './edit-distance-ops.js';
import { LossArgumentError, LossShapeError } from './errors.js';
import { Loss, LOSS_OPTIONS, type LossInput, type LossOptions } from './loss.js';
import { seqLensOrFull, targetFrameCount } from './sequence-mask.js';

/** Options of {@link CtcLoss}: those of every loss plus `blankIndex` and `zeroInfinity` of {@link ctcLoss}. */
export interface CtcLossArgs extends LossOptions, CtcLossOptions {}

/**
 * CTC as a loss of the objective (RETURNN `ctc`, `CtcLoss`): the sum over
 * sequences of `-log p(target | output)` ({@link ctcLossSum}), normalised by
 * the {@link LossHolder} per target label: `numFrames = sum(targetSeqLens)`,
 * as RETURNN does.
 *
 * Scores: `input.logits` when given (a `softmax` layer's logits), otherwise
 * `log(max(output, 1e-7))` of the probabilities (the log-softmax inside
 * `ctcLoss` leaves normalised log-probabilities unchanged).
 *
 * {@link CtcLoss.computeError} counts the label errors of greedy (best-path)
 * decoding: argmax per valid frame, repeated classes merged, blanks dropped,
 * then the Levenshtein distance to the target ({@link editDistanceOps}), so
 * `errorRate` is the label error rate (e.g. PER). All backend ops: it runs
 * inside compiled graphs.
 *
 * Lengths: `input.seqLens` (the output's valid frames) and `targetSeqLens`;
 * either absent means that side has no padding (all `time`, resp. all
 * `maxLabelLength` positions valid). Padded frames and labels change nothing
 * (see {@link ctcLoss}).
 *
 * Shape:
 * - `output` / `logits`: float32 `[batch, time, classes]`, the blank included in the classes
 * - `input.seqLens`: int32 `[batch]`
 * - `target`: int32 `[batch, maxLabelLength]` label indices other than the blank
 * - `targetSeqLens`: int32 `[batch]`
 * - `computeSum`, `computeError`, `numFrames`: float32 `[]`
 *
 * Blank: `blankIndex`, default the last class (`classes - 1`, RETURNN and
 * TensorFlow). Impossible alignments: about `1e30` per sequence unless
 * `zeroInfinity` (see {@link ctcLoss}).
 *
 * @throws LossArgumentError for a `blankIndex` that is not a non-negative integer
 *   (one outside `[0, classes)` is reported when the loss is computed).
 * @throws LossShapeError for shapes that do not pair up.
 */
export class CtcLoss extends Loss {
  static override readonly className: string = 'ctc';

  /** The blank's class index; `undefined`: the last class. */
  readonly blankIndex: number | undefined;
  /** Replace the loss of impossible sequences by 0 (PyTorch's `zero_infinity`). */
  readonly zeroInfinity: boolean;

  /** The base options, `blankIndex` (`blank_index`, default the last class) and `zeroInfinity` (`zero_infinity`). */
  static override readonly options: LayerOptions = {
    ...LOSS_OPTIONS,
    blankIndex: option(schemas.nonNegativeInt().optional(), { returnn: 'blank_index' }),
    zeroInfinity: option(schemas.boolean(), { default: false, returnn: 'zero_infinity' }),
  };

  constructor(opts: CtcLossArgs = {}) {
    super(opts);
    this.blankIndex = opts.blankIndex;
    this.zeroInfinity = opts.zeroInfinity ?? false;
  }

  computeSum(input: LossInput, target: Tensor, targetSeqLens?: Tensor): Tensor {
    const x = this.prepare(input, target, targetSeqLens);
    return ctcLossSum(x.logits, x.seqLens, target, x.targetSeqLens, { blankIndex: this.blankIndex, zeroInfinity: this.zeroInfinity });
  }

  /** Label errors of the best path against the target, summed over the batch. */
  override computeError(input: LossInput, target: Tensor, targetSeqLens?: Tensor): Tensor {
    const x = this.prepare(input, target, targetSeqLens);
    const [batch, time, classes] = x.logits.shape as [number, number, number];
    const best = ops.argMax(x.logits, -1); // [batch, time] int32
    const previous = ops.slice(ops.pad(best, [[0, 0], [1, 0]], -1), [0, 0], [batch, time]);
    const blank = ops.scalar(this.blankIndex ?? classes - 1, 'int32');
    const notBlank = ops.sub(1, ops.cast(ops.equal(best, blank), 'float32'));
    const changed = ops.sub(1, ops.cast(ops.equal(best, previous), 'float32'));
    const kept = ops.mul(notBlank, changed);
    return ops.stopGradient(ops.sum(editDistanceOps(best, x.seqLens, target, x.targetSeqLens, kept)));
  }

  /** `sum(targetSeqLens)`: the number of target labels, float32 `[]`. */
  override numFrames(target: Tensor, targetSeqLens?: Tensor): Tensor {
    return targetFrameCount(target, targetSeqLens);
  }

  private prepare(input: LossInput, target: Tensor, targetSeqLens?: Tensor): { logits: Tensor; seqLens: Tensor; targetSeqLens: Tensor } {
    const logits = input.logits ?? ops.log(ops.maximum(input.output, PROBABILITY_EPSILON));
    if (logits.shape.length !== 3 || target.shape.length !== 2 || target.dtype !== 'int32') {
      throw new LossShapeError({
        lossName: this.name,
        outputShape: logits.shape,
        targetShape: target.shape,
        expected: 'ctc pairs an output [batch, time, classes] (blank included) with int32 labels [batch, maxLabelLength]',
      });
    }
    return { logits, seqLens: seqLensOrFull(input.seqLens, logits), targetSeqLens: seqLensOrFull(targetSeqLens, target) };
  }
}
