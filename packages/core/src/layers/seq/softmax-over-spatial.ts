import { ops, type Tensor } from '@strata/backend';
import { z } from 'zod';
import { type CallContext, Layer, type LayerArgs, type LayerConfig, type SymbolicShape } from '../../layer.js';
import { type LayerOptions, type LayerSpec, option, resolveArgs, schemas } from '../../layer-spec.js';
import { maskedSoftmaxOverTime } from '../../sequence-mask.js';
import { seqInput, xShapeOf } from './seq-inputs.js';

/** Arguments of {@link SoftmaxOverSpatial}. */
export interface SoftmaxOverSpatialArgs extends LayerArgs {
  /** The energies are multiplied by this before the softmax (RETURNN `energy_factor`, a temperature). Default 1. */
  energyFactor?: number;
  /** Whether padded frames (from `seqLens`) are masked (RETURNN `use_time_mask`). Default true. */
  useTimeMask?: boolean;
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
} satisfies LayerOptions;

/**
 * Softmax over the time axis (RETURNN `SoftmaxOverSpatialLayer` on its default
 * axis, the time axis): `y[b, t, ...] = exp(e[b, t, ...]) / Σ_{t' < len[b]} exp(e[b, t', ...])`
 * with `e = energyFactor * x`, each feature on its own; padded frames
 * (`t >= seqLens[b]`) get probability exactly 0 and zero gradient, and an
 * empty sequence gives zeros. The attention weights of RETURNN's attention
 * decoders (energies `[batch, encTime, 1]` → weights for `generic_attention`).
 * Without `seqLens` (or with `useTimeMask: false`) every frame counts.
 * No weights.
 *
 * Inputs: `x` float32 `[batch, time, ...]`, or `[x, seqLens]` with `seqLens` int32 `[batch]`.
 * Shape: the input's, float32 (time stays on axis 1; RETURNN moves it last).
 * @throws LayerArgumentError if `energyFactor` is not a finite number or `useTimeMask` not a boolean
 *   (`SoftmaxOverSpatial: energyFactor must be a number. Received: energyFactor="2".`).
 * @throws InputShapeError if `x` has rank < 2 or `seqLens` is not int32 `[batch]`.
 */
export class SoftmaxOverSpatial extends Layer {
  static override readonly className: string = 'SoftmaxOverSpatial';
  readonly energyFactor: number;
  readonly useTimeMask: boolean;

  constructor(args: SoftmaxOverSpatialArgs = {}) {
    super(args);
    const a = resolveArgs('SoftmaxOverSpatial', SOFTMAX_OVER_SPATIAL_OPTIONS, args) as Required<SoftmaxOverSpatialArgs>;
    this.energyFactor = a.energyFactor;
    this.useTimeMask = a.useTimeMask;
  }

  override call(inputs: Tensor | Tensor[], _ctx: CallContext): Tensor {
    const { x, seqLens } = seqInput(inputs, this.name);
    const energy = this.energyFactor === 1 ? x : ops.mul(x, this.energyFactor);
    return maskedSoftmaxOverTime(energy, this.useTimeMask ? seqLens : undefined);
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    return xShapeOf(inputShape);
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), energyFactor: this.energyFactor, useTimeMask: this.useTimeMask };
  }
}

/**
 * RETURNN's `softmax_over_spatial` over the time axis: `energy_factor`,
 * `use_time_mask` (None: masked, as RETURNN does with lengths). The source's
 * lengths mask padded frames.
 */
export const softmaxOverSpatialLayer: LayerSpec = {
  cls: SoftmaxOverSpatial,
  options: SOFTMAX_OVER_SPATIAL_OPTIONS,
  netDict: { names: ['softmax_over_spatial'], sources: 'concat', seqLens: true },
};
