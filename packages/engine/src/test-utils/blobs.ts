// Test data shared by the engine's training tests: 3 Gaussian blobs in 6-D.
import { Rng } from '@strata/core';
import type { Dataset } from '../dataset.js';

/** The extern data of {@link blobs}: 6 features, a class index in [0, 3). */
export const blobsExtern = { data: { shape: [6] }, classes: { shape: [], dim: 3, sparse: true } };

/**
 * The features of `n` examples in 3 Gaussian blobs: example `i` has class
 * `i % 3`, and feature `k` is `center` (if `k % 3` is the class, else 0) plus
 * `noise · N(0, 1)`, drawn from `new Rng(seed)` in example, then feature order.
 */
export function blobFeatures(n: number, opts: { seed: number; center: number; noise: number }): Float32Array[] {
  const rng = new Rng(opts.seed);
  return Array.from({ length: n }, (_, i) => Float32Array.from({ length: 6 }, (_, k) => (k % 3 === i % 3 ? opts.center : 0) + opts.noise * rng.normal()));
}

/** A dataset of {@link blobFeatures} with their classes (`i % 3`). */
export function blobs(name: string, n: number, opts: { seed: number; center: number; noise: number }): Dataset {
  const xs = blobFeatures(n, opts);
  return { name, size: n, extern: blobsExtern, example: (i) => ({ data: xs[i]!, classes: i % 3 }) };
}
