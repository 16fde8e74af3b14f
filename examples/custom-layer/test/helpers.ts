// Shared by the tests: backends, a small MNIST subset, and a closeness check.
import { setBackend } from '@strata/backend';
import { registerOnnxruntimeBackends } from '@strata/backend-onnxruntime';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { loadMnist } from '@strata/datasets';
import type { Dataset } from '@strata/engine';

let registered = false;

/** Registers the tfjs and onnxruntime backends (once) and activates `name`. */
export async function useBackend(name: 'tfjs-cpu' | 'onnxruntime'): Promise<void> {
  if (!registered) {
    registerTfjsBackends();
    // One thread per session: the tests share two cores with other suites.
    registerOnnxruntimeBackends({ intraOpNumThreads: 1 });
    registered = true;
  }
  await setBackend(name);
}

/** The first `size` examples of a dataset (MNIST's splits are already shuffled). */
export function head(dataset: Dataset, size: number): Dataset {
  return { name: `${dataset.name}[:${size}]`, size, extern: dataset.extern, example: (i) => dataset.example(i) };
}

/** 2,000 training and 500 dev digits of MNIST (`loadMnist`'s fixed split). */
export function mnistSubset(): { train: Dataset; dev: Dataset } {
  const { train, dev } = loadMnist();
  return { train: head(train, 2000), dev: head(dev, 500) };
}

export const MNIST_EXTERN = { data: { shape: [784] }, classes: { shape: [], dim: 10, sparse: true } };

/** The largest |a - b| over two arrays of the same length. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** Asserts |actual - expected| <= atol + rtol·|expected| elementwise, naming the worst element. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, atol = 1e-5, rtol = 1e-4): void {
  if (actual.length !== expected.length) throw new Error(`length ${actual.length} != ${expected.length}`);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (!(Math.abs(a - e) <= atol + rtol * Math.abs(e))) {
      throw new Error(`element ${i}: ${a} vs expected ${e} (atol ${atol}, rtol ${rtol}; max |diff| ${maxAbsDiff(actual, expected)})`);
    }
  }
}
