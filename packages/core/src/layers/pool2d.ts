import { ops, type Tensor } from '@strata/backend';
import { InputShapeError, LayerArgumentError } from '../errors.js';
import { type CallContext, Layer, type LayerArgs, type LayerConfig, type SymbolicShape } from '../layer.js';
import { checkPadding, single, toPair, windowOutputSize } from './util.js';

/** Arguments of {@link Pool2D}. */
export interface Pool2DArgs extends LayerArgs {
  /** `max` or `avg` (RETURNN `mode`). */
  mode: 'max' | 'avg';
  /** Window `[height, width]` (RETURNN `pool_size`), or one number for both. */
  poolSize: number | [number, number];
  /** Step of the window. Default: `poolSize`. */
  strides?: number | [number, number];
  /** Default `valid`. `avg` with `same` divides by the number of non-padded taps (as TF/Keras). */
  padding?: 'same' | 'valid';
}

/**
 * 2-D max or average pooling over NHWC input (RETURNN `pool` layer with two
 * spatial dims; Keras `MaxPooling2D` / `AveragePooling2D`). No weights.
 *
 * Shape: input `[batch, height, width, channels]` → output
 * `[batch, outHeight, outWidth, channels]`, float32, with `out = ceil(in / stride)`
 * for `same` and `ceil((in - poolSize + 1) / stride)` for `valid`.
 * @throws LayerArgumentError for a mode other than `max`/`avg`, non-positive
 *   `poolSize`/`strides`, or a padding other than `same`/`valid`.
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
    if (args.mode !== 'max' && args.mode !== 'avg') {
      throw new LayerArgumentError(`Pool2D: mode must be 'max' or 'avg'. Received: mode=${JSON.stringify(args.mode)}.`);
    }
    this.mode = args.mode;
    this.poolSize = toPair(args.poolSize, NaN, 'Pool2D', 'poolSize');
    this.strides = toPair(args.strides ?? this.poolSize, 1, 'Pool2D', 'strides');
    this.padding = checkPadding(args.padding, 'valid', 'Pool2D');
  }

  override build(inputShape: SymbolicShape): void {
    this.computeOutputShape(inputShape);
    super.build(inputShape);
  }

  override call(inputs: Tensor | Tensor[], _ctx: CallContext): Tensor {
    const x = single(inputs);
    if (x.shape.length !== 4) {
      throw new InputShapeError(this.name, 'expected rank 4 input [batch, height, width, channels]', x.shape);
    }
    const options = { poolSize: this.poolSize, strides: this.strides, padding: this.padding };
    return this.mode === 'max' ? ops.maxPool2d(x, options) : ops.avgPool2d(x, options);
  }

  override computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    if (inputShape.length !== 4) {
      throw new InputShapeError(this.name, 'expected rank 4 input [batch, height, width, channels]', inputShape);
    }
    const out = [1, 2].map((a) => windowOutputSize(inputShape[a]!, this.poolSize[a - 1]!, this.strides[a - 1]!, 1, this.padding));
    if (out.some((n) => n !== null && n <= 0)) {
      throw new InputShapeError(
        this.name,
        `the ${this.poolSize.join('x')} window does not fit with padding 'valid'; use padding 'same' or a larger input`,
        inputShape,
      );
    }
    return [inputShape[0]!, out[0]!, out[1]!, inputShape[3]!];
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), mode: this.mode, poolSize: [...this.poolSize], strides: [...this.strides], padding: this.padding };
  }
}
