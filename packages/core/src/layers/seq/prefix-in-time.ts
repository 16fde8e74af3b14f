import type { Tensor } from '@strata/backend';
import type { CallContext } from '../../layer.js';
import type { LayerOptions, LayerSpec } from '../../layer-spec.js';
import { maskFrames } from '../../sequence-mask.js';
import { AddFramesInTime, fillOption, type InTimeArgs, REPEAT_OPTION } from './add-frames-in-time.js';
import { padTime, seqInput } from './seq-inputs.js';

/** Arguments of {@link PrefixInTime}. */
export interface PrefixInTimeArgs extends InTimeArgs {
  /** The value of the added frames (RETURNN `prefix`). Default 0. */
  prefix?: number;
}

/** PrefixInTime's arguments in both vocabularies. */
const PREFIX_IN_TIME_OPTIONS = { repeat: REPEAT_OPTION, prefix: fillOption('prefix') } satisfies LayerOptions;

/**
 * Adds `repeat` frames of the constant `prefix` before each sequence
 * (RETURNN `PrefixInTimeLayer` with a constant prefix and an integer repeat).
 * `out[b, t] = prefix` for `t < repeat`, `x[b, t - repeat]` after; frames past
 * the new length `seqLens + repeat` are zero (padded input frames are zeroed
 * before the shift).
 *
 * Inputs: `x` float32 `[batch, time, ...]`, or `[x, seqLens]` with `seqLens` int32 `[batch]`.
 * Shape: `[batch, time, ...]` → `[batch, time + repeat, ...]`, float32;
 * {@link PrefixInTime.outputSeqLens} is `seqLens + repeat`.
 * @throws LayerArgumentError if `repeat` is not a non-negative integer or `prefix` not a finite number.
 * @throws InputShapeError if `x` has rank < 2 or `seqLens` is not int32 `[batch]`.
 */
export class PrefixInTime extends AddFramesInTime {
  static override readonly className: string = 'PrefixInTime';

  constructor(args: PrefixInTimeArgs = {}) {
    super(args, 'prefix', PREFIX_IN_TIME_OPTIONS);
  }

  /** The value of the added frames. */
  get prefix(): number {
    return this.fill;
  }

  override call(inputs: Tensor | Tensor[], _ctx: CallContext): Tensor {
    const { x, seqLens } = seqInput(inputs, this.name);
    // Zeroed padding shifted right by `repeat` is exactly the padding of the longer sequences.
    return padTime(seqLens ? maskFrames(x, seqLens) : x, this.repeat, 0, this.fill);
  }
}

/**
 * RETURNN's `prefix_in_time` (`PrefixInTimeLayer` on the time axis, a constant `prefix`):
 * `repeat` (an integer, default 1) and `prefix` (a number, default 0), as in
 * RETURNN. Takes the input's lengths (the frames go at each sequence's start).
 */
export const prefixInTimeLayer: LayerSpec = {
  cls: PrefixInTime,
  options: PREFIX_IN_TIME_OPTIONS,
  netDict: { names: ['prefix_in_time'], sources: 'concat', seqLens: true },
};
