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
  /** Output frames per input frame (RETURNN `factor`, an integer here). Positive integer. */
  factor: number;
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
  factor: option(schemas.positiveInt(), { returnn: 'factor' }),
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

/** `fill` needs its value (RETURNN asserts it is a number). */
const RESIZE_CHECKS: readonly LayerCheck[] = [
  (a, name) =>
    a.kind === 'fill' && a.fillValue === undefined
      ? `${name('kind')} 'fill' needs ${name('fillValue')}, the value of the added frames. Received: ${name('kind')}="fill", ${name('fillValue')}=undefined.`
      : undefined,
];

/**
 * Upsamples the time axis by an integer factor (RETURNN `ResizeLayer` on the
 * time axis with an integer `factor`): `nn` repeats each frame `factor` times,
 * `out[b, t] = x[b, floor(t / factor)]`; `fill` keeps each frame and adds
 * `factor - 1` frames of `fillValue` after it. E.g. to give CTC more frames
 * than labels. {@link Resize.outputSeqLens} is `seqLens * factor`; output
 * frames past it are zero. No weights.
 *
 * Inputs: `x` float32 `[batch, time, ...]`, or `[x, seqLens]` with `seqLens` int32 `[batch]`.
 * Shape: `[batch, time, ...]` → `[batch, time * factor, ...]`, float32.
 * @throws LayerArgumentError if `factor` is not a positive integer, `axis` is not `'T'`, `kind` is
 *   not `nn` or `fill`, or `fill` has no `fillValue` (`Resize: factor must be a positive integer. Received: factor=1.5.`).
 * @throws InputShapeError if `x` has rank < 2 or `seqLens` is not int32 `[batch]`.
 */
export class Resize extends Layer {
  static override readonly className: string = 'Resize';
  readonly factor: number;
  readonly axis: 'T';
  readonly kind: ResizeKind;
  readonly fillValue: number | undefined;

  constructor(args: ResizeArgs) {
    super(args);
    const a = resolveArgs('Resize', RESIZE_OPTIONS, args, RESIZE_CHECKS) as ResizeArgs & { axis: 'T'; kind: ResizeKind };
    this.factor = a.factor;
    this.axis = a.axis;
    this.kind = a.kind;
    this.fillValue = a.fillValue;
  }

  override call(inputs: Tensor | Tensor[], _ctx: CallContext): Tensor {
    const { x, seqLens } = seqInput(inputs, this.name);
    const [batch, time, ...rest] = x.shape as [number, number, ...number[]];
    const frames = ops.reshape(x, [batch, time, 1, ...rest]);
    const added = this.kind === 'nn' ? frames : ops.fill([batch, time, 1, ...rest], this.fillValue!, x.dtype as DType);
    const groups = this.factor === 1 ? frames : ops.concat([frames, ...new Array<Tensor>(this.factor - 1).fill(added)], 2);
    const y = ops.reshape(groups, [batch, time * this.factor, ...rest]);
    return seqLens ? maskFrames(y, this.outputSeqLens(seqLens)) : y;
  }

  /** `seqLens * factor`, int32 `[batch]`. */
  override outputSeqLens(seqLens: Tensor): Tensor {
    return this.factor === 1 ? seqLens : ops.mul(seqLens, int(this.factor));
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const shape = xShapeOf(inputShape);
    if (shape.length < 2) throw new InputShapeError({ layer: this.name, expected: 'expected x of rank >= 2 [batch, time, ...]', received: shape });
    const time = shape[1]!;
    return [shape[0]!, time === null ? null : time * this.factor, ...shape.slice(2)];
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), factor: this.factor, axis: this.axis, kind: this.kind, ...(this.fillValue !== undefined ? { fillValue: this.fillValue } : {}) };
  }
}

/**
 * RETURNN's `resize` on the time axis with an integer `factor`: `axis`
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
  },
};
