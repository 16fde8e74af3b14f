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
  /** The searched axis, an index >= 1 counted with the batch axis (a static axis). It is removed; a new last axis of size `k` holds the results. */
  axis: number;
  /** How many of the largest entries (RETURNN `k`). */
  k: number;
  /** Largest first (RETURNN `sorted`). Only true. */
  sorted?: true;
}

const AXIS = 'must be an axis index >= 1 (counted with the batch axis)';
const TOP_K_OPTIONS = {
  axis: option(z.number({ error: AXIS }).int({ error: AXIS }).min(1, { error: AXIS }), { returnn: 'axis', returnnSchema: axisDescSchema }),
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
  readonly axis: number;
  readonly k: number;

  constructor(args: TopKArgs) {
    super(args);
    const a = resolveArgs('TopK', TOP_K_OPTIONS, args);
    this.axis = a.axis;
    this.k = a.k;
  }

  private check(shape: SymbolicShape): void {
    const n = shape[this.axis];
    if (this.axis >= shape.length || typeof n !== 'number' || n < this.k) {
      throw new InputShapeError({ layer: this.name, expected: `a static axis ${this.axis} with at least k=${this.k} entries`, received: shape as number[] });
    }
  }

  /** Values and int32 indices, each `[..., k]`. */
  private topK(x: Tensor): { values: Tensor; indices: Tensor } {
    this.check(x.shape);
    const xl = toLast(x, this.axis);
    const n = xl.shape[xl.shape.length - 1]!;
    let search = ops.stopGradient(xl);
    const values: Tensor[] = [];
    const indices: Tensor[] = [];
    const outer = xl.shape.slice(0, -1);
    for (let i = 0; i < this.k; i++) {
      const idx = ops.argMax(search, -1);
      const hot = ops.oneHot(idx, n);
      values.push(ops.reshape(ops.sum(ops.mul(xl, hot), [outer.length]), [...outer, 1]));
      indices.push(ops.reshape(idx, [...outer, 1]));
      if (i + 1 < this.k) search = ops.where(ops.greater(hot, 0.5), -Infinity, search);
    }
    return { values: ops.concat(values, -1), indices: ops.cast(ops.concat(indices, -1), 'int32') };
  }

  override call(inputs: Tensor | Tensor[], _ctx: CallContext): Tensor {
    return this.topK(Array.isArray(inputs) ? inputs[0]! : inputs).values;
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as SymbolicShape;
    this.check(shape);
    return [...shape.filter((_, i) => i !== this.axis), this.k];
  }

  subOutputNames(): string[] {
    return ['indices'];
  }

  subOutputs(x: Tensor, _ctx: CallContext): Record<string, Tensor> {
    return { indices: this.topK(x).indices };
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), axis: this.axis, k: this.k, sorted: true };
  }
}

/** Net dicts: `axis` resolved on the input; one static non-batch axis. */
function deriveTopK(c: LayerBuildContext, a: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const d = inputOf(c);
  if (!d) return {};
  if (Array.isArray(a.axis)) throw new LayerArgumentError(`axis as a list (a joint search over several axes) is not supported; give one axis. Received: axis=${JSON.stringify(a.axis)}.`);
  const found = axesInData(d, a.axis);
  if (found.length !== 1 || !d.hasBatch || found[0] === 0 || d.dims[found[0]! - 1]!.isDynamic) {
    throw new LayerArgumentError(`axis ${JSON.stringify(a.axis)} must name one static non-batch axis of ${d} (a dynamic axis is not supported). Received: axis=${JSON.stringify(a.axis)}.`);
  }
  return { axis: found[0] };
}

/** The output template: the input's axes without the searched one, then a new Dim of size k. */
function topKData(layer: TopK, input: Data, name: string) {
  const i = layer.axis - 1;
  const kDim = new Dim({ description: `${name}:topk`, size: layer.k, kind: 'spatial' });
  return { dims: [...input.dims.filter((_, j) => j !== i), kDim], searched: input.dims[i]! };
}

/**
 * RETURNN's `top_k`: `axis` (one RETURNN description, a static axis), `k`
 * (an int), `sorted` (only True); `k_dim` is an unknown key. Sub-layer
 * `"<layer>/indices"`: int32, sparse over the searched axis.
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
      if (sub !== 'indices') return undefined;
      const { dims, searched } = topKData(layer as TopK, input, name.slice(0, name.lastIndexOf('/')));
      return input.copy({ name, dims, dtype: 'int32', sparseDim: searched });
    },
  },
};
