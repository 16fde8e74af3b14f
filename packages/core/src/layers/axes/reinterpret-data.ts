import type { Tensor } from '@strata/backend';
import { z } from 'zod';
import { Data, Dim } from '../../data.js';
import { type DimJson, isDimJson, parseDimJson } from '../../dim-json.js';
import { LayerArgumentError } from '../../errors.js';
import { type CallContext, Layer, type LayerArgs, type LayerConfig, type SymbolicShape } from '../../layer.js';
import { type LayerOptions, type LayerSpec, option, resolveArgs, schemas } from '../../layer-spec.js';
import { single } from '../util.js';
import { xShapeOf } from '../seq/seq-inputs.js';
import { axesInData } from '../shape/axis-in-data.js';

/** Arguments of {@link ReinterpretData}. */
export interface ReinterpretDataArgs extends LayerArgs {
  /** Make the output sparse (true) or dense (false) (RETURNN `set_sparse`). Default: unchanged. */
  setSparse?: boolean;
  /** The number of classes of the sparse output (RETURNN `set_sparse_dim`). */
  setSparseDim?: number;
  /** Add this to the number of classes (RETURNN `increase_sparse_dim`). */
  increaseSparseDim?: number;
  /** RETURNN `enforce_batch_major`: Strata's data is always batch-major, so this changes nothing. */
  enforceBatchMajor?: boolean;
  /**
   * RETURNN `set_dim_tags`: axis description (`"T"`, `"F"`, `"stag:x"`, ...) → the Dim (JSON form) that axis
   * becomes, of the same size; a dynamic one has the old axis' lengths. In net dicts only (it needs the input template).
   */
  setDimTags?: Record<string, DimJson>;
}

/** A RETURNN key Strata does not honour: any value but the default is an error saying so. */
const refused = (key: string, why: string) =>
  option(z.custom((v) => v === undefined || v === null || v === false, { error: `is not supported by Strata (${why}); remove ${key}` }).optional(), { returnn: key });

const REINTERPRET_OPTIONS = {
  setSparse: option(schemas.boolean().optional(), { returnn: 'set_sparse' }),
  setSparseDim: option(schemas.positiveInt().optional(), { returnn: 'set_sparse_dim' }),
  increaseSparseDim: option(z.number({ error: 'must be an integer' }).int({ error: 'must be an integer' }).optional(), { returnn: 'increase_sparse_dim' }),
  enforceBatchMajor: option(schemas.boolean(), { default: false, returnn: 'enforce_batch_major' }),
  enforceTimeMajor: refused('enforce_time_major', 'Strata keeps the batch axis first'),
  switchAxes: refused('switch_axes', 'Strata keeps the batch axis first and the time axis is the first dynamic axis'),
  setAxes: refused('set_axes', 'the time and feature axes follow from the layout'),
  setDimTags: option(
    z.record(z.string(), z.custom<DimJson>(isDimJson, { error: 'must be a RETURNN Dim in JSON form, e.g. {"dim": "new-time", "kind": "spatial", "size": null}' }), {
      error: 'must map axis descriptions ("T", "F", "stag:name", ...) to Dims (JSON form)',
    }).optional(),
    { returnn: 'set_dim_tags' },
  ),
  batchDimBase: refused('batch_dim_base', 'one batch axis per network'),
} satisfies LayerOptions;

/**
 * The input unchanged, its template reinterpreted (RETURNN
 * `ReinterpretDataLayer`): made sparse (int class indices, `setSparseDim`
 * classes, default the last axis' size) or dense, the class count set or
 * increased, and in a net dict the time axis (with its lengths) taken from
 * the `size_base` layer.
 *
 * Shape: as `x`. Any dtype.
 * @throws LayerArgumentError for RETURNN keys Strata does not honour (`enforce_time_major`, `switch_axes`,
 *   `set_axes`, `batch_dim_base`), naming the key; for `set_dim_tags` on the batch axis.
 */
export class ReinterpretData extends Layer {
  static override readonly className: string = 'ReinterpretData';
  readonly setSparse: boolean | undefined;
  readonly setSparseDim: number | undefined;
  readonly increaseSparseDim: number | undefined;
  readonly setDimTags: Record<string, DimJson> | undefined;

  constructor(args: ReinterpretDataArgs = {}) {
    super(args);
    const a = resolveArgs('ReinterpretData', REINTERPRET_OPTIONS, args);
    this.setSparse = a.setSparse;
    this.setSparseDim = a.setSparseDim;
    this.increaseSparseDim = a.increaseSparseDim;
    this.setDimTags = a.setDimTags && Object.fromEntries(Object.entries(a.setDimTags).map(([k, v]) => [k, parseDimJson(v, `set_dim_tags.${k}`)]));
  }

  override call(inputs: Tensor | Tensor[], _ctx: CallContext): Tensor {
    return single(inputs);
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    return xShapeOf(inputShape);
  }

  /** The output template from the input's (and `sizeBase`'s, whose time Dim replaces the input's). */
  outputTemplate(name: string, input: Data, sizeBase?: Data): Data {
    let dims = input.dims;
    const t = input.timeDim;
    if (sizeBase?.timeDim && t) dims = dims.map((d) => (d === t ? sizeBase.timeDim! : d));
    if (this.setDimTags) dims = withDimTags(new Data({ name: input.name, dims, dtype: input.dtype, sparseDim: input.sparseDim, hasBatch: input.hasBatch }), this.setDimTags);
    let sparseDim = input.sparseDim;
    if (this.setSparse === false) sparseDim = undefined;
    if (this.setSparse === true && !sparseDim) sparseDim = new Dim({ description: `${name}:classes`, size: this.setSparseDim ?? input.dims[input.dims.length - 1]?.size ?? null, kind: 'feature' });
    if (this.setSparseDim !== undefined && sparseDim && sparseDim.size !== this.setSparseDim) sparseDim = new Dim({ description: `${name}:set-sparse-dim`, size: this.setSparseDim, kind: 'feature' });
    if (this.increaseSparseDim && sparseDim) sparseDim = new Dim({ description: `${name}:classes`, size: (sparseDim.size ?? 0) + this.increaseSparseDim, kind: 'feature' });
    return new Data({ name, dims, dtype: input.dtype, sparseDim });
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), setSparse: this.setSparse, setSparseDim: this.setSparseDim, increaseSparseDim: this.increaseSparseDim, setDimTags: this.setDimTags };
  }
}

/**
 * The axes of `d` with those `tags` names replaced by new Dims (RETURNN `ReinterpretDataLayer` `set_dim_tags`,
 * `copy_template_replace_dim_tag`): the same size; a dynamic new Dim reads the old axis' lengths (RETURNN copies
 * the old `dyn_size_ext` into the new tag). The new Dim's kind is the JSON's (`unspecified`: the old axis').
 * @throws LayerArgumentError for an axis description naming not exactly one non-batch axis, a static size that
 *   differs from the axis' (RETURNN asserts they are equal), or a batch Dim.
 */
function withDimTags(d: Data, tags: Record<string, DimJson>): Dim[] {
  const dims = [...d.dims];
  const off = d.hasBatch ? 1 : 0;
  for (const [axis, j] of Object.entries(tags)) {
    const found = axesInData(d, axis);
    const where = `set_dim_tags[${JSON.stringify(axis)}]`;
    if (found.length !== 1) throw new LayerArgumentError(`${where}: the axis must be exactly one axis of ${d}; it names ${found.length}.`);
    if (d.hasBatch && found[0] === 0) {
      throw new LayerArgumentError(`${where}: the batch axis becomes '${j.dim}' (no batch axis after it); Strata keeps the batch axis of a layer's output.`);
    }
    const old = dims[found[0]! - off]!;
    if (j.kind === 'batch') throw new LayerArgumentError(`${where}: batch_dim for the axis ${old.description}; Strata's batch axis is the first axis only.`);
    if (j.size !== old.size) throw new LayerArgumentError(`${where}: Dim '${j.dim}' has size ${j.size ?? 'dynamic'}, but the axis ${old.description} has size ${old.size ?? 'dynamic'} (RETURNN requires the same).`);
    const dim = new Dim({ description: j.dim, size: old.size, kind: j.kind === 'unspecified' ? old.kind : j.kind, derivedFrom: old.derivedFrom });
    // RETURNN: the new tag's dyn_size_ext is the old one's (a copy), for every batch.
    if (old.isDynamic) Object.defineProperty(dim, 'dynSize', { get: () => old.dynSize, set: () => {}, configurable: true });
    dims[found[0]! - off] = dim;
  }
  return dims;
}

/**
 * RETURNN's `reinterpret_data`: `set_sparse`, `set_sparse_dim`,
 * `increase_sparse_dim`, `enforce_batch_major` (no-op), `size_base` (a layer
 * whose time axis and lengths the output takes), `set_dim_tags` (axes → new
 * Dims, JSON form, of the same sizes and lengths); the other RETURNN keys are errors.
 */
export const reinterpretDataLayer: LayerSpec = {
  cls: ReinterpretData,
  options: { ...REINTERPRET_OPTIONS, sizeBase: option(z.string({ error: 'must name a layer' }).optional(), { returnn: 'size_base' }) },
  netDict: {
    names: ['reinterpret_data'],
    sources: 'concat',
    acceptsSparse: true,
    refKeys: ['size_base'],
    outputData: ({ layer, sources, name, entry }) =>
      (layer as ReinterpretData).outputTemplate(name, sources[0]!, typeof entry.size_base === 'string' ? sources[sources.length - 1] : undefined),
  },
};
