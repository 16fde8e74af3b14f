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
 * What {@link PrefixInTime} and {@link PostfixInTime} share: `repeat` frames
 * added to each sequence, so the time axis and the lengths grow by `repeat`.
 */
export abstract class AddFramesInTime extends Layer {
  readonly repeat: number;

  constructor(args: InTimeArgs) {
    super(args);
    this.repeat = checkRepeat(args.repeat, (this.constructor as typeof Layer).className);
  }

  /** `seqLens + repeat`, int32 `[batch]`. */
  override outputSeqLens(seqLens: Tensor): Tensor {
    return ops.add(seqLens, int(this.repeat));
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    return grownShape(xShapeOf(inputShape), this.repeat);
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), repeat: this.repeat };
  }
}
