import { ops, type Tensor } from '@strata/backend';
import { z } from 'zod';
import { getActivation } from '../activations.js';
import { Data, Dim } from '../data.js';
import { InputShapeError, LayerArgumentError } from '../errors.js';
import { getInitializer, type InitializerSpec } from '../initializers/index.js';
import { type CallContext, Layer, type LayerArgs, type LayerConfig, type SymbolicShape } from '../layer.js';
import { type LayerOptions, type LayerSpec, option, resolveArgs, schemas } from '../layer-spec.js';
import { maskFrames } from '../sequence-mask.js';
import type { Variable } from '../variable.js';
import { checkInSpatialDims, IN_SPATIAL_DIMS_SCHEMA, RETURNN_PADDING } from './conv2d.js';
import { int, seqInput, xShapeOf } from './seq/seq-inputs.js';

/** Arguments of {@link TransposedConv}. */
export interface TransposedConvArgs extends LayerArgs {
  /** Output channels (RETURNN `n_out`). */
  filters: number;
  /** `[k]` (1-D over time) or `[kh, kw]` (2-D) (RETURNN `filter_size`). */
  filterSize: readonly number[];
  /** The upsampling per spatial axis (RETURNN `strides`). Default: `filterSize`. */
  strides?: readonly number[];
  /** `same` (output `in * stride`) or `valid` (`in * stride + max(k - stride, 0)`). Default `same`. */
  padding?: 'same' | 'valid';
  /** Frames cut from both ends of each spatial axis after the convolution (RETURNN `remove_padding`). Default 0. */
  removePadding?: number | readonly number[];
  /** Extra output frames per axis (RETURNN `output_padding`): output `in * stride + k - stride - 2 * pad + outputPadding`. Default: inferred. */
  outputPadding?: readonly (number | null)[] | null;
  activation?: string | null;
  withBias?: boolean;
  kernelInitializer?: InitializerSpec;
  biasInitializer?: InitializerSpec;
  /** Zero padded input frames first (RETURNN `use_time_mask`). Default true in code, false in a net dict (RETURNN's default). */
  useTimeMask?: boolean;
  /**
   * RETURNN `in_spatial_dims`: the axes the window moves over, as RETURNN descriptions (`["T", "dim:1"]`).
   * Strata convolves over the axes after the batch axis (1, or 1 and 2); a net dict may name them, other axes are an error.
   */
  inSpatialDims?: readonly string[];
  /**
   * RETURNN `out_spatial_dims` naming a Dim that exists already (RETURNN's
   * `Dim.is_dim_known`, e.g. the extern data's time axis): TF's
   * `conv2d_transpose` then gets that axis' length as `output_shape`
   * (RETURNN `deconv_output_length` with `out_dim`). In a net dict the
   * builder resolves such a Dim to the data that holds it (1-D only), and
   * the layer takes that data as a second input `[x, ref, seqLens?]`, its
   * time axis as the output's. A Dim that does not exist yet only names the
   * output axis (the net dict reads it; the layer never sees it).
   */
  outSpatialDims?: string;
}

const LIST = 'must be a list of 1 or 2 positive integers';
const sizes = () => z.array(schemas.positiveInt(), { error: LIST }).min(1, { error: LIST }).max(2, { error: LIST });
const refused = (key: string) => option(z.custom((v) => v === undefined || v === null || v === false, { error: `is not supported by Strata's transposed_conv; remove ${key}` }).optional(), { returnn: key });

const TRANSPOSED_CONV_OPTIONS = {
  filters: option(schemas.positiveInt(), { returnn: 'n_out' }),
  filterSize: option(sizes(), { returnn: 'filter_size' }),
  strides: option(sizes().optional(), { returnn: 'strides' }),
  padding: option(schemas.oneOf(['same', 'valid']), { default: 'same', returnn: 'padding', ...RETURNN_PADDING }),
  removePadding: option(z.union([schemas.nonNegativeInt(), z.array(schemas.nonNegativeInt())]), { default: 0, returnn: 'remove_padding' }),
  outputPadding: option(z.array(schemas.nonNegativeInt().nullable()).nullable().optional(), { returnn: 'output_padding' }),
  activation: option(schemas.activation(), { default: null, returnn: 'activation' }),
  withBias: option(schemas.boolean(), { default: true, returnn: 'with_bias' }),
  kernelInitializer: option(schemas.initializer(), { default: 'glorot_uniform', returnn: 'forward_weights_init' }),
  biasInitializer: option(schemas.initializer(), { default: 'zeros', returnn: 'bias_init' }),
  inSpatialDims: option(IN_SPATIAL_DIMS_SCHEMA.optional(), { returnn: 'in_spatial_dims' }),
  outSpatialDims: option(z.string({ error: 'must name the layer or data holding the output axis (a net dict resolves a known Dim to it)' }).optional(), { returnn: 'out_spatial_dims' }),
  filter: refused('filter'),
  bias: refused('bias'),
  useTimeMask: option(schemas.boolean(), { default: true, returnn: 'use_time_mask', returnnDefault: false }),
} satisfies LayerOptions;

/**
 * The output length of a transposed convolution along one axis (RETURNN
 * `calc_transposed_conv_out_length`, Keras `deconv_output_length`).
 */
export function transposedConvLength(n: number, k: number, s: number, padding: 'same' | 'valid', outputPadding: number | null | undefined): number {
  if (outputPadding === null || outputPadding === undefined) return padding === 'same' ? n * s : n * s + Math.max(k - s, 0);
  return n * s + k - s - 2 * (padding === 'same' ? Math.floor(k / 2) : 0) + outputPadding;
}

/**
 * Transposed convolution ("deconvolution", RETURNN `TransposedConvLayer`, TF
 * `conv2d_transpose`), 1-D over time or 2-D: every input frame `t` adds
 * `x[t] · W[j]` to output frame `t * stride + j - padBefore`, where the
 * output length `L` is {@link transposedConvLength} and `padBefore` is TF's:
 * `floor(max((in - 1) * stride + k - L, 0) / 2)` (`same`), 0 (`valid`); then
 * `removePadding` frames are cut from both ends, the bias added and the
 * activation applied. Computed as a convolution of the zero-upsampled input
 * with the flipped kernel. With `useTimeMask` padded input frames are zeroed
 * first; without it (a net dict's default, RETURNN's `use_time_mask=False`)
 * they are used as they are, and reach valid output frames where a window
 * overlaps the sequence end. Output frames past each new length are zero.
 * With `outSpatialDims` (a known Dim, 1-D) the output has the time axis of
 * the reference input `ref` (its padded length `L`, checked as TF checks
 * `output_shape`: `ceil(L / stride)` (`same`) or `floor((L - k) / stride) + 1`
 * (`valid`) must be the input length); its frames past the reference's
 * lengths are left as computed, as RETURNN leaves them.
 *
 * Inputs: `x` float32 `[batch, time, inFeatures]` (1-D) or `[batch, h, w, inFeatures]` (2-D), or `[x, seqLens]`;
 * with `outSpatialDims` `[x, ref]` or `[x, ref, seqLens]` (`ref` `[batch, L, ...]`, any dtype; `seqLens` of `x`).
 * Shape: `[batch, L(time), filters]` / `[batch, L(h), L(w), filters]`; lengths `L(len) - 2 * removePadding`.
 * Weights: `W_native_transposed_conv` `[kh, kw (1 for 1-D), filters, inFeatures]` (RETURNN's layout), `bias` `[filters]`.
 * @throws LayerArgumentError for bad sizes, strides of another length than `filterSize`, or keys Strata does not read.
 * @throws InputShapeError if `x`'s rank does not fit `filterSize` or its features are unknown, or
 *   `ref`'s length is not one whose convolution gives `x`'s (TF's `conv2d_transpose` check).
 */
export class TransposedConv extends Layer {
  static override readonly className: string = 'TransposedConv';
  readonly filters: number;
  readonly filterSize: number[];
  readonly strides: number[];
  readonly padding: 'same' | 'valid';
  readonly removePadding: number[];
  readonly outputPadding: (number | null)[];
  readonly activationName: string | null;
  readonly withBias: boolean;
  readonly useTimeMask: boolean;
  /** The reference the output length comes from (RETURNN `out_spatial_dims` naming a known Dim), if any. */
  readonly outSpatialDims: string | undefined;
  private readonly init: { kernel: InitializerSpec; bias: InitializerSpec };
  kernel!: Variable;
  bias: Variable | undefined;

  constructor(args: TransposedConvArgs) {
    super(args);
    const a = resolveArgs('TransposedConv', TRANSPOSED_CONV_OPTIONS, args) as Required<TransposedConvArgs>;
    const n = a.filterSize.length;
    this.filters = a.filters;
    this.filterSize = [...a.filterSize, ...(n === 1 ? [1] : [])];
    this.strides = [...(a.strides ?? a.filterSize), ...(n === 1 ? [1] : [])];
    if ((a.strides ?? a.filterSize).length !== n) throw new InputShapeError({ layer: this.name, expected: `strides must have ${n} entries as filter_size`, received: [...(a.strides ?? [])] });
    const rp = typeof a.removePadding === 'number' ? new Array<number>(n).fill(a.removePadding) : [...a.removePadding];
    this.removePadding = [...rp, ...(n === 1 ? [0] : [])];
    this.outputPadding = [...(a.outputPadding ?? new Array<null>(n).fill(null)), ...(n === 1 ? [0] : [])];
    this.padding = a.padding;
    this.activationName = a.activation;
    this.withBias = a.withBias;
    this.useTimeMask = a.useTimeMask;
    this.outSpatialDims = a.outSpatialDims;
    if (this.outSpatialDims !== undefined && (n !== 1 || rp.some((p) => p !== 0))) {
      throw new LayerArgumentError(
        `TransposedConv '${this.name}': out_spatial_dims naming an existing Dim is supported for 1-D transposed_conv without remove_padding only ` +
          `(RETURNN then takes that Dim's length as TF's output_shape). Received: filter_size=${JSON.stringify(a.filterSize)}, remove_padding=${JSON.stringify(a.removePadding)}.`,
      );
    }
    this.init = { kernel: a.kernelInitializer, bias: a.biasInitializer };
  }

  private get is1d(): boolean {
    return this.filterSize[1] === 1 && this.strides[1] === 1 && this.outputPadding[1] === 0 && this.removePadding[1] === 0;
  }

  private spatial(shape: SymbolicShape): SymbolicShape {
    return shape.length === 3 ? [shape[1]!, 1] : [shape[1]!, shape[2]!];
  }

  /** Output size of spatial axis `i` for input size `n`, before `removePadding`. */
  private length(n: number, i: number): number {
    return transposedConvLength(n, this.filterSize[i]!, this.strides[i]!, this.padding, this.outputPadding[i]);
  }

  override build(inputShape: SymbolicShape | SymbolicShape[]): void {
    const shape = xShapeOf(inputShape);
    const features = shape[shape.length - 1];
    if (shape.length !== (this.is1d ? 3 : 4) || features === null || features === undefined) {
      throw new InputShapeError({ layer: this.name, expected: `expected x of rank ${this.is1d ? 3 : 4} with known features`, received: shape });
    }
    this.kernel = this.addWeight('W_native_transposed_conv', { shape: [...this.filterSize, this.filters, features], initializer: getInitializer(this.init.kernel) });
    if (this.withBias) this.bias = this.addWeight('bias', { shape: [this.filters], initializer: getInitializer(this.init.bias) });
    super.build(inputShape);
  }

  override call(inputs: Tensor | Tensor[], _ctx: CallContext): Tensor {
    let ref: Tensor | undefined;
    if (this.outSpatialDims !== undefined) {
      const list = Array.isArray(inputs) ? [...inputs] : [inputs];
      ref = list.splice(1, 1)[0];
      if (!ref || ref.shape.length < 2) throw new InputShapeError({ layer: this.name, expected: 'expected the inputs [x, ref] or [x, ref, seqLens] (ref: the data whose time axis out_spatial_dims names), got', received: ref?.shape ?? [] });
      inputs = list;
    }
    const { x, seqLens } = seqInput(inputs, this.name);
    const batch = x.shape[0]!;
    const c = x.shape[x.shape.length - 1]!;
    const [h, w] = this.spatial(x.shape) as [number, number];
    let img = ops.reshape(seqLens && this.useTimeMask ? maskFrames(x, seqLens) : x, [batch, h, w, c]);
    // Zero-upsample: stride - 1 zeros after each frame, then cut the trailing ones.
    const upsample = (t: Tensor, axis: 1 | 2, n: number, s: number): Tensor => {
      if (s === 1) return t;
      const sh = t.shape;
      const e = ops.reshape(t, [...sh.slice(0, axis + 1), 1, ...sh.slice(axis + 1)]);
      const padded = ops.pad(e, e.shape.map((_, i): [number, number] => (i === axis + 1 ? [0, s - 1] : [0, 0])));
      const merged = ops.reshape(padded, sh.map((d, i) => (i === axis ? d * s : d)));
      return ops.slice(merged, sh.map(() => 0), sh.map((d, i) => (i === axis ? (n - 1) * s + 1 : -1)));
    };
    img = upsample(upsample(img, 1, h, this.strides[0]!), 2, w, this.strides[1]!);
    const [kh, kw] = this.filterSize as [number, number];
    img = ops.pad(img, [[0, 0], [kh - 1, kh - 1], [kw - 1, kw - 1], [0, 0]]);
    // W [kh, kw, out, in] → flipped HWIO [kh, kw, in, out].
    const flip = (t: Tensor, n: number, axis: number): Tensor => (n === 1 ? t : ops.gather(t, ops.tensor(Int32Array.from({ length: n }, (_, i) => n - 1 - i), [n], 'int32'), axis));
    const filt = flip(flip(ops.transpose(this.kernel.value, [0, 1, 3, 2]), kh, 0), kw, 1);
    let y = ops.conv2d(img, filt, { padding: 'valid' });
    // Crop to the output length (TF's padding), zero-pad where the output is longer than the full result.
    const crop = (t: Tensor, axis: 1 | 2, n: number, i: number): Tensor => {
      const full = (n - 1) * this.strides[i]! + this.filterSize[i]!;
      const len = ref && i === 0 ? this.checkedRefLength(ref.shape[1]!, n) : this.length(n, i);
      const before = this.padding === 'same' ? Math.floor(Math.max(full - len, 0) / 2) : 0;
      const keep = Math.min(len, full - before);
      let out = ops.slice(t, t.shape.map((_, j) => (j === axis ? before : 0)), t.shape.map((_, j) => (j === axis ? keep : -1)));
      if (keep < len) out = ops.pad(out, out.shape.map((_, j): [number, number] => (j === axis ? [0, len - keep] : [0, 0])));
      const rp = this.removePadding[i]!;
      return rp ? ops.slice(out, out.shape.map((_, j) => (j === axis ? rp : 0)), out.shape.map((d, j) => (j === axis ? d - 2 * rp : -1))) : out;
    };
    y = crop(crop(y, 1, h, 0), 2, w, 1);
    if (this.bias) y = ops.add(y, this.bias.value);
    y = getActivation(this.activationName)(y);
    if (this.is1d) y = ops.reshape(y, [batch, y.shape[1]!, this.filters]);
    return seqLens && !ref ? maskFrames(y, this.outputSeqLens(seqLens)) : y;
  }

  /** `len` when TF's `conv2d_transpose` takes it as the output length for `n` input frames (a convolution of `len` frames gives `n`). */
  private checkedRefLength(len: number, n: number): number {
    const [k, s] = [this.filterSize[0]!, this.strides[0]!];
    const back = this.padding === 'same' ? Math.ceil(len / s) : Math.floor((len - k) / s) + 1;
    if (back !== n) {
      throw new InputShapeError({
        layer: this.name,
        expected: `out_spatial_dims gives ${len} output frames, but a ${this.padding} convolution (filter ${k}, stride ${s}) of ${len} frames has ${back}, not the input's ${n} frames (TF conv2d_transpose checks output_shape so); name a Dim of another length or change filter_size/strides. The input's time axis:`,
        received: [n],
      });
    }
    return len;
  }

  /** Each length through {@link transposedConvLength} of the first spatial axis, minus `2 * removePadding`. int32 `[batch]`. */
  override outputSeqLens(seqLens: Tensor): Tensor {
    const [k, s, op, rp] = [this.filterSize[0]!, this.strides[0]!, this.outputPadding[0], this.removePadding[0]!];
    const extra = transposedConvLength(0, k, s, this.padding, op) - 2 * rp;
    return ops.maximum(ops.add(ops.mul(seqLens, int(s)), int(extra)), int(0));
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const shape = xShapeOf(inputShape);
    if (this.outSpatialDims !== undefined) return [shape[0]!, (inputShape as SymbolicShape[])[1]?.[1] ?? null, this.filters];
    const out = this.spatial(shape).map((n, i) => (n === null ? null : this.length(n, i) - 2 * this.removePadding[i]!));
    return [shape[0]!, ...(this.is1d ? out.slice(0, 1) : out), this.filters];
  }

  override getConfig(): LayerConfig {
    return {
      ...super.getConfig(),
      filters: this.filters,
      filterSize: this.is1d ? this.filterSize.slice(0, 1) : this.filterSize,
      strides: this.is1d ? this.strides.slice(0, 1) : this.strides,
      padding: this.padding,
      removePadding: this.is1d ? this.removePadding.slice(0, 1) : this.removePadding,
      outputPadding: this.is1d ? this.outputPadding.slice(0, 1) : this.outputPadding,
      activation: this.activationName,
      withBias: this.withBias,
      useTimeMask: this.useTimeMask,
      outSpatialDims: this.outSpatialDims,
    };
  }
}

/**
 * RETURNN's `transposed_conv` (`TransposedConvLayer`, 1-D and 2-D): `n_out`,
 * `filter_size`, `strides`, `padding`, `remove_padding`, `output_padding`,
 * `activation`, `with_bias`, `forward_weights_init`, `bias_init`, `use_time_mask`
 * (default false), `in_spatial_dims` (checked to name the axes after the batch axis,
 * as `conv`'s), `out_spatial_dims` (a new Dim names the output axis; a known one, an
 * axis of extern data, gives the output that axis and its length). `filter`, `bias` are errors.
 */
export const transposedConvLayer: LayerSpec = {
  cls: TransposedConv,
  options: TRANSPOSED_CONV_OPTIONS,
  netDict: {
    names: ['transposed_conv'],
    sources: 'concat',
    seqLens: true,
    refKeys: ['out_spatial_dims'],
    outputData: ({ layer, sources, name }) => {
      const ref = (layer as TransposedConv).outSpatialDims !== undefined ? sources[sources.length - 1] : undefined;
      if (!ref?.timeDim) return undefined;
      return new Data({ name, dims: [ref.timeDim, new Dim({ description: `${name}:feature`, size: (layer as TransposedConv).filters, kind: 'feature' })], dtype: 'float32' });
    },
    derive: (ctx, args) => checkInSpatialDims(ctx, args, (args.filterSize as readonly number[]).length === 1 ? [1] : [1, 2]),
  },
};
