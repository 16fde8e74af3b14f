import type { DataConfig } from '@strata/core';
import type { Dataset } from '@strata/engine';
import { GeneratingDatasetBase, type GeneratingDatasetOptions, ReturnnDatasetError } from './generating-dataset.js';
import type { NumpyRandomState } from './numpy-random-state.js';
import { checkOptionKeys, intOption, numberOption } from './task-options.js';

/** RETURNN `CopyTaskDataset` options (returnn/datasets/generating.py), with RETURNN's defaults. */
export interface CopyTaskDatasetOptions extends GeneratingDatasetOptions {
  /** Number of symbols (class ids 0..nsymbols-1); required. */
  nsymbols: number;
  /** Default 0; the shortest length is `int(minlen + minlen_epoch_factor·epoch)`. */
  minlen?: number;
  /** Default 0; the longest length is `int(maxlen + maxlen_epoch_factor·epoch)`. */
  maxlen?: number;
  /** Default 0 (a float). */
  minlen_epoch_factor?: number;
  /** Default 0 (a float); e.g. 20 in demo-tf-att-copy.config: sequences grow with the epoch. */
  maxlen_epoch_factor?: number;
}

const OWN_KEYS = ['nsymbols', 'minlen', 'maxlen', 'minlen_epoch_factor', 'maxlen_epoch_factor'];

/**
 * RETURNN's `CopyTaskDataset`: input and target are the same random
 * sequence of symbols. Per sequence (NumPy RandomState seeded as RETURNN,
 * see {@link GeneratingDatasetBase}): length `randint(minlen', maxlen'+1)`
 * with `minlen' = int(minlen + minlen_epoch_factor·epoch)` and `maxlen'`
 * alike (Python `int`: truncation), then each symbol `randint(0, nsymbols)`.
 * The epoch changes the lengths even with `fixed_random_seed`.
 *
 * `data` and `classes`: `time` int32 class ids, sparse with `nsymbols`
 * classes (`[null]`), RETURNN's `num_outputs` `{data: [n, 1], classes: [n, 1]}`.
 *
 * @throws ReturnnDatasetError for a missing `nsymbols`, `nsymbols` above 128
 *   (RETURNN stores the ids as int8: NumPy ≥ 2 raises OverflowError from id 128,
 *   older NumPy wraps them negative), an unknown option, or lengths of this
 *   epoch outside RETURNN's `0 < minlen' <= maxlen'`.
 */
export class CopyTaskDataset extends GeneratingDatasetBase<{ data: Int32Array; classes: Int32Array }> implements Dataset {
  readonly extern: Readonly<Record<string, DataConfig>>;
  /** This epoch's shortest and longest sequence length (`minlen'`, `maxlen'`). */
  readonly minLen: number;
  readonly maxLen: number;
  private readonly nsymbols: number;

  constructor(options: CopyTaskDatasetOptions) {
    super('CopyTaskDataset', options);
    const cls = 'CopyTaskDataset';
    checkOptionKeys(cls, options, OWN_KEYS);
    if (options.nsymbols === undefined) throw new ReturnnDatasetError(cls, 'nsymbols', 'missing (RETURNN requires it).', 'give "nsymbols": N, the number of symbols.');
    this.nsymbols = intOption(cls, options, 'nsymbols', 0, 1, 128);
    const epoch = options.epoch ?? 1;
    const len = (base: string, factor: string) => Math.trunc(numberOption(cls, options, base, 0) + numberOption(cls, options, factor, 0) * epoch);
    this.minLen = len('minlen', 'minlen_epoch_factor');
    this.maxLen = len('maxlen', 'maxlen_epoch_factor');
    if (!(this.minLen > 0 && this.minLen <= this.maxLen)) {
      throw new ReturnnDatasetError(
        cls,
        this.minLen > 0 ? 'maxlen' : 'minlen',
        `epoch ${epoch} gives lengths minlen ${this.minLen}, maxlen ${this.maxLen}; RETURNN asserts 0 < minlen <= maxlen.`,
        'set "minlen" ≥ 1 and "maxlen" (or "maxlen_epoch_factor") so that maxlen ≥ minlen.',
      );
    }
    const sparse = { dim: this.nsymbols, sparse: true, shape: [null] };
    this.extern = { data: sparse, classes: { ...sparse, shape: [null] } };
  }

  /** The same dataset at RETURNN epoch `epoch`: new sequences unless `fixed_random_seed` is set, new lengths if an epoch factor is set. */
  forEpoch(epoch: number): CopyTaskDataset {
    const o = this.options as CopyTaskDatasetOptions;
    const fixed = o.fixed_random_seed !== undefined && !o.minlen_epoch_factor && !o.maxlen_epoch_factor;
    return fixed || epoch === (o.epoch ?? 1) ? this : new CopyTaskDataset({ ...o, epoch });
  }

  protected generate(rng: NumpyRandomState): { data: Int32Array; classes: Int32Array } {
    const len = rng.randint(this.minLen, this.maxLen + 1);
    const data = new Int32Array(len);
    for (let t = 0; t < len; t++) data[t] = rng.randint(0, this.nsymbols);
    return { data, classes: data.slice() };
  }
}
