import { ops, type Tensor } from '@strata/backend';
import { z } from 'zod';
import { type Activation, getActivation } from '../../activations.js';
import { InputShapeError } from '../../errors.js';
import { getInitializer, type Initializer, type InitializerSpec, serializeInitializer } from '../../initializers/index.js';
import { type CallContext, Layer, type LayerArgs, type LayerConfig, type SymbolicShape } from '../../layer.js';
import { type LayerOptions, type LayerSpec, option, resolveArgs, schemas } from '../../layer-spec.js';
import { maskFrames } from '../../sequence-mask.js';
import type { Variable } from '../../variable.js';
import { AUTO_USE_CHANNEL_FIRST, checkInSpatialDims, IN_SPATIAL_DIMS_SCHEMA, isConv1DEntry, RETURNN_PADDING } from '../conv2d.js';
import { convWithEpilogue, PADDINGS, windowOutputSize } from '../util.js';
import { ceilDiv, clampLens, int, seqInput, xShapeOf } from './seq-inputs.js';

/** Arguments of {@link Conv1D}. */
export interface Conv1DArgs extends LayerArgs {
  /** Output features (RETURNN `n_out`, Keras `filters`). Positive integer. */
  filters: number;
  /** Window length in frames (RETURNN `filter_size: [k]`). Positive integer. */
  kernelSize: number;
  /** Step of the window in frames (RETURNN `strides`). Default 1. */
  strides?: number;
  /**
   * `same` (output `ceil(time / stride)` frames) or `valid` (no padding). Default `valid` (Keras);
   * a net dict without `padding` gets `same` (RETURNN's spelling `"SAME"`/`"VALID"` is accepted).
   */
  padding?: 'same' | 'valid';
  /** Spacing between window taps (RETURNN `dilation_rate`). Default 1; with strides > 1 too (TF's `conv2d`, as RETURNN). */
  dilationRate?: number;
  /** Activation name applied to the output (default linear). */
  activation?: string | null;
  /**
   * Whether to add a bias (RETURNN `with_bias`, Keras `use_bias`). Default true; a net dict without
   * `with_bias` follows RETURNN: true from `behavior_version` 10, false before.
   */
  withBias?: boolean;
  /**
   * Zero the input frames past each sequence's length before the convolution (RETURNN `use_time_mask`,
   * mask value 0). Default true; a net dict without `use_time_mask` gets RETURNN's default false: the
   * window of a frame near the end reads the padded frames as they are.
   */
  useTimeMask?: boolean;
  /**
   * Zero the output frames past each sequence's (output) length. Default true; net dicts set false:
   * RETURNN's `ConvLayer` leaves them as the convolution computes them (a later `merge_dims` of batch and time sees them).
   */
  maskOutput?: boolean;
  /** RETURNN `in_spatial_dims`: a net dict may name the time axis (`["T"]`), the axis Strata convolves over; other axes are an error. */
  inSpatialDims?: readonly string[];
  /** Default `glorot_uniform`. */
  kernelInitializer?: InitializerSpec;
  /**
   * The kernel is an input, not a weight (RETURNN `filter`, a layer giving
   * `[kernelSize, inFeatures, filters]`): the inputs are `[x, filter]` or
   * `[x, filter, seqLens]`. Set by net dicts when the entry has `filter`. Default false.
   */
  withFilter?: boolean;
  /** Default `zeros`. */
  biasInitializer?: InitializerSpec;
}

/** RETURNN's `[k]` (one element per spatial axis) or `k` for a 1-D convolution's size, stride or dilation. */
const oneOrList = () => z.union([schemas.positiveInt(), z.tuple([schemas.positiveInt()])], { error: 'must be a positive integer or a list of one' });
const first = (v: unknown): unknown => (Array.isArray(v) ? v[0] : v);

/** Conv1D's arguments in both vocabularies (RETURNN `ConvLayer`'s keys; a list of one element in a net dict is the number). */
const CONV1D_OPTIONS = {
  filters: option(schemas.positiveInt(), { returnn: 'n_out' }),
  kernelSize: option(schemas.positiveInt(), { returnn: 'filter_size', returnnSchema: z.tuple([schemas.positiveInt()]), fromReturnn: first }),
  strides: option(schemas.positiveInt(), { default: 1, returnn: 'strides', returnnSchema: oneOrList(), fromReturnn: first }),
  padding: option(schemas.oneOf(PADDINGS), { default: 'valid', returnn: 'padding', returnnDefault: 'same', ...RETURNN_PADDING }),
  dilationRate: option(schemas.positiveInt(), {
    default: 1,
    returnn: 'dilation_rate',
    returnnSchema: oneOrList(),
    fromReturnn: first,
  }),
  activation: option(schemas.activation(), { default: null, returnn: 'activation' }),
  withBias: option(schemas.boolean(), { default: true, returnn: 'with_bias', returnnDefaultFor: (v) => v >= 10 }),
  useTimeMask: option(schemas.boolean(), { default: true, returnn: 'use_time_mask', returnnDefault: false }),
  inSpatialDims: option(IN_SPATIAL_DIMS_SCHEMA.optional(), { returnn: 'in_spatial_dims' }),
  autoUseChannelFirst: AUTO_USE_CHANNEL_FIRST,
  kernelInitializer: option(schemas.initializer(), { default: 'glorot_uniform', returnn: 'forward_weights_init' }),
  withFilter: option(schemas.boolean(), { default: false }),
  maskOutput: option(schemas.boolean(), { default: true }),
  biasInitializer: option(schemas.initializer(), { default: 'zeros', returnn: 'bias_init' }),
} satisfies LayerOptions;

/**
 * 1-D convolution over the time axis (RETURNN `conv` layer with a 1-D
 * `filter_size` on `[B,T,F]`; Keras/tfjs `Conv1D`), computed as a 2-D
 * convolution of a height-1 image: `y = activation(conv(x, kernel) + bias)`.
 *
 * Inputs: `x` float32 `[batch, time, inFeatures]`, or `[x, seqLens]` with
 * `seqLens` int32 `[batch]`. With `useTimeMask` (the default in code)
 * padded input frames are zeroed before the convolution, so they act like
 * the zero padding of `same` and never reach valid outputs; without it (a
 * net dict's default, RETURNN's `use_time_mask=False`) the last valid
 * outputs read them as they are. Output frames `t >= outputSeqLens(seqLens)[b]` are zero unless
 * `maskOutput` is false (net dicts, as RETURNN).
 * (With `same` and strides > 1, TF centres the padding on the padded length
 * `time`, not on each sequence's length; RETURNN behaves the same.)
 *
 * Shape: `[batch, time, inFeatures]` → `[batch, outTime, filters]`, float32, with
 * `outTime = ceil(time / stride)` (`same`) or `ceil((time - (k - 1) * dilation) / stride)` (`valid`);
 * {@link Conv1D.outputSeqLens} applies the same rule to each length (at least 0).
 * Weights: `kernel` `[kernelSize, inFeatures, filters]` (Keras' layout), `bias` `[filters]`.
 * @throws LayerArgumentError for a non-positive or non-integer `filters`, `kernelSize`, `strides`
 *   or `dilationRate`, a padding other than `same`/`valid`, an unknown activation or initializer
 *   (`Conv1D: <arg> must be ... Received: <arg>=...`).
 * @throws InputShapeError if `x` is not rank 3 with a known feature axis, a `valid` window does not
 *   fit in a static `time` (when building), or `seqLens` is not int32 `[batch]`. In `call`, a batch
 *   shorter than the window gives 0 frames, as TF (RETURNN) does.
 */
export class Conv1D extends Layer {
  static override readonly className: string = 'Conv1D';
  readonly filters: number;
  readonly kernelSize: number;
  readonly strides: number;
  readonly padding: 'same' | 'valid';
  readonly dilationRate: number;
  readonly withBias: boolean;
  /** The kernel comes from the `filter` input, not a weight (RETURNN `filter`). */
  readonly withFilter: boolean;
  readonly useTimeMask: boolean;
  readonly maskOutput: boolean;
  readonly activationName: string | null;
  protected readonly activationFn: Activation;
  private readonly kernelInit: Initializer;
  private readonly biasInit: Initializer;
  kernel!: Variable;
  bias: Variable | undefined;

  constructor(args: Conv1DArgs) {
    super(args);
    const a = resolveArgs('Conv1D', CONV1D_OPTIONS, args) as Required<Conv1DArgs>;
    this.filters = a.filters;
    this.kernelSize = a.kernelSize;
    this.strides = a.strides;
    this.dilationRate = a.dilationRate;
    this.padding = a.padding;
    this.withBias = a.withBias;
    this.useTimeMask = a.useTimeMask;
    this.maskOutput = a.maskOutput;
    this.activationName = a.activation;
    this.activationFn = getActivation(this.activationName);
    this.kernelInit = getInitializer(a.kernelInitializer);
    this.biasInit = getInitializer(a.biasInitializer);
    this.withFilter = a.withFilter === true;
  }

  /** `x`, the kernel `[kernelSize, inFeatures, filters]` (the weight, or the `filter` input) and the lengths. */
  private parts(inputs: Tensor | Tensor[]): { x: Tensor; kernel: Tensor; seqLens: Tensor | undefined } {
    const list = Array.isArray(inputs) ? inputs : [inputs];
    if (!this.withFilter) return { ...seqInput(list, this.name), kernel: this.kernel.value };
    const kernel = list[1];
    const want = `[${this.kernelSize}, in, ${this.filters}]`;
    if (!kernel || kernel.shape.length !== 3 || kernel.shape[0] !== this.kernelSize || kernel.shape[2] !== this.filters) {
      throw new InputShapeError({ layer: this.name, expected: `the filter input ${want} (filter_size, input features, n_out)`, received: kernel?.shape ?? [] });
    }
    return { ...seqInput([list[0]!, ...list.slice(2)], this.name), kernel };
  }

  override build(inputShape: SymbolicShape | SymbolicShape[]): void {
    const shape = xShapeOf(inputShape);
    this.computeOutputShape(shape);
    const inFeatures = shape[2];
    if (inFeatures === null || inFeatures === undefined) {
      throw new InputShapeError({ layer: this.name, expected: 'the feature axis (last) must be known', received: shape });
    }
    if (!this.withFilter) this.kernel = this.addWeight('kernel', { shape: [this.kernelSize, inFeatures, this.filters], initializer: this.kernelInit });
    if (this.withBias) this.bias = this.addWeight('bias', { shape: [this.filters], initializer: this.biasInit });
    super.build(inputShape);
  }

  override call(inputs: Tensor | Tensor[], _ctx: CallContext): Tensor {
    const { x, seqLens, kernel: k } = this.parts(inputs);
    const [batch, time, features] = x.shape;
    if (x.shape.length !== 3 || features !== k.shape[1]) {
      throw new InputShapeError({ layer: this.name, expected: `expected x [batch, time, ${k.shape[1]}]`, received: x.shape });
    }
    // A batch shorter than a `valid` window has 0 output frames (TF's, RETURNN's); building refuses a static one.
    const outTime = Math.max(0, windowOutputSize(time!, this.kernelSize, this.strides, this.dilationRate, this.padding)!);
    const image = ops.reshape(seqLens && this.useTimeMask ? maskFrames(x, seqLens) : x, [batch!, 1, time!, features]);
    const kernel = ops.reshape(k, [1, ...k.shape]);
    const options = { strides: [1, this.strides] as [number, number], padding: this.padding, dilations: [1, this.dilationRate] as [number, number] };
    // The activation acts per element or on the last (filters) axis, which the reshape keeps.
    const conv = convWithEpilogue(image, kernel, options, this.bias?.value, this.activationName, this.activationFn);
    const y = ops.reshape(conv, [batch!, outTime, this.filters]);
    return seqLens && this.maskOutput ? maskFrames(y, this.outputSeqLens(seqLens)) : y;
  }

  /** `ceil(len / stride)` (`same`) or `max(0, ceil((len - (k - 1) * dilation) / stride))` (`valid`), int32 `[batch]`. */
  override outputSeqLens(seqLens: Tensor): Tensor {
    if (this.padding === 'same') return ceilDiv(seqLens, this.strides);
    return clampLens(ceilDiv(ops.sub(seqLens, int((this.kernelSize - 1) * this.dilationRate)), this.strides));
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const shape = xShapeOf(inputShape);
    if (shape.length !== 3) throw new InputShapeError({ layer: this.name, expected: 'expected x of rank 3 [batch, time, features]', received: shape });
    const out = windowOutputSize(shape[1]!, this.kernelSize, this.strides, this.dilationRate, this.padding);
    if (out !== null && out <= 0) {
      throw new InputShapeError({
        layer: this.name,
        expected: `the window of ${this.kernelSize} frames (dilation ${this.dilationRate}) does not fit with padding 'valid'; use padding 'same' or longer input`,
        received: shape,
      });
    }
    return [shape[0]!, out, this.filters];
  }

  override getConfig(): LayerConfig {
    return {
      ...super.getConfig(),
      filters: this.filters,
      kernelSize: this.kernelSize,
      strides: this.strides,
      padding: this.padding,
      dilationRate: this.dilationRate,
      activation: this.activationName,
      withBias: this.withBias,
      useTimeMask: this.useTimeMask,
      maskOutput: this.maskOutput,
      kernelInitializer: serializeInitializer(this.kernelInit),
      biasInitializer: serializeInitializer(this.biasInit),
      ...(this.withFilter ? { withFilter: true } : {}),
    };
  }
}

/**
 * RETURNN's `conv` (`ConvLayer`) with a 1-element `filter_size` (`[k]`): a
 * convolution over the time axis of `[batch, time, features]`, {@link Conv1D},
 * given the sequence lengths to mask padded frames. `strides` and
 * `dilation_rate` may be `k` or `[k]`. Without `padding` an entry pads `same`
 * (Strata's net-dict default; RETURNN requires the key); `"SAME"`/`"VALID"` are accepted.
 * `with_bias` defaults to RETURNN's per `behavior_version` (false before 10),
 * `use_time_mask` to false (RETURNN's `ConvLayer`). `filter` names a layer
 * whose output `[k, in, n_out]` is the kernel (no kernel weight then); a
 * number as `forward_weights_init` is a constant (RETURNN's `get_initializer`).
 */
export const conv1dLayer: LayerSpec = {
  cls: Conv1D,
  options: {
    ...CONV1D_OPTIONS,
    // The layer it names becomes an input of its own (refKeys); the layer gets `withFilter`.
    filter: option(z.string({ error: 'must name a layer giving the filter [filter_size, in, n_out]' }).optional(), { returnn: 'filter', fromReturnn: () => undefined }),
  },
  netDict: {
    names: ['conv'],
    when: isConv1DEntry,
    sources: 'concat',
    seqLens: true,
    refKeys: ['filter'],
    // RETURNN's ConvLayer does not mask its output's padded frames.
    derive: (ctx, args) => ({ ...checkInSpatialDims(ctx, args, [1]), withFilter: typeof ctx.entry.filter === 'string', maskOutput: false }),
  },
};
