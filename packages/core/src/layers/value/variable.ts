import { ops, type Tensor } from '@strata/backend';
import { z } from 'zod';
import { Data, Dim } from '../../data.js';
import type { InitializerSpec } from '../../initializers/index.js';
import { Constant as ConstantInit } from '../../initializers/index.js';
import { type CallContext, Layer, type LayerArgs, type LayerConfig, type SymbolicShape } from '../../layer.js';
import { type LayerOptions, type LayerSpec, option, resolveArgs, schemas } from '../../layer-spec.js';
import type { Variable } from '../../variable.js';
import { staticData, withBatchAxis } from './constant.js';

/** Arguments of {@link VariableLayer}. */
export interface VariableLayerArgs extends LayerArgs {
  /** The parameter's shape (RETURNN `shape`, ints). */
  shape: number[];
  /** Put a time axis of size 1 in front (RETURNN `add_time_axis`). Default false. */
  addTimeAxis?: boolean;
  /**
   * Put a batch axis in front, the value repeated for every sequence
   * (RETURNN `add_batch_axis`, `expand_dims_unbroadcast`): the layer then
   * takes one input whose axis 0 is the batch (a net dict gives it `from`,
   * default `"data"`, the global batch RETURNN uses). Default false.
   */
  addBatchAxis?: boolean;
  /** Initial values: an initializer (name, JSON form) or a number for a constant (RETURNN `init`). Default 0. */
  init?: InitializerSpec | number;
  /** The weight's name (RETURNN `param_name`). Default: the layer's name, as RETURNN (`<layer>/<layer>`). */
  paramName?: string | null;
}

const INIT = 'must be a number or an initializer name such as glorot_uniform, zeros, ones';
const VARIABLE_OPTIONS = {
  shape: option(z.array(z.number().int().positive(), { error: 'must be a list of positive integers (static dims)' }), { returnn: 'shape' }),
  addTimeAxis: option(schemas.boolean(), { default: false, returnn: 'add_time_axis' }),
  addBatchAxis: option(schemas.boolean(), { default: false, returnn: 'add_batch_axis' }),
  init: option(z.union([z.number().refine(Number.isFinite), schemas.initializer()], { error: INIT }).nullable(), { default: 0, returnn: 'init', fromReturnn: (v) => v ?? 0 }),
  paramName: option(z.string({ error: 'must be a string or None' }).min(1).nullable(), { default: null, returnn: 'param_name' }),
  dtype: option(z.literal('float32', { error: "must be 'float32'" }).nullable().optional(), { returnn: 'dtype' }),
  saveable: option(z.literal(true, { error: 'must be true (every Strata weight is saved)' }).optional(), { returnn: 'saveable' }),
} satisfies LayerOptions;

/**
 * A trainable parameter as a layer's output (RETURNN `VariableLayer`): the
 * weight `paramName` (default the layer's name: RETURNN's `<layer>/<layer>`)
 * of `shape`, with a time axis of size 1 in front if `addTimeAxis`, and a
 * batch axis before that if `addBatchAxis` (else none: other layers
 * broadcast it). `trainable: false` freezes it.
 *
 * Inputs: none; with `addBatchAxis` one tensor whose axis 0 is the batch.
 * Shape: `[batch?, 1?, ...shape]`, float32. Weights: `<paramName>` `shape`.
 * @throws LayerArgumentError for a bad shape, init or param name.
 */
export class VariableLayer extends Layer {
  static override readonly className: string = 'Variable';
  readonly shape: number[];
  readonly addTimeAxis: boolean;
  readonly addBatchAxis: boolean;
  readonly init: InitializerSpec | number;
  readonly paramName: string | null;
  var: Variable | undefined;

  constructor(args: VariableLayerArgs) {
    super(args);
    const a = resolveArgs('Variable', VARIABLE_OPTIONS, args) as Required<VariableLayerArgs>;
    this.shape = a.shape;
    this.addTimeAxis = a.addTimeAxis;
    this.addBatchAxis = a.addBatchAxis;
    this.init = a.init;
    this.paramName = a.paramName;
  }

  override build(inputShape: SymbolicShape | SymbolicShape[]): void {
    const initializer = typeof this.init === 'number' ? new ConstantInit({ value: this.init }) : this.init;
    this.var = this.addWeight(this.paramName ?? this.name, { shape: this.shape, initializer });
    super.build(inputShape);
  }

  override call(inputs: Tensor | Tensor[], _ctx: CallContext): Tensor {
    const v = this.var!.value;
    const y = this.addTimeAxis ? ops.reshape(v, [1, ...this.shape]) : v;
    return this.addBatchAxis ? withBatchAxis(y, inputs, this.name) : y;
  }

  override computeOutputShape(_inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const shape = this.addTimeAxis ? [1, ...this.shape] : this.shape;
    return this.addBatchAxis ? [null, ...shape] : shape;
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), shape: this.shape, addTimeAxis: this.addTimeAxis, addBatchAxis: this.addBatchAxis, init: this.init, paramName: this.paramName };
  }
}

const variableOutput = (c: { name: string; layer: Layer }): Data => {
  const l = c.layer as VariableLayer;
  const d = staticData(c.name, l.shape, 'float32');
  const dims = l.addTimeAxis ? [new Dim({ description: `${c.name}:dummy-time`, size: 1 }), ...d.dims] : d.dims;
  return new Data({ name: c.name, dims, dtype: 'float32', hasBatch: l.addBatchAxis });
};

/**
 * RETURNN's `variable`: `shape`, `add_time_axis`, `init` (a number or an
 * initializer name), `param_name`, `trainable` (common key), `dtype` float32,
 * `saveable` only True; without `add_batch_axis` no batch axis (no sources).
 */
export const variableLayer: LayerSpec = {
  cls: VariableLayer,
  options: VARIABLE_OPTIONS,
  netDict: { names: ['variable'], when: (e) => e.add_batch_axis !== true, sources: 'none', outputData: variableOutput },
};

/**
 * RETURNN's `variable` with `add_batch_axis`: the batch size comes from its
 * `from` (default `"data"`, the network's batch as RETURNN's global batch).
 */
export const variableBatchLayer: LayerSpec = {
  cls: VariableLayer,
  options: VARIABLE_OPTIONS,
  netDict: { names: ['variable'], when: (e) => e.add_batch_axis === true, sources: 'concat', acceptsSparse: true, outputData: variableOutput },
};
