import { ops, type Tensor } from '@strata/backend';
import { z } from 'zod';
import { InputShapeError } from '../../errors.js';
import { type CallContext, Layer, type LayerArgs, type LayerConfig, type SymbolicShape } from '../../layer.js';
import { type LayerOptions, type LayerSpec, option, resolveArgs } from '../../layer-spec.js';
import { single } from '../util.js';
import { returnnAxes } from './returnn-axes.js';

/** Arguments of {@link CombineDims}. */
export interface CombineDimsArgs extends LayerArgs {
  /** The axes to merge, in this order (RETURNN `axes`, `keep_order=True`): descriptions such as `"dim:4"`, `"F"`, `"T"`. */
  axes: readonly string[];
}

const AXES = 'must be a list of RETURNN axis descriptions such as ["dim:4", "F"], one axis each';
const COMBINE_DIMS_OPTIONS = {
  axes: option(z.array(z.string({ error: AXES }), { error: AXES }).min(1, { error: AXES }), { returnn: 'axes' }),
} satisfies LayerOptions;

/**
 * Merges `axes` into one axis, row-major in the order given (RETURNN
 * `CombineDimsLayer`, the deprecated alias of `MergeDimsLayer` with
 * `keep_order=True`). The merged axis takes the feature axis' place when the
 * feature axis is merged (counting only the axes before it that stay), else
 * the place of the first merged axis, as RETURNN's `_get_target_axis`.
 * Static axes only (the batch and time axes are not merged).
 *
 * Shape: e.g. `[batch, time, 4, 3]` with `["dim:4", "F"]` → `[batch, time, 12]`. Any dtype.
 * @throws InputShapeError if an axis names none or several axes, or a dynamic or the batch axis.
 */
export class CombineDims extends Layer {
  static override readonly className: string = 'CombineDims';
  readonly axes: readonly string[];

  constructor(args: CombineDimsArgs) {
    super(args);
    this.axes = resolveArgs('CombineDims', COMBINE_DIMS_OPTIONS, args).axes;
  }

  /** The merged axes (in merge order) and the axis the result takes. */
  private plan(shape: SymbolicShape): { axes: number[]; target: number } {
    const axes = this.axes.map((d) => {
      const hit = returnnAxes(d, shape, this.name);
      if (hit.length !== 1 || hit[0] === 0 || shape[hit[0]!] === null) {
        throw new InputShapeError({ layer: this.name, expected: `axes entry ${JSON.stringify(d)} must name exactly one static non-batch axis`, received: shape });
      }
      return hit[0]!;
    });
    const feature = shape.length - 1;
    const target = axes.includes(feature) ? feature - axes.filter((a) => a < feature).length : Math.min(...axes);
    return { axes, target };
  }

  private outShape(shape: SymbolicShape): SymbolicShape {
    const { axes, target } = this.plan(shape);
    const rest = shape.filter((_, i) => !axes.includes(i));
    rest.splice(target, 0, axes.reduce((p, a) => p * (shape[a] as number), 1));
    return rest;
  }

  override call(inputs: Tensor | Tensor[], _ctx: CallContext): Tensor {
    const x = single(inputs);
    const { axes, target } = this.plan(x.shape);
    const perm = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
    perm.splice(target, 0, ...axes);
    const out = this.outShape(x.shape) as number[];
    return ops.reshape(ops.transpose(x, perm), out.map((s, i) => (i === 0 ? -1 : s)));
  }

  override computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    return this.outShape(inputShape);
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), axes: this.axes };
  }
}

/** RETURNN's `combine_dims` (`CombineDimsLayer`, deprecated alias of `merge_dims` with `keep_order=True`): `axes`. */
export const combineDimsLayer: LayerSpec = { cls: CombineDims, options: COMBINE_DIMS_OPTIONS, netDict: { names: ['combine_dims'], sources: 'concat' } };
