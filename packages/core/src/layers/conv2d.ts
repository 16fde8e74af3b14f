import { ops, type Tensor } from '@strata/backend';
import { z } from 'zod';
import { type Activation, getActivation } from '../activations.js';
import { InputShapeError, LayerArgumentError } from '../errors.js';
import { getInitializer, type Initializer, type InitializerSpec, serializeInitializer } from '../initializers/index.js';
import { type CallContext, Layer, type LayerArgs, type LayerConfig, type SymbolicShape } from '../layer.js';
import { type LayerBuildContext, type LayerCheck, type LayerOption, type LayerOptions, type LayerSpec, option, resolveArgs, schemas } from '../layer-spec.js';
import type { Variable } from '../variable.js';
import { returnnAxes } from './axes/returnn-axes.js';
import { ceilDiv, clampLens, int } from './seq/seq-inputs.js';
import { convWithEpilogue, PADDINGS, single, toPair, windowOutputSize } from './util.js';

const IN_SPATIAL_DIMS = 'must be a list of RETURNN axis descriptions such as ["T", "dim:6"]';
/** Schema of RETURNN's `in_spatial_dims` (a list of axis descriptions). */
export const IN_SPATIAL_DIMS_SCHEMA = z.array(z.string({ error: IN_SPATIAL_DIMS }), { error: IN_SPATIAL_DIMS });

/** Arguments of {@link Conv2D}. */
export interface Conv2DArgs extends LayerArgs {
  /** Output channels (RETURNN `n_out`, Keras `filters`). Positive integer. */
  filters: number;
  /** Window `[height, width]` (RETURNN `filter_size`), or one number for both. */
  kernelSize: number | [number, number];
  /** Step of the window (RETURNN `strides`). Default 1. */
  strides?: number | [number, number];
  /**
   * `same` (output `ceil(in / stride)`) or `valid` (no padding). Default `valid` (Keras);
   * a net dict without `padding` gets `same` (RETURNN's spelling `"SAME"`/`"VALID"` is accepted).
   */
  padding?: 'same' | 'valid';
  /** Spacing between window taps (RETURNN `dilation_rate`). Default 1. Not together with strides > 1 (see {@link CONV2D_CHECKS}). */
  dilationRate?: number | [number, number];
  /** Activation name applied to the output (default linear). */
  activation?: string | null;
  /** Whether to add a bias (RETURNN `with_bias`, Keras `use_bias`). Default true; a net dict follows RETURNN: true from `behavior_version` 10, false before. */
  withBias?: boolean;
  /** Take a rank-3 input `[batch, height, width]` as `[batch, height, width, 1]` (RETURNN `input_add_feature_dim`). Default false. */
  inputAddFeatureDim?: boolean;
  /**
   * RETURNN `in_spatial_dims`: the axes the window moves over, as RETURNN descriptions (`["T", "dim:6"]`).
   * Strata convolves over axes 1 and 2 (after the batch axis); a net dict may name them, other axes are an error.
   */
  inSpatialDims?: readonly string[];
  /** Default `glorot_uniform` (fans include the receptive field, as in Keras). */
  kernelInitializer?: InitializerSpec;
  /** Default `zeros`. */
  biasInitializer?: InitializerSpec;
}

/**
 * RETURNN's `padding` of `conv` and `pool`: `same` or `valid` in any letter
 * case (`"SAME"`), mapped to the argument's lower case.
 */
export const RETURNN_PADDING: Pick<LayerOption, 'returnnSchema' | 'fromReturnn'> = {
  returnnSchema: schemas.oneOfAnyCase(PADDINGS),
  fromReturnn: (v) => (v as string).toLowerCase(),
};

/**
 * RETURNN `auto_use_channel_first` of `conv` (and `pool`): only the layout of the output. `ConvLayer.__init__`
 * drops it (`del out_spatial_dims, auto_use_channel_first`); `get_out_data_from_opts` puts the channels right
 * after the batch axis when it is true and a GPU is in the session, and the convolution then runs as NCHW on
 * the same numbers. Strata's outputs keep channels last (the layout a net dict sees is by dim tags), so the
 * key is read and changes nothing; the value must be a boolean.
 */
export const AUTO_USE_CHANNEL_FIRST: LayerOption = option(schemas.boolean().optional(), { returnn: 'auto_use_channel_first', fromReturnn: () => undefined });

/**
 * A 2-D convolution's strides and dilation rate cannot both exceed 1: Keras' `Conv2D` refuses it, and so does
 * RETURNN's `ConvLayer` on CPU (it runs the combination through `tf.compat.v1.nn.conv2d`, for a 2-D window
 * only with channels first, i.e. on a GPU: "not implemented otherwise"). A 1-D convolution takes it (`Conv1D`).
 */
export const CONV2D_CHECKS: readonly LayerCheck[] = [
  (a, name) => {
    const above1 = (v: unknown) => (Array.isArray(v) ? v : [v]).some((n) => typeof n === 'number' && n > 1);
    if (!above1(a.strides) || !above1(a.dilationRate)) return undefined;
    return (
      `${name('strides')} > 1 and ${name('dilationRate')} > 1 cannot be combined in a 2-D convolution (RETURNN's ConvLayer runs them together only 1-D, or channels-first on a GPU). ` +
      `Received: ${name('strides')}=${JSON.stringify(a.strides)}, ${name('dilationRate')}=${JSON.stringify(a.dilationRate)}.`
    );
  },
];

const FILTER_SIZE = 'must be [width] (a 1-D convolution over time) or [height, width] (2-D) of positive integers, or one positive integer for both';

/** Conv2D's arguments in both vocabularies (RETURNN `ConvLayer`'s keys). */
const CONV2D_OPTIONS = {
  filters: option(schemas.positiveInt(), { returnn: 'n_out' }),
  kernelSize: option(schemas.pair(), {
    returnn: 'filter_size',
    // RETURNN's 1-element filter_size is Conv1D (see conv1dLayer); 3-D convolutions are not supported.
    returnnSchema: z.union([z.number({ error: FILTER_SIZE }).int({ error: FILTER_SIZE }).positive({ error: FILTER_SIZE }), z.tuple([schemas.positiveInt(), schemas.positiveInt()])], {
      error: FILTER_SIZE,
    }),
  }),
  strides: option(schemas.pair(), { default: 1, returnn: 'strides' }),
  padding: option(schemas.oneOf(PADDINGS), { default: 'valid', returnn: 'padding', returnnDefault: 'same', ...RETURNN_PADDING }),
  dilationRate: option(schemas.pair(), { default: 1, returnn: 'dilation_rate' }),
  activation: option(schemas.activation(), { default: null, returnn: 'activation' }),
  withBias: option(schemas.boolean(), { default: true, returnn: 'with_bias', returnnDefaultFor: (v) => v >= 10 }),
  inputAddFeatureDim: option(schemas.boolean(), { default: false, returnn: 'input_add_feature_dim' }),
  inSpatialDims: option(IN_SPATIAL_DIMS_SCHEMA.optional(), { returnn: 'in_spatial_dims' }),
  autoUseChannelFirst: AUTO_USE_CHANNEL_FIRST,
  kernelInitializer: option(schemas.initializer(), { default: 'glorot_uniform', returnn: 'forward_weights_init' }),
  biasInitializer: option(schemas.initializer(), { default: 'zeros', returnn: 'bias_init' }),
} satisfies LayerOptions;

/**
 * 2-D convolution over NHWC input (RETURNN `conv` layer with two spatial
 * dims, Keras/tfjs `Conv2D`): `y = activation(conv(x, kernel) + bias)`.
 *
 * Shape: input `[batch, height, width, inChannels]` → output
 * `[batch, outHeight, outWidth, filters]`, float32, with
 * `out = ceil(in / stride)` for `same` and `ceil((in - (k - 1) * dilation) / stride)` for `valid`.
 * Weights: `kernel` `[kernelHeight, kernelWidth, inChannels, filters]` (HWIO), `bias` `[filters]`.
 * @throws LayerArgumentError for a non-positive or non-integer `filters`, `kernelSize`,
 *   `strides` or `dilationRate`, a padding other than `same`/`valid`, an unknown activation or
 *   initializer, or strides and dilation both > 1 (`Conv2D: <arg> must be ... Received: <arg>=...`).
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
  readonly inputAddFeatureDim: boolean;
  readonly activationName: string | null;
  protected readonly activationFn: Activation;
  private readonly kernelInit: Initializer;
  private readonly biasInit: Initializer;
  kernel!: Variable;
  bias: Variable | undefined;

  constructor(args: Conv2DArgs) {
    super(args);
    const a = resolveArgs('Conv2D', CONV2D_OPTIONS, args, CONV2D_CHECKS) as Required<Conv2DArgs>;
    this.filters = a.filters;
    this.kernelSize = toPair(a.kernelSize, NaN, 'Conv2D', 'kernelSize');
    this.strides = toPair(a.strides, 1, 'Conv2D', 'strides');
    this.dilationRate = toPair(a.dilationRate, 1, 'Conv2D', 'dilationRate');
    this.padding = a.padding;
    this.withBias = a.withBias;
    this.inputAddFeatureDim = a.inputAddFeatureDim;
    this.activationName = a.activation;
    this.activationFn = getActivation(this.activationName);
    this.kernelInit = getInitializer(a.kernelInitializer);
    this.biasInit = getInitializer(a.biasInitializer);
  }

  /** The input as the convolution sees it: with `inputAddFeatureDim`, a channels axis of 1 appended. */
  private image<T extends SymbolicShape>(shape: T): SymbolicShape {
    return this.inputAddFeatureDim ? [...shape, 1] : shape;
  }

  override build(shape: SymbolicShape): void {
    const inputShape = this.image(shape);
    this.computeOutputShape(shape);
    const inChannels = inputShape[3];
    if (inChannels === null || inChannels === undefined) {
      throw new InputShapeError({ layer: this.name, expected: 'the channels axis (last) must be known', received: inputShape });
    }
    const [kh, kw] = this.kernelSize;
    this.kernel = this.addWeight('kernel', { shape: [kh, kw, inChannels, this.filters], initializer: this.kernelInit });
    if (this.withBias) this.bias = this.addWeight('bias', { shape: [this.filters], initializer: this.biasInit });
    super.build(shape);
  }

  override call(inputs: Tensor | Tensor[], _ctx: CallContext): Tensor {
    const input = single(inputs);
    const x = this.inputAddFeatureDim ? ops.reshape(input, [...input.shape, 1]) : input;
    if (x.shape.length !== 4) {
      throw new InputShapeError({ layer: this.name, expected: 'expected rank 4 input [batch, height, width, channels]', received: x.shape });
    }
    const options = { strides: this.strides, padding: this.padding, dilations: this.dilationRate };
    return convWithEpilogue(x, this.kernel.value, options, this.bias?.value, this.activationName, this.activationFn);
  }

  /**
   * The lengths of axis 1 (the time axis of `[batch, time, freq, channels]`) after the window, TF's rule per
   * length: `ceil(len / stride)` (`same`) or `max(0, ceil((len - (k - 1) * dilation) / stride))` (`valid`), int32 `[batch]`.
   */
  override outputSeqLens(seqLens: Tensor): Tensor {
    const [k, s, d] = [this.kernelSize[0], this.strides[0], this.dilationRate[0]];
    if (this.padding === 'same') return ceilDiv(seqLens, s);
    return clampLens(ceilDiv(ops.sub(seqLens, int((k - 1) * d)), s));
  }

  override computeOutputShape(shape: SymbolicShape): SymbolicShape {
    const inputShape = this.image(shape);
    if (inputShape.length !== 4) {
      throw new InputShapeError({ layer: this.name, expected: 'expected rank 4 input [batch, height, width, channels]', received: inputShape });
    }
    const out = [1, 2].map((a) =>
      windowOutputSize(inputShape[a]!, this.kernelSize[a - 1]!, this.strides[a - 1]!, this.dilationRate[a - 1]!, this.padding),
    );
    if (out.some((n) => n !== null && n <= 0)) {
      throw new InputShapeError({
        layer: this.name,
        expected: `the ${this.kernelSize.join('x')} window (dilation ${this.dilationRate.join('x')}) does not fit with padding 'valid'; use padding 'same' or a larger input`,
        received: inputShape,
      });
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
      inputAddFeatureDim: this.inputAddFeatureDim,
      kernelInitializer: serializeInitializer(this.kernelInit),
      biasInitializer: serializeInitializer(this.biasInit),
    };
  }
}

/** Whether a RETURNN `conv` entry is a 1-D convolution over time: its `filter_size` has one element. */
export const isConv1DEntry = (entry: Readonly<Record<string, unknown>>): boolean => Array.isArray(entry.filter_size) && entry.filter_size.length === 1;

/**
 * RETURNN's `conv` (`ConvLayer`) with a 2-element `filter_size` (`[height,
 * width]`, or one number for both) on `[batch, height, width, channels]`:
 * {@link Conv2D}. An entry with a 1-element `filter_size` is `conv1dLayer`'s
 * (over time). Without `padding` an entry pads `same` (Strata's net-dict
 * default; RETURNN requires the key); `"SAME"`/`"VALID"` are accepted.
 */
export const conv2dLayer: LayerSpec = {
  cls: Conv2D,
  options: CONV2D_OPTIONS,
  checks: CONV2D_CHECKS,
  netDict: { names: ['conv'], when: (entry) => !isConv1DEntry(entry), sources: 'concat', derive: (ctx, args) => checkInSpatialDims(ctx, args, [1, 2]) },
};

/**
 * A net dict's `in_spatial_dims` must name the axes Strata's convolution
 * moves over (`expected`, counted with the batch axis on the source's
 * batch-major shape); RETURNN's default spatial axes are those. Returns no
 * derived arguments.
 * @throws LayerArgumentError naming the key, what it resolved to and what is supported.
 */
export function checkInSpatialDims(ctx: LayerBuildContext, args: Readonly<Record<string, unknown>>, expected: readonly number[]): Record<string, unknown> {
  const dims = args.inSpatialDims as readonly string[] | undefined;
  const source = ctx.sources[0];
  if (!dims || !source) return {};
  const shape = source.batchShape;
  const axes = dims.map((d) => returnnAxes(d, shape, ctx.name));
  if (axes.length !== expected.length || axes.some((a, i) => a.length !== 1 || a[0] !== expected[i])) {
    throw new LayerArgumentError(
      `in_spatial_dims ${JSON.stringify(dims)} names axes [${axes.map((a) => a.join('|')).join(', ')}] of the input [${shape.join(', ')}]; ` +
        `Strata convolves over axes [${expected.join(', ')}] (after the batch axis, in order): name those, or transpose the input first. Received: in_spatial_dims=${JSON.stringify(dims)}.`,
    );
  }
  return {};
}
