import { ops, type Tensor } from '@strata/backend';
import { z } from 'zod';
import { InputShapeError, LayerArgumentError } from '../../errors.js';
import { type CallContext, Layer, type LayerArgs, type LayerConfig, type SymbolicShape } from '../../layer.js';
import { type LayerBuildContext, type LayerOptions, type LayerSpec, option, resolveArgs, schemas } from '../../layer-spec.js';
import { axisDescSchema, inputOf } from '../shape/axis-ops.js';
import { oneAxis } from './swap-axes.js';

/** Arguments of {@link ReshapeDims}. */
export interface ReshapeDimsArgs extends LayerArgs {
  /** The reshaped axes, indices >= 1 counted with the batch axis, in the order their elements are read (static axes). */
  inAxes: number[];
  /** The sizes of the new axes, put where the first of `inAxes` was; their product is that of the `inAxes` sizes. */
  outSizes: number[];
}

const AXES = 'must be a list of distinct axis indices >= 1 (counted with the batch axis)';
const RESHAPE_DIMS_OPTIONS = {
  inAxes: option(z.array(z.number({ error: AXES }).int({ error: AXES }).min(1, { error: AXES }), { error: AXES }).min(1, { error: AXES }).refine((a) => new Set(a).size === a.length, { error: AXES }), {
    returnn: 'in_dims',
    returnnSchema: z.array(axisDescSchema, { error: 'must be a list of RETURNN axis descriptions' }),
  }),
  outSizes: option(z.array(schemas.positiveInt(), { error: 'must be a list of positive integers' }).min(1, { error: 'must be a list of positive integers' }), {
    returnn: 'out_dims',
    returnnSchema: z.array(axisDescSchema, { error: "must be a list of RETURNN axis descriptions of the input's axes (Strata's net dicts cannot write Dim objects)" }),
  }),
  extraDeps: option(z.array(z.never(), { error: 'must be empty (Strata makes no new Dim that a dependency could define)' }).optional(), { returnn: 'extra_deps' }),
} satisfies LayerOptions;

/**
 * Reshapes some axes into others of the same total size (RETURNN
 * `ReshapeLayer`): the `inAxes` are moved together, in their given order, to
 * where the first of them (by position) was, then reshaped to `outSizes`.
 *
 * Inputs: `x` `[batch, ...]`. Shape: `x`'s without `inAxes`, with `outSizes` at the smallest of `inAxes`. No weights.
 * @throws LayerArgumentError for bad `inAxes` or `outSizes`.
 * @throws InputShapeError if an axis is not a static axis of `x` or the sizes' products differ.
 */
export class ReshapeDims extends Layer {
  static override readonly className: string = 'ReshapeDims';
  readonly inAxes: number[];
  readonly outSizes: number[];

  constructor(args: ReshapeDimsArgs) {
    super(args);
    const a = resolveArgs('ReshapeDims', RESHAPE_DIMS_OPTIONS, args);
    this.inAxes = a.inAxes;
    this.outSizes = a.outSizes;
  }

  /** The permutation that brings `inAxes` together, and the output shape, for `shape`. */
  private plan(shape: SymbolicShape): { perm: number[]; out: SymbolicShape } {
    const sizes = this.inAxes.map((a) => shape[a]);
    const prod = (xs: readonly (number | null | undefined)[]) => xs.reduce<number>((p, s) => p * (s as number), 1);
    if (sizes.some((s) => typeof s !== 'number') || prod(sizes) !== prod(this.outSizes)) {
      throw new InputShapeError({ layer: this.name, expected: `static axes ${JSON.stringify(this.inAxes)} of total size ${prod(this.outSizes)} (the product of outSizes ${JSON.stringify(this.outSizes)})`, received: shape as number[] });
    }
    const at = Math.min(...this.inAxes);
    const rest = [...shape.keys()].filter((i) => !this.inAxes.includes(i));
    const perm = [...rest.slice(0, at), ...this.inAxes, ...rest.slice(at)];
    const out = [...rest.slice(0, at).map((i) => shape[i]!), ...this.outSizes, ...rest.slice(at).map((i) => shape[i]!)];
    return { perm, out };
  }

  override call(inputs: Tensor | Tensor[], _ctx: CallContext): Tensor {
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    const { perm, out } = this.plan(x.shape);
    const moved = perm.every((p, i) => p === i) ? x : ops.transpose(x, perm);
    return ops.reshape(moved, out.map((s, i) => (i === 0 ? x.shape[0]! : (s as number))));
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    return this.plan((Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as SymbolicShape).out;
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), inAxes: this.inAxes, outSizes: this.outSizes };
  }
}

/** The output Dims: RETURNN's out_dims (as descriptions, the input's own Dims) in place of in_dims. */
function outDescs(c: LayerBuildContext): unknown[] {
  return (c.entry.out_dims as unknown[] | undefined) ?? [];
}

/** Net dicts: `in_dims` resolved on the input; `out_dims` name Dims of the input (RETURNN's `get_dim_tag_from_description`), whose sizes are taken. */
function deriveReshape(c: LayerBuildContext): Record<string, unknown> {
  const d = inputOf(c);
  if (!d) return {};
  const inAxes = ((c.entry.in_dims as unknown[] | undefined) ?? []).map((desc) => oneAxis(c, desc, 'in_dims'));
  const outSizes = outDescs(c).map((desc) => {
    const dim = d.dims[oneAxis(c, desc, 'out_dims') - 1]!;
    if (dim.size === null) throw new LayerArgumentError(`out_dims: ${JSON.stringify(desc)} is a dynamic axis of ${d}; Strata reshapes static axes only. Received: out_dims=${JSON.stringify(c.entry.out_dims)}.`);
    return dim.size;
  });
  for (const a of inAxes) {
    if (d.dims[a - 1]!.isDynamic) throw new LayerArgumentError(`in_dims: axis ${a} of ${d} is dynamic; Strata reshapes static axes only. Received: in_dims=${JSON.stringify(c.entry.in_dims)}.`);
  }
  return { inAxes, outSizes };
}

/**
 * RETURNN's `reshape`: `in_dims` and `out_dims` as RETURNN axis descriptions
 * (out_dims name Dims of the input, as strings do in RETURNN; Dim objects
 * cannot be written in Strata's net dicts), static axes only; `extra_deps`
 * only empty. The output's new axes are those Dims.
 */
export const reshapeDimsLayer: LayerSpec = {
  cls: ReshapeDims,
  options: RESHAPE_DIMS_OPTIONS,
  netDict: {
    names: ['reshape'],
    sources: 'concat',
    acceptsSparse: true,
    derive: deriveReshape,
    outputData: (c) => {
      const d = inputOf(c);
      if (!d) return undefined;
      const l = c.layer as ReshapeDims;
      const outDims = outDescs(c).map((desc) => d.dims[oneAxis(c, desc, 'out_dims') - 1]!);
      const at = Math.min(...l.inAxes) - 1;
      const rest = d.dims.filter((_, i) => !l.inAxes.includes(i + 1));
      return d.copy({ name: c.name, dims: [...rest.slice(0, at), ...outDims, ...rest.slice(at)] });
    },
  },
};
