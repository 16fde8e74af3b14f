import { ops, type Tensor } from '@strata/backend';
import { LayerArgumentError } from '../../errors.js';
import { type CallContext, Layer, type LayerArgs, type LayerConfig, type SymbolicShape } from '../../layer.js';
import { maskFrames } from '../../sequence-mask.js';
import { int, seqInput, xShapeOf } from './seq-inputs.js';

/** Arguments of {@link PrefixInTime} and {@link PostfixInTime}. */
export interface InTimeArgs extends LayerArgs {
  /** Frames to add to each sequence (RETURNN `repeat`). Non-negative integer. Default 1. */
  repeat?: number;
}

/** Arguments of {@link PrefixInTime}. */
export interface PrefixInTimeArgs extends InTimeArgs {
  /** The value of the added frames (RETURNN `prefix`). Default 0. */
  prefix?: number;
}

/** @throws LayerArgumentError unless `repeat` is a non-negative integer. */
export function checkRepeat(repeat: number | undefined, layer: string): number {
  const r = repeat ?? 1;
  if (!Number.isInteger(r) || r < 0) {
    throw new LayerArgumentError(`${layer}: repeat must be a non-negative integer. Received: repeat=${String(repeat)}.`);
  }
  return r;
}

/** @throws LayerArgumentError unless `value` is a finite number. */
export function checkValue(value: number | undefined, layer: string, arg: string): number {
  const v = value ?? 0;
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new LayerArgumentError(`${layer}: ${arg} must be a finite number (a constant frame value). Received: ${arg}=${String(value)}.`);
  }
  return v;
}

/** The time axis of `shape` grown by `repeat` frames. */
export function grownShape(shape: SymbolicShape, repeat: number): SymbolicShape {
  return shape.map((s, i) => (i === 1 && s !== null ? s + repeat : s));
}

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
export class PrefixInTime extends Layer {
  static override readonly className: string = 'PrefixInTime';
  readonly repeat: number;
  readonly prefix: number;

  constructor(args: PrefixInTimeArgs = {}) {
    super(args);
    this.repeat = checkRepeat(args.repeat, 'PrefixInTime');
    this.prefix = checkValue(args.prefix, 'PrefixInTime', 'prefix');
  }

  override call(inputs: Tensor | Tensor[], _ctx: CallContext): Tensor {
    const { x, seqLens } = seqInput(inputs, this.name);
    // Zeroed padding shifted right by `repeat` is exactly the padding of the longer sequences.
    const masked = seqLens ? maskFrames(x, seqLens) : x;
    return ops.pad(masked, x.shape.map((_, i): [number, number] => (i === 1 ? [this.repeat, 0] : [0, 0])), this.prefix);
  }

  /** `seqLens + repeat`, int32 `[batch]`. */
  override outputSeqLens(seqLens: Tensor): Tensor {
    return ops.add(seqLens, int(this.repeat));
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    return grownShape(xShapeOf(inputShape), this.repeat);
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), repeat: this.repeat, prefix: this.prefix };
  }
}
