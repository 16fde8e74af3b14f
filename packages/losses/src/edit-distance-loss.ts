import { ops, type Tensor } from '@strata/backend';
import { editDistanceOps } from './edit-distance-ops.js';
import { LossShapeError } from './errors.js';
import { Loss, type LossInput } from './loss.js';
import { seqLensOrFull, targetFrameCount } from './sequence-mask.js';

/**
 * The edit distance of an output label sequence to the target sequence
 * (RETURNN `edit_distance`, `EditDistanceLoss`): a report-only loss.
 *
 * - {@link EditDistanceLoss.computeSum} is the constant 0: the edit distance
 *   has no gradient, so the loss adds nothing to the objective (a network
 *   with only this loss has nothing to train on; pair it with `ce` or `ctc`).
 * - {@link EditDistanceLoss.computeError}: the Levenshtein distances summed
 *   over the batch ({@link editDistanceOps}, backend ops only).
 * - {@link EditDistanceLoss.numFrames}: `sum(targetSeqLens)`, so the reported
 *   error rate is the label error rate (edits per reference label).
 *
 * The output's labels are `output` itself when it is int32 (a sparse output,
 * as RETURNN requires), or `argmax` over the class axis of float32 scores
 * (one label per frame, not collapsed; use `ctc` for the CTC best path).
 *
 * Shape:
 * - `output`: int32 `[batch, time]` labels, or float32 `[batch, time, classes]` scores
 * - `input.seqLens`: int32 `[batch]` (absent: all `time` frames valid)
 * - `target`: int32 `[batch, targetTime]`; `targetSeqLens` int32 `[batch]` (absent: all valid)
 * - returns float32 `[]`
 *
 * @throws LossShapeError for shapes that do not pair up.
 */
export class EditDistanceLoss extends Loss {
  static override readonly className: string = 'edit_distance';

  /** 0: not differentiable, so nothing enters the objective. */
  computeSum(_input: LossInput, _target: Tensor, _targetSeqLens?: Tensor): Tensor {
    return ops.scalar(0);
  }

  override computeError(input: LossInput, target: Tensor, targetSeqLens?: Tensor): Tensor {
    const out = input.output;
    const labels = out.dtype === 'int32' ? out : out.shape.length === 3 ? ops.argMax(out, -1) : null;
    if (!labels || labels.shape.length !== 2 || target.shape.length !== 2 || target.dtype !== 'int32') {
      throw new LossShapeError({
        lossName: this.name,
        outputShape: out.shape,
        targetShape: target.shape,
        expected: 'edit_distance pairs output labels int32 [batch, time] (or scores [batch, time, classes]) with int32 target labels [batch, targetTime]',
      });
    }
    return ops.stopGradient(ops.sum(editDistanceOps(labels, seqLensOrFull(input.seqLens, labels), target, seqLensOrFull(targetSeqLens, target))));
  }

  /** `sum(targetSeqLens)`: the number of reference labels, float32 `[]`. */
  override numFrames(target: Tensor, targetSeqLens?: Tensor): Tensor {
    return targetFrameCount(target, targetSeqLens);
  }
}
