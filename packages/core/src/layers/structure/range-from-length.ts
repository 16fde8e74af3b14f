import { type DType, ops, type Tensor } from '@strata/backend';
import { z } from 'zod';
import { Data, Dim } from '../../data.js';
import { InputShapeError } from '../../errors.js';
import { type CallContext, Layer, type LayerArgs, type LayerConfig, type SymbolicShape } from '../../layer.js';
import { type LayerOptions, type LayerSpec, option, resolveArgs } from '../../layer-spec.js';
import { isBatchSizeData } from '../seq/length.js';

/** Arguments of {@link RangeFromLength}. */
export interface RangeFromLengthArgs extends Omit<LayerArgs, 'dtype'> {
  /** `int32` (default, RETURNN's) or `float32` (RETURNN `dtype`). */
  dtype?: DType;
}

const RANGE_FROM_LENGTH_OPTIONS = {
  dtype: option(z.enum(['int32', 'float32'], { error: "must be 'int32' or 'float32'" }), { default: 'int32', returnn: 'dtype' }),
  sparse: option(z.literal(false, { error: 'must be false (a sparse range has a class dim of unknown size, which Strata cannot template)' }).optional(), { returnn: 'sparse' }),
} satisfies LayerOptions;

/**
 * `0, 1, ..., max(lengths) - 1` over a new dynamic axis whose lengths are the
 * input (RETURNN `RangeFromLengthLayer`: `tf.range(0, reduce_max(x))`, and
 * the axis' `dyn_size_ext` is the input). The layer sets the lengths on its
 * output axis ({@link RangeFromLength.outDim}) when it runs. The maximum is
 * read on the host, so the layer does not trace to a graph.
 *
 * Inputs: `x` int32 `[batch]` (lengths, e.g. of `length`), or an int32 scalar
 * `n` (e.g. the batch size, `length` with `axis: "B"`): `0, ..., n - 1`.
 * Shape: `[max(x)]` (`[n]`), no batch axis (for the batch size, net dicts make it the batch axis). No weights.
 * @throws InputShapeError if `x` is not int32 `[batch]` or `[]`.
 */
export class RangeFromLength extends Layer {
  static override readonly className: string = 'RangeFromLength';
  readonly outDType: DType;
  /** The output's axis, whose lengths (`dynSize`) each call sets to its input; set by net dicts' output template. */
  outDim: Dim | undefined;

  constructor(args: RangeFromLengthArgs = {}) {
    super({ ...args, dtype: undefined });
    this.outDType = resolveArgs('RangeFromLength', RANGE_FROM_LENGTH_OPTIONS, args).dtype!;
  }

  override call(inputs: Tensor | Tensor[], _ctx: CallContext): Tensor {
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    if (x.dtype !== 'int32' || x.shape.length > 1) throw new InputShapeError({ layer: this.name, expected: 'int32 lengths [batch] or an int32 scalar', received: [...x.shape] });
    const n = x.shape.length === 0 || x.shape[0] ? Math.max(0, ...Array.from(ops.readSync(x), Number)) : 0;
    // RETURNN: the axis' dyn_size is the input, a scalar one for a scalar input (one length, no batch).
    if (this.outDim) this.outDim.dynSize = x;
    const values = Array.from({ length: n }, (_, i) => i);
    return ops.tensor(this.outDType === 'int32' ? Int32Array.from(values) : Float32Array.from(values), [n], this.outDType);
  }

  override computeOutputShape(_inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    return [null];
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), dtype: this.outDType };
  }
}

/**
 * RETURNN's `range_from_length`: `dtype` (default int32), `sparse` only
 * False; `out_spatial_dim` is an unknown key. The output's one axis is a new
 * dynamic Dim whose lengths are the input's values; of the batch size
 * (`length` with `axis: "B"`) it is the batch axis, as in RETURNN.
 */
export const rangeFromLengthLayer: LayerSpec = {
  cls: RangeFromLength,
  options: RANGE_FROM_LENGTH_OPTIONS,
  netDict: {
    names: ['range_from_length'],
    sources: 'concat',
    acceptsSparse: true,
    outputData: (c) => {
      const l = c.layer as RangeFromLength;
      if (c.sources[0] && isBatchSizeData(c.sources[0])) return new Data({ name: c.name, dims: [], dtype: l.outDType });
      l.outDim = new Dim({ description: `${c.name}_input_len`, size: null });
      return new Data({ name: c.name, dims: [l.outDim], dtype: l.outDType, hasBatch: false });
    },
  },
};
