import { ops, type Tensor } from '@strata/backend';
import { z } from 'zod';
import type { Dim } from '../../dim.js';
import { type CallContext, Layer, type LayerArgs, type LayerConfig, type SymbolicShape } from '../../layer.js';
import { LayerArgumentError } from '../../errors.js';
import { type LayerBuildContext, type LayerOptions, type LayerSpec, option, resolveArgs, schemas } from '../../layer-spec.js';
import { maskedSoftmaxOverTime } from '../../sequence-mask.js';
import { axisFromSource, returnnAxisOption } from '../shape/axis-ops.js';
import { type SeqAxis, seqAxisIndex, seqInput, xShapeOf } from './seq-inputs.js';

/** Arguments of {@link SoftmaxOverSpatial}. */
export interface SoftmaxOverSpatialArgs extends LayerArgs {
  /** The energies are multiplied by this before the softmax (RETURNN `energy_factor`, a temperature). Default 1. */
  energyFactor?: number;
  /** Whether padded frames (from `seqLens`) are masked (RETURNN `use_time_mask`). Default true. */
  useTimeMask?: boolean;
  /**
   * The axis to softmax over (RETURNN `axis`, default the time axis): `'T'` (axis 1) or a
   * non-batch axis index; `seqLens` are the lengths along it. Default `'T'`.
   */
  axis?: SeqAxis;
  /** Log-probabilities instead (RETURNN `log_space`: `log_softmax`; masked frames are -Infinity). Default false. */
  logSpace?: boolean;
  /**
   * Net dicts, for an `axis` that is a dynamic axis other than the input's time axis: that axis' Dim, whose
   * lengths for the current batch ({@link Dim.dynSize}, int32 `[batch]`) mask it instead of `seqLens`.
   */
  lengthsDim?: Dim;
}

/** SoftmaxOverSpatial's arguments in both vocabularies (RETURNN's None means: not scaled, masked). */
const SOFTMAX_OVER_SPATIAL_OPTIONS = {
  energyFactor: option(schemas.number(), {
    default: 1,
    returnn: 'energy_factor',
    returnnSchema: schemas.number().nullable(),
    fromReturnn: (v) => v ?? 1,
  }),
  useTimeMask: option(schemas.boolean(), {
    default: true,
    returnn: 'use_time_mask',
    returnnSchema: z.boolean({ error: 'must be true, false or null' }).nullable(),
    fromReturnn: (v) => v ?? true,
  }),
  axis: returnnAxisOption('axis', { default: 'T' }),
  logSpace: option(schemas.boolean(), { default: false, returnn: 'log_space' }),
  lengthsDim: option(z.custom<Dim>((v) => typeof v === 'object' && v !== null && 'dynSize' in v && 'description' in v, { error: 'must be a Dim' }).optional()),
} satisfies LayerOptions;

/**
 * Softmax over the time axis, or over another non-batch `axis` (RETURNN
 * `SoftmaxOverSpatialLayer`, default axis the time axis): `y[b, t, ...] = exp(e[b, t, ...]) / Σ_{t' < len[b]} exp(e[b, t', ...])`
 * with `e = energyFactor * x`, each feature on its own; padded frames
 * (`t >= seqLens[b]`) get probability exactly 0 and zero gradient, and an
 * empty sequence gives zeros. The attention weights of RETURNN's attention
 * decoders (energies `[batch, encTime, 1]` → weights for `generic_attention`).
 * Without `seqLens` (or with `useTimeMask: false`) every frame counts.
 * No weights.
 *
 * Inputs: `x` float32 `[batch, time, ...]`, or `[x, seqLens]` with `seqLens` int32 `[batch]` (the lengths along `axis`).
 * Shape: the input's, float32 (time stays on axis 1; RETURNN moves it last).
 * @throws LayerArgumentError if `energyFactor` is not a finite number or `useTimeMask` not a boolean
 *   (`SoftmaxOverSpatial: energyFactor must be a number. Received: energyFactor="2".`).
 * @throws InputShapeError if `x` has rank < 2 or `seqLens` is not int32 `[batch]`.
 */
export class SoftmaxOverSpatial extends Layer {
  static override readonly className: string = 'SoftmaxOverSpatial';
  readonly energyFactor: number;
  readonly useTimeMask: boolean;
  readonly axis: SeqAxis;
  readonly logSpace: boolean;
  readonly lengthsDim: Dim | undefined;

  constructor(args: SoftmaxOverSpatialArgs = {}) {
    super(args);
    const a = resolveArgs('SoftmaxOverSpatial', SOFTMAX_OVER_SPATIAL_OPTIONS, args) as Required<Omit<SoftmaxOverSpatialArgs, 'lengthsDim'>> & { lengthsDim?: Dim };
    this.energyFactor = a.energyFactor;
    this.useTimeMask = a.useTimeMask;
    this.axis = a.axis;
    this.logSpace = a.logSpace;
    this.lengthsDim = a.lengthsDim;
  }

  override call(inputs: Tensor | Tensor[], _ctx: CallContext): Tensor {
    const input = seqInput(inputs, this.name);
    const x = input.x;
    let seqLens = input.seqLens;
    if (this.lengthsDim && this.useTimeMask) {
      if (!this.lengthsDim.dynSize) throw new LayerArgumentError(`SoftmaxOverSpatial '${this.name}': the axis ${this.lengthsDim.description} has no lengths for the current batch.`);
      seqLens = this.lengthsDim.dynSize;
    }
    const axis = seqAxisIndex(this.axis, x.shape.length, this.name);
    // The axis to axis 1 and back (a swap of two axes is its own inverse).
    const perm = x.shape.map((_, i) => (i === axis ? 1 : i === 1 ? axis : i));
    const xt = axis === 1 ? x : ops.transpose(x, perm);
    const energy = this.energyFactor === 1 ? xt : ops.mul(xt, this.energyFactor);
    const y = maskedSoftmaxOverTime(energy, this.useTimeMask ? seqLens : undefined, this.logSpace);
    return axis === 1 ? y : ops.transpose(y, perm);
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    return xShapeOf(inputShape);
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), energyFactor: this.energyFactor, useTimeMask: this.useTimeMask, axis: this.axis, logSpace: this.logSpace };
  }
}

/**
 * Net dicts: `axis` (a RETURNN description, default the time axis) resolved on the input, and
 * `use_time_mask` None as RETURNN's (masked if the axis is dynamic). Only the time axis can be
 * masked: its lengths are the ones a layer gets.
 */
function deriveAxis(c: LayerBuildContext, a: Readonly<Record<string, unknown>>): Record<string, unknown> {
  // RETURNN's default (None) is the time axis, wherever it is (e.g. last after a dot).
  const r = axisFromSource(c, { ...a, axis: a.axis ?? 'T' }, 'axis');
  const d = c.sources[0];
  if (!d) return r;
  const axis = (r.axis as SeqAxis | undefined) ?? 'T';
  const dim = d.dims[seqAxisIndex(axis, d.dims.length + 1, c.name) - 1];
  const raw = c.entry.use_time_mask;
  const useTimeMask = raw === null || raw === undefined ? !!dim?.isDynamic : raw === true;
  // A dynamic axis other than the time axis: masked with its own Dim's lengths (RETURNN: the axis' dyn_size_ext).
  if (useTimeMask && dim?.isDynamic && dim !== d.timeDim && d.hasBatch) return { ...r, useTimeMask, lengthsDim: dim };
  if (useTimeMask && dim !== d.timeDim) {
    throw new LayerArgumentError(`axis ${JSON.stringify(a.axis ?? 'T')} of ${d} is ${dim?.isDynamic ? 'a dynamic axis other than its time axis' : 'static'}; Strata masks only the time axis with its lengths. Received: axis=${JSON.stringify(a.axis)}, use_time_mask=${JSON.stringify(raw)}.`);
  }
  return { ...r, useTimeMask };
}

/**
 * RETURNN's `softmax_over_spatial`: `axis` (default the time axis; the
 * layer keeps the axes in place, RETURNN moves it last), `energy_factor`,
 * `use_time_mask` (None: masked, as RETURNN does with lengths), `log_space`.
 * The source's lengths mask padded frames of the time axis.
 */
export const softmaxOverSpatialLayer: LayerSpec = {
  cls: SoftmaxOverSpatial,
  options: SOFTMAX_OVER_SPATIAL_OPTIONS,
  netDict: {
    names: ['softmax_over_spatial'],
    sources: 'concat',
    seqLens: (l) => (l as SoftmaxOverSpatial).useTimeMask && !(l as SoftmaxOverSpatial).lengthsDim, derive: deriveAxis,
    // The input's axes (Dims) kept: a Dim of the input still names its axis (RETURNN's output has the input's dim tags).
    outputData: (c) => c.sources[0]?.copy({ name: c.name, dtype: 'float32', sparseDim: undefined }),
  },
};
