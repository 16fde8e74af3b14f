import type { DataConfig } from '@strata/core';
import type { Dataset } from '@strata/engine';
import { GeneratingDatasetBase, type GeneratingDatasetOptions, ReturnnDatasetError } from './generating-dataset.js';

/** RETURNN `DummyDataset` options (returnn/datasets/generating.py), with RETURNN's defaults. */
export interface DummyDatasetOptions extends GeneratingDatasetOptions {
  /** Features per frame of `data`. */
  input_dim: number;
  /** Classes of `classes`. */
  output_dim: number;
  /** Frames per sequence (default 2). */
  seq_len?: number;
  /** Default 10. */
  input_max_value?: number;
  /** Default `-input_max_value / 2`. */
  input_shift?: number;
  /** Default `1 / input_max_value`. */
  input_scale?: number;
}

/**
 * RETURNN's `DummyDataset`: data without meaning, a closed form of the
 * sequence index (no randomness). Sequence `i`, frame `t`, feature `d`:
 * `data = ((i + t·input_dim + d) mod input_max_value + input_shift) · input_scale`
 * (float32), `classes[t] = (i + seq_len·input_dim + t) mod output_dim` (int32).
 * Extern: `data` `[null, input_dim]`, `classes` sparse `[null]` with `output_dim` classes.
 */
export class DummyDataset extends GeneratingDatasetBase<{ data: Float32Array; classes: Int32Array }> implements Dataset {
  readonly extern: Readonly<Record<string, DataConfig>>;
  private readonly seqLen: number;
  private readonly maxValue: number;
  private readonly shift: number;
  private readonly scale: number;

  /** @throws ReturnnDatasetError for a missing or non-positive `input_dim`, `output_dim` or `seq_len`. */
  constructor(options: DummyDatasetOptions) {
    super('DummyDataset', options);
    for (const k of ['input_dim', 'output_dim', 'seq_len'] as const) {
      const v = options[k];
      if ((v !== undefined || k !== 'seq_len') && (typeof v !== 'number' || !Number.isInteger(v) || v < 1)) {
        throw new ReturnnDatasetError('DummyDataset', k, `${JSON.stringify(v)} is not a positive integer (Strata reads the integer form only).`, `give "${k}": N.`);
      }
    }
    this.seqLen = options.seq_len ?? 2;
    this.maxValue = options.input_max_value ?? 10;
    this.shift = options.input_shift ?? -this.maxValue / 2;
    this.scale = options.input_scale ?? 1 / this.maxValue;
    this.extern = {
      data: { dim: options.input_dim, shape: [null, options.input_dim] },
      classes: { dim: options.output_dim, sparse: true, shape: [null] },
    };
  }

  protected generate(_: unknown, index: number): { data: Float32Array; classes: Int32Array } {
    const { input_dim, output_dim } = this.options as DummyDatasetOptions;
    const n = this.seqLen * input_dim;
    const data = new Float32Array(n);
    for (let k = 0; k < n; k++) data[k] = (((index + k) % this.maxValue) + this.shift) * this.scale;
    const classes = new Int32Array(this.seqLen);
    for (let t = 0; t < this.seqLen; t++) classes[t] = (index + n + t) % output_dim;
    return { data, classes };
  }
}
