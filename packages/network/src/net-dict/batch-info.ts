import type { Tensor } from '@strata/backend';
import { NetworkArgumentError } from '../errors.js';
import type { LayerGraph } from './graph.js';

/**
 * Seed `get_batch_dim`: the number of sequences in `batch`, from the default
 * input, else any extern-data key, else any tensor.
 * @throws NetworkArgumentError for a batch without tensors.
 */
export function batchDim(g: LayerGraph, batch: Readonly<Record<string, Tensor>>): number {
  const ext = g.externData;
  const t = batch[ext.defaultInput] ?? ext.keys.map((k) => batch[k]).find((x) => x) ?? Object.values(batch)[0];
  if (!t) throw new NetworkArgumentError(`getBatchDim: the batch has no tensors. Give at least '${ext.defaultInput}'.`);
  return t.shape[0]!;
}

/**
 * Seed `get_seq_tags`: the batch's sequence tags (`batch.seq_tag`, one
 * string per sequence) or, when the batch carries none, `seq-0`, `seq-1`, …
 * (RETURNN's default tags); with `beam`, each tag repeats `beam` times.
 * Marks `seq_tag` as used (an extra-added key) unless `markDataKeyAsUsed: false`.
 * @throws NetworkArgumentError if the tags do not match the batch size.
 */
export function seqTags(g: LayerGraph, batch: Readonly<Record<string, Tensor | readonly string[]>>, opts: { markDataKeyAsUsed?: boolean; beam?: number } = {}): string[] {
  if (opts.markDataKeyAsUsed !== false) {
    g.markedDataKeys.add('seq_tag');
    g.extraAddedKeys.add('seq_tag');
  }
  const n = batchDim(g, Object.fromEntries(Object.entries(batch).filter(([, v]) => !Array.isArray(v))) as Record<string, Tensor>);
  const given = batch.seq_tag as readonly string[] | undefined;
  if (given && given.length !== n) throw new NetworkArgumentError(`getSeqTags: the batch has ${n} sequences but ${given.length} seq_tag entries.`);
  const tags = given ? [...given] : Array.from({ length: n }, (_, i) => `seq-${i}`);
  return opts.beam ? tags.flatMap((t) => Array<string>(opts.beam!).fill(t)) : tags;
}
