import { type GeneratingDatasetOptions, ReturnnDatasetError } from './generating-dataset.js';

/** The options every generating dataset of this package reads (see {@link GeneratingDatasetOptions}). */
export const GENERATING_OPTION_KEYS: readonly string[] = ['num_seqs', 'fixed_random_seed', 'random_seed_offset', 'partition_epoch', 'epoch', 'name'];

/**
 * Refuses options the dataset class does not read (RETURNN passes unknown
 * keyword arguments on to `Dataset.__init__`, which raises a `TypeError`).
 * @throws ReturnnDatasetError naming the first unknown key and the keys the class reads.
 */
export function checkOptionKeys(cls: string, options: object, own: readonly string[]): void {
  const known = [...GENERATING_OPTION_KEYS, ...own];
  for (const k of Object.keys(options)) {
    if (!known.includes(k)) throw new ReturnnDatasetError(cls, k, `${cls} has no such option (it reads ${known.join(', ')}).`, `remove "${k}" or correct its spelling.`);
  }
}

/**
 * Reads integer option `key` of `options` (`fallback` when absent).
 * @throws ReturnnDatasetError if it is not an integer in [min, max].
 */
export function intOption(cls: string, options: GeneratingDatasetOptions, key: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const v = (options as unknown as Record<string, unknown>)[key] ?? fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new ReturnnDatasetError(cls, key, `${JSON.stringify(v)} is not an integer in [${min}, ${max === Number.MAX_SAFE_INTEGER ? '∞' : max}].`, `give "${key}" as such an integer.`);
  }
  return v;
}

/**
 * Reads number option `key` (`fallback` when absent).
 * @throws ReturnnDatasetError if it is not a finite number.
 */
export function numberOption(cls: string, options: GeneratingDatasetOptions, key: string, fallback: number): number {
  const v = (options as unknown as Record<string, unknown>)[key] ?? fallback;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ReturnnDatasetError(cls, key, `${JSON.stringify(v)} is not a finite number.`, `give "${key}" as a number.`);
  return v;
}

/** One-hot rows (`time·dim` float32, row-major) of class ids, as RETURNN's `class_idx_seq_to_1_of_k`. */
export function oneHotRows(ids: readonly number[], dim: number): Float32Array {
  const out = new Float32Array(ids.length * dim);
  ids.forEach((id, t) => (out[t * dim + id] = 1));
  return out;
}
