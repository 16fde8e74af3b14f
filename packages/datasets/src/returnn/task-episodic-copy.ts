import type { DataConfig } from '@strata/core';
import type { Dataset } from '@strata/engine';
import { GeneratingDatasetBase, type GeneratingDatasetOptions } from './generating-dataset.js';
import type { NumpyRandomState } from './numpy-random-state.js';
import { checkOptionKeys, oneHotRows } from './task-options.js';

/** RETURNN `TaskEpisodicCopyDataset._input_classes` (= `_output_classes`): blank, delimiter `.`, the symbols 0-7; id = index. */
export const TASK_EPISODIC_COPY_CLASSES = ' .01234567';

const EXTERN: Readonly<Record<string, DataConfig>> = Object.freeze({
  data: Object.freeze({ dim: 10, shape: [null, 10] }),
  classes: Object.freeze({ dim: 10, sparse: true, shape: [null] }),
});

/**
 * The episodic copy memory task (Arjovsky et al. 2015,
 * arXiv:1511.06464, with random lengths), RETURNN's `TaskEpisodicCopyDataset`.
 * Per sequence (NumPy RandomState seeded as RETURNN): `randint(1, 10)`
 * symbols `choice("01234567")`, `randint(1, 100)` blanks, a `.`, then one `.`
 * per symbol plus one. Targets: {@link taskEpisodicCopyTargets}.
 *
 * `data`: `time·10` float32 one-hot rows (`[null, 10]`); `classes`: `time`
 * int32 ids, sparse with 10 classes ({@link TASK_EPISODIC_COPY_CLASSES}).
 *
 * @throws ReturnnDatasetError for an unknown option (the class has only the common ones).
 */
export class TaskEpisodicCopyDataset extends GeneratingDatasetBase<{ data: Float32Array; classes: Int32Array }> implements Dataset {
  readonly extern = EXTERN;

  constructor(options: GeneratingDatasetOptions) {
    super('TaskEpisodicCopyDataset', options);
    checkOptionKeys(this.cls, options, []);
  }

  /** The same dataset at RETURNN epoch `epoch`: new sequences unless `fixed_random_seed` is set. */
  forEpoch(epoch: number): TaskEpisodicCopyDataset {
    return this.options.fixed_random_seed !== undefined || epoch === (this.options.epoch ?? 1) ? this : new TaskEpisodicCopyDataset({ ...this.options, epoch });
  }

  /** The input symbol ids of sequence `index` (see {@link TASK_EPISODIC_COPY_CLASSES}). */
  inputIds(index: number): number[] {
    const { data } = this.example(index);
    return Array.from({ length: data.length / 10 }, (_, t) => data.subarray(t * 10, t * 10 + 10).indexOf(1));
  }

  protected generate(rng: NumpyRandomState): { data: Float32Array; classes: Int32Array } {
    const symbols = [...TASK_EPISODIC_COPY_CLASSES.slice(2)];
    const n = rng.randint(1, 10);
    let s = '';
    for (let i = 0; i < n; i++) s += rng.choice(symbols);
    s += ' '.repeat(rng.randint(1, 100)) + '.' + '.'.repeat(n + 1);
    const ids = [...s].map((c) => TASK_EPISODIC_COPY_CLASSES.indexOf(c));
    return { data: oneHotRows(ids, 10), classes: Int32Array.from(taskEpisodicCopyTargets(ids)) };
  }
}

/**
 * RETURNN `TaskEpisodicCopyDataset.make_output_seq`: blank until the first
 * `.`, then (one step per input, input ignored) the remembered symbols in
 * order, then `.`.
 */
export function taskEpisodicCopyTargets(inputIds: readonly number[]): number[] {
  let memory = '';
  let recall = false;
  let out = '';
  for (const i of inputIds) {
    const c = TASK_EPISODIC_COPY_CLASSES[i]!;
    if (!recall) {
      out += ' ';
      if (c === '.') recall = true;
      else if (c !== ' ') memory += c;
    } else if (!memory) {
      out += '.';
    } else {
      out += memory[0];
      memory = memory.slice(1);
    }
  }
  return [...out].map((c) => TASK_EPISODIC_COPY_CLASSES.indexOf(c));
}
