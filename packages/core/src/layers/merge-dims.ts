import { ops, type Tensor } from '@strata/backend';
import { z } from 'zod';
import { InputShapeError } from '../errors.js';
import { type CallContext, Layer, type LayerArgs, type LayerConfig, type SymbolicShape } from '../layer.js';
import { type LayerOptions, type LayerSpec, option, resolveArgs } from '../layer-spec.js';
import { type ReturnnAxes, returnnAxes, returnnAxesSchema } from './axes/returnn-axes.js';
import { mergesBatch } from './merge-batch-dims.js';
import { single } from './util.js';

/** Product of known sizes, or `null` if any is unknown. */
const product = (dims: readonly (number | null)[]): number | null =>
  dims.some((d) => d === null) ? null : (dims as number[]).reduce((a, b) => a * b, 1);

/** Arguments of {@link MergeDims} and {@link Flatten}. */
export interface MergeDimsArgs extends LayerArgs {
  /**
   * The axes to merge (RETURNN `axes`): `except_batch` (the default), every axis after the batch axis;
   * or any RETURNN axis description (`"static"`, `"except_time"`, `"dim:4"`, a list `["dim:4", "F"]`)
   * naming static non-batch axes, merged into one.
   */
  axes?: ReturnnAxes;
  /**
   * Merge in the order the axes are named (RETURNN `keep_order`), else in axis order. Default true;
   * a net dict without `keep_order` gets RETURNN's default: true from `behavior_version` 6, false before.
   */
  keepOrder?: boolean;
}

/** MergeDims' (and Flatten's) arguments in both vocabularies (RETURNN `MergeDimsLayer`'s keys). */
const MERGE_DIMS_OPTIONS = {
  axes: option(returnnAxesSchema(), { default: 'except_batch', returnn: 'axes' }),
  keepOrder: option(z.boolean({ error: 'must be true or false' }), { default: true, returnn: 'keep_order', returnnDefaultFor: (v) => v >= 6 }),
} satisfies LayerOptions;

/** Flatten's arguments (Keras' `Flatten`, not a RETURNN class): every axis after the batch axis only. */
const FLATTEN_OPTIONS = {
  axes: option(z.literal('except_batch', { error: "must be 'except_batch' (Strata merges every axis after the batch axis)" }), {
    default: 'except_batch',
    returnn: 'axes',
  }),
} satisfies LayerOptions;

/**
 * Merges axes into one, row-major (RETURNN `MergeDimsLayer`; Keras `Flatten`
 * for `except_batch`). No weights. `except_batch`: all axes but the batch
 * axis. Other descriptions: the static axes they name, in the order named
 * (`keepOrder`) or in axis order; the merged axis takes the feature axis'
 * place when the feature axis is merged (counting the axes before it that
 * stay), else the place of the first merged axis (RETURNN's `_get_target_axis`).
 *
 * Shape: `[batch, a, b, c]` → `[batch, a*b*c]` (`except_batch`; `[batch, f]` unchanged);
 * `[batch, time, 4, 3]` with `static` → `[batch, time, 12]`. Any dtype.
 * @throws LayerArgumentError if `axes` is not an axis description.
 * @throws InputShapeError if the input has rank < 2, or the axes named include the batch axis or a dynamic axis.
 */
export class MergeDims extends Layer {
  static override readonly className: string = 'MergeDims';
  /** The arguments this class takes (Flatten: `except_batch` only). */
  static readonly options: LayerOptions = MERGE_DIMS_OPTIONS;
  readonly axes: ReturnnAxes;
  readonly keepOrder: boolean;
  /** The plan made at build time from the symbolic shape (where the time axis is dynamic: `null`). */
  private planned: { axes: number[]; target: number } | undefined;

  constructor(args: MergeDimsArgs = {}) {
    super(args);
    const a = resolveArgs((new.target as typeof MergeDims).className, (new.target as typeof MergeDims).options, args) as MergeDimsArgs;
    this.axes = a.axes ?? 'except_batch';
    this.keepOrder = a.keepOrder ?? true;
  }

  /** For axes other than `except_batch`: the merged axes (in merge order) and the axis the result takes. */
  private plan(shape: SymbolicShape): { axes: number[]; target: number } {
    // Descriptions such as "static" depend on which axes are dynamic: the built (symbolic) shape decides.
    if (this.planned && this.planned.axes.every((a) => a < shape.length)) return this.planned;
    const named = returnnAxes(this.axes, shape, this.name);
    const axes = this.keepOrder ? named : [...named].sort((p, q) => p - q);
    if (axes.length === 0 || axes.some((a) => a === 0 || shape[a] === null)) {
      throw new InputShapeError({ layer: this.name, expected: `axes ${JSON.stringify(this.axes)} must name static non-batch axes (dynamic axes are not merged here)`, received: shape });
    }
    const feature = shape.length - 1;
    return { axes, target: axes.includes(feature) ? feature - axes.filter((a) => a < feature).length : Math.min(...axes) };
  }

  override build(inputShape: SymbolicShape): void {
    if (this.axes !== 'except_batch' && inputShape.length >= 2) this.planned = this.plan(inputShape);
    super.build(inputShape);
  }

  override call(inputs: Tensor | Tensor[], _ctx: CallContext): Tensor {
    const x = single(inputs);
    const out = this.computeOutputShape(x.shape);
    if (this.axes !== 'except_batch') {
      const { axes, target } = this.plan(x.shape);
      const perm = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
      perm.splice(target, 0, ...axes);
      return ops.reshape(ops.transpose(x, perm), (out as number[]).map((s, i) => (i === 0 ? -1 : s)));
    }
    if (x.shape.length === 2) return x;
    // [-1, n] rather than [batch, -1]: the batch size may be symbolic on a graph backend.
    return ops.reshape(x, [-1, product(x.shape.slice(1)) as number]);
  }

  override computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    if (inputShape.length < 2) {
      throw new InputShapeError({ layer: this.name, expected: 'expected rank >= 2 input [batch, ...] with at least one axis to merge', received: inputShape });
    }
    if (this.axes === 'except_batch') return [inputShape[0]!, product(inputShape.slice(1))];
    const { axes, target } = this.plan(inputShape);
    const rest = inputShape.filter((_, i) => !axes.includes(i));
    rest.splice(target, 0, axes.reduce((p, a) => p * (inputShape[a] as number), 1));
    return rest;
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), axes: this.axes, keepOrder: this.keepOrder };
  }
}

/** Keras' name for {@link MergeDims} (same behaviour, default name `flatten`). */
export class Flatten extends MergeDims {
  static override readonly className: string = 'Flatten';
  static override readonly options: LayerOptions = FLATTEN_OPTIONS;
}

/** RETURNN's `merge_dims` (`MergeDimsLayer`): `axes` (any description of static axes, or `except_batch`; the default here, RETURNN requires the key), `keep_order`. */
// Over the batch axis (axes naming "B"): mergeBatchDimsLayer (merge-batch-dims.ts).
export const mergeDimsLayer: LayerSpec = { cls: MergeDims, options: MERGE_DIMS_OPTIONS, netDict: { names: ['merge_dims'], when: (e) => !mergesBatch(e), sources: 'concat' } };

/** `flatten` in a net dict: Strata's (Keras') name for `merge_dims` with `axes: "except_batch"`, making a {@link Flatten}. Not a RETURNN class. */
export const flattenLayer: LayerSpec = { cls: Flatten, options: FLATTEN_OPTIONS, netDict: { names: ['flatten'], sources: 'concat' } };
