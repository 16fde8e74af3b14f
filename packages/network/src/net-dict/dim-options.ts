// RETURNN Dims (in their JSON form, @strata/core `DimJson`) in a net-dict entry's options, read as RETURNN reads
// them (returnn/tf/layers/base.py LayerBase `out_dim`/`in_dim`/`out_shape`, `Data.get_axis_from_description` for
// a Dim given as an axis) and turned into the options Strata's layers take.
import { type Data, Dim, type DimJson, isDimJson, parseDimJson } from '@strata/core';
import { NetDictError } from '../errors.js';

/** Keys whose Dims name axes of the (first) source; `red2`/`var2` name axes of the second source (`dot`). */
const AXIS_KEYS = ['axis', 'axes', 'reduce', 'red1', 'var1', 'in_spatial_dims', 'red2', 'var2'] as const;
/** Classes whose own `in_dim` names an input axis (elsewhere `in_dim` is LayerBase's: the input's feature dim). */
const IN_DIM_AXIS_CLASSES: ReadonlySet<string> = new Set(['unflatten_nd']);
/**
 * Classes whose `axis` may be a Dim the source does not have (RETURNN `LengthLayer.fixup_dim`: a static Dim, or
 * one derived from the source's, `time + 2`): the Dim is given to the layer as it is.
 */
const ANY_DIM_AXIS_CLASSES: ReadonlySet<string> = new Set(['length', 'range_in_axis']);
/** Keys of `constant`/`variable`/`random` whose Dims give a static shape. */
const SHAPE_KEYS = ['shape', 'dims'] as const;

/** What {@link dimOptions} gives: the entry with Dims replaced, and the output template as the Dims name it. */
export interface DimOptionsResult {
  /** The entry with its Dims turned into Strata's options (the entry itself when it has none). */
  entry: Record<string, unknown>;
  /** The output template with the axes `out_dim`/`out_spatial_dims` name (`output` itself when they name none). */
  named(output: Data): Data;
  /** The output's dims `out_shape` gives, checked by {@link checkOutShapeDims}; undefined when it gives none. */
  outShape: DimJson[] | undefined;
}

const hasDim = (v: unknown): boolean => isDimJson(v) || (Array.isArray(v) && v.some(hasDim));

/** The entry without its keys that hold Dims (to find its sources before the Dims are read against them). */
export function withoutDimKeys(entry: Record<string, unknown>): Record<string, unknown> {
  // Not a dict: left as it is for the entry schema to refuse with a typed error.
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return entry;
  const keys = Object.keys(entry).filter((k) => hasDim(entry[k]));
  if (keys.length === 0) return entry;
  const out = Object.fromEntries(Object.entries(entry).filter(([k]) => !keys.includes(k)));
  // `from` as (layer, Dim) pairs (RETURNN concat): the layers are the sources; the Dims are read against them later.
  if (keys.includes('from') && Array.isArray(entry.from)) out.from = entry.from.map((p) => (Array.isArray(p) && isDimJson(p[1]) ? [p[0], 'F'] : p));
  return out;
}

/**
 * The index into `d.dims` of the axis a Dim names: the one with its
 * description, else (a static Dim) the only static axis of its size (Strata
 * names the feature axes of layer outputs itself, `dense:feature`); -1 for
 * the batch axis.
 * @throws NetDictError naming the key when `d` has no such axis.
 */
export function axisOfDim(d: Data, j: DimJson, where: string): number {
  if (j.kind === 'batch') {
    if (!d.hasBatch) throw new NetDictError(`${where}: batch_dim is not an axis of ${d} (it has no batch axis).`);
    return -1;
  }
  const found = findAxisOfDim(d, j);
  if (found !== undefined) return found;
  throw new NetDictError(
    `${where}: Dim '${j.dim}' (${j.kind}, size ${j.size ?? 'dynamic'}) is not an axis of ${d} (axes: ${d.dims.map((x) => x.description).join(', ')}). ` +
      `Give a Dim of the input, or a RETURNN axis description ("T", "F", "spatial:0").`,
  );
}

/** {@link axisOfDim} for a non-batch Dim, `undefined` when `d` has no such axis. */
function findAxisOfDim(d: Data, j: DimJson): number | undefined {
  const byName = d.dims.findIndex((x) => x.description === j.dim);
  if (byName >= 0) return byName;
  const bySize = j.size === null ? [] : d.dims.flatMap((x, i) => (!x.isDynamic && x.size === j.size ? [i] : []));
  return bySize.length === 1 ? bySize[0]! : undefined;
}

/** A Dim as the RETURNN axis description of the same axis of `d` ("B", "T", "F", "spatial:i"), which every axis option of Strata's layers reads. */
function axisDescription(d: Data, j: DimJson, where: string): string {
  const i = axisOfDim(d, j, where);
  if (i < 0) return 'B';
  const dim = d.dims[i]!;
  if (dim === d.timeDim) return 'T';
  const last = d.dims.length - 1;
  const feature = !d.sparse && last >= 0 && d.dims[last] !== d.timeDim ? last : -1;
  if (i === feature) return 'F';
  return `spatial:${d.dims.filter((_, k) => k !== feature).indexOf(dim)}`;
}

const show = (v: unknown): string => JSON.stringify(v) ?? String(v);

/**
 * Reads the Dims (JSON form) in an entry's options as RETURNN does:
 *
 * * `axis`, `axes`, `reduce`, `red1`/`var1` (first source), `red2`/`var2`
 *   (second source), `in_spatial_dims`: the source's axis with that Dim,
 *   written as the axis description Strata's layers take ("B", "T", "F", "spatial:i").
 * * `out_dim` with a static size: the output feature dim, RETURNN's `n_out`
 *   (checked against a given `n_out`); a dynamic `out_dim` names the axis the
 *   layer makes. `in_dim`: checked to be the source's feature dim
 *   (`unflatten_nd`'s own `in_dim`: an axis).
 * * `out_spatial_dims`: names the spatial axes the layer makes (conv, pool,
 *   ...) in order; `out_spatial_dim` (`cum_concat`): its description. Of
 *   `transposed_conv`, a dynamic Dim that exists already (`knownDim` finds
 *   the data holding it: RETURNN's `is_dim_known`) becomes a reference to that
 *   data, whose axis and length the output takes (RETURNN `TransposedConvLayer`).
 * * `shape`/`dims` of `constant`, `variable`, `random`: the Dims' static sizes.
 * * `out_shape`: kept aside and checked against the output ({@link checkOutShapeDims}).
 * * `axis` of `rec`: must be its source's time axis (the one Strata's rec iterates over), then dropped;
 *   without a source it is kept as the Dim (JSON form) of the loop (see `RecUnit`).
 *
 * @throws DimJsonError for a malformed Dim (key path `network.<name>.<key>`);
 *   NetDictError for a Dim that is not an axis of the source, an `in_dim`
 *   that is not the input's feature dim, a dynamic Dim in a static shape, or
 *   `out_dim` and `n_out` that differ.
 */
export function dimOptions(name: string, entry: Record<string, unknown>, sources: readonly Data[], knownDim: (description: string) => string | undefined = () => undefined): DimOptionsResult {
  const keys = Object.keys(entry).filter((k) => hasDim(entry[k]));
  if (keys.length === 0) return { entry, named: (o) => o, outShape: undefined };
  const cls = String(entry.class);
  const where = (k: string) => `Net dict entry '${name}' (class '${cls}'): ${k}`;
  const parse = (v: unknown, path: string): unknown => (isDimJson(v) ? parseDimJson(v, path) : Array.isArray(v) ? v.map((x, i) => parse(x, `${path}[${i}]`)) : v);
  const out: Record<string, unknown> = { ...entry };
  let outShape: DimJson[] | undefined;
  const spatialNames: DimJson[] = [];
  let featureName: DimJson | undefined;
  for (const k of keys) {
    const v = parse(entry[k], `network.${name}.${k}`);
    const src = (k === 'red2' || k === 'var2' ? sources[1] : sources[0]) as Data | undefined;
    const asAxis = (x: unknown): unknown => {
      if (!isDimJson(x)) return x;
      if (!src) throw new NetDictError(`${where(k)} names Dim '${x.dim}', but the entry has no source to find it in.`);
      if (k === 'axis' && ANY_DIM_AXIS_CLASSES.has(cls) && x.kind !== 'batch' && findAxisOfDim(src, x) === undefined) return x;
      return axisDescription(src, x, where(k));
    };
    if (k === 'from' && Array.isArray(v)) {
      // (layer, Dim) pairs (RETURNN ConcatLayer): each Dim an axis of its own pair's source.
      out.from = v.map((p, i) => (Array.isArray(p) && isDimJson(p[1]) && sources[i] ? [p[0], axisDescription(sources[i]!, p[1], where(`from[${i}]`))] : p));
      continue;
    }
    if (cls === 'rec' && k === 'axis') {
      // RETURNN's rec `axis`: the axis to iterate over; Strata's rec iterates over its source's time axis.
      if (isDimJson(v) && v.special) {
        throw new NetDictError(`${where('axis')} single_step_dim: RETURNN runs one step of the unit on an input without a time axis; Strata's rec layer runs over the time axis of its source.`);
      }
      // Without a source: the Dim of the loop, an extern data's time axis or a new axis an "end" layer ends (read by RecUnit).
      if (isDimJson(v) && !src) {
        out.axis = v;
        continue;
      }
      if (!isDimJson(v) || !src || asAxis(v) !== 'T') {
        throw new NetDictError(`${where('axis')} ${show(entry.axis)}: Strata's rec layer iterates over the time axis of its source only${src ? ` (${src})` : ' (it has no source)'}; give a source whose time axis is this Dim.`);
      }
      delete out.axis;
    } else if ((AXIS_KEYS as readonly string[]).includes(k) || (k === 'in_dim' && IN_DIM_AXIS_CLASSES.has(cls))) {
      out[k] = Array.isArray(v) ? v.map(asAxis) : asAxis(v);
    } else if (k === 'out_dim' && isDimJson(v)) {
      delete out.out_dim;
      if (v.size === null || v.kind === 'batch') spatialNames.push(v);
      else {
        if (entry.n_out !== undefined && entry.n_out !== v.size) throw new NetDictError(`${where('out_dim')} ${v.dim} has size ${v.size}, but n_out is ${show(entry.n_out)}; give one of them.`);
        out.n_out = v.size;
        featureName = v;
      }
    } else if (k === 'in_dim' && isDimJson(v)) {
      delete out.in_dim;
      const d = sources[0];
      const f = d && !d.sparse ? d.dims[d.dims.length - 1] : undefined;
      const ok = d && (d.sparse ? d.sparseDim!.description === v.dim || d.sparseDim!.size === v.size : f !== undefined && (f.description === v.dim || (!f.isDynamic && f.size === v.size)));
      // RETURNN LayerBase: an in_dim that is another axis of the single source becomes its feature axis (linear contracts it).
      const other = !ok && cls === 'linear' && sources.length === 1 && d && !d.sparse ? findAxisOfDim(d, v) : undefined;
      if (other !== undefined) out.in_dim = axisDescription(d!, v, where('in_dim'));
      else if (!ok) throw new NetDictError(`${where('in_dim')} ${v.dim} (size ${v.size ?? 'dynamic'}) is not the feature dim of the input ${d ?? '(none)'} nor (for linear) another of its axes (RETURNN LayerBase in_dim).`);
    } else if (k === 'out_spatial_dims' && Array.isArray(v) && cls === 'transposed_conv' && v.some((x) => isDimJson(x) && x.size === null && knownDim(x.dim))) {
      const x = v[0];
      if (v.length !== 1 || !isDimJson(x)) throw new NetDictError(`${where(k)} names an existing Dim; Strata's transposed_conv takes its length for 1-D only (one Dim). Received: ${show(entry[k])}.`);
      out.out_spatial_dims = knownDim(x.dim);
    } else if (k === 'out_spatial_dims' && Array.isArray(v)) {
      delete out.out_spatial_dims;
      for (const x of v) if (isDimJson(x)) spatialNames.push(x);
    } else if (k === 'out_spatial_dim' && isDimJson(v)) {
      out.out_spatial_dim = v.dim;
    } else if (cls === 'split_dims' && k === 'dims' && Array.isArray(v)) {
      // RETURNN's split_dims takes Dims: their sizes and kinds (which new axis is the feature axis) are read by the spec.
      out.dims = v;
    } else if ((SHAPE_KEYS as readonly string[]).includes(k) && Array.isArray(v)) {
      // RETURNN ConstantLayer: batch_dim first in `shape` gives the output a batch axis (Strata's with_batch_dim, its batch from "data").
      const batchFirst = cls === 'constant' && k === 'shape' && isDimJson(v[0]) && v[0].kind === 'batch';
      if (batchFirst) out.with_batch_dim = true;
      out[k] = (batchFirst ? v.slice(1) : v).map((x, i) => {
        if (!isDimJson(x)) return x;
        if (x.size === null) throw new NetDictError(`${where(`${k}[${i}]`)} is the dynamic Dim '${x.dim}'; Strata's ${cls} takes static dims only here.`);
        return x.size;
      });
    } else if (k === 'out_shape' && Array.isArray(v)) {
      delete out.out_shape;
      outShape = v.map((x, i) => {
        if (!isDimJson(x)) throw new NetDictError(`${where(`out_shape[${i}]`)} must be a Dim (RETURNN's out_shape is a set of Dims). Received: ${show(x)}.`);
        return x;
      });
    } else {
      throw new NetDictError(`${where(k)} holds a Dim (${show(entry[k]).slice(0, 120)}), which Strata does not read for this key yet. Dims are read in axis, axes, in_dim, out_dim, in_spatial_dims, out_spatial_dims, out_shape, shape/dims.`);
    }
  }
  return { entry: out, named: (o) => namedOutput(o, sources, featureName, spatialNames), outShape };
}

/** The output with the axes the layer makes (not a source's) described as the entry's Dims name them. */
function namedOutput(o: Data, sources: readonly Data[], feature: DimJson | undefined, spatial: readonly DimJson[]): Data {
  if (!feature && spatial.length === 0) return o;
  const own = (d: Dim) => !sources.some((s) => s.dims.includes(d));
  const last = o.dims.length - 1;
  const featureAt = !o.sparse && last >= 0 && o.dims[last] !== o.timeDim ? last : -1;
  let next = 0;
  const dims = o.dims.map((d, i) => {
    if (i === featureAt && feature && own(d) && d.size === feature.size) return rename(d, feature.dim);
    if (i !== featureAt && next < spatial.length && own(d)) return rename(d, spatial[next++]!.dim);
    return d;
  });
  return dims.every((d, i) => d === o.dims[i]) ? o : o.copy({ dims });
}

const rename = (d: Dim, description: string): Dim =>
  d.description === description ? d : new Dim({ description, size: d.size, kind: d.kind, derivedFrom: d.derivedFrom });

/**
 * Checks the output against RETURNN's `out_shape` (`Data.verify_out_shape`):
 * the same set of dims (batch included), each output axis matched by its
 * description, or a static axis by its size.
 * @throws NetDictError naming the entry, the dims expected and the output.
 */
export function checkOutShapeDims(name: string, want: readonly DimJson[], output: Data): void {
  const left = [...want];
  const take = (pred: (j: DimJson) => boolean): boolean => {
    const i = left.findIndex(pred);
    if (i < 0) return false;
    left.splice(i, 1);
    return true;
  };
  const missing: string[] = [];
  if (output.hasBatch && !take((j) => j.kind === 'batch')) missing.push('batch');
  for (const d of output.dims) {
    if (!take((j) => j.kind !== 'batch' && j.dim === d.description) && !take((j) => j.kind !== 'batch' && !d.isDynamic && j.size === d.size)) missing.push(d.description);
  }
  if (missing.length > 0 || left.length > 0) {
    throw new NetDictError(
      `Net dict entry '${name}': out_shape {${want.map((j) => j.dim).join(', ')}} is not the output ${output}` +
        `${missing.length ? `: the output's ${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} not in out_shape` : ''}` +
        `${left.length ? `; out_shape's ${left.map((j) => j.dim).join(', ')} not in the output` : ''} (RETURNN's verify_out_shape fails too).`,
    );
  }
}
