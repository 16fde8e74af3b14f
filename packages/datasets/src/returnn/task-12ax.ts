import type { Dataset } from '@strata/engine';
import { GeneratingDatasetBase, type GeneratingDatasetOptions } from './generating-dataset.js';
import type { NumpyRandomState } from './numpy-random-state.js';

/** RETURNN `Task12AXDataset._input_classes`: the 9 input symbols, id = index. */
export const TASK_12AX_INPUT_CLASSES = '123ABCXYZ';
/** RETURNN `Task12AXDataset._output_classes`: L (0) and R (1). */
export const TASK_12AX_OUTPUT_CLASSES = 'LR';

const EXTERN = Object.freeze({
  data: Object.freeze({ dim: 9, shape: [null, 9] }),
  classes: Object.freeze({ dim: 2, sparse: true, shape: [null] }),
});

/**
 * The 12AX memory task (O'Reilly & Frank 2006), RETURNN's `Task12AXDataset`
 * (returnn/datasets/generating.py), with RETURNN's exact sequences: the
 * same NumPy RandomState draws ({@link NumpyRandomState}) seeded as RETURNN
 * seeds sequence `i` of an epoch. Per sequence: length `randint(10, 100)`,
 * then the input string grows by `choice(["", "1", "2"])` and, until long
 * enough, `"1"|"2"` (p 0.5), `"AX"|"BY"` (p 0.9), any symbol while
 * `uniform() < 0.5`; cut to the length. Target: `R` (1) at an `X`/`Y`
 * completing `1…AX` or `2…BY`, else `L` (0).
 *
 * `data`: `time·9` float32, one-hot rows (`[null, 9]`); `classes`: `time`
 * int32 ids in {0, 1} (sparse, dim 2).
 */
export class Task12AXDataset extends GeneratingDatasetBase<{ data: Float32Array; classes: Int32Array }> implements Dataset {
  readonly extern = EXTERN;

  constructor(options: GeneratingDatasetOptions) {
    super('Task12AXDataset', options);
  }

  /** The same dataset at RETURNN epoch `epoch`: new sequences unless `fixed_random_seed` is set. */
  forEpoch(epoch: number): Task12AXDataset {
    return this.options.fixed_random_seed !== undefined || epoch === (this.options.epoch ?? 1) ? this : new Task12AXDataset({ ...this.options, epoch });
  }

  /** The input symbol ids of sequence `index` (0..8, see {@link TASK_12AX_INPUT_CLASSES}). */
  inputIds(index: number): Int32Array {
    const { data } = this.example(index);
    const ids = new Int32Array(data.length / 9);
    for (let t = 0; t < ids.length; t++) ids[t] = data.subarray(t * 9, t * 9 + 9).indexOf(1);
    return ids;
  }

  protected generate(rng: NumpyRandomState): { data: Float32Array; classes: Int32Array } {
    const len = rng.randint(10, 100);
    let s = rng.choice(['', '1', '2']);
    while (s.length < len) {
      if (rng.uniform() < 0.5) s += rng.choice(['1', '2']);
      if (rng.uniform() < 0.9) s += rng.choice(['AX', 'BY']);
      while (rng.uniform() < 0.5) s += rng.choice([...TASK_12AX_INPUT_CLASSES]);
    }
    const ids = [...s.slice(0, len)].map((c) => TASK_12AX_INPUT_CLASSES.indexOf(c));
    const data = new Float32Array(len * 9);
    ids.forEach((id, t) => (data[t * 9 + id] = 1));
    return { data, classes: Int32Array.from(task12axTargets(ids)) };
  }
}

/** RETURNN `Task12AXDataset.make_output_seq`: the L/R target ids (0/1) of an input id sequence. */
export function task12axTargets(inputIds: readonly number[]): number[] {
  let outer = '';
  let inner = '';
  return inputIds.map((i) => {
    const c = TASK_12AX_INPUT_CLASSES[i]!;
    let o = 0;
    if (c === '1' || c === '2') outer = c;
    else if (c === 'A' || c === 'B') inner = c;
    else if (c === 'X' || c === 'Y') {
      const w = outer + inner + c;
      if (w === '1AX' || w === '2BY') o = 1;
      inner = '';
    }
    return o;
  });
}
