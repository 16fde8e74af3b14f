import { type DType, ops, type Tensor } from '@strata/backend';
import { z } from 'zod';
import { type CallContext, Layer, type LayerArgs, type LayerConfig, type SymbolicShape } from '../../layer.js';
import { type LayerOptions, type LayerSpec, option, resolveArgs } from '../../layer-spec.js';
import { inputOf } from '../shape/axis-ops.js';

/** Arguments of {@link Cast}. */
export interface CastArgs extends Omit<LayerArgs, 'dtype'> {
  /** The output's element type (RETURNN `dtype`): `float32`, `int32` or `bool`. */
  dtype: DType;
}

const DTYPE = "must be 'float32', 'int32' or 'bool' (the dtypes Strata's backends hold)";
const CAST_OPTIONS = {
  dtype: option(z.enum(['float32', 'int32', 'bool'], { error: DTYPE }), { returnn: 'dtype' }),
} satisfies LayerOptions;

/**
 * Casts its input to another element type (RETURNN `CastLayer`, `tf.cast`):
 * float to int truncates toward zero, to bool is `x != 0`, bool to a number
 * is 0/1. Float to float passes the gradient through; a cast to int32 or bool
 * has none.
 *
 * Inputs: `x` `[batch, ...]`. Shape: as `x`, dtype `dtype`. No weights.
 * @throws LayerArgumentError for a `dtype` other than float32, int32, bool.
 */
export class Cast extends Layer {
  static override readonly className: string = 'Cast';
  readonly outDType: DType;

  constructor(args: CastArgs) {
    super({ ...args, dtype: undefined });
    const a = resolveArgs('Cast', CAST_OPTIONS, args);
    this.outDType = a.dtype;
  }

  override call(inputs: Tensor | Tensor[], _ctx: CallContext): Tensor {
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    return x.dtype === this.outDType ? x : ops.cast(x, this.outDType);
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    return (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as SymbolicShape;
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), dtype: this.outDType };
  }
}

/**
 * RETURNN's `cast`: `dtype`. The output keeps the input's axes (a time axis
 * its lengths); as in RETURNN, sparse data cast to float is dense (no class axis).
 */
export const castLayer: LayerSpec = {
  cls: Cast,
  options: CAST_OPTIONS,
  netDict: {
    names: ['cast'],
    sources: 'concat',
    acceptsSparse: true,
    outputData: (c) => {
      const d = inputOf(c);
      const dtype = (c.layer as Cast).outDType;
      return d?.copy({ name: c.name, dtype, sparseDim: dtype === 'float32' ? undefined : d.sparseDim });
    },
  },
};
