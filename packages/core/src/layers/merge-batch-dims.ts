import { ops, type Tensor } from '@strata/backend';
import { z } from 'zod';
import type { Data } from '../data.js';
import { Dim } from '../dim.js';
import { InputShapeError } from '../errors.js';
import { type CallContext, Layer, type LayerArgs, type LayerConfig, type SymbolicShape } from '../layer.js';
import { type LayerBuildContext, type LayerOptions, type LayerSpec, option, resolveArgs, schemas } from '../layer-spec.js';
import { axesInData } from './shape/axis-in-data.js';
import { single } from './util.js';

/** Arguments of {@link MergeBatchDims}. */
export interface MergeBatchDimsArgs extends LayerArgs {
  /** The merged axes in merge order (the first varies slowest), counted with the batch axis, which is one of them (0). */
  axes: number[];
}

const AXES = 'must be a list of at least two distinct axis indices counted with the batch axis, including 0 (the batch axis)';
const MERGE_BATCH_DIMS_OPTIONS = {
  axes: option(
    z
      .array(schemas.nonNegativeInt(), { error: AXES })
      .min(2, { error: AXES })
      .refine((a) => a.includes(0) && new Set(a).size === a.length, { error: AXES }),
  ),
} satisfies LayerOptions;

/**
 * The axis a {@link MergeBatchDims} output keeps for a dynamic axis of its input (same frames, lengths per
 * merged entry) → that input axis. `split_batch_time` gives the input axis back (RETURNN keeps one dim tag).
 */
export const mergedBatchDimOrigin = new WeakMap<Dim, Dim>();

/**
 * Merges the batch axis with other axes into one new batch axis (RETURNN
 * `MergeDimsLayer` with `axes` naming `"B"`, e.g. `["B", "T"]`): the merged
 * axes are moved to the front in merge order and reshaped into one, padded
 * frames included (unlike `flatten_batch`): with `axes = [0, 1]`, row
 * `b * T + t` is frame `[b, t]`; with `[1, 0]`, row `t * B + b`.
 * A dynamic axis the merge keeps (a second time axis) keeps its frames; in a
 * net dict its lengths are those of the input's batch entry, tiled over the
 * merged entries (RETURNN: the same dim tag, with sizes of the merged batch):
 * entry `b * T + t` has the length of entry `b`.
 *
 * Inputs: `x` `[batch, ...]`. Shape: `[prod(merged sizes), ...the other axes in order]`, `x`'s dtype. No weights.
 * @throws InputShapeError if an axis is outside `x`.
 */
export class MergeBatchDims extends Layer {
  static override readonly className: string = 'MergeBatchDims';
  readonly axes: number[];
  /** Net dicts: the input's dynamic axes the merge keeps, and the output's axes that get their lengths tiled. */
  private tiled: { from: Dim; to: Dim }[] = [];

  constructor(args: MergeBatchDimsArgs) {
    super(args);
    this.axes = [...resolveArgs('MergeBatchDims', MERGE_BATCH_DIMS_OPTIONS, args).axes];
  }

  private perm(rank: number, shape: SymbolicShape): number[] {
    if (this.axes.some((a) => a >= rank)) throw new InputShapeError({ layer: this.name, expected: `axes [${this.axes.join(', ')}] inside x`, received: shape });
    return [...this.axes, ...[...Array(rank).keys()].filter((i) => !this.axes.includes(i))];
  }

  override call(inputs: Tensor | Tensor[], _ctx: CallContext): Tensor {
    const x = single(inputs);
    const perm = this.perm(x.shape.length, x.shape);
    const moved = perm.every((p, i) => p === i) ? x : ops.transpose(x, perm);
    // Lengths [B] of each kept dynamic axis, broadcast over the merged axes in merge order, then flattened as the rows are.
    const sizes = this.axes.map((a) => x.shape[a]!);
    for (const { from, to } of this.tiled) {
      if (!from.dynSize) continue;
      const perBatch = ops.reshape(from.dynSize, sizes.map((n, i) => (this.axes[i] === 0 ? n : 1)));
      to.dynSize = ops.reshape(ops.add(perBatch, ops.fill(sizes, 0, 'int32')), [-1]);
    }
    return ops.reshape(moved, [-1, ...perm.slice(this.axes.length).map((i) => x.shape[i]!)]);
  }

  /** In a net dict, the tiled lengths of the output's first kept dynamic axis (set by `call`); else `seqLens`. */
  override outputSeqLens(seqLens: Tensor): Tensor {
    return this.tiled[0]?.to.dynSize ?? seqLens;
  }

  /**
   * The net-dict template: the input's axes not merged, in order; each dynamic one a new axis of the same
   * frames (its lengths tiled by `call`, {@link mergedBatchDimOrigin} its input axis).
   */
  outputTemplate(name: string, d: Data): Data {
    this.tiled = [];
    const dims = d.dims
      .filter((_, i) => !this.axes.includes(i + 1))
      .map((dim) => {
        if (!dim.isDynamic) return dim;
        const to = new Dim({ description: `${dim.description}:${name}:merged-batch`, kind: dim.kind, derivedFrom: dim });
        mergedBatchDimOrigin.set(to, dim);
        this.tiled.push({ from: dim, to });
        return to;
      });
    return d.copy({ name, dims });
  }

  override computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    const perm = this.perm(inputShape.length, inputShape);
    return [null, ...perm.slice(this.axes.length).map((i) => inputShape[i]!)];
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), axes: [...this.axes] };
  }
}

const namesBatch = (v: unknown): boolean => (Array.isArray(v) ? v.some(namesBatch) : typeof v === 'string' && ['b', 'batch'].includes(v.toLowerCase()));
/** Whether a `merge_dims` entry merges the batch axis (`axes` naming `"B"`): this spec takes it. */
export const mergesBatch = (entry: Readonly<Record<string, unknown>>): boolean => namesBatch(entry.axes);

/**
 * Net dicts: `axes` resolved on the input in the order given (`keep_order`),
 * or sorted with the batch axis first (RETURNN's old order, `keep_order`
 * false). Dynamic axes kept get their lengths tiled ({@link MergeBatchDims}).
 */
function deriveMergeBatchDims(c: LayerBuildContext, a: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const d = c.sources[0];
  if (!d) return {};
  const named = axesInData(d, a.returnnAxes);
  const axes = a.keepOrder === false ? [0, ...named.filter((x) => x !== 0).sort((x, y) => x - y)] : named;
  return { axes, returnnAxes: undefined, keepOrder: undefined };
}

/**
 * RETURNN's `merge_dims` over the batch axis (`axes` such as `["B", "T"]`):
 * {@link MergeBatchDims}; `keep_order` (default per `behavior_version`, true
 * from 6). The output's batch axis is the merged one (padded frames included);
 * a dynamic axis kept has the lengths of each merged entry's batch entry.
 */
export const mergeBatchDimsLayer: LayerSpec = {
  cls: MergeBatchDims,
  options: {
    ...MERGE_BATCH_DIMS_OPTIONS,
    axes: option(MERGE_BATCH_DIMS_OPTIONS.axes.schema.optional()),
    returnnAxes: option(z.unknown(), { returnn: 'axes' }),
    keepOrder: option(schemas.boolean().optional(), { returnn: 'keep_order', returnnDefaultFor: (v) => v >= 6 }),
  },
  netDict: {
    names: ['merge_dims'],
    when: mergesBatch,
    sources: 'concat',
    acceptsSparse: true,
    derive: deriveMergeBatchDims,
    outputData: (c) => (c.layer as MergeBatchDims).outputTemplate(c.name, c.sources[0]!),
  },
};
