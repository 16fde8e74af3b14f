import type { DataConfig } from '@strata/core';
import type { Dataset } from '@strata/engine';
import { GeneratingDatasetBase, type GeneratingDatasetOptions, ReturnnDatasetError } from './generating-dataset.js';
import type { NumpyRandomState } from './numpy-random-state.js';
import { checkOptionKeys, intOption } from './task-options.js';

/** RETURNN `TaskNumberBaseConvertDataset` options (returnn/datasets/generating.py), with RETURNN's defaults. */
export interface TaskNumberBaseConvertDatasetOptions extends GeneratingDatasetOptions {
  /** Base of the input digits, 2..36 (default 8). */
  input_base?: number;
  /** Base of the target digits, 2..36 (default 2). */
  output_base?: number;
  /** Fewest input digits (default 1). */
  min_input_seq_len?: number;
  /** Most input digits (default 8). */
  max_input_seq_len?: number;
}

const OWN_KEYS = ['input_base', 'output_base', 'min_input_seq_len', 'max_input_seq_len'];

/**
 * RETURNN's `TaskNumberBaseConvertDataset`: a number's digits in
 * `input_base` (e.g. octal) to its digits in `output_base` (e.g. binary), so
 * source and target lengths differ. Per sequence (NumPy RandomState seeded
 * as RETURNN): `randint(min_input_seq_len, max_input_seq_len + 1)` digits,
 * each `randint(0, input_base)` (leading zeros kept); the target is the
 * number in `output_base`, most significant digit first, `[0]` for zero
 * (exact for any length: BigInt).
 *
 * `data`: `time` int32 digits, sparse with `input_base` classes; `classes`:
 * `time'` int32 digits, sparse with `output_base` classes (RETURNN's
 * `num_outputs` `{data: [input_base, 1], classes: [output_base, 1]}`).
 *
 * @throws ReturnnDatasetError for an unknown option, a base outside [2, 36]
 *   or lengths outside RETURNN's `0 < min_input_seq_len <= max_input_seq_len`.
 */
export class TaskNumberBaseConvertDataset extends GeneratingDatasetBase<{ data: Int32Array; classes: Int32Array }> implements Dataset {
  readonly extern: Readonly<Record<string, DataConfig>>;
  readonly inputBase: number;
  readonly outputBase: number;
  readonly minInputSeqLen: number;
  readonly maxInputSeqLen: number;

  constructor(options: TaskNumberBaseConvertDatasetOptions) {
    super('TaskNumberBaseConvertDataset', options);
    checkOptionKeys(this.cls, options, OWN_KEYS);
    this.inputBase = intOption(this.cls, options, 'input_base', 8, 2, 36);
    this.outputBase = intOption(this.cls, options, 'output_base', 2, 2, 36);
    this.minInputSeqLen = intOption(this.cls, options, 'min_input_seq_len', 1, 1);
    this.maxInputSeqLen = intOption(this.cls, options, 'max_input_seq_len', 8, 1);
    if (this.maxInputSeqLen < this.minInputSeqLen) {
      throw new ReturnnDatasetError(this.cls, 'max_input_seq_len', `${this.maxInputSeqLen} is below min_input_seq_len ${this.minInputSeqLen}.`, 'give max_input_seq_len ≥ min_input_seq_len.');
    }
    this.extern = {
      data: { dim: this.inputBase, sparse: true, shape: [null] },
      classes: { dim: this.outputBase, sparse: true, shape: [null] },
    };
  }

  /** The same dataset at RETURNN epoch `epoch`: new sequences unless `fixed_random_seed` is set. */
  forEpoch(epoch: number): TaskNumberBaseConvertDataset {
    const o = this.options as TaskNumberBaseConvertDatasetOptions;
    return o.fixed_random_seed !== undefined || epoch === (o.epoch ?? 1) ? this : new TaskNumberBaseConvertDataset({ ...o, epoch });
  }

  protected generate(rng: NumpyRandomState): { data: Int32Array; classes: Int32Array } {
    const len = rng.randint(this.minInputSeqLen, this.maxInputSeqLen + 1);
    const data = new Int32Array(len);
    for (let t = 0; t < len; t++) data[t] = rng.randint(0, this.inputBase);
    return { data, classes: Int32Array.from(convertNumberBase(data, this.inputBase, this.outputBase)) };
  }
}

/**
 * RETURNN `TaskNumberBaseConvertDataset.make_output_seq`: the digits (most
 * significant first) of the number whose `inputBase` digits are `digits`, in
 * `outputBase`; `[0]` for zero.
 */
export function convertNumberBase(digits: ArrayLike<number>, inputBase: number, outputBase: number): number[] {
  let n = 0n;
  for (let i = 0; i < digits.length; i++) n = n * BigInt(inputBase) + BigInt(digits[i]!);
  const out: number[] = [];
  const b = BigInt(outputBase);
  for (; n > 0n; n /= b) out.push(Number(n % b));
  return out.length ? out.reverse() : [0];
}
