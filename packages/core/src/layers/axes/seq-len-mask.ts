import { ops, type Tensor } from '@strata/backend';
import { sequenceMask } from '../../sequence-mask.js';
import { type CallContext, Layer, type LayerArgs, type LayerConfig, type SymbolicShape } from '../../layer.js';
import { type LayerOptions, type LayerSpec, option, resolveArgs, schemas } from '../../layer-spec.js';
import { InputShapeError } from '../../errors.js';
import { type ReturnnAxes, returnnAxis, returnnAxesSchema } from './returnn-axes.js';
import { seqInput, xShapeOf } from '../seq/seq-inputs.js';

/** Arguments of {@link SeqLenMask}. */
export interface SeqLenMaskArgs extends LayerArgs {
  /** The value of frames past each sequence's length (RETURNN `mask_value`). Required. */
  maskValue: number;
  /** The masked axis (RETURNN `axis`): the time axis, `"T"` (the default). */
  axis?: ReturnnAxes;
}

const SEQ_LEN_MASK_OPTIONS = {
  maskValue: option(schemas.number(), { returnn: 'mask_value' }),
  axis: option(returnnAxesSchema(), { default: 'T', returnn: 'axis' }),
} satisfies LayerOptions;

/**
 * Sets the frames past each sequence's length to `maskValue` (RETURNN
 * `SeqLenMaskLayer` with the input's own lengths): `y[b, t] = t < len[b] ? x[b, t] : maskValue`.
 *
 * Inputs: `[x, seqLens]`, `x` `[batch, time, ...]` float32, `seqLens` int32 `[batch]` (without seqLens: `x` unchanged).
 * Shape: as `x`. Lengths unchanged.
 * @throws LayerArgumentError for a missing or non-finite `maskValue`.
 * @throws InputShapeError if `axis` is not the time axis (axis 1), the one whose lengths the layer gets.
 */
export class SeqLenMask extends Layer {
  static override readonly className: string = 'SeqLenMask';
  readonly maskValue: number;
  readonly axis: ReturnnAxes;

  constructor(args: SeqLenMaskArgs) {
    super(args);
    const a = resolveArgs('SeqLenMask', SEQ_LEN_MASK_OPTIONS, args) as Required<SeqLenMaskArgs>;
    this.maskValue = a.maskValue;
    this.axis = a.axis;
  }

  override call(inputs: Tensor | Tensor[], _ctx: CallContext): Tensor {
    const { x, seqLens } = seqInput(inputs, this.name);
    this.computeOutputShape(x.shape);
    if (!seqLens) return x;
    const mask = ops.reshape(sequenceMask(seqLens, x.shape[1]!), [x.shape[0]!, x.shape[1]!, ...x.shape.slice(2).map(() => 1)]);
    return ops.where(ops.greater(mask, 0), x, this.maskValue);
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const shape = xShapeOf(inputShape);
    // A concrete x has no null sizes: its axis 1 is the time axis.
    const a = shape.slice(1).includes(null) ? returnnAxis(this.axis, shape, this.name) : 1;
    if (a !== 1) throw new InputShapeError({ layer: this.name, expected: `axis ${JSON.stringify(this.axis)} must be the time axis (axis 1), whose lengths the layer masks by`, received: shape });
    return shape;
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), maskValue: this.maskValue, axis: this.axis };
  }
}

/**
 * RETURNN's `seq_len_mask`: `mask_value` (required), `axis` (the time axis).
 * RETURNN's `seq_len_source`, `start`, `window_start`, `window_size` are not
 * read (an unknown-key error names them).
 */
export const seqLenMaskLayer: LayerSpec = {
  cls: SeqLenMask,
  options: SEQ_LEN_MASK_OPTIONS,
  netDict: { names: ['seq_len_mask'], sources: 'concat', seqLens: true },
};
