import type { DataConfig, DimTagConfig } from './data.js';
import { dataConfigOfDimJson } from './dim-json.js';
import { LayerArgumentError } from './errors.js';

/**
 * How an `extern_data` entry's declared axes (RETURNN's order, counted with
 * the batch axis) map onto Strata's canonical order: the batch axis first,
 * the (dense) feature axis last, the other axes in RETURNN's order — the
 * order layers see (their `F`, `T` are RETURNN's feature and time axes).
 */
export interface DataLayout {
  /** The declared shape with the batch axis where RETURNN has it (`null` for the batch and dynamic axes). */
  readonly declaredShape: readonly (number | null)[];
  /** Canonical axis `i` (counted with the batch axis, if any) is declared axis `toCanonical[i]`. */
  readonly toCanonical: readonly number[];
  /** False for data without a batch axis (`batch_dim_axis: null`). */
  readonly hasBatch: boolean;
  /** The declared axis of RETURNN's time axis (`time_dim_axis`), or null. */
  readonly timeAxis: number | null;
}

/** The result of {@link canonicalDataConfig}. */
export interface CanonicalDataConfig {
  /** The entry in canonical order (batch first, feature last), as `Data.fromConfig` reads it; `batch_dim_axis`, `time_dim_axis`, `feature_dim_axis` resolved. */
  readonly config: DataConfig;
  readonly layout: DataLayout;
  /** True when the declared order is the canonical one (nothing to transpose). */
  readonly identity: boolean;
}

const isInt = (v: unknown): v is number => Number.isInteger(v);

/**
 * RETURNN's default feature axis (`_default_feature_dim_axis`, returnn/tensor/_tensor_extra.py): among the axes
 * besides the batch and the time axis, the last static one, else the last one; null when there is none.
 * @param shape all axes (`null` for the batch and the dynamic ones).
 */
export function defaultFeatureAxis(shape: readonly (number | null)[], batchAxis: number | null, timeAxis: number | null): number | null {
  const axes = shape.map((_, i) => i).filter((i) => i !== batchAxis && i !== timeAxis);
  const statics = axes.filter((i) => shape[i] !== null);
  return statics.length ? statics[statics.length - 1]! : (axes[axes.length - 1] ?? null);
}

/**
 * Resolves RETURNN's `batch_dim_axis`, `time_dim_axis`, `feature_dim_axis`,
 * `shape` and `dim` of an `extern_data` entry as RETURNN's `Data` does
 * (returnn/tensor/_tensor_extra.py `infer_dim_tags`,
 * `_infer_default_shape_and_time`, `_default_time_dim_axis`,
 * `_default_feature_dim_axis`): the batch axis at `batch_dim_axis` (default
 * 0, `null`: none), the time axis the first dynamic non-batch axis unless
 * given, the feature axis (dense data) the last static non-batch, non-time
 * axis (else the last such axis) unless given. Entries in the dim-tag form
 * are returned as they are, but with the batch dim moved first where it is
 * declared elsewhere (the other dims in their order).
 * @throws LayerArgumentError naming the entry and the key for an axis out of
 *   range, a feature axis whose size is not `dim`, or a time axis Strata cannot
 *   place (a dynamic axis after another dynamic one: Strata's time axis is the first).
 */
export function canonicalDataConfig(name: string, c: DataConfig): CanonicalDataConfig {
  const bad = (msg: string): never => {
    throw new LayerArgumentError(`extern_data '${name}': ${msg}`);
  };
  c = dataConfigOfDimJson(name, c);
  const raw = c as Record<string, unknown>;
  if (typeof c !== 'object' || c === null || Array.isArray(c) || (c.shape !== undefined && !Array.isArray(c.shape))) {
    // Malformed: Data.fromConfig reports it with the field and the value.
    return { config: c, layout: { declaredShape: [], toCanonical: [], hasBatch: true, timeAxis: null }, identity: true };
  }
  const sparse = c.sparse === true || c.sparse_dim !== undefined;
  if (c.dim_tags !== undefined) {
    // The dim-tag form lists the batch axis first (Data.fromConfig checks it and the tags).
    const tags = Array.isArray(c.dim_tags) ? c.dim_tags : [];
    const declaredShape = tags.map((t) => (typeof t === 'object' && t !== null ? ((t as DimTagConfig).dimension ?? null) : null));
    // The batch dim where it is declared (RETURNN's time-major [time, batch, feature]): moved first, the other dims in order.
    const b = tags.findIndex((t) => typeof t === 'object' && t !== null && (t as DimTagConfig).kind === 'batch');
    if (b > 0) {
      const toCanonical = [b, ...[...tags.keys()].filter((i) => i !== b)];
      const config: DataConfig = { ...c, dim_tags: toCanonical.map((i) => tags[i]!) };
      return { config, layout: { declaredShape, toCanonical, hasBatch: true, timeAxis: null }, identity: false };
    }
    return { config: c, layout: { declaredShape, toCanonical: [...declaredShape.keys()], hasBatch: true, timeAxis: null }, identity: true };
  }
  const bda = raw.batch_dim_axis === undefined ? 0 : (raw.batch_dim_axis as number | null);
  if (bda !== null && (!isInt(bda) || bda < 0)) bad(`batch_dim_axis must be a non-negative integer or null (no batch axis). Received: batch_dim_axis=${JSON.stringify(bda)}.`);
  const fdaGiven = raw.feature_dim_axis;
  const dim = raw.dim as number | null | undefined;
  let shape: (number | null)[];
  let tda = raw.time_dim_axis as number | null | undefined;
  if (c.shape === undefined) {
    // RETURNN's _default_time_dim_axis_no_shape and _infer_default_shape_and_time.
    if (tda === undefined) {
      if (bda === null) tda = null;
      else {
        const taken = new Set([bda, ...(isInt(fdaGiven) ? [fdaGiven] : [])]);
        tda = [...Array(Math.max(...taken) + 2).keys()].find((i) => !taken.has(i))!;
      }
    }
    shape = tda === null ? [] : new Array<null>(wo(tda, bda) + 1).fill(null);
    if (!sparse && fdaGiven !== null) {
      if (dim === undefined) bad('give "dim" or "shape", e.g. {"shape": [784]} or {"shape": [28, 28, 1]}.');
      if (fdaGiven === undefined || fdaGiven === -1) shape.push(dim ?? null);
      else if (isInt(fdaGiven)) {
        const f = wo(fdaGiven, bda);
        if (f < shape.length) shape[f] = dim ?? null;
        else shape = [...shape, ...new Array<null>(f - shape.length).fill(null), dim ?? null];
      }
    }
  } else {
    shape = [...c.shape];
  }
  const batchShape: (number | null)[] = [...shape];
  if (bda !== null) {
    if (bda > shape.length) bad(`batch_dim_axis ${bda} is past the ${shape.length + 1} axes of shape ${JSON.stringify(shape)} with the batch axis.`);
    batchShape.splice(bda, 0, null);
  }
  const n = batchShape.length;
  if (tda === undefined) {
    // RETURNN's _default_time_dim_axis: the first dynamic non-batch axis.
    tda = bda === null ? null : ([...Array(n).keys()].find((i) => i !== bda && batchShape[i] === null) ?? null);
  }
  if (tda !== null && (!isInt(tda) || tda < 0 || tda >= n || tda === bda)) {
    bad(`time_dim_axis must be null or a non-batch axis index (counted with the batch axis) of the ${n} axes. Received: time_dim_axis=${JSON.stringify(tda)}.`);
  }
  let fda: number | null;
  if (sparse) fda = null;
  else if (fdaGiven === undefined) {
    fda = defaultFeatureAxis(batchShape, bda, tda);
  } else if (fdaGiven === null) fda = null;
  else {
    if (!isInt(fdaGiven) || fdaGiven < -n || fdaGiven >= n) bad(`feature_dim_axis must be null, -1 or an axis index (counted with the batch axis) of the ${n} axes. Received: feature_dim_axis=${JSON.stringify(fdaGiven)}.`);
    fda = (fdaGiven as number) < 0 ? n + (fdaGiven as number) : (fdaGiven as number);
    if (fda === bda) bad(`feature_dim_axis ${JSON.stringify(fdaGiven)} names the batch axis.`);
  }
  if (!sparse && fda !== null && dim !== undefined && dim !== null && batchShape[fda] !== dim) {
    bad(`the feature axis (axis ${fda} with the batch axis) of shape ${JSON.stringify(shape)} has size ${JSON.stringify(batchShape[fda])}, not dim=${dim}. Fix one of them.`);
  }
  if (!sparse && fda === null && dim !== undefined && dim !== null && bda !== null && batchShape.length > 1) {
    bad(`feature_dim_axis is null (no feature axis) but dim=${dim}. Drop dim or name the feature axis.`);
  }
  const rest = [...Array(n).keys()].filter((i) => i !== bda && i !== fda);
  const toCanonical = [...(bda === null ? [] : [bda]), ...rest, ...(fda === null ? [] : [fda])];
  const canonShape = toCanonical.filter((i) => i !== bda).map((i) => batchShape[i]!);
  if (tda !== null && batchShape[tda] === null) {
    const firstDyn = toCanonical.find((i) => i !== bda && batchShape[i] === null);
    if (firstDyn !== tda) {
      bad(
        `time_dim_axis ${tda} names a dynamic axis after another dynamic one (axis ${firstDyn}); Strata's time axis is the first dynamic axis after the batch axis (and the features). Reorder the axes so that the time axis comes first.`,
      );
    }
  }
  const config: DataConfig = { ...c, shape: canonShape };
  delete (config as Record<string, unknown>).batch_dim_axis;
  delete (config as Record<string, unknown>).time_dim_axis;
  delete (config as Record<string, unknown>).feature_dim_axis;
  delete (config as Record<string, unknown>).dim;
  if (sparse || (fda !== null && batchShape[fda] !== null)) {
    if (sparse) config.dim = dim as number;
    else config.dim = batchShape[fda!] as number;
  }
  // A static time axis (RETURNN allows one, e.g. shape [1, 13] with time_dim_axis 1) stays a static axis: Strata's time axis is dynamic.
  const identity = toCanonical.every((a, i) => a === i) && bda !== null;
  return { config, layout: { declaredShape: batchShape, toCanonical, hasBatch: bda !== null, timeAxis: tda }, identity };
}

/** Axis `a` (counted with the batch axis at `bda`) counted without it. */
function wo(a: number, bda: number | null): number {
  return bda !== null && a > bda ? a - 1 : a;
}
