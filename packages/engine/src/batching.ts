import { ops, sizeOf, type Tensor } from '@strata/backend';
import { Data, Rng, sizeKey } from '@strata/core';
import { collateSequences, type SequenceKeySpec } from './bucketing.js';
import type { Dataset, Example } from './dataset.js';
import { DataError, EngineConfigError } from './errors.js';
import { checkExampleValue, exampleAt } from './example-value.js';

/** True for data with a dynamic axis (`null` in its shape): it is batched as padded sequences. */
export function isSequenceData(d: Data): boolean {
  return d.shape.some((s) => s === null);
}

/**
 * Example indices of one epoch, split into batches of `batchSize` (the last
 * one may be smaller). With `seed`, the order is a Fisher–Yates shuffle by
 * `new Rng(seed)`: the same seed gives the same batches on every run and
 * machine, which makes resumed training identical to uninterrupted training.
 * @throws EngineConfigError for a `batchSize` that is not a positive integer (0 would never end).
 */
export function epochBatches(size: number, batchSize: number, seed?: number): Int32Array[] {
  if (!Number.isInteger(batchSize) || batchSize <= 0) {
    throw new EngineConfigError(`epochBatches: batchSize must be a positive integer. Received: batchSize=${JSON.stringify(batchSize) ?? String(batchSize)}.`);
  }
  const order = new Int32Array(size);
  for (let i = 0; i < size; i++) order[i] = i;
  if (seed !== undefined) new Rng(seed).shuffle(order);
  const batches: Int32Array[] = [];
  for (let i = 0; i < size; i += batchSize) batches.push(order.subarray(i, Math.min(size, i + batchSize)));
  return batches;
}

/** The host arrays of a batch, before upload: key → values and shape `[batch, ...]`. */
export interface HostBatch {
  size: number;
  arrays: Record<string, { values: Float32Array | Int32Array; shape: number[] }>;
}

/**
 * Gathers examples into contiguous arrays, checking each value against its
 * {@link Data} template (types, sizes, finite values, class indices in range)
 * before anything is uploaded.
 * @throws DataError naming the dataset, example index, key and the problem.
 */
export function collate(dataset: Dataset, indices: ArrayLike<number>, templates: Data[]): HostBatch {
  for (const d of templates) {
    if (isSequenceData(d)) {
      throw new DataError(`Data '${d.name}' has dynamic axes ${JSON.stringify(d.shape)}; collate() takes fixed shapes only. Use collateSequenceBatch() for sequence data.`);
    }
  }
  return collateFixed(dataset, indices, templates.length ? Array.from(indices, (i) => exampleAt(dataset, i)) : [], templates);
}

/** {@link collate} of fixed-shape `templates` over examples already read (`examples[b]` is example `indices[b]`): each example is read once per batch, not once per key. */
function collateFixed(dataset: Dataset, indices: ArrayLike<number>, examples: Example[], templates: Data[]): HostBatch {
  const n = indices.length;
  const arrays: HostBatch['arrays'] = {};
  for (const d of templates) {
    const shape = d.shape as number[];
    const per = sizeOf(shape);
    const values = d.sparse || d.dtype === 'int32' ? new Int32Array(n * per) : new Float32Array(n * per);
    for (let b = 0; b < n; b++) {
      const idx = indices[b]!;
      const v = examples[b]![d.name];
      if (v === undefined) {
        throw new DataError(`Dataset '${dataset.name}', example ${idx}: no value for key '${d.name}'.`);
      }
      checkExampleValue(`Dataset '${dataset.name}', example ${idx}`, d.name, v);
      if (typeof v === 'number') {
        if (per !== 1) throw new DataError(`Dataset '${dataset.name}', example ${idx}, key '${d.name}': expected ${per} values, got a single number.`);
        values[b] = v;
      } else {
        if (v.length !== per) {
          throw new DataError(`Dataset '${dataset.name}', example ${idx}, key '${d.name}': expected ${per} values (shape ${JSON.stringify(shape)}), got ${v.length}.`);
        }
        values.set(v, b * per);
      }
    }
    checkValues(dataset.name, d, values, indices, per);
    arrays[d.name] = { values, shape: [n, ...shape] };
  }
  return { size: n, arrays };
}

function checkValues(dsName: string, d: Data, values: Float32Array | Int32Array, indices: ArrayLike<number>, per: number): void {
  const classes = d.sparse ? d.dim! : 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    const bad = d.sparse ? !(Number.isInteger(v) && v >= 0 && v < classes) : !Number.isFinite(v);
    if (bad) {
      const ex = indices[Math.floor(i / per)];
      throw new DataError(
        d.sparse
          ? `Dataset '${dsName}', example ${ex}, key '${d.name}': class index ${v} is outside [0, ${classes}). Check the labels or "dim" in extern_data.`
          : `Dataset '${dsName}', example ${ex}, key '${d.name}': value ${v} is not finite. Clean the data (NaN/Inf).`,
      );
    }
  }
}

/** Uploads a host batch to the active backend: key → tensor. The caller disposes them. */
export function uploadBatch(batch: HostBatch): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const [key, a] of Object.entries(batch.arrays)) {
    out[key] = ops.tensor(a.values, a.shape, a.values instanceof Int32Array ? 'int32' : 'float32');
  }
  return out;
}

/**
 * How a sequence key is collated, from its template: `[null]` (sparse class
 * ids, or dense scalars per frame) or `[null, dim]` (dense feature vectors).
 * @throws EngineConfigError for other dynamic shapes (a dynamic axis that is
 *   not the first, several dynamic axes, more than one feature axis).
 */
export function sequenceKeySpec(d: Data): SequenceKeySpec {
  const shape = d.shape;
  const ok = shape[0] === null && (shape.length === 1 || (shape.length === 2 && !d.sparse && shape[1] !== null));
  if (!ok) {
    throw new EngineConfigError(
      `Data '${d.name}' has shape ${JSON.stringify(shape)}; sequence batching supports one dynamic (time) axis first: ` +
        `[null] (e.g. {"dim": 40, "sparse": true, "shape": [null]}) or [null, dim] (e.g. {"dim": 13, "shape": [null, 13]}).`,
    );
  }
  return d.sparse ? { sparse: true, dim: d.dim ?? undefined } : { dim: (shape[1] as number | undefined) ?? undefined };
}

/**
 * The length (frames) of every example of `dataset` along `d`'s time axis:
 * values per example divided by the values per frame.
 * @throws DataError for a missing key, a single number, a value of another type, or a size that is not whole frames.
 */
export function sequenceLengths(dataset: Dataset, d: Data): number[] {
  const spec = sequenceKeySpec(d);
  const perFrame = spec.sparse ? 1 : (spec.dim ?? 1);
  const lengths = new Array<number>(dataset.size);
  for (let i = 0; i < dataset.size; i++) {
    const v = exampleAt(dataset, i)[d.name];
    checkExampleValue(`Dataset '${dataset.name}', example ${i}`, d.name, v);
    if (v === undefined || typeof v === 'number') {
      throw new DataError(`Dataset '${dataset.name}', example ${i}, key '${d.name}': expected a sequence (Int32Array or Float32Array), got ${v === undefined ? 'no value' : 'a single number'}.`);
    }
    if (v.length % perFrame !== 0) {
      throw new DataError(`Dataset '${dataset.name}', example ${i}, key '${d.name}': ${v.length} values are not whole frames of ${perFrame}.`);
    }
    lengths[i] = v.length / perFrame;
  }
  return lengths;
}

/**
 * Collates a batch that contains sequence data: each sequence key padded with
 * `collateSequences` to its longest sequence in the batch (`[batch, maxLen]`
 * or `[batch, maxLen, dim]`, sparse keys int32, dense float32) plus its
 * lengths under `<key>:size1` (`sizeKey` of @strata/core, int32 `[batch]`;
 * the model puts them into the key's time Dim); fixed-shape keys as
 * {@link collate}. Values are checked as in `collateSequences`.
 * @throws DataError naming the dataset, example index and key.
 */
export function collateSequenceBatch(dataset: Dataset, indices: ArrayLike<number>, templates: Data[]): HostBatch {
  const dynamic = templates.filter(isSequenceData);
  const examples = Array.from(indices, (i) => exampleAt(dataset, i));
  const host = collateFixed(dataset, indices, examples, templates.filter((d) => !isSequenceData(d)));
  const specs = Object.fromEntries(dynamic.map((d) => [d.name, sequenceKeySpec(d)]));
  let padded: ReturnType<typeof collateSequences>;
  try {
    padded = collateSequences(examples, specs);
  } catch (e) {
    if (!(e instanceof DataError)) throw e;
    // collateSequences names positions in the batch; name the dataset's example instead.
    throw new DataError(`Dataset '${dataset.name}': ${e.message.replace(/example (\d+)/, (_, b: string) => `example ${indices[Number(b)]}`)}`);
  }
  for (const d of dynamic) {
    const a = padded.arrays[d.name]!;
    const intData = d.sparse || d.dtype === 'int32';
    const values = intData ? (a.values instanceof Int32Array ? a.values : Int32Array.from(a.values)) : a.values instanceof Float32Array ? a.values : Float32Array.from(a.values);
    host.arrays[d.name] = { values, shape: a.shape };
    host.arrays[sizeKey(d.name)] = { values: a.seqLens, shape: [a.seqLens.length] };
  }
  return host;
}
