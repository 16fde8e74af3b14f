import type { DataConfig } from '@strata/core';

/**
 * One example: a value per data key (a dense feature vector, or a class
 * index; for sequence data, `time·dim` floats or `time` class ids).
 */
export type Example = Record<string, Float32Array | Int32Array | number>;

/**
 * A finite, indexable collection of examples (RETURNN's Dataset, simplified
 * to random access). The engine shuffles indices with a seeded Rng, batches
 * and collates; a dataset only answers `example(i)`.
 *
 * Each key's value must match its `extern` description: a dense key's array
 * has the size of its shape (e.g. 784 floats for `{shape: [784]}`), a sparse key
 * without axes is a single class index in `[0, dim)`. A sequence key (a
 * dynamic axis, `shape: [null]` or `[null, dim]`) holds any number of frames:
 * `Int32Array` class ids (sparse) or `time·dim` floats (dense), row-major.
 */
export interface Dataset {
  /** For messages and logs, e.g. `mnist/train`. */
  readonly name: string;
  /** Number of examples. */
  readonly size: number;
  /** What each data key looks like, in `extern_data` form. */
  readonly extern: Readonly<Record<string, DataConfig>>;
  /** The example at `index` (0 ≤ index < size). */
  example(index: number): Example;
  /**
   * The dataset of training epoch `epoch` (1-based), for datasets whose
   * examples change per epoch (RETURNN's generated datasets seed their
   * sequences with the epoch). Absent: the same examples every epoch.
   */
  forEpoch?(epoch: number): Dataset;
}
