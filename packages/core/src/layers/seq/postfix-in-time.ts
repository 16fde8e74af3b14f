import { ops, type Tensor } from '@strata/backend';
import type { CallContext } from '../../layer.js';
import type { LayerOptions, LayerSpec } from '../../layer-spec.js';
import { sequenceMask } from '../../sequence-mask.js';
import { AddFramesInTime, fillOption, type InTimeArgs, REPEAT_OPTION } from './add-frames-in-time.js';
import { padTime, seqInput } from './seq-inputs.js';

/** Arguments of {@link PostfixInTime}. */
export interface PostfixInTimeArgs extends InTimeArgs {
  /** The value of the added frames (RETURNN `postfix`). Default 0. */
  postfix?: number;
}

/** PostfixInTime's arguments in both vocabularies. */
const POSTFIX_IN_TIME_OPTIONS = { repeat: REPEAT_OPTION, postfix: fillOption('postfix') } satisfies LayerOptions;

/**
 * Adds `repeat` frames of the constant `postfix` after the end of each
 * sequence (RETURNN `PostfixInTimeLayer` with a constant postfix), at
 * position `seqLens[b]` of each sequence, not at the padded end:
 * `out[b, t] = x[b, t]` for `t < len`, `postfix` for `len <= t < len + repeat`,
 * and 0 after (RETURNN fills those padded frames with the postfix too).
 * Without `seqLens` every sequence has length `time`.
 *
 * Inputs: `x` float32 `[batch, time, ...]`, or `[x, seqLens]` with `seqLens` int32 `[batch]`.
 * Shape: `[batch, time, ...]` → `[batch, time + repeat, ...]`, float32;
 * {@link PostfixInTime.outputSeqLens} is `seqLens + repeat`.
 * @throws LayerArgumentError if `repeat` is not a non-negative integer or `postfix` not a finite number.
 * @throws InputShapeError if `x` has rank < 2 or `seqLens` is not int32 `[batch]`.
 */
export class PostfixInTime extends AddFramesInTime {
  static override readonly className: string = 'PostfixInTime';

  constructor(args: PostfixInTimeArgs = {}) {
    super(args, 'postfix', POSTFIX_IN_TIME_OPTIONS);
  }

  /** The value of the added frames. */
  get postfix(): number {
    return this.fill;
  }

  override call(inputs: Tensor | Tensor[], _ctx: CallContext): Tensor {
    const { x, seqLens } = seqInput(inputs, this.name);
    if (!seqLens) return padTime(x, 0, this.repeat, this.fill);
    const outTime = x.shape[1]! + this.repeat;
    const frameShape = [-1, outTime, ...new Array<number>(x.shape.length - 2).fill(1)];
    const valid = ops.reshape(sequenceMask(seqLens, outTime), frameShape);
    const added = ops.sub(ops.reshape(sequenceMask(this.outputSeqLens(seqLens), outTime), frameShape), valid);
    return ops.add(ops.mul(padTime(x, 0, this.repeat), valid), ops.mul(added, this.fill));
  }
}

/**
 * RETURNN's `postfix_in_time` (`PostfixInTimeLayer` on the time axis, a constant `postfix`):
 * `repeat` (an integer, default 1) and `postfix` (a number, default 0), as in
 * RETURNN. Takes the input's lengths (the frames go at each sequence's end).
 */
export const postfixInTimeLayer: LayerSpec = {
  cls: PostfixInTime,
  options: POSTFIX_IN_TIME_OPTIONS,
  netDict: { names: ['postfix_in_time'], sources: 'concat', seqLens: true },
};
