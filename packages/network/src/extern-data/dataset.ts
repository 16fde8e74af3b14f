import { Data, type DataConfig } from '@strata/core';
import { DatasetMismatchError, type DataMismatch, ExternDataKeyError } from './errors.js';

/**
 * What {@link ExternData} needs to know about a dataset (RETURNN `Dataset`'s
 * `get_data_keys`, `get_target_list`, `get_data_dim/shape/dtype`,
 * `is_data_sparse`). `@strata/engine`'s `Dataset` fits.
 */
export interface DatasetDescription {
  /** For messages, e.g. `mnist/train`. */
  readonly name: string;
  /** Every data key in `extern_data` form. */
  readonly extern: Readonly<Record<string, DataConfig>>;
  /**
   * Keys that are targets, not model inputs (RETURNN `get_target_list`).
   * Default: every key except `data` (RETURNN's cached datasets).
   */
  readonly targetKeys?: readonly string[];
}

/** Data kwargs of one dataset key (RETURNN `data_kwargs_from_dataset_key`). */
export type DataKwargs = DataConfig & {
  /** False for target keys: the model can run without them (RETURNN `available_for_inference`). */
  available_for_inference: boolean;
};

/** Target keys of a dataset, see {@link DatasetDescription.targetKeys}. */
export function targetKeysOf(dataset: DatasetDescription): string[] {
  return dataset.targetKeys ? [...dataset.targetKeys] : Object.keys(dataset.extern).filter((k) => k !== 'data');
}

/**
 * The extern_data entry for `key` of `dataset` (RETURNN
 * `ExternData.data_kwargs_from_dataset_key`).
 * @throws ExternDataKeyError if the dataset has no such key, listing its keys.
 */
export function dataKwargsFromDatasetKey(dataset: DatasetDescription, key: string): DataKwargs {
  const c = dataset.extern[key];
  if (!c) throw new ExternDataKeyError({ key, known: Object.keys(dataset.extern), where: `Dataset '${dataset.name}'` });
  return { ...c, available_for_inference: !targetKeysOf(dataset).includes(key) };
}

/** RETURNN skips these keys in `check_matched_dataset`: they are made by the engine, not the dataset. */
const SPECIAL_KEYS = new Set(['seq_idx', 'seq_tag']);

/**
 * Compares every used key of `dataset` with its `Data` (RETURNN
 * `check_matched_dataset`): sparsity (unless `dim` is unknown), dtype, `dim`
 * (unless unknown) and shape. Keys in `extraAddedKeys` and `seq_idx`/`seq_tag`
 * are skipped.
 * @throws DatasetMismatchError listing key, field, expected and received values.
 */
export function checkMatchedDataset(
  dataset: DatasetDescription,
  lookup: (key: string) => Data,
  usedDataKeys: Iterable<string>,
  extraAddedKeys: ReadonlySet<string>,
): void {
  const mismatches: DataMismatch[] = [];
  const given = new Map(Object.entries(dataset.extern));
  for (const key of [...usedDataKeys].sort()) {
    if (SPECIAL_KEYS.has(key) || extraAddedKeys.has(key)) continue;
    const want = lookup(key);
    const c = given.get(key);
    if (!c) {
      mismatches.push({ key, field: 'missing', expected: want.toString(), got: `no such key (keys: ${Object.keys(dataset.extern).join(', ')})` });
      continue;
    }
    const got = Data.fromConfig(key, c);
    if (want.dim !== null && got.sparse !== want.sparse) mismatches.push({ key, field: 'sparse', expected: String(want.sparse), got: String(got.sparse) });
    if (got.dtype !== want.dtype) mismatches.push({ key, field: 'dtype', expected: want.dtype, got: got.dtype });
    if (want.dim !== null && got.dim !== want.dim) mismatches.push({ key, field: 'dim', expected: String(want.dim), got: String(got.dim) });
    if (JSON.stringify(got.shape) !== JSON.stringify(want.shape)) {
      mismatches.push({ key, field: 'shape', expected: JSON.stringify(want.shape), got: JSON.stringify(got.shape) });
    }
  }
  if (mismatches.length > 0) throw new DatasetMismatchError({ datasetName: dataset.name, mismatches });
}
