import {
  CopyTaskDataset,
  DummyDataset,
  ReturnnDatasetError,
  StaticDataset,
  Task12AXDataset,
  TaskEpisodicCopyDataset,
  TaskNumberBaseConvertDataset,
  TaskXmlModelingDataset,
} from '@strata/datasets';
import type { Dataset } from '@strata/engine';
import { ConfigError, type Config } from './config.js';

/** RETURNN dataset classes Strata builds from a `train`/`dev` dict: the options each reads (beyond `class`) and its constructor. */
const COMMON = ['num_seqs', 'fixed_random_seed', 'random_seed_offset', 'partition_epoch', 'seq_ordering', 'name'];
type Make = (options: never) => Dataset;
export const RETURNN_DATASET_CLASSES: Record<string, { options: string[]; make: Make }> = {
  Task12AXDataset: { options: COMMON, make: (o) => new Task12AXDataset(o) },
  DummyDataset: { options: [...COMMON, 'input_dim', 'output_dim', 'seq_len', 'input_max_value', 'input_shift', 'input_scale'], make: (o) => new DummyDataset(o) },
  StaticDataset: { options: ['data', 'output_dim', 'input_dim', 'target_list', 'seq_ordering', 'name'], make: (o) => new StaticDataset(o) },
  CopyTaskDataset: { options: [...COMMON, 'nsymbols', 'minlen', 'maxlen', 'minlen_epoch_factor', 'maxlen_epoch_factor'], make: (o) => new CopyTaskDataset(o) },
  TaskXmlModelingDataset: { options: [...COMMON, 'limit_stack_depth'], make: (o) => new TaskXmlModelingDataset(o) },
  TaskNumberBaseConvertDataset: { options: [...COMMON, 'input_base', 'output_base', 'min_input_seq_len', 'max_input_seq_len'], make: (o) => new TaskNumberBaseConvertDataset(o) },
  TaskEpisodicCopyDataset: { options: COMMON, make: (o) => new TaskEpisodicCopyDataset(o) },
};

/**
 * Longest sequence a Task12AXDataset can have, in any epoch: RETURNN draws
 * the length with `randint(10, 100)` (returnn/datasets/generating.py).
 */
export const TASK_12AX_MAX_SEQ_LEN = 99;

/**
 * One RETURNN dataset dict (`{"class": "Task12AXDataset", "num_seqs": 1000}`)
 * as a Strata {@link Dataset}: `Task12AXDataset`, `DummyDataset`,
 * `StaticDataset`, `CopyTaskDataset`, `TaskXmlModelingDataset`,
 * `TaskNumberBaseConvertDataset`, `TaskEpisodicCopyDataset` (@strata/datasets,
 * RETURNN's exact sequences).
 * `seq_ordering` is accepted: Strata orders training sequences by its own
 * seeded shuffle (as RETURNN's "random"), and an order does not change dev scores.
 *
 * @param split `train` or `dev`, for messages and the dataset's name.
 * @throws ConfigError naming the file, split, class or option at fault and how to fix it.
 */
export function returnnDataset(config: Config, split: 'train' | 'dev', dict: Record<string, unknown>): Dataset {
  const where = `Config '${config.path}', ${split}`;
  const cls = dict.class;
  const known = typeof cls === 'string' ? RETURNN_DATASET_CLASSES[cls] : undefined;
  if (!known) {
    throw new ConfigError(
      `${where}: the RETURNN dataset class ${JSON.stringify(cls ?? '(no "class")')} (${split} = ${JSON.stringify(dict)}) is not one Strata has. ` +
        `Strata builds these RETURNN classes: ${Object.keys(RETURNN_DATASET_CLASSES).join(', ')}; or set dataset = "mnist" (a Strata corpus: mnist, cmudict).`,
    );
  }
  const { class: _, seq_ordering: order, target_list: targets, ...options } = dict;
  for (const k of Object.keys(dict)) {
    if (k !== 'class' && !known.options.includes(k)) throw new ConfigError(`${where}.${k}: ${cls} has no option '${k}' Strata reads (it reads ${known.options.join(', ')}). Fix: remove "${k}".`);
  }
  if (order !== undefined && typeof order !== 'string') throw new ConfigError(`${where}.seq_ordering: expected a string such as "random" or "default", received ${JSON.stringify(order)}.`);
  if (targets !== undefined) throw new ConfigError(`${where}.target_list: Strata uses every key of the data. Fix: remove "target_list".`);
  const named = { name: `${cls}/${split}`, ...options } as never;
  try {
    return known.make(named);
  } catch (e) {
    if (e instanceof ReturnnDatasetError) throw new ConfigError(`${where}: ${e.message}`);
    throw e;
  }
}

/** The longest training sequence in frames: {@link TASK_12AX_MAX_SEQ_LEN} for Task12AXDataset, else over the examples (`data`, else the first key). */
export function maxSequenceLength(dataset: Dataset): number {
  if (dataset instanceof Task12AXDataset) return TASK_12AX_MAX_SEQ_LEN;
  const [key, x] = Object.entries(dataset.extern)[0]!;
  const perFrame = x.sparse ? 1 : (x.dim ?? 1);
  let max = 0;
  for (let i = 0; i < dataset.size; i++) {
    const v = dataset.example(i)[key];
    max = Math.max(max, typeof v === 'number' ? 1 : v!.length / perFrame);
  }
  return max;
}

/**
 * RETURNN's `chunking` ("size:step", or a size) cuts training sequences
 * longer than `size` into chunks (returnn/datasets/basic.py,
 * `Dataset.iterate_seqs`); a sequence of at most `size` frames is one chunk,
 * itself. Strata does not chunk: this accepts `chunking` when no training
 * sequence is longer than `size` (then RETURNN's chunking changes nothing),
 * e.g. `chunking = "200:200"` on Task12AXDataset (at most 99 frames).
 *
 * @throws ConfigError for a malformed value, or when a sequence is longer than the chunk size.
 */
export function checkChunking(config: Config, train: Dataset): void {
  const c = config.chunking;
  if (c === undefined || c === 0 || c === '0' || c === '') return;
  const m = /^\s*(\d+)\s*(?::\s*(\d+)\s*)?$/.exec(String(c));
  if (!m) throw new ConfigError(`Config '${config.path}', chunking = ${JSON.stringify(c)}: expected "size:step" or a size (RETURNN); per-key dicts are not read by Strata.`);
  const size = Number(m[1]);
  if (size === 0) return;
  const longest = maxSequenceLength(train);
  if (longest > size) {
    throw new ConfigError(
      `Config '${config.path}', chunking = ${JSON.stringify(c)}: RETURNN would cut the training sequences of ${train.name} (up to ${longest} frames) into chunks of ${size}; ` +
        'Strata does not split sequences into chunks. Fix: remove chunking (or set chunking = "0") to train on whole sequences.',
    );
  }
}
