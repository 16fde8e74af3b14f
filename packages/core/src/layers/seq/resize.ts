import { type DType, ops, type Tensor } from '@strata/backend';
import { z } from 'zod';
import { InputShapeError } from '../../errors.js';
import { type CallContext, Layer, type LayerArgs, type LayerConfig, type SymbolicShape } from '../../layer.js';
import { type LayerCheck, type LayerOptions, type LayerSpec, option, resolveArgs, schemas } from '../../layer-spec.js';
import { maskFrames } from '../../sequence-mask.js';
import { int, seqInput, xShapeOf } from './seq-inputs.js';

/** The kinds of {@link Resize} (RETURNN `kind`: `nn` is nearest neighbour; `linear` and `cubic` are not supported). */
export const RESIZE_KINDS = ['nn', 'fill'] as const;
/** A {@link Resize} kind. */
export type ResizeKind = (typeof RESIZE_KINDS)[number];

/** Arguments of {@link Resize}. */
export interface ResizeArgs extends LayerArgs {
  /**
   * Output frames per input frame (RETURNN `factor`): `out = in * factor` for an integer, `ceil(in * factor)`
   * (in float32) for a fraction (`nn` only). Positive. Ignored with `factorInput`.
   */
  factor?: number;
  /**
   * The factor is an input (RETURNN `factor` naming a layer, a scalar without batch): the inputs are
   * `[x, factor]` or `[x, factor, seqLens]`; int32 as an integer factor, float32 as a fraction. Set by net dicts. Default false.
   */
  factorInput?: boolean;
  /** The resized axis (RETURNN `axis`): the time axis `'T'`, the only one supported. Default `'T'`. */
  axis?: 'T';
  /**
   * `nn`: each frame repeated `factor` times (nearest neighbour, RETURNN's default);
   * `fill`: each frame followed by `factor - 1` frames of `fillValue` (RETURNN `kind`). Default `nn`.
   */
  kind?: ResizeKind;
  /** The value of the added frames with `kind: 'fill'` (RETURNN `fill_value`), required there. */
  fillValue?: number;
}

const AXIS_ERROR = "must be 'T' (time): only the time axis is resized";
const KIND_ERROR = "must be one of 'nn' (or 'nearest_neighbor'), 'fill' ('linear' and 'cubic' are not supported)";

/** Resize's arguments in both vocabularies. */
const RESIZE_OPTIONS = {
  factor: option(schemas.positive().optional(), {
    returnn: 'factor',
    returnnSchema: z.union([schemas.positive(), z.string()], { error: 'must be a positive number or name a layer (a scalar)' }),
    // A layer name becomes an input (refKeys); the layer gets `factorInput`.
    fromReturnn: (v) => (typeof v === 'string' ? undefined : v),
  }),
  factorInput: option(schemas.boolean(), { default: false }),
  axis: option(z.literal('T', { error: AXIS_ERROR }), {
    default: 'T',
    returnn: 'axis',
    // RETURNN's names of the time axis, in any letter case.
    returnnSchema: z.string({ error: AXIS_ERROR }).refine((v) => ['t', 'time'].includes(v.toLowerCase()), { error: AXIS_ERROR }),
    fromReturnn: () => 'T',
  }),
  kind: option(z.enum(RESIZE_KINDS, { error: KIND_ERROR }), {
    default: 'nn',
    returnn: 'kind',
    returnnSchema: z.enum([...RESIZE_KINDS, 'nearest_neighbor'], { error: KIND_ERROR }),
    fromReturnn: (k) => (k === 'nearest_neighbor' ? 'nn' : k),
  }),
  fillValue: option(schemas.number().optional(), { returnn: 'fill_value' }),
} satisfies LayerOptions;

/** `fill` needs its value (RETURNN asserts it is a number) and an integer factor; a factor or a factor input. */
const RESIZE_CHECKS: readonly LayerCheck[] = [
  (a, name) =>
    a.factor === undefined && !a.factorInput ? `${name('factor')} is required. Received: no ${name('factor')}.` : undefined,
  (a, name) =>
    a.kind === 'fill' && (a.factorInput || !Number.isInteger(a.factor))
      ? `${name('kind')} 'fill' needs an integer ${name('factor')} (RETURNN asserts isinstance(factor, int)). Received: ${name('factor')}=${JSON.stringify(a.factor ?? 'a layer')}.`
      : undefined,
  (a, name) =>
    a.kind === 'fill' && a.fillValue === undefined
      ? `${name('kind')} 'fill' needs ${name('fillValue')}, the value of the added frames. Received: ${name('kind')}="fill", ${name('fillValue')}=undefined.`
      : undefined,
];

/**
 * Resizes the time axis (RETURNN `ResizeLayer` on the time axis): with an
 * integer `factor`, `nn` repeats each frame `factor` times,
 * `out[b, t] = x[b, floor(t / factor)]`, and `fill` keeps each frame and adds
 * `factor - 1` frames of `fillValue` after it (e.g. to give CTC more frames
 * than labels); lengths `seqLens * factor`. With a fractional factor (or one
 * given as a float32 input, RETURNN's `factor` naming a layer) the axis has
 * `out = ceil(time * factor)` frames (float32, as TF) and `nn` is TF1's
 * `resize_nearest_neighbor` of the padded batch: `out[b, t] = x[b, min(floor(t * (time / out)), time - 1)]`
 * (over the padded length `time`, not each sequence's, as RETURNN does);
 * lengths `ceil(len * factor)`. Output frames past the lengths are zero. No weights.
 *
 * Inputs: `x` float32 `[batch, time, ...]`, or `[x, seqLens]` with `seqLens` int32 `[batch]`; with
 * `factorInput`, the factor (int32 or float32 `[]`) after `x`. The factor input is read from the backend
 * (the output size depends on it), so a traced graph backend cannot run that form.
 * Shape: `[batch, time, ...]` → `[batch, out, ...]`, float32.
 * @throws LayerArgumentError if `factor` is not a positive number (or absent without `factorInput`), `axis` is not `'T'`, `kind` is
 *   not `nn` or `fill`, or `fill` has no `fillValue` or a fractional factor (`Resize: factor must be a positive number. Received: factor=0.`).
 * @throws InputShapeError if `x` has rank < 2, `seqLens` is not int32 `[batch]`, or the factor input is not a positive int32/float32 scalar.
 */
export class Resize extends Layer {
  static override readonly className: string = 'Resize';
  readonly factor: number | undefined;
  readonly factorInput: boolean;
  readonly axis: 'T';
  /** The factor of the last call (the input's value with `factorInput`), for {@link Resize.outputSeqLens}. */
  private lastFactor: { value: number; integer: boolean } | undefined;
  /** The time axis size of the last call: the lengths are at most this. */
  private lastTime = 0;
  readonly kind: ResizeKind;
  readonly fillValue: number | undefined;

  constructor(args: ResizeArgs) {
    super(args);
    const a = resolveArgs('Resize', RESIZE_OPTIONS, args, RESIZE_CHECKS) as ResizeArgs & { axis: 'T'; kind: ResizeKind };
    this.factor = a.factorInput ? undefined : a.factor;
    this.factorInput = a.factorInput === true;
    this.axis = a.axis;
    this.kind = a.kind;
    this.fillValue = a.fillValue;
  }

  /** The factor: the option, or the factor input's value (int32: an integer factor; float32: a fraction). */
  private factorOf(input: Tensor | undefined): { value: number; integer: boolean } {
    if (!this.factorInput) return { value: this.factor!, integer: Number.isInteger(this.factor) };
    const ok = input && input.shape.length === 0 && (input.dtype === 'int32' || input.dtype === 'float32');
    const value = ok ? Number(ops.readSync(input)[0]) : NaN;
    if (!(value > 0)) {
      throw new InputShapeError({ layer: this.name, expected: `the factor input must be a positive int32 or float32 scalar; it is ${input?.dtype} [${input?.shape ?? ''}] = ${value}`, received: input?.shape ?? [] });
    }
    return { value: input!.dtype === 'int32' ? value : Math.fround(value), integer: input!.dtype === 'int32' };
  }

  /** TF's new size of `n` frames: `n * factor` (integer), `ceil(n * factor)` in float32 (a fraction). */
  private static resized(n: number, f: { value: number; integer: boolean }): number {
    return f.integer ? n * f.value : Math.ceil(Math.fround(n * Math.fround(f.value)));
  }

  override call(inputs: Tensor | Tensor[], _ctx: CallContext): Tensor {
    const list = Array.isArray(inputs) ? inputs : [inputs];
    const { x, seqLens } = seqInput(this.factorInput ? [list[0]!, ...list.slice(2)] : list, this.name);
    const f = (this.lastFactor = this.factorOf(this.factorInput ? list[1] : undefined));
    const [batch, time, ...rest] = x.shape as [number, number, ...number[]];
    this.lastTime = time;
    let y: Tensor;
    if (f.integer) {
      const factor = f.value;
      const frames = ops.reshape(x, [batch, time, 1, ...rest]);
      const added = this.kind === 'nn' ? frames : ops.fill([batch, time, 1, ...rest], this.fillValue!, x.dtype as DType);
      const groups = factor === 1 ? frames : ops.concat([frames, ...new Array<Tensor>(factor - 1).fill(added)], 2);
      y = ops.reshape(groups, [batch, time * factor, ...rest]);
    } else {
      // TF1 resize_nearest_neighbor (align_corners=False, half_pixel_centers=False): source frame floor(t * scale), float32.
      const out = Resize.resized(time, f);
      const scale = Math.fround(time / out);
      const idx = Int32Array.from({ length: out }, (_, t) => Math.min(Math.floor(Math.fround(t * scale)), time - 1));
      y = ops.gather(x, ops.tensor(idx, [out], 'int32'), 1);
    }
    return seqLens ? maskFrames(y, this.outputSeqLens(seqLens)) : y;
  }

  /** `seqLens * factor` (integer) or `ceil(seqLens * factor)` (a fraction, float32), int32 `[batch]`. */
  override outputSeqLens(seqLens: Tensor): Tensor {
    const f = this.lastFactor ?? (this.factorInput ? undefined : this.factorOf(undefined));
    if (!f) return seqLens;
    if (f.integer) return f.value === 1 ? seqLens : ops.mul(seqLens, int(f.value));
    // ceil in float32 per length, as a table over the lengths 0..time of the last call.
    const max = this.lastTime;
    const table = Int32Array.from({ length: max + 1 }, (_, n) => Resize.resized(n, f));
    return ops.gather(ops.tensor(table, [max + 1], 'int32'), seqLens, 0);
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const shape = xShapeOf(inputShape);
    if (shape.length < 2) throw new InputShapeError({ layer: this.name, expected: 'expected x of rank >= 2 [batch, time, ...]', received: shape });
    const time = shape[1]!;
    return [shape[0]!, time === null || this.factorInput ? null : Resize.resized(time, this.factorOf(undefined)), ...shape.slice(2)];
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), factor: this.factor, ...(this.factorInput ? { factorInput: true } : {}), axis: this.axis, kind: this.kind, ...(this.fillValue !== undefined ? { fillValue: this.fillValue } : {}) };
  }
}

/**
 * RETURNN's `resize` on the time axis: `factor` (an integer, a fraction, or
 * a layer giving a scalar: int32 or float32, read per run), `axis`
 * (`"T"` or `"time"`; RETURNN requires it, here `"T"` when left out), `kind`
 * (`"nn"`/`"nearest_neighbor"`, RETURNN's default, or `"fill"` with
 * `fill_value`), `fill_value`. The output has a time axis of its own, its
 * lengths the source's times `factor`. `kind: "fill"` without `fill_value`
 * is an error, as in RETURNN (repeated frames are `"nn"`).
 */
export const resizeLayer: LayerSpec = {
  cls: Resize,
  options: RESIZE_OPTIONS,
  checks: RESIZE_CHECKS,
  netDict: {
    names: ['resize'],
    sources: 'concat',
    seqLens: true,
    refKeys: ['factor'],
    derive: (ctx) => (typeof ctx.entry.factor === 'string' ? { factorInput: true } : {}),
  },
};
