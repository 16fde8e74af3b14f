import { type DType, ops, type Tensor } from '@strata/backend';
import { z } from 'zod';
import { Data, Dim } from '../../data.js';
import { isDimJson } from '../../dim-json.js';
import { type CallContext, Layer, type LayerArgs, type LayerConfig, type SymbolicShape } from '../../layer.js';
import { type LayerOptions, type LayerSpec, option, resolveArgs, schemas } from '../../layer-spec.js';
import { InputShapeError } from '../../errors.js';

/** Arguments of {@link ConstantLayer}. */
export interface ConstantArgs extends LayerArgs {
  /** The value of every element (RETURNN `value`): a number or a boolean. Default 0. */
  value?: number | boolean;
  /** The output's shape, the value filled in (RETURNN `shape`, ints). Default `[]` (a scalar). */
  shape?: number[];
  /** Put a batch axis in front (RETURNN `with_batch_dim`); the layer then takes one input whose axis 0 is the batch. Default false. */
  withBatchDim?: boolean;
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
  withBatchDim: option(schemas.boolean(), { default: false, returnn: 'with_batch_dim' }),
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
  readonly withBatchDim: boolean;

  constructor(args: ConstantArgs = {}) {
    super({ ...args, dtype: undefined });
    const a = resolveArgs('Constant', CONSTANT_OPTIONS, args) as Required<ConstantArgs>;
    this.value = a.value;
    this.shape = a.shape;
    this.withBatchDim = a.withBatchDim;
    this.outDType = constantDType(a.value, args.dtype);
  }

  override call(inputs: Tensor | Tensor[], _ctx: CallContext): Tensor {
    const y = ops.fill(this.shape, Number(this.value), this.outDType);
    return this.withBatchDim ? withBatchAxis(y, inputs, this.name) : y;
  }

  override computeOutputShape(_inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    return this.withBatchDim ? [null, ...this.shape] : this.shape;
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), value: this.value, shape: this.shape, dtype: this.outDType, withBatchDim: this.withBatchDim };
  }
}

/**
 * `y` repeated for every sequence of the batch of `inputs`' first tensor (axis 0): `[batch, ...y.shape]`
 * (RETURNN `expand_dims_unbroadcast`); the gradient to `y` sums over the batch.
 * @throws InputShapeError if there is no input to take the batch size from.
 */
export function withBatchAxis(y: Tensor, inputs: Tensor | Tensor[], layer: string): Tensor {
  const ref = Array.isArray(inputs) ? inputs[0] : inputs;
  if (!ref || ref.shape.length === 0) {
    throw new InputShapeError({ layer, expected: 'with a batch axis, expected one input whose axis 0 is the batch (a net dict gives "from", default "data"); got', received: ref?.shape ?? [] });
  }
  const zeros = ops.zeros([ref.shape[0]!, ...y.shape], y.dtype === 'bool' ? 'int32' : (y.dtype as DType));
  const out = ops.add(zeros, y.dtype === 'bool' ? ops.cast(y, 'int32') : y);
  return y.dtype === 'bool' ? ops.cast(out, 'bool') : out;
}

/** The template of a batchless output of static `shape` (RETURNN `<name>:static:<i>` dims, the last a feature dim). */
export function staticData(name: string, shape: readonly number[], dtype: DType): Data {
  const dims = shape.map((size, i) => new Dim({ description: `${name}:static:${i}`, size, kind: i === shape.length - 1 ? 'feature' : 'spatial' }));
  return new Data({ name, dims, dtype, hasBatch: false });
}

const constantOutput = (c: { name: string; layer: Layer }): Data => {
  const l = c.layer as ConstantLayer;
  return staticData(c.name, l.shape, l.outDType).copy({ hasBatch: l.withBatchDim });
};

/**
 * RETURNN's `constant`: `value` (int, float or bool), `shape`, `dtype`;
 * without `with_batch_dim` no batch axis and no sources. RETURNN's
 * `sparse_dim`, `feature_dim` and `shape_deps` are unknown keys.
 */
export const constantLayer: LayerSpec = {
  cls: ConstantLayer,
  options: CONSTANT_OPTIONS,
  netDict: { names: ['constant'], when: (e) => e.with_batch_dim !== true && !batchFirstShape(e.shape), sources: 'none', outputData: constantOutput },
};

/** A `shape` (JSON form) whose first Dim is RETURNN's `batch_dim`: the constant has a batch axis, as with `with_batch_dim` (the net-dict reader drops that Dim from `shape`). */
const batchFirstShape = (shape: unknown): boolean => Array.isArray(shape) && isDimJson(shape[0]) && shape[0].kind === 'batch';

/** RETURNN's `constant` with `with_batch_dim` (or `batch_dim` first in `shape`): the batch size comes from its `from` (default `"data"`, the network's batch). */
export const constantBatchLayer: LayerSpec = {
  cls: ConstantLayer,
  options: CONSTANT_OPTIONS,
  netDict: { names: ['constant'], when: (e) => e.with_batch_dim === true || batchFirstShape(e.shape), sources: 'concat', acceptsSparse: true, outputData: constantOutput },
};
