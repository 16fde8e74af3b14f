import type { DType } from '@strata/backend';
import { Dim, type DimKind } from './dim.js';
import { dataConfigOfDimJson, type DimJson } from './dim-json.js';
import { LayerArgumentError } from './errors.js';

export { batchDim, Dim, type DimKind, type DimOptions, sizeKey } from './dim.js';

/**
 * One axis in the dim-tag form of an `extern_data` entry (RETURNN's `Dim`):
 * `{"kind": "batch"}`, `{"description": "time", "dimension": null}` (dynamic),
 * `{"description": "feature", "dimension": 40, "kind": "feature"}`. Axes with
 * the same `description` in several entries are the same dim (same lengths).
 */
export interface DimTagConfig {
  kind?: DimKind;
  description?: string;
  /** Static size, or `null` for a dynamic axis. Default `null`. */
  dimension?: number | null;
}

/** An `extern_data` entry as written in a config (RETURNN's Data kwargs). */
export interface DataConfig {
  /** Feature dimension; for sparse data, the number of classes. */
  dim?: number;
  /** Shape without the batch axis, `null` for dynamic axes, e.g. `[784]`, `[28, 28, 1]`, `[null, 40]`. */
  shape?: (number | null)[];
  /** True for class indices (int32) with `dim` classes. */
  sparse?: boolean;
  /**
   * Default float32 (int32 if sparse). `int64` (RETURNN's and TF's usual dtype
   * of sparse labels) is held as int32: Strata's readers take int64 values
   * into int32 exactly and refuse, naming the tensor, a value beyond int32.
   */
  dtype?: DType | 'int64';
  /**
   * The dim-tag form (RETURNN `dim_tags`): every axis, the batch axis first; replaces `shape`.
   * Either Strata's tags or RETURNN Dims in JSON form ({@link DimJson}, e.g. `[batch_dim, time_dim, feat_dim]`).
   */
  dim_tags?: (DimTagConfig | DimJson)[];
  /** RETURNN `Tensor`'s `dims` (its version 2, without a feature axis): refused, with the fix (write `dim_tags`). */
  dims?: DimJson[];
  /** With `dim`/`sparse` and no `shape`: the time axis as a Dim, `{"t": time_dim}` (RETURNN `same_dim_tags_as`; other axes are refused). */
  same_dim_tags_as?: Record<string, DimJson>;
  /** With `dims`: which of them is the feature axis (RETURNN `feature_dim`); Strata's is the last one. */
  feature_dim?: DimJson;
  /** With `dim_tags`: the class axis of sparse data (RETURNN `sparse_dim`); without it, `sparse: true` with `dim` makes one (`<name>:sparse-dim`). */
  sparse_dim?: DimTagConfig | DimJson;
  /**
   * Without `shape`: `null` for no time axis (`[batch, dim]`, `[batch]` if
   * sparse); `1` (the default, RETURNN's) puts a time axis right after the
   * batch axis. With `shape`: the first dynamic axis is the time axis; `1`
   * must name it. RETURNN `time_dim_axis` (counted with the batch axis).
   */
  time_dim_axis?: number | null;
  /** RETURNN `batch_dim_axis`: here only `0`; `ExternData` reads other values (`canonicalDataConfig`: `null` for no batch axis, `1` for time-major data). */
  batch_dim_axis?: number | null;
  /** RETURNN `feature_dim_axis`: only the last axis (`-1` or its index with the batch axis) is supported for dense data. */
  feature_dim_axis?: number | null;
  /** RETURNN `available_for_inference`: whether the data is fed at inference (inputs: yes, targets: no). Kept, not used for numbers. */
  available_for_inference?: boolean;
  /** RETURNN `vocab` (a vocabulary file or options): labels for display; does not change numbers. */
  vocab?: unknown;
}

/** The Data kwargs RETURNN's `extern_data` entries may hold that Strata reads. Others are refused with their name. */
const DATA_KEYS: readonly string[] = [
  'dim',
  'shape',
  'sparse',
  'dtype',
  'dim_tags',
  'sparse_dim',
  'time_dim_axis',
  'batch_dim_axis',
  'feature_dim_axis',
  'available_for_inference',
  'vocab',
];

const DATA_DTYPES: readonly string[] = ['float32', 'int32', 'int64', 'bool'];

/** The dtype Strata holds for an `extern_data` dtype (`int64` as int32, see {@link DataConfig.dtype}), else the default. */
function heldDtype(dtype: DataConfig['dtype'], sparse: boolean): DType {
  if (dtype === 'int64') return 'int32';
  return dtype ?? (sparse ? 'int32' : 'float32');
}
const DIM_KINDS: readonly string[] = ['batch', 'spatial', 'feature'];
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
/** A static axis size: a positive safe integer (2^53 and beyond lose integer precision). */
const isSize = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) > 0;

/**
 * Checks the types and ranges of an `extern_data` entry's fields (a config
 * read from JSON can hold anything) before {@link Data.fromConfig} reads them:
 * an object; `dim` and static sizes positive safe integers; `shape` and
 * `dim_tags` lists; `sparse` a boolean; `dtype` float32, int32, int64 (held as int32) or bool.
 * @throws LayerArgumentError naming the entry, the field and the value received.
 */
export function checkDataConfig(name: string, c: unknown): asserts c is DataConfig {
  const bad = (field: string, want: string, got: unknown): never => {
    throw new LayerArgumentError(`extern_data '${name}': ${field} must be ${want}. Received: ${field}=${JSON.stringify(got) ?? String(got)}.`);
  };
  if (!isObject(c)) bad('the entry', 'an object like {"shape": [10]} or {"shape": [null, 40]}', c);
  const o = c as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!DATA_KEYS.includes(key)) {
      throw new LayerArgumentError(
        `extern_data '${name}': unknown key '${key}'. Strata reads RETURNN's Data keys ${DATA_KEYS.join(', ')}; remove '${key}' or write it as one of those.`,
      );
    }
  }
  if (o.batch_dim_axis !== undefined && o.batch_dim_axis !== 0) bad('batch_dim_axis', '0 (Strata keeps the batch axis first; transpose such data when it is read)', o.batch_dim_axis);
  if (o.time_dim_axis !== undefined && o.time_dim_axis !== null && o.time_dim_axis !== 1) bad('time_dim_axis', 'null (no time axis) or 1 (right after the batch axis)', o.time_dim_axis);
  if (o.available_for_inference !== undefined && typeof o.available_for_inference !== 'boolean') bad('available_for_inference', 'true or false', o.available_for_inference);
  if (o.dim !== undefined && !isSize(o.dim)) bad('dim', 'a positive integer (a safe integer, at most 2^53 - 1)', o.dim);
  if (o.shape !== undefined && (!Array.isArray(o.shape) || o.shape.some((s) => s !== null && !isSize(s)))) {
    bad('shape', 'a list of positive integers or null (dynamic axes), e.g. [null, 40]', o.shape);
  }
  if (o.sparse !== undefined && typeof o.sparse !== 'boolean') bad('sparse', 'true or false', o.sparse);
  if (o.dtype !== undefined && !DATA_DTYPES.includes(o.dtype as string)) bad('dtype', `one of ${DATA_DTYPES.join(', ')}`, o.dtype);
  const checkTag = (field: string, t: unknown): void => {
    if (!isObject(t)) return bad(field, 'an object like {"kind": "spatial", "description": "time", "dimension": null}', t);
    if (t.dimension !== undefined && t.dimension !== null && !isSize(t.dimension)) bad(`${field}.dimension`, 'a positive integer or null', t.dimension);
    if (t.kind !== undefined && !DIM_KINDS.includes(t.kind as string)) bad(`${field}.kind`, `one of ${DIM_KINDS.join(', ')}`, t.kind);
    if (t.description !== undefined && typeof t.description !== 'string') bad(`${field}.description`, 'a string', t.description);
  };
  if (o.dim_tags !== undefined) {
    if (!Array.isArray(o.dim_tags)) bad('dim_tags', 'a list of dim tags, the batch axis first, e.g. [{"kind": "batch"}, {"description": "time"}]', o.dim_tags);
    (o.dim_tags as unknown[]).forEach((t, i) => checkTag(`dim_tags[${i}]`, t));
  }
  if (o.sparse_dim !== undefined) checkTag('sparse_dim', o.sparse_dim);
}

/** Options of {@link Data} (RETURNN `Data`'s `name`, `dim_tags`, `dtype`, `sparse_dim`). */
export interface DataOptions {
  /** The data's name: an extern_data key (`data`, `classes`) or a layer's name. */
  name: string;
  /** Axes after the batch axis (`[]` for one value per batch entry), the feature axis last for dense data. */
  dims: readonly Dim[];
  /** Element type: float32 for dense data, int32 for class indices. */
  dtype: DType;
  /** For sparse data (class indices): the class axis, whose size is the number of classes. Default: none (dense data). */
  sparseDim?: Dim;
  /** False for data without a batch axis (RETURNN's `constant`, `range`, `variable` outputs): `dims` are all its axes. Default true. */
  hasBatch?: boolean;
}

/**
 * A description of a tensor flowing through a network, known before any number
 * is computed (RETURNN `Data`/`Tensor` template): named axes ({@link Dim}s),
 * with the batch axis first, a dtype, and for sparse data the number of classes.
 *
 * Shape: `[batch, ...shape]`; `shape` excludes the batch axis as in RETURNN.
 */
export class Data {
  readonly name: string;
  /** Axes after the batch axis. */
  readonly dims: readonly Dim[];
  readonly dtype: DType;
  /** For sparse data: the class axis (its size is the number of classes). */
  readonly sparseDim: Dim | undefined;
  /** False for data without a batch axis (see {@link DataOptions.hasBatch}). */
  readonly hasBatch: boolean;

  constructor(options: DataOptions) {
    this.name = options.name;
    this.dims = options.dims;
    this.dtype = options.dtype;
    this.sparseDim = options.sparseDim;
    this.hasBatch = options.hasBatch ?? true;
  }

  /**
   * Builds a Data from a config entry, as RETURNN's `Data(**kwargs)` does.
   * Without `shape` (and `dim_tags`) the data is a sequence: `[batch, time,
   * dim]` (dense) or `[batch, time]` (sparse), unless `time_dim_axis: null`
   * (`[batch, dim]`, `[batch]`). With `shape` (without the batch axis), the
   * axes are exactly those: `[784]`, `[28, 28, 1]`, `[null, 40]`, `[]` for
   * one class index per batch entry.
   * Source: RETURNN `returnn/tensor/_tensor_extra.py` `infer_dim_tags`,
   * `_infer_default_shape_and_time`.
   * @throws LayerArgumentError for an inconsistent entry, an unknown key or a
   *   field of the wrong type or range (see {@link checkDataConfig}), saying what to write.
   */
  static fromConfig(name: string, c: DataConfig, shared: Map<string, Dim> = new Map()): Data {
    c = dataConfigOfDimJson(name, c);
    checkDataConfig(name, c);
    if (c.dim_tags !== undefined) return Data.fromDimTags(name, c, shared);
    const sparse = c.sparse ?? false;
    if (sparse && c.dim === undefined) {
      throw new LayerArgumentError(`extern_data '${name}': sparse data needs "dim" (the number of classes), e.g. {"shape": [], "dim": 10, "sparse": true}.`);
    }
    if (!sparse && c.dim === undefined && c.shape === undefined) {
      throw new LayerArgumentError(`extern_data '${name}': give "dim" or "shape", e.g. {"shape": [784]} or {"shape": [28, 28, 1]}.`);
    }
    const time = c.time_dim_axis === null ? [] : [null];
    const shape = c.shape ?? (sparse ? time : [...time, c.dim!]);
    if (c.shape !== undefined && c.time_dim_axis === 1 && shape[0] !== null) {
      throw new LayerArgumentError(`extern_data '${name}': time_dim_axis 1 names the first axis of shape ${JSON.stringify(shape)}, which is static. Make it null (dynamic) or drop time_dim_axis.`);
    }
    const fa = c.feature_dim_axis;
    if (fa !== undefined && !(fa === -1 || fa === shape.length || (fa === null && sparse))) {
      throw new LayerArgumentError(
        `extern_data '${name}': feature_dim_axis ${JSON.stringify(fa)} is not supported: Strata keeps the feature axis last (${shape.length} with the batch axis, or -1). ` +
          `Reorder the data's axes so that the features come last, or drop feature_dim_axis.`,
      );
    }
    if (!sparse && c.dim !== undefined && shape.length > 0 && shape[shape.length - 1] !== c.dim) {
      throw new LayerArgumentError(
        `extern_data '${name}': the last axis of shape ${JSON.stringify(shape)} must equal dim=${c.dim}. Fix one of them.`,
      );
    }
    const dims = shape.map((size, i) => {
      const last = i === shape.length - 1 && !sparse;
      return new Dim({ description: last ? `${name}:feature` : size === null ? `${name}:time` : `${name}:spatial${i}`, size, kind: last ? 'feature' : 'spatial' });
    });
    const dtype = heldDtype(c.dtype, sparse);
    return new Data({ name, dims, dtype, sparseDim: sparse ? new Dim({ description: `${name}:classes`, size: c.dim!, kind: 'feature' }) : undefined });
  }

  /**
   * The dim-tag form: `dim_tags` lists every axis, the batch axis first;
   * `sparse_dim` makes the data sparse (int32 class indices). Tags with the
   * same description are one `Dim` (through `shared`).
   * @throws LayerArgumentError for a missing or misplaced batch axis or a bad size.
   */
  private static fromDimTags(name: string, c: DataConfig, shared: Map<string, Dim>): Data {
    const tags = c.dim_tags! as DimTagConfig[]; // JSON Dims are tags by now (dataConfigOfDimJson)
    if (tags.length === 0 || tags[0]!.kind !== 'batch' || tags.slice(1).some((t) => t.kind === 'batch')) {
      throw new LayerArgumentError(`extern_data '${name}': dim_tags must start with the batch axis {"kind": "batch"} and have it only once. Received: ${JSON.stringify(tags)}.`);
    }
    const tag = (t: DimTagConfig, i: number): Dim => {
      const size = t.dimension ?? null;
      const description = t.description ?? `${name}:axis${i}`;
      const known = shared.get(description);
      if (known) {
        if (known.size !== size) throw new LayerArgumentError(`extern_data '${name}': dim '${description}' has size ${size} here but ${known.size} elsewhere.`);
        return known;
      }
      const d = new Dim({ description, size, kind: t.kind ?? (size === null ? 'spatial' : 'feature') });
      shared.set(description, d);
      return d;
    };
    const dims = tags.slice(1).map((t, i) => tag(t, i + 1));
    // RETURNN's Tensor(sparse=True, dim=n) without sparse_dim makes one: `<name>:sparse-dim` of size n.
    if (c.sparse_dim === undefined && c.sparse && c.dim === undefined) {
      throw new LayerArgumentError(`extern_data '${name}': sparse data needs "dim" (the number of classes) or "sparse_dim", e.g. {"dim_tags": [...], "sparse": true, "dim": 10}.`);
    }
    const sparseDim = c.sparse_dim
      ? tag(c.sparse_dim as DimTagConfig, -1)
      : c.sparse
        ? new Dim({ description: `${name}:sparse-dim`, size: c.dim!, kind: 'feature' })
        : undefined;
    if (sparseDim && sparseDim.size === null) throw new LayerArgumentError(`extern_data '${name}': sparse_dim needs a "dimension" (the number of classes).`);
    return new Data({ name, dims, dtype: heldDtype(c.dtype, sparseDim !== undefined), sparseDim });
  }

  /** Shape without the batch axis (`null` for dynamic axes). */
  get shape(): (number | null)[] {
    return this.dims.map((d) => d.size);
  }
  /** Shape with the batch axis first (`null`); without a batch axis ({@link Data.hasBatch} false), the shape. */
  get batchShape(): (number | null)[] {
    return this.hasBatch ? [null, ...this.shape] : this.shape;
  }
  /** The time axis: the first dynamic axis after the batch axis, if any (RETURNN `Data.get_time_dim_tag`). Its sizes are {@link Dim.dynSize}. */
  get timeDim(): Dim | undefined {
    return this.dims.find((d) => d.isDynamic);
  }
  /** True for class-index data. */
  get sparse(): boolean {
    return this.sparseDim !== undefined;
  }
  /** Feature dimension, or the number of classes for sparse data. */
  get dim(): number | null {
    if (this.sparseDim) return this.sparseDim.size;
    const last = this.dims[this.dims.length - 1];
    return last ? last.size : null;
  }
  /** A copy with another name (and optionally other axes/dtype). */
  copy(changes: { name?: string; dims?: readonly Dim[]; dtype?: DType; sparseDim?: Dim | undefined; hasBatch?: boolean } = {}): Data {
    return new Data({
      name: changes.name ?? this.name,
      dims: changes.dims ?? this.dims,
      dtype: changes.dtype ?? this.dtype,
      sparseDim: 'sparseDim' in changes ? changes.sparseDim : this.sparseDim,
      hasBatch: changes.hasBatch ?? this.hasBatch,
    });
  }
  /** A copy whose axes are `[...shape]` (feature axis last), e.g. the output of a layer. */
  withShape(name: string, shape: readonly (number | null)[], dtype: DType = 'float32'): Data {
    const dims = shape.map(
      (size, i) => new Dim({ description: i === shape.length - 1 ? `${name}:feature` : `${name}:spatial${i}`, size, kind: i === shape.length - 1 ? 'feature' : 'spatial' }),
    );
    return new Data({ name, dims, dtype });
  }
  toString(): string {
    const axes = [...(this.hasBatch ? ['B'] : []), ...this.dims.map((d) => d.toString())].join(',');
    return `Data{'${this.name}', [${axes}], ${this.dtype}${this.sparse ? `, sparse classes=${this.dim}` : ''}}`;
  }
}
