import { hashString, Rng } from '@strata/core';
import type { Example } from './dataset.js';
import { DataError, EngineConfigError } from './errors.js';
import { checkExampleValue, describeValue } from './example-value.js';

/** Options of {@link sequenceBatches} (RETURNN's `batch_size`, `max_seqs` and `seq_ordering: "laplace:.N"`). */
export interface SequenceBatchOptions {
  /**
   * Most frames in one batch, counting padding: `maxLen × numSeqs ≤ batchSize`
   * (RETURNN `batch_size`), in the units of `lengths` (e.g. graphemes).
   */
  batchSize: number;
  /** Most sequences in one batch (RETURNN `max_seqs`). Default: no limit. */
  maxSeqs?: number;
  /** Seed of the shuffle (an unsigned 32-bit integer); with `epoch` it fixes the batches. */
  seed: number;
  /** Epoch number; every epoch gets its own shuffle. */
  epoch: number;
  /** Shuffle before sorting within windows. Default true; false keeps index order (then sorts windows). */
  shuffle?: boolean;
  /**
   * Sequences per sort window (RETURNN `laplace:.N`). Default 1000. Larger
   * windows give batches of more similar lengths (less padding) but a less
   * random order; 1 turns sorting off.
   */
  bucketSortWindow?: number;
}

/** Default {@link SequenceBatchOptions.bucketSortWindow}. */
export const DEFAULT_BUCKET_SORT_WINDOW = 1000;

/**
 * One epoch of batches of variable-length sequences, RETURNN-style:
 *
 * 1. Shuffle `[0, n)` with `new Rng(hashString(\`epoch:${epoch}\`, seed))`
 *    (Fisher–Yates; the engine derives its per-epoch shuffle the same way), so
 *    a `(seed, epoch)` pair gives the same batches on every run and machine.
 * 2. Cut the order into `w = max(1, floor(n / bucketSortWindow))` windows,
 *    window `i` being positions `[floor(i·n/w), floor((i+1)·n/w))`, and sort
 *    each by length (stable), ascending in even windows and descending in odd
 *    ones, so neighbouring windows meet at similar lengths (RETURNN's
 *    `laplace` ordering).
 * 3. Walk that order, closing the batch before a sequence that would make
 *    `max(length) × numSeqs > batchSize` or `numSeqs > maxSeqs`.
 *
 * A sequence longer than `batchSize` gets a batch of its own (it is never
 * dropped or cut; RETURNN does the same with a warning). A zero-length
 * sequence counts as length 1 in the budget, so no batch holds more than
 * `batchSize` sequences. The batches are returned in walking order.
 *
 * Shape: `lengths` `[numSequences]` non-negative integers (frames; with
 * several keys per example, pass the longest key's length). Returns batches
 * of example indices; each index in `[0, n)` appears exactly once.
 * @throws EngineConfigError for a bad option; DataError for a bad length.
 */
export function sequenceBatches(lengths: readonly number[], options: SequenceBatchOptions): number[][] {
  const { batchSize, maxSeqs = Number.POSITIVE_INFINITY, seed, epoch, shuffle = true, bucketSortWindow = DEFAULT_BUCKET_SORT_WINDOW } = options;
  checkPositiveInteger('batchSize', batchSize);
  if (maxSeqs !== Number.POSITIVE_INFINITY) checkPositiveInteger('maxSeqs', maxSeqs);
  checkPositiveInteger('bucketSortWindow', bucketSortWindow);
  if (!Number.isInteger(seed) || !Number.isInteger(epoch)) {
    throw new EngineConfigError(`sequenceBatches: seed and epoch must be integers. Received: seed=${seed}, epoch=${epoch}.`);
  }
  const n = lengths.length;
  for (let i = 0; i < n; i++) {
    const l = lengths[i]!;
    if (!Number.isInteger(l) || l < 0) throw new DataError(`sequenceBatches: length of sequence ${i} must be a non-negative integer. Received: ${l}.`);
  }
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  if (shuffle) new Rng(hashString(`epoch:${epoch}`, seed)).shuffle(order);

  const windows = Math.max(1, Math.floor(n / bucketSortWindow));
  const sorted: number[] = [];
  for (let w = 0; w < windows; w++) {
    const part = Array.from(order.subarray(Math.floor((w * n) / windows), Math.floor(((w + 1) * n) / windows)));
    const sign = w % 2 === 0 ? 1 : -1;
    part.sort((a, b) => sign * (lengths[a]! - lengths[b]!)); // Array.prototype.sort is stable
    for (const i of part) sorted.push(i);
  }

  const batches: number[][] = [];
  let batch: number[] = [];
  let maxLen = 0;
  for (const i of sorted) {
    const len = Math.max(1, lengths[i]!);
    const newMax = Math.max(maxLen, len);
    if (batch.length > 0 && (newMax * (batch.length + 1) > batchSize || batch.length + 1 > maxSeqs)) {
      batches.push(batch);
      batch = [];
      maxLen = 0;
    }
    batch.push(i);
    maxLen = Math.max(maxLen, len);
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}

/**
 * Padding of a set of batches: `frames` (sum of lengths), `paddedFrames`
 * (sum over batches of `max(length) × numSeqs`) and `efficiency =
 * frames / paddedFrames` in (0, 1] (1 = no padding; NaN for no frames).
 */
export function paddingStats(batches: readonly (readonly number[])[], lengths: readonly number[]): { frames: number; paddedFrames: number; efficiency: number } {
  let frames = 0;
  let paddedFrames = 0;
  for (const b of batches) {
    let max = 0;
    for (const i of b) {
      frames += lengths[i]!;
      max = Math.max(max, lengths[i]!);
    }
    paddedFrames += max * b.length;
  }
  return { frames, paddedFrames, efficiency: frames / paddedFrames };
}

/** How one key is collated: the `dim`/`sparse` fields of its `extern_data` entry (a `DataConfig` fits). */
export interface SequenceKeySpec {
  /** Dense data: features per frame, which adds a feature axis. Sparse data: the number of classes, used to check ids. */
  dim?: number;
  /** Class ids (one per frame), checked against `[0, dim)` when `dim` is given. */
  sparse?: boolean;
}

/** One key of a {@link SequenceBatch}: padded values and the true lengths. */
export interface PaddedSequences {
  /** Row-major values of `shape`, padded with 0. */
  values: Float32Array | Int32Array;
  /** `[batch, maxLen]` (sparse keys, keys without `dim`) or `[batch, maxLen, dim]` (dense keys with `dim`). */
  shape: number[];
  /** `[batch]` int32: frames of each sequence before padding. */
  seqLens: Int32Array;
}

/** Collated sequences: `size` examples, per key the padded array. Structurally a {@link HostBatch} (for `uploadBatch`). */
export interface SequenceBatch {
  size: number;
  arrays: Record<string, PaddedSequences>;
}

/**
 * Pads variable-length sequences into contiguous arrays. Frame `t` of example
 * `b` is at `values[(b·maxLen + t)·dim + f]`; positions `t ≥ seqLens[b]` hold
 * 0, which is also a valid class id (`'` or `AA` in CMUdict), so consumers
 * must mask with `seqLens`, never by value.
 *
 * `keys` is a list of key names (one number per frame: Int32Array or
 * Float32Array values, shape `[batch, maxLen]`), or a record key → spec such
 * as a dataset's `extern` (dense keys with a `dim` become
 * `[batch, maxLen, dim]`; a value of `T·dim` numbers is `T` frames). The dtype
 * follows the values: Int32Array in, Int32Array out.
 *
 * @throws DataError naming the example and key: a missing key, a value that
 *   is not a Float32Array or Int32Array, a single number instead of a sequence, mixed dtypes, a length not a multiple of
 *   `dim`, a class id outside `[0, dim)`, a non-finite float; or no examples.
 */
export function collateSequences(examples: readonly Example[], keys: readonly string[] | Readonly<Record<string, SequenceKeySpec>>): SequenceBatch {
  const specs: [string, SequenceKeySpec][] = Array.isArray(keys) ? keys.map((k: string): [string, SequenceKeySpec] => [k, {}]) : Object.entries(keys);
  const n = examples.length;
  if (n === 0) throw new DataError('collateSequences: no examples; a batch needs at least one.');
  const arrays: Record<string, PaddedSequences> = {};
  for (const [key, spec] of specs) {
    const featureAxis = !spec.sparse && spec.dim !== undefined;
    const dim = featureAxis ? spec.dim! : 1;
    const seqs: (Float32Array | Int32Array)[] = [];
    for (let b = 0; b < n; b++) {
      const example: unknown = examples[b];
      if (typeof example !== 'object' || example === null) throw new DataError(`collateSequences: example ${b} is ${describeValue(example)}, not an object of key -> value.`);
      const v = (example as Example)[key];
      if (v === undefined) throw new DataError(`collateSequences: example ${b} has no value for key '${key}'.`);
      checkExampleValue(`collateSequences: example ${b}`, key, v);
      if (typeof v === 'number') throw new DataError(`collateSequences: example ${b}, key '${key}' is a single number; expected a sequence (Int32Array or Float32Array).`);
      if (b > 0 && v.constructor !== seqs[0]!.constructor) {
        throw new DataError(`collateSequences: key '${key}' mixes ${seqs[0]!.constructor.name} and ${v.constructor.name} (example ${b}); use one dtype.`);
      }
      if (v.length % dim !== 0) throw new DataError(`collateSequences: example ${b}, key '${key}' has ${v.length} values, not a multiple of dim=${dim}.`);
      checkValues(v, spec, key, b);
      seqs.push(v);
    }
    const seqLens = Int32Array.from(seqs, (s) => s.length / dim);
    const maxLen = seqLens.reduce((a, l) => Math.max(a, l), 0);
    const values = seqs[0] instanceof Int32Array ? new Int32Array(n * maxLen * dim) : new Float32Array(n * maxLen * dim);
    seqs.forEach((s, b) => values.set(s, b * maxLen * dim));
    arrays[key] = { values, shape: featureAxis ? [n, maxLen, dim] : [n, maxLen], seqLens };
  }
  return { size: n, arrays };
}

function checkValues(v: Float32Array | Int32Array, spec: SequenceKeySpec, key: string, b: number): void {
  for (let i = 0; i < v.length; i++) {
    const x = v[i]!;
    if (spec.sparse && spec.dim !== undefined && !(Number.isInteger(x) && x >= 0 && x < spec.dim)) {
      throw new DataError(`collateSequences: example ${b}, key '${key}', frame ${i}: class id ${x} is outside [0, ${spec.dim}). Check the labels or "dim".`);
    }
    if (!Number.isFinite(x)) throw new DataError(`collateSequences: example ${b}, key '${key}', frame ${i}: value ${x} is not finite.`);
  }
}

function checkPositiveInteger(name: string, value: number): void {
  if (!Number.isInteger(value) || value <= 0) {
    throw new EngineConfigError(`sequenceBatches: ${name} must be a positive integer. Received: ${name}=${value}.`);
  }
}
