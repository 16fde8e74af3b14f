import { ops, type Tensor } from '@strata/backend';
import type { Data } from './data.js';
import type { Dim } from './dim.js';
import { LayerArgumentError } from './errors.js';

// RETURNN's broadcasting of several sources by their dims: `Tensor.get_common_data` (returnn/tensor/_tensor_extra.py),
// `Dim.is_equal` with its options (`treat_feature_as_spatial`, `allow_same_spatial_dim`, `derived_matches`;
// returnn/tensor/_dim_extra.py), `Dim.get_all_dimension_tags`, `get_default_new_axis_for_dim_tag`, and
// `copy_compatible_to` (each source transposed and expanded to the common axes).

/** The dynamic Dim a dim is derived from, following `derivedFrom` while the size stays the same (RETURNN `get_same_derived_base(same_dim=True)`). */
function derivedBase(d: Dim): Dim {
  let base = d;
  for (let b = d.derivedFrom; b !== undefined; b = b.derivedFrom) if (b.size === d.size) base = b;
  return base;
}

/**
 * Whether RETURNN's `get_common_data` takes dims `a` and `b` for one axis
 * (`Dim.is_equal` with `treat_feature_as_spatial`, `allow_same_spatial_dim`,
 * `derived_matches`): the same Dim (or derived from the same one, at the same
 * size), or two static dims of one size (feature and spatial alike). Two
 * different dynamic dims (the time axes of two extern data entries, unless
 * declared one through `dim_tags`) are different axes: sources with both
 * broadcast to an output with both.
 * `exact`: only the first rule (RETURNN's first round, `is_equal` without options).
 */
export function sameDimForBroadcast(a: Dim, b: Dim, exact = false): boolean {
  if (a === b) return true;
  if (a.kind === 'batch' || b.kind === 'batch') return a.kind === b.kind;
  if (derivedBase(a) === derivedBase(b)) return true;
  if (exact) return false;
  return a.size !== null && a.size === b.size;
}

/** The first of `tags` that is `dim` (exact round first, then the loose one: RETURNN `get_existing_tag_from_collection`). */
function existing(dim: Dim, tags: readonly Dim[]): Dim | undefined {
  return tags.find((t) => sameDimForBroadcast(t, dim, true)) ?? tags.find((t) => sameDimForBroadcast(t, dim));
}

/** Where RETURNN adds `dim` to `data` (`get_default_new_axis_for_dim_tag`), as an index into Strata's `dims` (batch first, feature last). */
function newAxis(data: Data, dim: Dim): number {
  const n = data.dims.length;
  // RETURNN's default feature axis: the last axis that is neither the batch nor the time axis (none for sparse data).
  const hasFeature = !data.sparse && n > 0 && data.dims[n - 1] !== data.timeDim;
  // RETURNN keeps its feature axis: a new feature dim goes right after it, which Strata's stored order (feature last) puts before it.
  if (dim.kind === 'feature' && !data.sparse) return hasFeature ? n - 1 : n;
  const spatial = hasFeature ? n - 1 : n;
  let lastDynamic = -1;
  data.dims.slice(0, spatial).forEach((d, i) => {
    if (d.isDynamic) lastDynamic = i;
  });
  if (dim.isDynamic && lastDynamic >= 0) return lastDynamic + 1;
  return spatial;
}

/**
 * The template several sources broadcast to (RETURNN `Tensor.get_common_data`):
 * the first source of the highest rank (batch axis counted), with each dim of
 * the others it lacks added where RETURNN adds it (a dynamic dim after its
 * last dynamic axis, a spatial one after its last spatial axis, a feature dim
 * next to its feature axis), and the batch axis if any source has one.
 * Dims match by {@link sameDimForBroadcast}. With `allowBroadcastAllSources`
 * false, every source needing a broadcast is an error (RETURNN
 * `validate_broadcast_all_sources`; `undefined` is RETURNN's `NotSpecified`,
 * an error only from `behavior_version` 4).
 * @throws LayerArgumentError naming the sources and the common axes when all sources need broadcasting and that is not allowed.
 */
export function commonData(sources: readonly Data[], opts: { name?: string; allowBroadcastAllSources?: boolean; behaviorVersion?: number } = {}): Data | undefined {
  if (sources.length === 0) return undefined;
  const first = sources.reduce((w, s) => (s.batchShape.length > w.batchShape.length ? s : w));
  let common = first.copy({ name: opts.name ?? first.name, hasBatch: sources.some((s) => s.hasBatch) });
  if (sources.length === 1) return common;
  // RETURNN `Dim.get_all_dimension_tags(unique_separate_axes=True)`: each source's axes, one tag per axis.
  const all: Dim[] = [];
  for (const s of sources) {
    const free = [...all];
    for (const d of s.dims) {
      const e = existing(d, free);
      if (e) free.splice(free.indexOf(e), 1);
      else all.push(d);
    }
  }
  for (const d of all) {
    const mine = existing(d, common.dims);
    if (mine) {
      if (mine !== d) common = common.copy({ dims: common.dims.map((x) => (x === mine ? d : x)) });
    } else {
      const at = newAxis(common, d);
      common = common.copy({ dims: [...common.dims.slice(0, at), d, ...common.dims.slice(at)] });
    }
  }
  const rank = common.batchShape.length;
  if (sources.every((s) => s.batchShape.length < rank)) {
    const allowed = opts.allowBroadcastAllSources ?? (opts.behaviorVersion ?? 0) < 4;
    if (!allowed) {
      throw new LayerArgumentError(
        `All inputs\n${sources.map((s) => ` - ${s.toString()}`).join('\n')}\nrequire broadcasting to\n  ${common.toString()}.\n` +
          'This must be explicitly allowed, e.g. by specifying out_shape (or "allow_broadcast_all_sources": True) (RETURNN validate_broadcast_all_sources).',
      );
    }
  }
  return common;
}

/**
 * For each axis of `src` (batch axis first if it has one), the axis of `target`
 * it is (RETURNN `copy_compatible_to`'s dim map): the batch axis to the batch
 * axis, each other axis to a distinct axis of `target` by {@link sameDimForBroadcast}
 * (exact matches first). `undefined` if an axis has no place in `target`.
 */
export function axesIn(src: Data, target: Data): number[] | undefined {
  const off = target.hasBatch ? 1 : 0;
  if (src.hasBatch && !target.hasBatch) return undefined;
  const out: (number | undefined)[] = src.dims.map(() => undefined);
  const taken = new Set<number>();
  for (const exact of [true, false]) {
    src.dims.forEach((d, i) => {
      if (out[i] !== undefined) return;
      const k = target.dims.findIndex((t, j) => !taken.has(j) && sameDimForBroadcast(t, d, exact));
      if (k >= 0) {
        out[i] = k + off;
        taken.add(k);
      }
    });
  }
  if (out.some((a) => a === undefined)) return undefined;
  return [...(src.hasBatch ? [0] : []), ...(out as number[])];
}

/**
 * `x` (laid out as `src`) transposed and expanded with size-1 axes to the axes
 * of `target` (RETURNN `copy_compatible_to` without unbroadcasting): elementwise
 * ops then broadcast it against tensors of `target`'s layout. `undefined` when
 * `x`'s rank is not `src`'s or an axis of `src` has no place in `target`.
 */
export function broadcastToData(x: Tensor, src: Data, target: Data): Tensor | undefined {
  if (x.shape.length !== src.batchShape.length) return undefined;
  const axes = axesIn(src, target);
  if (!axes) return undefined;
  const order = axes.map((a, i) => [a, i] as const).sort((p, q) => p[0] - q[0]);
  const perm = order.map(([, i]) => i);
  const y = perm.every((p, i) => p === i) ? x : ops.transpose(x, perm);
  const rank = target.batchShape.length;
  if (rank === x.shape.length) return y;
  const shape: number[] = new Array<number>(rank).fill(1);
  order.forEach(([a], k) => {
    shape[a] = y.shape[k]!;
  });
  return ops.reshape(y, shape);
}
