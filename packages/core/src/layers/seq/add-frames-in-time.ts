import { ops, type Tensor } from '@strata/backend';
import { LayerArgumentError } from '../../errors.js';
import { Layer, type LayerArgs, type LayerConfig, type SymbolicShape } from '../../layer.js';
import { int, xShapeOf } from './seq-inputs.js';

/** Arguments of {@link PrefixInTime} and {@link PostfixInTime}. */
export interface InTimeArgs extends LayerArgs {
  /** Frames to add to each sequence (RETURNN `repeat`). Non-negative integer. Default 1. */
  repeat?: number;
}

/** @throws LayerArgumentError unless `repeat` is a non-negative integer. */
function checkRepeat(repeat: number | undefined, layer: string): number {
  const r = repeat ?? 1;
  if (!Number.isInteger(r) || r < 0) {
    throw new LayerArgumentError(`${layer}: repeat must be a non-negative integer. Received: repeat=${String(repeat)}.`);
  }
  return r;
}

/** @throws LayerArgumentError unless `value` is a finite number. */
function checkValue(value: number | undefined, layer: string, arg: string): number {
  const v = value ?? 0;
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new LayerArgumentError(`${layer}: ${arg} must be a finite number (a constant frame value). Received: ${arg}=${String(value)}.`);
  }
  return v;
}

/**
 * What {@link PrefixInTime} and {@link PostfixInTime} share: `repeat` frames
 * of a constant value (the `prefix`/`postfix` argument) added to each
 * sequence, so the time axis and the lengths grow by `repeat`.
 */
export abstract class AddFramesInTime extends Layer {
  readonly repeat: number;
  /** The value of the added frames. */
  protected readonly fill: number;

  /** @param fillArg the argument (and config key) holding the frames' value, `value` its given value. */
  constructor(
    args: InTimeArgs,
    private readonly fillArg: 'prefix' | 'postfix',
    value: number | undefined,
  ) {
    super(args);
    const className = (this.constructor as typeof Layer).className;
    this.repeat = checkRepeat(args.repeat, className);
    this.fill = checkValue(value, className, fillArg);
  }

  /** `seqLens + repeat`, int32 `[batch]`. */
  override outputSeqLens(seqLens: Tensor): Tensor {
    return ops.add(seqLens, int(this.repeat));
  }

  /** The time axis grown by `repeat` frames. */
  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    return xShapeOf(inputShape).map((s, i) => (i === 1 && s !== null ? s + this.repeat : s));
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), repeat: this.repeat, [this.fillArg]: this.fill };
  }
}
