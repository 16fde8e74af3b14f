import { ops, type Tensor } from '@strata/backend';
import { Layer, type LayerArgs, type LayerConfig, type SymbolicShape } from '../../layer.js';
import { type LayerOption, type LayerOptions, option, resolveArgs, schemas } from '../../layer-spec.js';
import { int, xShapeOf } from './seq-inputs.js';

/** Arguments of {@link PrefixInTime} and {@link PostfixInTime}. */
export interface InTimeArgs extends LayerArgs {
  /** Frames to add to each sequence (RETURNN `repeat`). Non-negative integer. Default 1. */
  repeat?: number;
}

/** The `repeat` option of PrefixInTime and PostfixInTime: non-negative (RETURNN asserts `repeat >= 0`), default 1 in both vocabularies. */
export const REPEAT_OPTION: LayerOption = option(schemas.nonNegativeInt(), { default: 1, returnn: 'repeat' });

/** The option of the added frames' value, `prefix` or `postfix` (RETURNN's key too): a finite number, default 0 as in RETURNN. */
export const fillOption = (key: 'prefix' | 'postfix'): LayerOption => option(schemas.number(), { default: 0, returnn: key });

/**
 * What {@link PrefixInTime} and {@link PostfixInTime} share: `repeat` frames
 * of a constant value (the `prefix`/`postfix` argument) added to each
 * sequence, so the time axis and the lengths grow by `repeat`.
 */
export abstract class AddFramesInTime extends Layer {
  readonly repeat: number;
  /** The value of the added frames. */
  protected readonly fill: number;

  /**
   * @param fillArg the argument (and config key) holding the frames' value.
   * @param options the subclass's options (`repeat` and `fillArg`), checked here with its class name.
   * @throws LayerArgumentError if `repeat` is not a non-negative integer or the value not a finite number.
   */
  constructor(
    args: InTimeArgs,
    private readonly fillArg: 'prefix' | 'postfix',
    options: LayerOptions,
  ) {
    super(args);
    const a = resolveArgs((this.constructor as typeof Layer).className, options, args) as unknown as Record<'repeat' | 'prefix' | 'postfix', number>;
    this.repeat = a.repeat;
    this.fill = a[fillArg];
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
