import type { DataConfig } from '@strata/core';
import type { Dataset } from '@strata/engine';
import { GeneratingDatasetBase, type GeneratingDatasetOptions } from './generating-dataset.js';
import type { NumpyRandomState } from './numpy-random-state.js';
import { checkOptionKeys, intOption, oneHotRows } from './task-options.js';

/** RETURNN `TaskXmlModelingDataset._input_classes` (= `_output_classes`): blank, `<>/` and the tag letters a-h; id = index. */
export const TASK_XML_MODELING_CLASSES = ' <>/abcdefgh';

/** RETURNN `TaskXmlModelingDataset` options (returnn/datasets/generating.py), with RETURNN's defaults. */
export interface TaskXmlModelingDatasetOptions extends GeneratingDatasetOptions {
  /** Deepest tag nesting (default 4). */
  limit_stack_depth?: number;
}

const EXTERN: Readonly<Record<string, DataConfig>> = Object.freeze({
  data: Object.freeze({ dim: 12, shape: [null, 12] }),
  classes: Object.freeze({ dim: 12, sparse: true, shape: [null] }),
});

/**
 * The XML modeling memory task (Jozefowicz et al. 2015), RETURNN's
 * `TaskXmlModelingDataset`: predict the next character of a random XML
 * string where only closing tags are predictable (a stack to remember).
 * Per sequence (NumPy RandomState seeded as RETURNN): start with `" "`;
 * loop: if the stack is empty or (depth < `limit_stack_depth` and
 * `rand() > 0.6`) open a tag of `randint(1, 10)` letters `choice("abcdefgh")`,
 * else close the top one; stop when the stack is empty and `rand() > 0.2`.
 * Targets: {@link taskXmlModelingTargets}.
 *
 * `data`: `time·12` float32 one-hot rows (`[null, 12]`); `classes`: `time`
 * int32 ids, sparse with 12 classes ({@link TASK_XML_MODELING_CLASSES}).
 *
 * @throws ReturnnDatasetError for an unknown option or a `limit_stack_depth` below 1.
 */
export class TaskXmlModelingDataset extends GeneratingDatasetBase<{ data: Float32Array; classes: Int32Array }> implements Dataset {
  readonly extern = EXTERN;
  private readonly limitStackDepth: number;

  constructor(options: TaskXmlModelingDatasetOptions) {
    super('TaskXmlModelingDataset', options);
    checkOptionKeys(this.cls, options, ['limit_stack_depth']);
    this.limitStackDepth = intOption(this.cls, options, 'limit_stack_depth', 4, 1);
  }

  /** The same dataset at RETURNN epoch `epoch`: new sequences unless `fixed_random_seed` is set. */
  forEpoch(epoch: number): TaskXmlModelingDataset {
    const o = this.options as TaskXmlModelingDatasetOptions;
    return o.fixed_random_seed !== undefined || epoch === (o.epoch ?? 1) ? this : new TaskXmlModelingDataset({ ...o, epoch });
  }

  /** The input character ids of sequence `index` (see {@link TASK_XML_MODELING_CLASSES}). */
  inputIds(index: number): number[] {
    const { data } = this.example(index);
    return Array.from({ length: data.length / 12 }, (_, t) => data.subarray(t * 12, t * 12 + 12).indexOf(1));
  }

  protected generate(rng: NumpyRandomState): { data: Float32Array; classes: Int32Array } {
    const letters = [...TASK_XML_MODELING_CLASSES.slice(4)];
    let s = ' ';
    const stack: string[] = [];
    for (;;) {
      if (stack.length === 0 || (stack.length < this.limitStackDepth && rng.uniform() > 0.6)) {
        const n = rng.randint(1, 10);
        let tag = '';
        for (let i = 0; i < n; i++) tag += rng.choice(letters);
        s += `<${tag}>`;
        stack.push(tag);
      } else {
        s += `</${stack.pop()}>`;
      }
      if (stack.length === 0 && rng.uniform() > 0.2) break;
    }
    const ids = [...s].map((c) => TASK_XML_MODELING_CLASSES.indexOf(c));
    return { data: oneHotRows(ids, 12), classes: Int32Array.from(taskXmlModelingTargets(ids)) };
  }
}

/**
 * RETURNN `TaskXmlModelingDataset.make_output_seq`: the next character where
 * it is predictable, else blank: `<` after `" "` or `>`; at a closing tag's
 * `/` and its letters, the next letter of the tag being closed, then `>`.
 * @param inputIds character ids of a well-formed sequence from this task.
 * @throws Error (RETURNN's assertions) for a malformed sequence.
 */
export function taskXmlModelingTargets(inputIds: readonly number[]): number[] {
  const chars = TASK_XML_MODELING_CLASSES;
  const input = inputIds.map((i) => chars[i]!).join('');
  const bad = () => new Error(`taskXmlModelingTargets: not a sequence of this task: ${JSON.stringify(input)}`);
  const stack: string[] = [];
  let out = '';
  let state = 0;
  for (const c of input) {
    if (c === ' ' || c === '>') {
      if (state === 1) throw bad();
      out += '<';
      state = 1;
    } else if (state === 1) {
      if (c !== '<') throw bad();
      out += ' ';
      state = 2;
    } else if (state === 2) {
      if (c === '/') {
        if (stack.length === 0) throw bad();
        out += stack[stack.length - 1]![0];
        stack[stack.length - 1] = stack[stack.length - 1]!.slice(1);
        state = 4;
      } else {
        if (' <>/'.includes(c)) throw bad();
        out += ' ';
        state = 3;
        stack.push(c);
      }
    } else if (state === 3) {
      out += ' ';
      stack[stack.length - 1] += c;
    } else if (state === 4) {
      const top = stack[stack.length - 1];
      if (top === undefined) throw bad();
      if (top === '') {
        out += '>';
        stack.pop();
        state = 0;
      } else {
        out += top[0];
        stack[stack.length - 1] = top.slice(1);
      }
    } else throw bad();
  }
  return [...out].map((c) => chars.indexOf(c));
}
