/** The inputs of the inference benchmark: the 2,000 MNIST dev digits in batches of 256 (the last one 208), or the first digits one at a time. */
import { loadMnist, MNIST_PIXELS } from '@strata/datasets';
import type { Dataset } from '@strata/engine';

/** Examples per batch. */
export const BATCH_SIZE = 256;

/** One batch on the host: pixels `[size, 784]` row-major and the digit labels. */
export interface HostBatch {
  readonly size: number;
  /** Index of the first example in the dev set. */
  readonly offset: number;
  readonly pixels: Float32Array;
  readonly labels: Int32Array;
}

/** The dev split and its batches, in dev order. */
export interface BenchData {
  readonly dev: Dataset;
  readonly batches: HostBatch[];
  /** Number of digits in the batches (2,000 unless limited). */
  readonly size: number;
  /** All labels in dev order. */
  readonly labels: Int32Array;
}

/** Pixels `[n, 784]` row-major and labels of examples `offset … offset + n - 1` of an MNIST split. */
export function gatherDigits(ds: Dataset, offset: number, n: number): { pixels: Float32Array; labels: Int32Array } {
  const pixels = new Float32Array(n * MNIST_PIXELS);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const ex = ds.example(offset + i);
    pixels.set(ex.data as Float32Array, i * MNIST_PIXELS);
    labels[i] = ex.classes as number;
  }
  return { pixels, labels };
}

/**
 * Loads MNIST with the split seed of the configs and cuts the dev split (or
 * its first `limit` digits) into batches.
 */
export function loadBenchData(seed: number | undefined, batchSize = BATCH_SIZE, limit?: number): BenchData {
  const { dev } = loadMnist({ seed });
  const total = Math.min(limit ?? dev.size, dev.size);
  const labels = new Int32Array(total);
  const batches: HostBatch[] = [];
  for (let offset = 0; offset < total; offset += batchSize) {
    const size = Math.min(batchSize, total - offset);
    const batch = gatherDigits(dev, offset, size);
    labels.set(batch.labels, offset);
    batches.push({ size, offset, ...batch });
  }
  return { dev, batches, size: total, labels };
}
