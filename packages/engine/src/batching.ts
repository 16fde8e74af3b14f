import { ops, sizeOf, type Tensor } from '@strata/backend';
import { Data, Rng } from '@strata/core';
import type { Dataset } from './dataset.js';
import { DataError } from './errors.js';

/**
 * Example indices of one epoch, split into batches of `batchSize` (the last
 * one may be smaller). With `seed`, the order is a Fisher–Yates shuffle by
 * `new Rng(seed)`: the same seed gives the same batches on every run and
 * machine, which makes resumed training identical to uninterrupted training.
 */
export function epochBatches(size: number, batchSize: number, seed?: number): Int32Array[] {
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
 * {@link Data} template (sizes, finite values, class indices in range) before
 * anything is uploaded.
 * @throws DataError naming the dataset, example index, key and the problem.
 */
export function collate(dataset: Dataset, indices: ArrayLike<number>, templates: Data[]): HostBatch {
  const n = indices.length;
  const arrays: HostBatch['arrays'] = {};
  for (const d of templates) {
    const shape = d.shape;
    if (shape.some((s) => s === null)) {
      throw new DataError(`Data '${d.name}' has dynamic axes ${JSON.stringify(shape)}; batching of sequences is not supported by this engine version.`);
    }
    const per = sizeOf(shape as number[]);
    const values = d.sparse || d.dtype === 'int32' ? new Int32Array(n * per) : new Float32Array(n * per);
    for (let b = 0; b < n; b++) {
      const idx = indices[b]!;
      const v = dataset.example(idx)[d.name];
      if (v === undefined) {
        throw new DataError(`Dataset '${dataset.name}', example ${idx}: no value for key '${d.name}'.`);
      }
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
    arrays[d.name] = { values, shape: [n, ...(shape as number[])] };
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
