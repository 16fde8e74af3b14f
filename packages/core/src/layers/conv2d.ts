import { ops, type Tensor } from '@strata/backend';
import { type Activation, getActivation } from '../activations.js';
import { InputShapeError, LayerArgumentError } from '../errors.js';
import { getInitializer, type Initializer, type InitializerSpec, serializeInitializer } from '../initializers/index.js';
import { type CallContext, Layer, type LayerArgs, type LayerConfig, type SymbolicShape } from '../layer.js';
import type { Variable } from '../variable.js';
import { checkPadding, convWithEpilogue, single, toPair, windowOutputSize } from './util.js';

/** Arguments of {@link Conv2D}. */
export interface Conv2DArgs extends LayerArgs {
  /** Output channels (RETURNN `n_out`, Keras `filters`). Positive integer. */
  filters: number;
  /** Window `[height, width]` (RETURNN `filter_size`), or one number for both. */
  kernelSize: number | [number, number];
  /** Step of the window (RETURNN `strides`). Default 1. */
  strides?: number | [number, number];
  /** `same` (output `ceil(in / stride)`) or `valid` (no padding). Default `valid`. */
  padding?: 'same' | 'valid';
  /** Spacing between window taps (RETURNN `dilation_rate`). Default 1. Not together with strides > 1. */
  dilationRate?: number | [number, number];
  /** Activation name applied to the output (default linear). */
  activation?: string | null;
  /** Whether to add a bias (RETURNN `with_bias`, Keras `use_bias`). Default true. */
  withBias?: boolean;
  /** Default `glorot_uniform` (fans include the receptive field, as in Keras). */
  kernelInitializer?: InitializerSpec;
  /** Default `zeros`. */
  biasInitializer?: InitializerSpec;
}

/**
 * 2-D convolution over NHWC input (RETURNN `conv` layer with two spatial
 * dims, Keras/tfjs `Conv2D`): `y = activation(conv(x, kernel) + bias)`.
 *
 * Shape: input `[batch, height, width, inChannels]` → output
 * `[batch, outHeight, outWidth, filters]`, float32, with
 * `out = ceil(in / stride)` for `same` and `ceil((in - (k - 1) * dilation) / stride)` for `valid`.
 * Weights: `kernel` `[kernelHeight, kernelWidth, inChannels, filters]` (HWIO), `bias` `[filters]`.
 * @throws LayerArgumentError for a non-positive or non-integer `filters`, `kernelSize`,
 *   `strides` or `dilationRate`, a padding other than `same`/`valid`, or strides and dilation both > 1.
 * @throws InputShapeError if the input is not rank 4, its channels are unknown,
 *   or a `valid` window does not fit in the input.
 */
export class Conv2D extends Layer {
  static override readonly className: string = 'Conv2D';
  readonly filters: number;
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: 'same' | 'valid';
  readonly dilationRate: [number, number];
  readonly withBias: boolean;
  readonly activationName: string | null;
  protected readonly activationFn: Activation;
  private readonly kernelInit: Initializer;
  private readonly biasInit: Initializer;
  kernel!: Variable;
  bias: Variable | undefined;

  constructor(args: Conv2DArgs) {
    super(args);
    if (!Number.isInteger(args.filters) || args.filters <= 0) {
      throw new LayerArgumentError(`Conv2D: filters (n_out) must be a positive integer. Received: filters=${String(args.filters)}.`);
    }
    this.filters = args.filters;
    this.kernelSize = toPair(args.kernelSize, NaN, 'Conv2D', 'kernelSize');
    this.strides = toPair(args.strides, 1, 'Conv2D', 'strides');
    this.dilationRate = toPair(args.dilationRate, 1, 'Conv2D', 'dilationRate');
    if (this.strides.some((s) => s > 1) && this.dilationRate.some((d) => d > 1)) {
      throw new LayerArgumentError(
        `Conv2D: strides > 1 and dilationRate > 1 cannot be combined. ` +
          `Received: strides=[${this.strides.join(', ')}], dilationRate=[${this.dilationRate.join(', ')}].`,
      );
    }
    this.padding = checkPadding(args.padding, 'valid', 'Conv2D');
    this.withBias = args.withBias ?? true;
    this.activationName = args.activation ?? null;
    this.activationFn = getActivation(this.activationName);
    this.kernelInit = getInitializer(args.kernelInitializer ?? 'glorot_uniform');
    this.biasInit = getInitializer(args.biasInitializer ?? 'zeros');
  }

  override build(inputShape: SymbolicShape): void {
    this.computeOutputShape(inputShape);
    const inChannels = inputShape[3];
    if (inChannels === null || inChannels === undefined) {
      throw new InputShapeError(this.name, 'the channels axis (last) must be known', inputShape);
    }
    const [kh, kw] = this.kernelSize;
    this.kernel = this.addWeight('kernel', { shape: [kh, kw, inChannels, this.filters], initializer: this.kernelInit });
    if (this.withBias) this.bias = this.addWeight('bias', { shape: [this.filters], initializer: this.biasInit });
    super.build(inputShape);
  }

  override call(inputs: Tensor | Tensor[], _ctx: CallContext): Tensor {
    const x = single(inputs);
    if (x.shape.length !== 4) {
      throw new InputShapeError(this.name, 'expected rank 4 input [batch, height, width, channels]', x.shape);
    }
    const options = { strides: this.strides, padding: this.padding, dilations: this.dilationRate };
    return convWithEpilogue(x, this.kernel.value, options, this.bias?.value, this.activationName, this.activationFn);
  }

  override computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    if (inputShape.length !== 4) {
      throw new InputShapeError(this.name, 'expected rank 4 input [batch, height, width, channels]', inputShape);
    }
    const out = [1, 2].map((a) =>
      windowOutputSize(inputShape[a]!, this.kernelSize[a - 1]!, this.strides[a - 1]!, this.dilationRate[a - 1]!, this.padding),
    );
    if (out.some((n) => n !== null && n <= 0)) {
      throw new InputShapeError(
        this.name,
        `the ${this.kernelSize.join('x')} window (dilation ${this.dilationRate.join('x')}) does not fit with padding 'valid'; use padding 'same' or a larger input`,
        inputShape,
      );
    }
    return [inputShape[0]!, out[0]!, out[1]!, this.filters];
  }

  override getConfig(): LayerConfig {
    return {
      ...super.getConfig(),
      filters: this.filters,
      kernelSize: [...this.kernelSize],
      strides: [...this.strides],
      padding: this.padding,
      dilationRate: [...this.dilationRate],
      activation: this.activationName,
      withBias: this.withBias,
      kernelInitializer: serializeInitializer(this.kernelInit),
      biasInitializer: serializeInitializer(this.biasInit),
    };
  }
}
