import { type Data, hashString } from '@strata/core';
import { collate, collateSequenceBatch, epochBatches, type HostBatch, isSequenceData, sequenceKeySpec, sequenceLengths } from './batching.js';
import { sequenceBatches } from './bucketing.js';
import type { Dataset } from './dataset.js';

/**
 * How the engine cuts datasets into batches: fixed-shape data in shuffled
 * runs of examples, sequence data bucketed by length (RETURNN's `batch_size`
 * in frames and `max_seqs`), with each dataset's lengths computed once.
 */
export class BatchPlanner {
  /** Sequence lengths per dataset and key, computed once (a pass over all examples). */
  private readonly lengthCache = new WeakMap<Dataset, Map<string, number[]>>();

  constructor(
    private readonly seed: number,
    private readonly maxSeqs: number,
  ) {}

  /** The first template with a dynamic axis (its lengths drive bucketing), or undefined for fixed-shape data. */
  sequenceKeyOf(templates: Data[]): Data | undefined {
    const dynamic = templates.filter(isSequenceData);
    dynamic.forEach(sequenceKeySpec); // throws early for a dynamic shape that cannot be batched
    return dynamic[0];
  }

  lengthsOf(dataset: Dataset, key: Data): number[] {
    let byKey = this.lengthCache.get(dataset);
    if (!byKey) this.lengthCache.set(dataset, (byKey = new Map()));
    let lengths = byKey.get(key.name);
    if (!lengths) byKey.set(key.name, (lengths = sequenceLengths(dataset, key)));
    return lengths;
  }

  /**
   * Batches of example indices: fixed-shape data by {@link epochBatches}
   * (shuffled by `hash(seed, epoch)` when `epoch` is given), sequence data by
   * `sequenceBatches` (shuffled and bucketed per `(seed, epoch)` for
   * training; for evaluation in index order, sorted within windows; for
   * `predict` (`keepOrder`) in index order).
   */
  batchesOf(dataset: Dataset, templates: Data[], batchSize: number, epoch?: number, keepOrder = false): ArrayLike<number>[] {
    const key = this.sequenceKeyOf(templates);
    if (!key) return epochBatches(dataset.size, batchSize, epoch === undefined ? undefined : hashString(`epoch:${epoch}`, this.seed));
    const lengths = this.lengthsOf(dataset, key);
    const maxSeqs = this.maxSeqs;
    if (epoch !== undefined) return sequenceBatches(lengths, { batchSize, maxSeqs, seed: this.seed, epoch });
    return sequenceBatches(lengths, { batchSize, maxSeqs, seed: 0, epoch: 0, shuffle: false, ...(keepOrder ? { bucketSortWindow: 1 } : {}) });
  }

  collateOf(dataset: Dataset, indices: ArrayLike<number>, templates: Data[]): HostBatch {
    return templates.some(isSequenceData) ? collateSequenceBatch(dataset, indices, templates) : collate(dataset, indices, templates);
  }
}
