import { ops, type Tensor } from '@strata/backend';
import { z } from 'zod';
import { InputShapeError } from '../errors.js';
import { type CallContext, Layer, type LayerArgs, type LayerConfig, type SymbolicShape } from '../layer.js';
import { LayerArgumentError } from '../errors.js';
import type { Data } from '../data.js';
import { type LayerBuildContext, type LayerOptions, type LayerSpec, option, resolveArgs } from '../layer-spec.js';
import { type DimJson, isDimJson } from '../dim-json.js';
import { axesInData } from './shape/axis-in-data.js';
import { single } from './util.js';

/** Arguments of {@link SplitDims}. */
export interface SplitDimsArgs extends LayerArgs {
  /** The sizes the axis is split into, row-major; one entry may be `-1` (inferred). */
  dims: number[];
  /** The axis to split; negative counts from the end. Default `-1` (the feature axis). Never the batch axis. */
  axis?: number;
  /**
   * The index into `dims` of the new axis that goes last, the others keeping their order (net dicts: RETURNN's
   * feature axis after splitting the feature axis into Dims, the last feature-kind one, which Strata keeps last).
   * Default: none (the split axes in the order of `dims`).
   */
  featureAt?: number;
}

const DIMS = 'must be a non-empty list of positive integers with at most one -1';
const DIM = 'must be a positive integer or -1';

/** Sizes to split or reshape into: a non-empty list of positive integers, at most one of them `-1` (inferred). */
const dimsSchema = () =>
  z
    .array(z.number({ error: DIM }).int({ error: DIM }).refine((d) => d > 0 || d === -1, { error: DIM }), { error: DIMS })
    .min(1, { error: DIMS })
    .refine((dims) => dims.filter((d) => d === -1).length <= 1, { error: DIMS });

/** A non-batch axis: a non-zero integer, negative from the end. */
const AXIS = 'must be a non-batch axis: a non-zero integer (negative counts from the end; 0 is the batch axis)';
const axisSchema = () => z.number({ error: AXIS }).int({ error: AXIS }).refine((a) => a !== 0, { error: AXIS });

/** SplitDims' arguments in both vocabularies (RETURNN `SplitDimsLayer`'s keys). */
const SPLIT_DIMS_OPTIONS = {
  dims: option(dimsSchema(), {
    returnn: 'dims',
    // RETURNN also takes Dims (JSON form): each its size, a dynamic one -1 (`d.dimension or -1`).
    returnnSchema: z
      .array(z.union([z.number({ error: DIM }).int({ error: DIM }).refine((d) => d > 0 || d === -1, { error: DIM }), z.custom<DimJson>(isDimJson)], { error: DIM }), { error: DIMS })
      .min(1, { error: DIMS })
      .refine((dims) => dims.filter((d) => d === -1 || (isDimJson(d) && !d.size)).length <= 1, { error: DIMS }),
    fromReturnn: (v) => (v as unknown[]).map((d) => (isDimJson(d) ? (d.size || -1) : d)),
  }),
  featureAt: option(z.number().int().min(0).optional()),
  axis: option(axisSchema(), {
    default: -1,
    returnn: 'axis',
    // RETURNN: an axis description ("F", "t", "stag:time", "dim:20"; letter case ignored, `get_axis_from_description`),
    // or an axis index counting the batch axis; descriptions are resolved on the input (deriveSplitDims). Strata's default is "F" (RETURNN requires the key).
    returnnSchema: z.union([z.string().min(1), axisSchema()], {
      error: 'must be a RETURNN axis description ("F", "T", "stag:name", ...) or a non-batch axis index: a non-zero integer (negative counts from the end; 0 is the batch axis)',
    }),
  }),
} satisfies LayerOptions;

/** Reshape's arguments (Keras only: no net-dict class). */
const RESHAPE_OPTIONS = { targetShape: option(dimsSchema()) } satisfies LayerOptions;

/**
 * `dims` with the `-1` resolved for an axis of `size`.
 * @throws InputShapeError (via `fail`) if the product of `dims` does not fit `size`.
 */
function resolveDims(dims: number[], size: number | null, fail: () => never): (number | null)[] {
  const known = dims.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
  if (size === null) return dims.map((d) => (d === -1 ? null : d));
  if (dims.includes(-1) ? size % known !== 0 : size !== known) fail();
  return dims.map((d) => (d === -1 ? size / known : d));
}

/**
 * Splits one axis into several, row-major (RETURNN `split_dims`; for the
 * feature axis of a `[batch, features]` input the same as Keras `Reshape`).
 * No weights.
 *
 * Shape: with `axis = -1`, `dims = [28, 28, 1]`: `[batch, 784]` → `[batch, 28, 28, 1]`;
 * in general `[batch, ..., n, ...]` → `[batch, ..., d1, ..., dk, ...]` with `d1 * ... * dk = n`. Any dtype.
 * @throws LayerArgumentError for bad `dims` or an `axis` that is not a non-zero integer (0 is the batch axis)
 *   (`SplitDims: <arg> must be ... Received: <arg>=...`).
 * @throws InputShapeError if the axis does not exist or its size is not the product of `dims`.
 */
export class SplitDims extends Layer {
  static override readonly className: string = 'SplitDims';
  readonly dims: number[];
  readonly axis: number;
  readonly featureAt: number | undefined;

  constructor(args: SplitDimsArgs) {
    super(args);
    const a = resolveArgs('SplitDims', SPLIT_DIMS_OPTIONS, args) as Required<Omit<SplitDimsArgs, 'featureAt'>> & { featureAt?: number };
    this.dims = [...a.dims];
    this.axis = a.axis;
    if (a.featureAt !== undefined && a.featureAt >= a.dims.length) throw new LayerArgumentError(`SplitDims: featureAt must be an index into dims (< ${a.dims.length}). Received: featureAt=${a.featureAt}.`);
    this.featureAt = a.featureAt === a.dims.length - 1 ? undefined : a.featureAt;
  }

  override call(inputs: Tensor | Tensor[], _ctx: CallContext): Tensor {
    const x = single(inputs);
    const split = this.splitShape(x.shape);
    const y = ops.reshape(x, [-1, ...(split.slice(1) as number[])]);
    const perm = this.perm(split.length);
    return perm ? ops.transpose(y, perm) : y;
  }

  /** The axis permutation that moves the `featureAt` axis last, or undefined. */
  private perm(rank: number): number[] | undefined {
    if (this.featureAt === undefined) return undefined;
    const from = (this.axis < 0 ? rank - this.dims.length + 1 + this.axis : this.axis) + this.featureAt;
    return [...[...Array(rank).keys()].filter((i) => i !== from), from];
  }

  override computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    const split = this.splitShape(inputShape);
    const perm = this.perm(split.length);
    return perm ? perm.map((i) => split[i]!) : split;
  }

  /** The shape with the axis split, before `featureAt` moves an axis. */
  private splitShape(inputShape: SymbolicShape): SymbolicShape {
    const rank = inputShape.length;
    const axis = this.axis < 0 ? rank + this.axis : this.axis;
    const fail = (): never => {
      throw new InputShapeError({
        layer: this.name,
        expected: `cannot split axis ${this.axis} into dims [${this.dims.join(', ')}] (the axis must exist besides the batch axis, and its size be their product)`,
        received: inputShape,
      });
    };
    if (axis < 1 || axis >= rank) fail();
    const split = resolveDims(this.dims, inputShape[axis]!, fail);
    return [...inputShape.slice(0, axis), ...split, ...inputShape.slice(axis + 1)];
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), dims: [...this.dims], axis: this.axis, featureAt: this.featureAt };
  }
}

/** Arguments of {@link Reshape}. */
export interface ReshapeArgs extends LayerArgs {
  /** The new shape of all non-batch axes together; one entry may be `-1`. */
  targetShape: number[];
}

/**
 * Reshapes all non-batch axes at once (Keras `Reshape`): `[batch, ...]` →
 * `[batch, ...targetShape]`, row-major. No weights.
 *
 * Shape: e.g. `targetShape = [28, 28, 1]`: `[batch, 784]` → `[batch, 28, 28, 1]`;
 * `[batch, 4, 6]` with `[3, -1]` → `[batch, 3, 8]`. Any dtype.
 * @throws LayerArgumentError for a bad `targetShape` (`Reshape: targetShape must be ... Received: targetShape=...`).
 * @throws InputShapeError if the non-batch size is not the product of `targetShape`.
 */
export class Reshape extends Layer {
  static override readonly className: string = 'Reshape';
  readonly targetShape: number[];

  constructor(args: ReshapeArgs) {
    super(args);
    this.targetShape = [...resolveArgs('Reshape', RESHAPE_OPTIONS, args).targetShape];
  }

  override call(inputs: Tensor | Tensor[], _ctx: CallContext): Tensor {
    const x = single(inputs);
    const out = this.computeOutputShape(x.shape);
    return ops.reshape(x, [-1, ...(out.slice(1) as number[])]);
  }

  override computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    const rest = inputShape.slice(1);
    const size = rest.some((d) => d === null) ? null : (rest as number[]).reduce((a, b) => a * b, 1);
    const fail = (): never => {
      throw new InputShapeError({ layer: this.name, expected: `cannot reshape the non-batch axes to [${this.targetShape.join(', ')}] (sizes differ)`, received: inputShape });
    };
    if (inputShape.length < 1) fail();
    return [inputShape[0] ?? null, ...resolveDims(this.targetShape, size, fail)];
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), targetShape: [...this.targetShape] };
  }
}

/**
 * Net dicts: a string `axis` is a RETURNN axis description (letter case
 * ignored, as `Data.get_axis_from_description`), resolved on the input to one
 * non-batch axis index (counted with the batch axis, as RETURNN counts).
 * @throws LayerArgumentError if it names no, several, or the batch axis.
 */
function deriveSplitDims(c: LayerBuildContext, a: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const d = c.sources[0];
  let axis = a.axis as number;
  if (typeof a.axis === 'string') {
    if (!d) throw new LayerArgumentError(`axis ${JSON.stringify(a.axis)} needs a source to resolve it on.`);
    const found = axesInData(d, a.axis);
    if (found.length !== 1 || (d.hasBatch && found[0] === 0)) {
      throw new LayerArgumentError(`axis ${JSON.stringify(a.axis)} must name exactly one non-batch axis of ${d}; it names ${found.length === 1 ? 'the batch axis' : found.length}. Received: axis=${JSON.stringify(a.axis)}.`);
    }
    axis = found[0]!;
  }
  return { axis, ...featureOfSplit(d, axis, c.entry.dims) };
}

/**
 * RETURNN's feature axis after splitting the input's feature axis into Dims (`SplitDimsLayer._map_old_axis_to_new_axis`
 * with `use_remaining=False, split_offset=-1`): the last of the Dims of kind feature (else the last Dim), which
 * Strata puts last ({@link SplitDims.featureAt}).
 */
function featureOfSplit(d: Data | undefined, axis: number, dims: unknown): { featureAt?: number } {
  if (!d || !Array.isArray(dims) || !dims.some(isDimJson) || d.sparse || !d.hasBatch) return {};
  const rank = d.dims.length + 1;
  const at = axis < 0 ? rank + axis : axis;
  const last = d.dims[d.dims.length - 1];
  if (at !== rank - 1 || !last || last === d.timeDim) return {};
  const features = dims.flatMap((x, i) => (isDimJson(x) && x.kind === 'feature' ? [i] : []));
  return features.length ? { featureAt: features[features.length - 1]! } : {};
}

/**
 * RETURNN's `split_dims` (`SplitDimsLayer`) with `dims` and `axis` (a RETURNN
 * axis description such as `"F"` or `"t"`, `"F"` the default here though
 * RETURNN requires the key, or an axis index counting the batch axis): {@link SplitDims}.
 */
export const splitDimsLayer: LayerSpec = { cls: SplitDims, options: SPLIT_DIMS_OPTIONS, netDict: { names: ['split_dims'], sources: 'concat', derive: deriveSplitDims } };

/** Keras' `Reshape`, made in code only (no net-dict class; net dicts use `split_dims`). */
export const reshapeLayer: LayerSpec = { cls: Reshape, options: RESHAPE_OPTIONS };
