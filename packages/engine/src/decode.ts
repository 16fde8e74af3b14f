import { ops } from '@strata/backend';
import { type CallContext, INFERENCE } from '@strata/core';
import type { Model } from '@strata/network';
import { collateSequenceBatch, isSequenceData, sequenceLengths, uploadBatch } from './batching.js';
import { sequenceBatches } from './bucketing.js';
import type { Dataset } from './dataset.js';
import { EngineConfigError } from './errors.js';

/** Options of {@link decodeSequences}. */
export interface DecodeOptions {
  /** The layer whose output is decoded (default: the network's default output layer). */
  layer?: string;
  /**
   * `search`: the layer's output is a token sequence (e.g. a `decide` after a
   * `rec` with `choice`), computed with beam search (`ctx.search`).
   * `ctc`: the layer's output are per-frame class probabilities `[batch, time, classes]`,
   * decoded by best path (argmax per frame, repeats merged, blanks dropped; Graves et al. 2006).
   */
  mode: 'search' | 'ctc';
  /** CTC blank index. Default: the last class (RETURNN's). */
  blank?: number;
  /** A token removed from the end of searched sequences (the end-of-sequence label). */
  eos?: number;
  /** Most input frames per batch, counting padding. Default 4000. */
  batchSize?: number;
  /** Most sequences per batch. Default 200. */
  maxSeqs?: number;
}

/**
 * Decodes every example of `dataset` into a token sequence (int32), in
 * dataset order: beam search through the network's rec layers, or CTC
 * best-path decoding of frame posteriors. Batches are sorted by length (no
 * shuffling). Runs eagerly: search reads scores to the host every frame.
 *
 * @throws EngineConfigError if the network reads no sequence input.
 */
export function decodeSequences(net: Model, dataset: Dataset, opts: DecodeOptions): Int32Array[] {
  const keys = net.inputKeys();
  net.externData.checkMatchesDataset(dataset.name, dataset.extern, keys);
  const templates = keys.map((k) => net.externData.getData(k));
  const seq = templates.find(isSequenceData);
  if (!seq) throw new EngineConfigError(`decodeSequences: the network reads no sequence input (inputs: ${keys.join(', ')}).`);
  const layer = opts.layer ?? net.outputNames()[0]!;
  net.outputData(layer);
  const lengths = sequenceLengths(dataset, seq);
  const batches = sequenceBatches(lengths, { batchSize: opts.batchSize ?? 4000, maxSeqs: opts.maxSeqs ?? 200, seed: 0, epoch: 0, shuffle: false });
  const ctx = (opts.mode === 'search' ? { ...INFERENCE, search: true } : INFERENCE) as CallContext;
  const results = new Array<Int32Array>(dataset.size);
  for (const idx of batches) {
    const inputs = uploadBatch(collateSequenceBatch(dataset, idx, templates));
    ops.tidy(() => {
      const out = net.forward(inputs, ctx).get(layer)!;
      const values = ops.readSync(out.value);
      const outLens = net.outputData(layer).timeDim?.dynSize;
      const lens = outLens ? Array.from(ops.readSync(outLens)) : idx.map(() => out.value.shape[1]!);
      const width = out.value.shape[1]!;
      idx.forEach((example, b) => {
        if (opts.mode === 'search') {
          let row = Array.from(values.subarray(b * width, b * width + lens[b]!));
          if (opts.eos !== undefined && row[row.length - 1] === opts.eos) row = row.slice(0, -1);
          results[example] = Int32Array.from(row);
        } else {
          const classes = out.value.shape[2]!;
          results[example] = ctcBestPath(values as Float32Array, b, width, classes, lens[b]!, opts.blank ?? classes - 1);
        }
      });
    });
    ops.dispose(Object.values(inputs));
  }
  return results;
}

/** Best-path CTC decoding of sequence `b` of `[batch, time, classes]` posteriors. */
export function ctcBestPath(p: Float32Array, b: number, time: number, classes: number, len: number, blank: number): Int32Array {
  const out: number[] = [];
  let last = -1;
  for (let t = 0; t < len; t++) {
    const base = (b * time + t) * classes;
    let best = 0;
    for (let c = 1; c < classes; c++) if (p[base + c]! > p[base + best]!) best = c;
    if (best !== last && best !== blank) out.push(best);
    last = best;
  }
  return Int32Array.from(out);
}
