import { ops, type Tensor } from '@strata/backend';
import { z } from 'zod';
import { Data, Dim } from '../../data.js';
import type { InitializerSpec } from '../../initializers/index.js';
import { Constant as ConstantInit } from '../../initializers/index.js';
import { type CallContext, Layer, type LayerArgs, type LayerConfig, type SymbolicShape } from '../../layer.js';
import { type LayerOptions, type LayerSpec, option, resolveArgs, schemas } from '../../layer-spec.js';
import type { Variable } from '../../variable.js';
import { staticData } from './constant.js';

/** Arguments of {@link VariableLayer}. */
export interface VariableLayerArgs extends LayerArgs {
  /** The parameter's shape (RETURNN `shape`, ints). */
  shape: number[];
  /** Put a time axis of size 1 in front (RETURNN `add_time_axis`). Default false. */
  addTimeAxis?: boolean;
  /** Initial values: an initializer (name, JSON form) or a number for a constant (RETURNN `init`). Default 0. */
  init?: InitializerSpec | number;
  /** The weight's name (RETURNN `param_name`). Default: the layer's name, as RETURNN (`<layer>/<layer>`). */
  paramName?: string | null;
}

const INIT = 'must be a number or an initializer name such as glorot_uniform, zeros, ones';
const VARIABLE_OPTIONS = {
  shape: option(z.array(z.number().int().positive(), { error: 'must be a list of positive integers (static dims)' }), { returnn: 'shape' }),
  addTimeAxis: option(schemas.boolean(), { default: false, returnn: 'add_time_axis' }),
  addBatchAxis: option(z.literal(false, { error: 'must be false: a variable has no input to take the batch size from; let broadcasting add the batch axis' }).optional(), {
    returnn: 'add_batch_axis',
  }),
  init: option(z.union([z.number().refine(Number.isFinite), schemas.initializer()], { error: INIT }).nullable(), { default: 0, returnn: 'init', fromReturnn: (v) => v ?? 0 }),
  paramName: option(z.string({ error: 'must be a string or None' }).min(1).nullable(), { default: null, returnn: 'param_name' }),
  dtype: option(z.literal('float32', { error: "must be 'float32'" }).nullable().optional(), { returnn: 'dtype' }),
  saveable: option(z.literal(true, { error: 'must be true (every Strata weight is saved)' }).optional(), { returnn: 'saveable' }),
} satisfies LayerOptions;

/**
 * A trainable parameter as a layer's output (RETURNN `VariableLayer`): the
 * weight `paramName` (default the layer's name: RETURNN's `<layer>/<layer>`)
 * of `shape`, with a time axis of size 1 in front if `addTimeAxis`; no batch
 * axis (other layers broadcast it). `trainable: false` freezes it.
 *
 * Inputs: none. Shape: `shape` (or `[1, ...shape]`), float32. Weights: `<paramName>` `shape`.
 * @throws LayerArgumentError for a bad shape, init or param name.
 */
export class VariableLayer extends Layer {
  static override readonly className: string = 'Variable';
  readonly shape: number[];
  readonly addTimeAxis: boolean;
  readonly init: InitializerSpec | number;
  readonly paramName: string | null;
  var: Variable | undefined;

  constructor(args: VariableLayerArgs) {
    super(args);
    const a = resolveArgs('Variable', VARIABLE_OPTIONS, args) as Required<VariableLayerArgs>;
    this.shape = a.shape;
    this.addTimeAxis = a.addTimeAxis;
    this.init = a.init;
    this.paramName = a.paramName;
  }

  override build(inputShape: SymbolicShape | SymbolicShape[]): void {
    const initializer = typeof this.init === 'number' ? new ConstantInit({ value: this.init }) : this.init;
    this.var = this.addWeight(this.paramName ?? this.name, { shape: this.shape, initializer });
    super.build(inputShape);
  }

  override call(_inputs: Tensor | Tensor[], _ctx: CallContext): Tensor {
    const v = this.var!.value;
    return this.addTimeAxis ? ops.reshape(v, [1, ...this.shape]) : v;
  }

  override computeOutputShape(_inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    return this.addTimeAxis ? [1, ...this.shape] : this.shape;
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), shape: this.shape, addTimeAxis: this.addTimeAxis, init: this.init, paramName: this.paramName };
  }
}

/**
 * RETURNN's `variable`: `shape`, `add_time_axis`, `init` (a number or an
 * initializer name), `param_name`, `trainable` (common key), `dtype` float32;
 * `add_batch_axis` only False, `saveable` only True. No batch axis.
 */
export const variableLayer: LayerSpec = {
  cls: VariableLayer,
  options: VARIABLE_OPTIONS,
  netDict: {
    names: ['variable'],
    sources: 'none',
    outputData: (c) => {
      const l = c.layer as VariableLayer;
      const d = staticData(c.name, l.shape, 'float32');
      return l.addTimeAxis ? new Data({ name: c.name, dims: [new Dim({ description: `${c.name}:dummy-time`, size: 1 }), ...d.dims], dtype: 'float32', hasBatch: false }) : d;
    },
  },
};
