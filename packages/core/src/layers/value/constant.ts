import { type DType, ops, type Tensor } from '@strata/backend';
import { z } from 'zod';
import { Data, Dim } from '../../data.js';
import { type CallContext, Layer, type LayerArgs, type LayerConfig, type SymbolicShape } from '../../layer.js';
import { type LayerOptions, type LayerSpec, option, resolveArgs } from '../../layer-spec.js';

/** Arguments of {@link ConstantLayer}. */
export interface ConstantArgs extends LayerArgs {
  /** The value of every element (RETURNN `value`): a number or a boolean. Default 0. */
  value?: number | boolean;
  /** The output's shape, the value filled in (RETURNN `shape`, ints). Default `[]` (a scalar). */
  shape?: number[];
  /**
   * Element type (RETURNN `dtype`): default `bool` for a boolean, `int32`
   * for an integer, else `float32` (RETURNN's rule; JSON writes `2.0` as
   * `2`, so a float constant with an integral value needs `dtype`).
   */
  dtype?: DType;
}

const CONSTANT_OPTIONS = {
  value: option(z.union([z.number().refine(Number.isFinite), z.boolean()], { error: 'must be a finite number or a boolean (RETURNN: int, float or bool)' }), { default: 0, returnn: 'value' }),
  shape: option(z.array(z.number().int().positive(), { error: 'must be a list of positive integers' }), { default: [], returnn: 'shape' }),
  dtype: option(z.enum(['float32', 'int32', 'bool'], { error: "must be 'float32', 'int32' or 'bool'" }).optional(), { returnn: 'dtype' }),
  withBatchDim: option(z.literal(false, { error: 'must be false: a constant has no input to take the batch size from; let broadcasting add the batch axis (combine, switch)' }).optional(), {
    returnn: 'with_batch_dim',
  }),
} satisfies LayerOptions;

/** RETURNN's dtype of a constant: bool, int32 for integers, float32. */
export const constantDType = (value: number | boolean, dtype?: DType): DType => dtype ?? (typeof value === 'boolean' ? 'bool' : Number.isInteger(value) ? 'int32' : 'float32');

/**
 * A constant (RETURNN `ConstantLayer`): `value` filled into `shape`, without
 * a batch axis, as RETURNN's default (`with_batch_dim` False). Other layers
 * broadcast it (`combine`, `switch`, a scalar `gather` position).
 *
 * Inputs: none. Shape: `shape` (no batch axis), dtype {@link constantDType}. No weights.
 * @throws LayerArgumentError for a value that is not a finite number or boolean, a bad shape or dtype.
 */
export class ConstantLayer extends Layer {
  static override readonly className: string = 'Constant';
  readonly value: number | boolean;
  readonly shape: number[];
  readonly outDType: DType;

  constructor(args: ConstantArgs = {}) {
    super({ ...args, dtype: undefined });
    const a = resolveArgs('Constant', CONSTANT_OPTIONS, args) as Required<ConstantArgs>;
    this.value = a.value;
    this.shape = a.shape;
    this.outDType = constantDType(a.value, args.dtype);
  }

  override call(_inputs: Tensor | Tensor[], _ctx: CallContext): Tensor {
    return ops.fill(this.shape, Number(this.value), this.outDType);
  }

  override computeOutputShape(_inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    return this.shape;
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), value: this.value, shape: this.shape, dtype: this.outDType };
  }
}

/** The template of a batchless output of static `shape` (RETURNN `<name>:static:<i>` dims, the last a feature dim). */
export function staticData(name: string, shape: readonly number[], dtype: DType): Data {
  const dims = shape.map((size, i) => new Dim({ description: `${name}:static:${i}`, size, kind: i === shape.length - 1 ? 'feature' : 'spatial' }));
  return new Data({ name, dims, dtype, hasBatch: false });
}

/**
 * RETURNN's `constant`: `value` (int, float or bool), `shape`, `dtype`;
 * `with_batch_dim` only False (a batch axis comes by broadcasting).
 * RETURNN's `sparse_dim`, `feature_dim` and `shape_deps` are unknown keys.
 */
export const constantLayer: LayerSpec = {
  cls: ConstantLayer,
  options: CONSTANT_OPTIONS,
  netDict: {
    names: ['constant'],
    sources: 'none',
    outputData: (c) => {
      const l = c.layer as ConstantLayer;
      return staticData(c.name, l.shape, l.outDType);
    },
  },
};
