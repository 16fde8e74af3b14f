import { ops, type Tensor } from '@strata/backend';
import { InputShapeError } from '../errors.js';
import { type CallContext, Layer, type LayerArgs, type LayerConfig, type SymbolicShape } from '../layer.js';
import { type LayerOptions, type LayerSpec, option, resolveArgs, schemas } from '../layer-spec.js';
import { RETURNN_PADDING } from './conv2d.js';
import { PADDINGS, single, toPair, windowOutputSize } from './util.js';

/** Arguments of {@link Pool2D}. */
export interface Pool2DArgs extends LayerArgs {
  /** `max` or `avg` (RETURNN `mode`, in any letter case there). */
  mode: 'max' | 'avg';
  /** Window `[height, width]` (RETURNN `pool_size`), or one number for both. */
  poolSize: number | [number, number];
  /** Step of the window (RETURNN `strides`). Default: `poolSize`. */
  strides?: number | [number, number];
  /**
   * Default `valid` (as RETURNN and Keras; RETURNN's `"SAME"`/`"VALID"` are accepted in a net dict).
   * `avg` with `same` divides by the number of non-padded taps (as TF/Keras).
   */
  padding?: 'same' | 'valid';
}

/** The modes of {@link Pool2D}. */
const POOL_MODES = ['max', 'avg'] as const;

/** Pool2D's arguments in both vocabularies (RETURNN `PoolLayer`'s keys). */
const POOL2D_OPTIONS = {
  mode: option(schemas.oneOf(POOL_MODES), { returnn: 'mode', returnnSchema: schemas.oneOfAnyCase(POOL_MODES), fromReturnn: (v) => (v as string).toLowerCase() }),
  poolSize: option(schemas.pair(), { returnn: 'pool_size' }),
  strides: option(schemas.pair().optional(), { returnn: 'strides' }),
  padding: option(schemas.oneOf(PADDINGS), { default: 'valid', returnn: 'padding', ...RETURNN_PADDING }),
} satisfies LayerOptions;

/**
 * 2-D max or average pooling over NHWC input (RETURNN `pool` layer with two
 * spatial dims; Keras `MaxPooling2D` / `AveragePooling2D`). No weights.
 *
 * Shape: input `[batch, height, width, channels]` → output
 * `[batch, outHeight, outWidth, channels]`, float32, with `out = ceil(in / stride)`
 * for `same` and `ceil((in - poolSize + 1) / stride)` for `valid`.
 * @throws LayerArgumentError for a mode other than `max`/`avg`, non-positive or non-integer
 *   `poolSize`/`strides`, or a padding other than `same`/`valid` (`Pool2D: <arg> must be ... Received: <arg>=...`).
 * @throws InputShapeError if the input is not rank 4 or a `valid` window does not fit.
 */
export class Pool2D extends Layer {
  static override readonly className: string = 'Pool2D';
  readonly mode: 'max' | 'avg';
  readonly poolSize: [number, number];
  readonly strides: [number, number];
  readonly padding: 'same' | 'valid';

  constructor(args: Pool2DArgs) {
    super(args);
    const a = resolveArgs('Pool2D', POOL2D_OPTIONS, args);
    this.mode = a.mode;
    this.poolSize = toPair(a.poolSize, NaN, 'Pool2D', 'poolSize');
    this.strides = toPair(a.strides ?? this.poolSize, 1, 'Pool2D', 'strides');
    this.padding = a.padding ?? 'valid';
  }

  override build(inputShape: SymbolicShape): void {
    this.computeOutputShape(inputShape);
    super.build(inputShape);
  }

  override call(inputs: Tensor | Tensor[], _ctx: CallContext): Tensor {
    const x = single(inputs);
    if (x.shape.length !== 4) {
      throw new InputShapeError({ layer: this.name, expected: 'expected rank 4 input [batch, height, width, channels]', received: x.shape });
    }
    const options = { poolSize: this.poolSize, strides: this.strides, padding: this.padding };
    return this.mode === 'max' ? ops.maxPool2d(x, options) : ops.avgPool2d(x, options);
  }

  override computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    if (inputShape.length !== 4) {
      throw new InputShapeError({ layer: this.name, expected: 'expected rank 4 input [batch, height, width, channels]', received: inputShape });
    }
    const out = [1, 2].map((a) => windowOutputSize(inputShape[a]!, this.poolSize[a - 1]!, this.strides[a - 1]!, 1, this.padding));
    if (out.some((n) => n !== null && n <= 0)) {
      throw new InputShapeError({
        layer: this.name,
        expected: `the ${this.poolSize.join('x')} window does not fit with padding 'valid'; use padding 'same' or a larger input`,
        received: inputShape,
      });
    }
    return [inputShape[0]!, out[0]!, out[1]!, inputShape[3]!];
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), mode: this.mode, poolSize: [...this.poolSize], strides: [...this.strides], padding: this.padding };
  }
}

/**
 * RETURNN's `pool` (`PoolLayer`) with a 2-element `pool_size` on `[batch,
 * height, width, channels]`: {@link Pool2D}. `mode` and `padding` may be
 * written in RETURNN's upper case (`"MAX"`, `"SAME"`); `strides` defaults to `pool_size`.
 */
export const pool2dLayer: LayerSpec = {
  cls: Pool2D,
  options: POOL2D_OPTIONS,
  netDict: { names: ['pool'], when: (entry) => !(Array.isArray(entry.pool_size) && entry.pool_size.length === 1), sources: 'concat' },
};
