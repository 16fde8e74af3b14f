import { ops, type Tensor } from '@strata/backend';
import { z } from 'zod';
import { InputShapeError } from '../../errors.js';
import { type CallContext, Layer, type LayerArgs, type LayerConfig, type SymbolicShape } from '../../layer.js';
import { type LayerOptions, type LayerSpec, option, resolveArgs, schemas } from '../../layer-spec.js';
import { checkInSpatialDims, IN_SPATIAL_DIMS_SCHEMA, RETURNN_PADDING } from '../conv2d.js';
import { PADDINGS, single, windowOutputSize } from '../util.js';
import { ceilDiv, clampLens, int } from './seq-inputs.js';

/** Arguments of {@link Pool1D}. */
export interface Pool1DArgs extends LayerArgs {
  /** `max` or `avg` (RETURNN `mode`, in any letter case there). */
  mode: 'max' | 'avg';
  /** Window length in frames (RETURNN `pool_size: [k]`). Positive integer. */
  poolSize: number;
  /** Step of the window in frames (RETURNN `strides`). Default: `poolSize`. */
  strides?: number;
  /** Default `valid` (as RETURNN); `avg` with `same` divides by the number of non-padded taps (as TF). */
  padding?: 'same' | 'valid';
  /** RETURNN `in_spatial_dims`: a net dict may name the time axis (`["T"]`); other axes are an error. */
  inSpatialDims?: readonly string[];
}

const POOL_MODES = ['max', 'avg'] as const;
const oneOrList = () => z.union([schemas.positiveInt(), z.tuple([schemas.positiveInt()])], { error: 'must be a positive integer or a list of one' });
const first = (v: unknown): unknown => (Array.isArray(v) ? v[0] : v);

/** Pool1D's arguments in both vocabularies (RETURNN `PoolLayer`'s keys; a list of one element in a net dict is the number). */
const POOL1D_OPTIONS = {
  mode: option(schemas.oneOf(POOL_MODES), { returnn: 'mode', returnnSchema: schemas.oneOfAnyCase(POOL_MODES), fromReturnn: (v) => (v as string).toLowerCase() }),
  poolSize: option(schemas.positiveInt(), { returnn: 'pool_size', returnnSchema: z.tuple([schemas.positiveInt()]), fromReturnn: first }),
  strides: option(schemas.positiveInt().optional(), { returnn: 'strides', returnnSchema: oneOrList(), fromReturnn: first }),
  padding: option(schemas.oneOf(PADDINGS), { default: 'valid', returnn: 'padding', ...RETURNN_PADDING }),
  inSpatialDims: option(IN_SPATIAL_DIMS_SCHEMA.optional(), { returnn: 'in_spatial_dims' }),
} satisfies LayerOptions;

/**
 * Max or average pooling over the time axis of `[batch, time, features]`
 * (RETURNN `pool` with a 1-element `pool_size`; Keras `MaxPooling1D` /
 * `AveragePooling1D`), computed as a 2-D pooling of a height-1 image. No
 * weights. As RETURNN's `PoolLayer` (`use_time_mask` false), the frames past
 * a sequence's length are read as they are; {@link Pool1D.outputSeqLens}
 * gives the output lengths by TF's window rule.
 *
 * Shape: `[batch, time, features]` → `[batch, outTime, features]`, float32, `outTime = ceil(time / stride)`
 * (`same`) or `ceil((time - poolSize + 1) / stride)` (`valid`).
 * @throws LayerArgumentError for a mode other than `max`/`avg`, a non-positive `poolSize`/`strides`, or a bad padding.
 * @throws InputShapeError if the input is not rank 3 or a `valid` window does not fit.
 */
export class Pool1D extends Layer {
  static override readonly className: string = 'Pool1D';
  readonly mode: 'max' | 'avg';
  readonly poolSize: number;
  readonly strides: number;
  readonly padding: 'same' | 'valid';

  constructor(args: Pool1DArgs) {
    super(args);
    const a = resolveArgs('Pool1D', POOL1D_OPTIONS, args);
    this.mode = a.mode;
    this.poolSize = a.poolSize;
    this.strides = a.strides ?? a.poolSize;
    this.padding = a.padding ?? 'valid';
  }

  override build(inputShape: SymbolicShape): void {
    this.computeOutputShape(inputShape);
    super.build(inputShape);
  }

  override call(inputs: Tensor | Tensor[], _ctx: CallContext): Tensor {
    const x = single(inputs);
    const [batch, time, features] = x.shape;
    const outTime = this.computeOutputShape(x.shape)[1]!;
    const image = ops.reshape(x, [batch!, 1, time!, features!]);
    const options = { poolSize: [1, this.poolSize] as [number, number], strides: [1, this.strides] as [number, number], padding: this.padding };
    const y = this.mode === 'max' ? ops.maxPool2d(image, options) : ops.avgPool2d(image, options);
    return ops.reshape(y, [batch!, outTime, features!]);
  }

  /** `ceil(len / stride)` (`same`) or `max(0, ceil((len - poolSize + 1) / stride))` (`valid`), int32 `[batch]`. */
  override outputSeqLens(seqLens: Tensor): Tensor {
    if (this.padding === 'same') return ceilDiv(seqLens, this.strides);
    return clampLens(ceilDiv(ops.sub(seqLens, int(this.poolSize - 1)), this.strides));
  }

  override computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    if (inputShape.length !== 3) throw new InputShapeError({ layer: this.name, expected: 'expected rank 3 input [batch, time, features]', received: inputShape });
    const out = windowOutputSize(inputShape[1]!, this.poolSize, this.strides, 1, this.padding);
    if (out !== null && out <= 0) {
      throw new InputShapeError({ layer: this.name, expected: `the window of ${this.poolSize} frames does not fit with padding 'valid'; use padding 'same' or longer input`, received: inputShape });
    }
    return [inputShape[0]!, out, inputShape[2]!];
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), mode: this.mode, poolSize: this.poolSize, strides: this.strides, padding: this.padding };
  }
}

/** Whether a RETURNN `pool` entry pools over time only: its `pool_size` has one element. */
export const isPool1DEntry = (entry: Readonly<Record<string, unknown>>): boolean => Array.isArray(entry.pool_size) && entry.pool_size.length === 1;

/**
 * RETURNN's `pool` (`PoolLayer`) with a 1-element `pool_size` (`[k]`) on
 * `[batch, time, features]`: {@link Pool1D}. `strides` may be `k` or `[k]`
 * (default `pool_size`); `mode`/`padding` in any letter case.
 */
export const pool1dLayer: LayerSpec = {
  cls: Pool1D,
  options: POOL1D_OPTIONS,
  netDict: { names: ['pool'], when: isPool1DEntry, sources: 'concat', derive: (ctx, args) => checkInSpatialDims(ctx, args, [1]) },
};
