import { ops, type Tensor } from '@strata/backend';
import { z } from 'zod';
import { type Data, Dim } from '../../data.js';
import { InputShapeError, LayerArgumentError } from '../../errors.js';
import { type CallContext, Layer, type LayerArgs, type LayerConfig, type SymbolicShape } from '../../layer.js';
import { type LayerBuildContext, type LayerOptions, type LayerSpec, option, resolveArgs, schemas } from '../../layer-spec.js';
import { axisDescSchema, inputOf } from '../shape/axis-ops.js';
import { axesInData } from '../shape/axis-in-data.js';
import type { SubOutputLayer } from './sub-outputs.js';

/** Arguments of {@link TopK}. */
export interface TopKArgs extends LayerArgs {
  /**
   * The searched axis, an index >= 1 counted with the batch axis (a static axis), or several (a joint search
   * over their entries, row-major in the given order). They are removed; a new last axis of size `k` holds the results.
   */
  axis: number | number[];
  /** How many of the largest entries (RETURNN `k`). */
  k: number;
  /** Largest first (RETURNN `sorted`). Only true. */
  sorted?: true;
}

const AXIS = 'must be an axis index >= 1 (counted with the batch axis)';
const TOP_K_OPTIONS = {
  axis: option(z.union([z.number({ error: AXIS }).int({ error: AXIS }).min(1, { error: AXIS }), z.array(z.number().int().min(1), { error: AXIS }).min(1, { error: AXIS })], { error: AXIS }), {
    returnn: 'axis',
    returnnSchema: z.union([axisDescSchema, z.array(axisDescSchema).min(1)]),
  }),
  k: option(schemas.positiveInt(), { returnn: 'k', returnnSchema: z.number({ error: 'must be a positive integer (a layer as k is not supported)' }).int().positive() }),
  sorted: option(z.literal(true, { error: 'must be true (tf.nn.top_k leaves the order of unsorted results unspecified)' }), { default: true, returnn: 'sorted' }),
} satisfies LayerOptions;

/** `x` with `axis` moved to the end. */
const toLast = (x: Tensor, axis: number): Tensor => (axis === x.shape.length - 1 ? x : ops.transpose(x, [...x.shape.keys()].filter((i) => i !== axis).concat(axis)));

/**
 * The `k` largest entries along one static axis, largest first (RETURNN
 * `TopKLayer`, `tf.nn.top_k` with `sorted=True`; of equal entries the lower
 * index first). The axis is removed and the results form a new last axis,
 * the other axes keeping their order (RETURNN's `remaining_axes + [k_dim]`).
 * The values are the layer's output; their positions along the axis are the
 * sub-layer `"indices"` (int32). Computed as `k` steps of argmax and a
 * one-hot pick, so the gradient reaches exactly the picked entries.
 *
 * Inputs: `x` float32 `[batch, ...]`. Shape: `x`'s without `axis`, then `k`. No weights.
 * @throws LayerArgumentError for a bad `axis`, `k` or `sorted`.
 * @throws InputShapeError if the axis is not an axis of `x` or has fewer than `k` entries.
 */
export class TopK extends Layer implements SubOutputLayer {
  static override readonly className: string = 'TopK';
  /** The searched axis as given: one index, or a list of them (a joint search). */
  readonly axis: number | number[];
  /** The searched axes, in search order (row-major: the last varies fastest). */
  readonly axes: number[];
  readonly k: number;

  constructor(args: TopKArgs) {
    super(args);
    const a = resolveArgs('TopK', TOP_K_OPTIONS, args);
    this.axis = Array.isArray(a.axis) ? [...a.axis] : a.axis;
    this.axes = Array.isArray(a.axis) ? [...a.axis] : [a.axis];
    this.k = a.k;
    if (new Set(this.axes).size !== this.axes.length) throw new LayerArgumentError(`TopK: axis names an axis twice. Received: axis=${JSON.stringify(a.axis)}.`);
  }

  /** The sub-outputs' names: `indices` for one axis, `indices0`, `indices1`, ... per searched axis (RETURNN's). */
  private indexNames(): string[] {
    return this.axes.length === 1 ? ['indices'] : this.axes.map((_, i) => `indices${i}`);
  }

  private check(shape: SymbolicShape): void {
    const sizes = this.axes.map((a) => shape[a]);
    const n = sizes.every((d) => typeof d === 'number') ? (sizes as number[]).reduce((p, d) => p * d, 1) : null;
    if (this.axes.some((a) => a >= shape.length) || n === null || n < this.k) {
      throw new InputShapeError({ layer: this.name, expected: `static axes [${this.axes.join(', ')}] with at least k=${this.k} entries together`, received: shape as number[] });
    }
  }

  /**
   * Values `[..., k]` and int32 indices, one `[..., k]` per searched axis.
   * Several axes are searched jointly: moved to the end in the given order and flattened row-major (RETURNN's
   * reshape to one axis), each pick's position along each axis read from its one-hot by a sum over the others.
   */
  private topK(x: Tensor): { values: Tensor; indices: Tensor[] } {
    this.check(x.shape);
    const sizes = this.axes.map((a) => x.shape[a]!);
    const rest = [...x.shape.keys()].filter((i) => !this.axes.includes(i));
    const xt = this.axes.length === 1 ? toLast(x, this.axes[0]!) : ops.transpose(x, [...rest, ...this.axes]);
    const outer = rest.map((i) => x.shape[i]!);
    const n = sizes.reduce((p, d) => p * d, 1);
    const xl = this.axes.length === 1 ? xt : ops.reshape(xt, [...outer, n]);
    let search = ops.stopGradient(xl);
    const values: Tensor[] = [];
    const indices: Tensor[][] = this.axes.map(() => []);
    for (let i = 0; i < this.k; i++) {
      const idx = ops.argMax(search, -1);
      const hot = ops.oneHot(idx, n);
      values.push(ops.reshape(ops.sum(ops.mul(xl, hot), [outer.length]), [...outer, 1]));
      if (this.axes.length === 1) indices[0]!.push(ops.reshape(idx, [...outer, 1]));
      else {
        const grid = ops.reshape(hot, [...outer, ...sizes]);
        sizes.forEach((_, j) => {
          const others = sizes.map((__, m) => outer.length + m).filter((m) => m !== outer.length + j);
          indices[j]!.push(ops.reshape(ops.argMax(ops.sum(grid, others), -1), [...outer, 1]));
        });
      }
      if (i + 1 < this.k) search = ops.where(ops.greater(hot, 0.5), -Infinity, search);
    }
    return { values: ops.concat(values, -1), indices: indices.map((list) => ops.cast(ops.concat(list, -1), 'int32')) };
  }

  override call(inputs: Tensor | Tensor[], _ctx: CallContext): Tensor {
    return this.topK(Array.isArray(inputs) ? inputs[0]! : inputs).values;
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as SymbolicShape;
    this.check(shape);
    return [...shape.filter((_, i) => !this.axes.includes(i)), this.k];
  }

  subOutputNames(): string[] {
    return this.indexNames();
  }

  subOutputs(x: Tensor, _ctx: CallContext): Record<string, Tensor> {
    const { indices } = this.topK(x);
    return Object.fromEntries(this.indexNames().map((name, j) => [name, indices[j]!]));
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), axis: this.axis, k: this.k, sorted: true };
  }
}

/** Net dicts: `axis` resolved on the input; one static non-batch axis. */
function deriveTopK(c: LayerBuildContext, a: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const d = inputOf(c);
  if (!d) return {};
  const descs = Array.isArray(a.axis) ? a.axis : [a.axis];
  const axes = descs.map((desc) => {
    const found = axesInData(d, desc);
    if (found.length !== 1 || !d.hasBatch || found[0] === 0 || d.dims[found[0]! - 1]!.isDynamic) {
      throw new LayerArgumentError(`axis ${JSON.stringify(desc)} must name one static non-batch axis of ${d} (a dynamic axis is not supported). Received: axis=${JSON.stringify(a.axis)}.`);
    }
    return found[0]!;
  });
  return { axis: Array.isArray(a.axis) ? axes : axes[0] };
}

/** The output template: the input's axes without the searched ones, then a new Dim of size k; the searched Dims in order. */
function topKData(layer: TopK, input: Data, name: string) {
  const kDim = new Dim({ description: `${name}:topk`, size: layer.k, kind: 'spatial' });
  return { dims: [...input.dims.filter((_, j) => !layer.axes.includes(j + 1)), kDim], searched: layer.axes.map((a) => input.dims[a - 1]!) };
}

/**
 * RETURNN's `top_k`: `axis` (one RETURNN description of a static axis, or a
 * list of them: a joint search), `k` (an int), `sorted` (only True); `k_dim`
 * is an unknown key. Sub-layer `"<layer>/indices"` (one axis) or
 * `"<layer>/indices0"`, `"indices1"`, ... (per searched axis): int32, sparse over that axis.
 */
export const topKLayer: LayerSpec = {
  cls: TopK,
  options: TOP_K_OPTIONS,
  netDict: {
    names: ['top_k'],
    sources: 'concat',
    derive: deriveTopK,
    outputData: (c) => {
      const d = inputOf(c);
      return d && d.copy({ name: c.name, dims: topKData(c.layer as TopK, d, c.name).dims, sparseDim: undefined });
    },
    subOutputData: (layer, input, name, sub) => {
      const j = (layer as TopK).subOutputNames().indexOf(sub);
      if (j < 0) return undefined;
      const { dims, searched } = topKData(layer as TopK, input, name.slice(0, name.lastIndexOf('/')));
      return input.copy({ name, dims, dtype: 'int32', sparseDim: searched[j] });
    },
  },
};
