import { ops, type Tensor } from '@strata/backend';
import { batchDim, canonicalDataConfig, Data, type DataConfig, type DataLayout, type Dim, LayerArgumentError, sizeKey } from '@strata/core';
import { NetDictError } from './errors.js';
import { dataConfigsFromConfig, type ExternDataConfig } from './extern-data/config.js';
import {
  checkMatchedDataset,
  type DataKwargs,
  dataKwargsFromDatasetKey,
  type DatasetDescription,
  targetKeysOf,
} from './extern-data/dataset.js';
import { DuplicateDataKeyError, ExternDataKeyError } from './extern-data/errors.js';
import { canonicalBatch } from './extern-data/layout.js';

export type { ExternDataConfig } from './extern-data/config.js';
export type { DataKwargs, DatasetDescription } from './extern-data/dataset.js';
export {
  DatasetMismatchError,
  type DatasetMismatchErrorOptions,
  type DataMismatch,
  DuplicateDataKeyError,
  type DuplicateDataKeyErrorOptions,
  ExternDataKeyError,
  type ExternDataKeyErrorOptions,
} from './extern-data/errors.js';

/** Layout of the batch feed, as seed 003's `get_queue_args` returns it (kwargs of a TF queue). */
export interface QueueArgs {
  /** Sorted data keys, then `<key>/size<axis>` for each dynamic axis. */
  names: string[];
  /** Shapes without (or with, `withBatchDim`) the batch axis; `null` = dynamic. */
  shapes: (number | null)[][];
  dtypes: string[];
}

/** Options of {@link ExternData} (seed 003 `ExternData(data, default_input, default_target)`). */
export interface ExternDataOptions {
  /**
   * The entries, key → description (a config's `extern_data`), e.g.
   * `{"data": {"shape": [784]}, "classes": {"shape": [], "dim": 10, "sparse": true}}`. Default `{}` (register keys later).
   */
  data?: Record<string, DataConfig>;
  /** The key of the default input (RETURNN `default_input`). Default `'data'`. */
  defaultInput?: string;
  /** The key of the default target (RETURNN `default_target`). Default `'classes'`. */
  defaultTarget?: string;
}

/**
 * Descriptions of a network's input and target data (seed 003 `ExternData`),
 * built from a config's `extern_data`, e.g.
 * `{"data": {"shape": [784]}, "classes": {"shape": [], "dim": 10, "sparse": true}}`.
 *
 * Sequences: `{"data": {"dim": 40, "shape": [null, 40]}, "classes": {"shape": [], "dim": 61, "sparse": true}}`
 * (a sparse entry without `shape` is a label sequence when other entries
 * have a time axis, RETURNN's default), or the dim-tag form
 * `{"data": {"dim_tags": [{"kind": "batch"}, {"description": "time"}, {"description": "feature", "dimension": 40}]}}`
 * with `sparse_dim` for class indices; tags with the same description are
 * the same axis in every entry.
 *
 * The default input key is `data` and the default target key `classes`, as in RETURNN.
 */
export class ExternData {
  readonly data = new Map<string, Data>();
  defaultInput = 'data';
  defaultTarget = 'classes';
  /** Keys added by the network (not by the dataset); `checkMatchedDataset` skips them (RETURNN `extra_added_keys`). */
  readonly extraAddedKeys = new Set<string>();
  /** Declared layouts of the entries not in the canonical order (RETURNN's `batch_dim_axis`, features first, ...), by key. */
  readonly layouts = new Map<string, DataLayout>();
  /** Keys the model cannot run without (RETURNN `available_for_inference`); targets are false. */
  private readonly inference = new Map<string, boolean>();

  /**
   * Seed `ExternData(data, default_input, default_target)`.
   * @throws NetDictError naming the key and the problem for a malformed entry.
   */
  constructor(options: ExternDataOptions = {}) {
    const config = options.data ?? {};
    if (typeof config !== 'object' || config === null || Array.isArray(config)) {
      throw new NetDictError(`extern_data must be an object of key -> {dim, shape, sparse}. Received: ${JSON.stringify(config)}.`);
    }
    this.defaultInput = options.defaultInput ?? 'data';
    this.defaultTarget = options.defaultTarget ?? 'classes';
    this.registerDataFromDict(config);
  }

  /** Wraps {@link Data.fromConfig}'s argument errors as NetDictError. */
  static fromConfig(config: Record<string, DataConfig>): ExternData {
    try {
      return new ExternData({ data: config });
    } catch (e) {
      if (e instanceof LayerArgumentError) throw new NetDictError(e.message);
      throw e;
    }
  }

  /**
   * Registers every key of a config (seed `init_from_config`): `extern_data`,
   * or the legacy `num_inputs`/`num_outputs`; `target` becomes the default target.
   * @throws NetDictError for a config without extern data or a malformed entry.
   */
  initFromConfig(config: ExternDataConfig): this {
    try {
      this.registerDataFromDict(dataConfigsFromConfig(config), { replace: true });
    } catch (e) {
      if (e instanceof LayerArgumentError) throw new NetDictError(e.message);
      throw e;
    }
    this.defaultTarget = config.target ?? 'classes';
    if (config.default_input !== undefined) this.defaultInput = config.default_input;
    return this;
  }

  /** Seed classmethod `data_kwargs_from_dataset_key`. @throws ExternDataKeyError listing the dataset's keys. */
  static dataKwargsFromDatasetKey(dataset: DatasetDescription, key: string): DataKwargs {
    return dataKwargsFromDatasetKey(dataset, key);
  }

  /**
   * Registers every key of a dataset (seed `init_from_dataset`). Default
   * target: `classes` if a target, else the first target; default input:
   * `data` if an input, else the first input.
   */
  initFromDataset(dataset: DatasetDescription): this {
    const targets = targetKeysOf(dataset);
    const keys = Object.keys(dataset.extern);
    const inputs = keys.filter((k) => !targets.includes(k));
    if (targets.length > 0) this.defaultTarget = targets.includes('classes') ? 'classes' : targets[0]!;
    if (inputs.length > 0) this.defaultInput = inputs.includes('data') ? 'data' : inputs[0]!;
    const kwargs = Object.fromEntries(keys.map((k) => [k, ExternData.dataKwargsFromDatasetKey(dataset, k)]));
    this.registerDataFromDict(kwargs, { replace: true });
    for (const k of keys) this.inference.set(k, kwargs[k]!.available_for_inference);
    return this;
  }

  /**
   * Checks that `dataset` provides the used keys as described (seed `check_matched_dataset`).
   * @throws DatasetMismatchError naming each key and field with expected and received values.
   * @throws ExternDataKeyError if a used key is not in this ExternData.
   */
  checkMatchedDataset(dataset: DatasetDescription, usedDataKeys: Iterable<string> = Object.keys(dataset.extern)): void {
    checkMatchedDataset(dataset, (k) => this.getData(k), usedDataKeys, this.extraAddedKeys);
  }

  /**
   * The older form of {@link ExternData.checkMatchedDataset}, kept for its callers.
   * @throws NetDictError naming each key that is missing or differs.
   */
  checkMatchesDataset(datasetName: string, extern: Readonly<Record<string, DataConfig>>, usedKeys: string[] = this.keys): void {
    const problems: string[] = [];
    // The dataset's entries are read with the same defaults as extern_data's (RETURNN's: no shape means a sequence).
    const given = new Map(Object.entries(extern));
    for (const key of usedKeys) {
      const want = this.getData(key);
      const c = given.get(key);
      if (!c) {
        problems.push(`'${key}' is not provided (dataset keys: ${Object.keys(extern).join(', ')})`);
        continue;
      }
      const got = Data.fromConfig(key, c);
      if (got.sparse !== want.sparse || got.dim !== want.dim || JSON.stringify(got.shape) !== JSON.stringify(want.shape)) {
        problems.push(`'${key}': dataset has ${got.toString()}, extern_data expects ${want.toString()}`);
      }
    }
    if (problems.length > 0) {
      throw new NetDictError(`Dataset '${datasetName}' does not match extern_data:\n  - ${problems.join('\n  - ')}`);
    }
  }

  /**
   * Registers `key -> Data kwargs` entries (seed `register_data_from_dict`).
   * An entry without `shape` is a sequence, as in RETURNN (see `Data.fromConfig`).
   * @throws LayerArgumentError for a malformed entry; DuplicateDataKeyError for a known key unless `replace`.
   */
  registerDataFromDict(config: Readonly<Record<string, DataConfig>>, opts: { replace?: boolean } = {}): void {
    const shared = new Map<string, Dim>();
    for (const [key, c] of Object.entries(config)) {
      // RETURNN's axis order (batch_dim_axis, time_dim_axis, feature_dim_axis) resolved; the Data is in Strata's canonical order.
      const { config: canon, layout, identity } = canonicalDataConfig(key, c);
      const data = Data.fromConfig(key, canon, shared);
      this.registerData(layout.hasBatch ? data : data.copy({ hasBatch: false }), opts);
      if (!identity) this.layouts.set(key, layout);
    }
  }

  /**
   * A batch in the declared layout of the entries (RETURNN's axis order) in the
   * canonical order the network runs on (see `canonicalBatch`); a batch of
   * canonical entries as it is.
   */
  canonicalBatch(batch: Readonly<Record<string, Tensor>>): Readonly<Record<string, Tensor>> {
    return canonicalBatch(this.layouts, batch);
  }

  /** The shape a batch gives `key` in, RETURNN's axis order (`null` for the batch and dynamic axes), and where its dynamic axes are (counted with the batch axis, the `<key>:size<axis>` names). */
  declaredBatchShape(key: string): (number | null)[] {
    const layout = this.layouts.get(key);
    return layout ? [...layout.declaredShape] : this.getData(key).batchShape;
  }

  /**
   * Adds a Data under its name (seed `register_data`).
   * @throws DuplicateDataKeyError if the key exists and `replace` is not set.
   */
  registerData(data: Data, opts: { replace?: boolean } = {}): void {
    if (this.data.has(data.name) && !opts.replace) throw new DuplicateDataKeyError({ key: data.name });
    this.data.set(data.name, data);
    this.layouts.delete(data.name);
  }
  /** Seed `has_data`. */
  hasData(key: string): boolean {
    return this.data.has(key);
  }
  /** Seed `get_data`. @throws ExternDataKeyError (a LayerNotFoundError) listing the known keys. */
  getData(key: string): Data {
    const d = this.data.get(key);
    if (!d) throw new ExternDataKeyError({ key, known: [...this.data.keys()] });
    return d;
  }
  get keys(): string[] {
    return [...this.data.keys()];
  }
  /** False for dataset targets (RETURNN `Data.available_for_inference`); true for other keys. */
  availableForInference(key: string): boolean {
    this.getData(key);
    return this.inference.get(key) ?? true;
  }

  /** Seed `get_default_input_data`. @throws ExternDataKeyError if the default input key is not registered. */
  get defaultInputData(): Data {
    return this.getData(this.defaultInput);
  }
  /** Seed `get_default_target_data`. @throws ExternDataKeyError if the default target key is not registered. */
  get defaultTargetData(): Data {
    return this.getData(this.defaultTarget);
  }

  /** One line per RETURNN's `get_data_description`: `key: Data{...}`, joined by `, `. */
  getDataDescription(): string {
    return [...this.data].map(([k, d]) => `${k}: ${d.toString()}`).join(', ');
  }

  /**
   * The feed layout of a TF queue (seed `get_queue_args`): sorted keys with
   * shapes and dtypes, then `<key>/size<axis>` (int32, `[batch]` or `[]`) per
   * dynamic axis. Strata uses no TF queue: `@strata/engine` collates batches
   * itself (`<key>` padded plus `<key>:size<axis>`), and this describes that feed.
   * Axis numbers count the batch axis as 0, as RETURNN's batch-major Data.
   */
  getQueueArgs(withBatchDim: boolean, fixedBatchDim: number | null = null): QueueArgs {
    const names = [...this.data.keys()].sort();
    const shapes = names.map((k) => (withBatchDim ? [fixedBatchDim, ...this.getData(k).shape] : this.getData(k).shape));
    const dtypes: string[] = names.map((k) => this.getData(k).dtype);
    for (const k of [...names]) {
      this.getData(k).shape.forEach((size, i) => {
        if (size !== null) return;
        names.push(sizeKey(k, i + 1));
        shapes.push(withBatchDim ? [fixedBatchDim] : []);
        dtypes.push('int32');
      });
    }
    return { names, shapes, dtypes };
  }

  /**
   * Puts the lengths of a batch into the Dims of its data (RETURNN's
   * `ExternData.reset_content`/`assign_from_raw_tensor_dict_`): for each key
   * of `batch` with dynamic axes, `dim.dynSize` is `batch['<key>:size<axis>']`
   * (`sizeKey`), else the full length of that axis of `batch[key]`. Data
   * sharing a Dim (`dim_tags` with one description) take the sizes of the
   * first key that gives them. Every layer on these axes reads them from there.
   */
  assignBatch(batch: Readonly<Record<string, Tensor>>): void {
    const set = new Set<Dim>();
    for (const [key, data] of this.data) {
      const x = batch[key];
      // Keys a layer registers (register_as_extern_data) get their lengths from that layer, not from the batch.
      if (!x || this.extraAddedKeys.has(key)) continue;
      data.dims.forEach((dim, i) => {
        if (!dim.isDynamic || set.has(dim)) return;
        const given = batch[sizeKey(key, i + 1)];
        if (!given && x.shape[i + 1] === undefined) return;
        dim.dynSize = given ?? ops.fill([x.shape[0]!], x.shape[i + 1]!, 'int32');
        if (given) set.add(dim);
      });
    }
  }

  /** `[key, Data]` sorted by key, the default input first (seed `get_sorted_data_items`). */
  getSortedDataItems(): [string, Data][] {
    const keys = [...this.data.keys()].sort();
    const i = keys.indexOf(this.defaultInput);
    if (i > 0) keys.unshift(...keys.splice(i, 1));
    return keys.map((k) => [k, this.data.get(k)!]);
  }

  /**
   * Every distinct axis of the data (seed `get_all_dimension_tags`): the batch
   * Dim, then each Data's axes in {@link ExternData.getSortedDataItems} order
   * (a time Dim per sequence key unless keys share it through `dim_tags`, the
   * feature Dims). With `allowSameFeatureDim`, feature Dims of equal size
   * count once.
   */
  getAllDimensionTags(opts: { allowSameFeatureDim?: boolean } = {}): Dim[] {
    const out: Dim[] = [batchDim];
    for (const [, data] of this.getSortedDataItems()) {
      for (const d of data.dims) {
        if (out.includes(d)) continue;
        if (opts.allowSameFeatureDim && d.kind === 'feature' && out.some((o) => o.kind === 'feature' && o.size === d.size)) continue;
        out.push(d);
      }
    }
    return out;
  }
}
