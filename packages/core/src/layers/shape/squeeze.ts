import { ops, type Tensor } from '@strata/backend';
import { z } from 'zod';
import { InputShapeError, LayerArgumentError } from '../../errors.js';
import { type CallContext, Layer, type LayerArgs, type LayerConfig, type SymbolicShape } from '../../layer.js';
import { type LayerBuildContext, type LayerOptions, type LayerSpec, option, resolveArgs, schemas } from '../../layer-spec.js';
import { xShapeOf } from '../seq/seq-inputs.js';
import { axisDescSchema, axisIndex, inputOf, seqAxisSchema } from './axis-ops.js';
import type { SeqAxis } from '../seq/seq-inputs.js';
import { axesInData } from './axis-in-data.js';

/** Arguments of {@link Squeeze}. */
export interface SqueezeArgs extends LayerArgs {
  /** The removed axes, each of size 1: `'T'`, `'F'` or indices >= 1 counted with the batch axis (RETURNN `axis`). */
  axis: SeqAxis | SeqAxis[];
  /** An empty `axis` list is allowed (the layer is then the identity) (RETURNN `allow_no_op`). Default false. */
  allowNoOp?: boolean;
}

const SQUEEZE_OPTIONS = {
  axis: option(z.union([seqAxisSchema, z.array(seqAxisSchema)], { error: "must be 'T', 'F', an axis index >= 1, or a list of them" }), {
    returnn: 'axis',
    returnnSchema: z.union([axisDescSchema, z.array(axisDescSchema)]),
  }),
  allowNoOp: option(schemas.boolean(), { default: false, returnn: 'allow_no_op' }),
  enforceBatchDimAxis: option(z.literal(0, { error: 'must be 0 or None (Strata keeps the batch axis first)' }).nullable().optional(), { returnn: 'enforce_batch_dim_axis' }),
} satisfies LayerOptions;

/**
 * Removes axes of size 1 (RETURNN `SqueezeLayer`, `tf.squeeze`).
 *
 * Inputs: `x` `[batch, ...]`. Shape: `x` without those axes. No weights.
 * @throws LayerArgumentError for a bad `axis`, or no axis without `allowNoOp`.
 * @throws InputShapeError if an axis is not a non-batch axis of `x` or its size is not 1.
 */
export class Squeeze extends Layer {
  static override readonly className: string = 'Squeeze';
  readonly axis: SeqAxis[];
  readonly allowNoOp: boolean;

  constructor(args: SqueezeArgs) {
    super(args);
    const a = resolveArgs('Squeeze', SQUEEZE_OPTIONS, args) as Required<SqueezeArgs>;
    this.axis = Array.isArray(a.axis) ? a.axis : [a.axis];
    this.allowNoOp = a.allowNoOp;
    if (!this.axis.length && !this.allowNoOp) throw new LayerArgumentError(`Squeeze: axis names no axis; give one, or allowNoOp: true. Received: axis=[].`);
  }

  private removed(shape: SymbolicShape): number[] {
    const axes = this.axis.map((ax) => axisIndex(ax, shape.length, this.name));
    for (const a of axes) {
      if (shape[a] !== 1) throw new InputShapeError({ layer: this.name, expected: `axis ${a} to squeeze must have size 1`, received: shape as number[] });
    }
    return axes;
  }

  override call(inputs: Tensor | Tensor[], _ctx: CallContext): Tensor {
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    const axes = this.removed(x.shape);
    return ops.reshape(x, x.shape.filter((_, i) => !axes.includes(i)));
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const shape = xShapeOf(inputShape);
    const axes = this.removed(shape);
    return shape.filter((_, i) => !axes.includes(i));
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), axis: this.axis, allowNoOp: this.allowNoOp };
  }
}

/** Net dicts: `axis` resolved against the input (`"auto"`: every axis of size 1), counted with the batch axis. */
function deriveSqueeze(c: LayerBuildContext, a: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const d = inputOf(c);
  if (!d) return {};
  const off = d.hasBatch ? 1 : 0;
  const axes = a.axis === 'auto' ? d.dims.flatMap((dim, i) => (dim.size === 1 ? [i + off] : [])) : axesInData(d, a.axis);
  if (d.hasBatch && axes.includes(0)) throw new LayerArgumentError(`axis ${JSON.stringify(a.axis)} names the batch axis of ${d}, which Strata does not squeeze. Received: axis=${JSON.stringify(a.axis)}.`);
  return { axis: axes };
}

/**
 * RETURNN's `squeeze`: `axis` (any RETURNN description or list, `"auto"`),
 * `allow_no_op`, `enforce_batch_dim_axis` (0 or None). The other axes keep
 * their Dims (and a time axis its lengths).
 */
export const squeezeLayer: LayerSpec = {
  cls: Squeeze,
  options: SQUEEZE_OPTIONS,
  netDict: {
    names: ['squeeze'],
    sources: 'concat',
    acceptsSparse: true,
    derive: deriveSqueeze,
    outputData: (c) => {
      const d = inputOf(c);
      if (!d) return undefined;
      const off = d.hasBatch ? 1 : 0;
      const axes = (c.layer as Squeeze).axis.map((ax) => axisIndex(ax, d.batchShape.length, c.name));
      return d.copy({ name: c.name, dims: d.dims.filter((_, i) => !axes.includes(i + off)) });
    },
  },
};
