import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CopyTaskDataset } from './copy-task.js';
import { ReturnnDatasetError } from './generating-dataset.js';
import { TaskEpisodicCopyDataset, taskEpisodicCopyTargets } from './task-episodic-copy.js';
import { convertNumberBase, TaskNumberBaseConvertDataset } from './task-number-base-convert.js';
import { TaskXmlModelingDataset, taskXmlModelingTargets } from './task-xml-modeling.js';

/** Written by tools/returnn-datasets/make_fixtures.py from RETURNN's own dataset classes (one-hot data as ids). */
interface Case {
  class: string;
  options: Record<string, number>;
  num_outputs: Record<string, [number, number]>;
  epochs: { epoch: number; seqs: { corpus_seq_idx: number; data: number[]; classes: number[] }[] }[];
}
const fixture = JSON.parse(readFileSync(join(__dirname, '../fixtures/returnn-tasks.json'), 'utf8')) as { cases: Case[] };

type Task = CopyTaskDataset | TaskXmlModelingDataset | TaskNumberBaseConvertDataset | TaskEpisodicCopyDataset;
const make = (cls: string, options: Record<string, number>): Task => {
  if (cls === 'CopyTaskDataset') return new CopyTaskDataset(options as never);
  if (cls === 'TaskXmlModelingDataset') return new TaskXmlModelingDataset(options as never);
  if (cls === 'TaskNumberBaseConvertDataset') return new TaskNumberBaseConvertDataset(options as never);
  return new TaskEpisodicCopyDataset(options as never);
};
/** The class ids of a key: sparse keys as stored, dense one-hot rows by their 1. */
const ids = (ds: Task, index: number, key: 'data' | 'classes'): number[] => {
  const v = ds.example(index)[key];
  const x = ds.extern[key]!;
  if (x.sparse) return Array.from(v);
  const dim = x.dim!;
  return Array.from({ length: v.length / dim }, (_, t) => {
    const row = Array.from(v.subarray(t * dim, (t + 1) * dim));
    expect(row.reduce((a, b) => a + b, 0)).toBe(1); // one-hot
    return row.indexOf(1);
  });
};

describe("RETURNN's generated task datasets: the sequences RETURNN generates", () => {
  it.each(fixture.cases.map((c) => [`${c.class} ${JSON.stringify(c.options)}`, c] as const))('%s', (_, c) => {
    const ds = make(c.class, c.options);
    expect(ds.size).toBe(c.options.num_seqs);
    // RETURNN num_outputs: [dim, 1] sparse, [dim, 2] dense.
    for (const [key, [dim, ndim]] of Object.entries(c.num_outputs)) {
      const x = ds.extern[key]!;
      expect([x.dim, x.sparse ? 1 : 2]).toEqual([dim, ndim]);
      expect(x.shape).toEqual(ndim === 1 ? [null] : [null, dim]);
    }
    expect(Object.keys(ds.extern).sort()).toEqual(Object.keys(c.num_outputs).sort());
    for (const { epoch, seqs } of c.epochs) {
      const e = ds.forEpoch(epoch);
      for (const s of seqs) {
        expect(ids(e, s.corpus_seq_idx, 'data')).toEqual(s.data);
        expect(ids(e, s.corpus_seq_idx, 'classes')).toEqual(s.classes);
      }
    }
  });

  it('forEpoch: new sequences per epoch without fixed_random_seed; with it the same, except CopyTask lengths that grow with the epoch', () => {
    const byClass = (cls: string, o: object) => fixture.cases.find((c) => c.class === cls && JSON.stringify(c.options) === JSON.stringify(o))!;
    const xml = byClass('TaskXmlModelingDataset', { num_seqs: 1000 });
    expect(xml.epochs[0]!.seqs[0]!.data).not.toEqual(xml.epochs[1]!.seqs[0]!.data);
    const dev = new TaskXmlModelingDataset({ num_seqs: 100, fixed_random_seed: 42 });
    expect(dev.forEpoch(9)).toBe(dev);
    const copyDev = new CopyTaskDataset({ nsymbols: 10, num_seqs: 50, minlen: 20, maxlen: 20, fixed_random_seed: 42 });
    expect(copyDev.forEpoch(3)).toBe(copyDev);
    const grow = new CopyTaskDataset({ nsymbols: 10, num_seqs: 50, minlen: 1, maxlen_epoch_factor: 20, fixed_random_seed: 1 });
    expect([grow.forEpoch(5).minLen, grow.forEpoch(5).maxLen]).toEqual([1, 100]);
    expect(grow.forEpoch(5).seed).toBe(1);
    const att = byClass('CopyTaskDataset', { nsymbols: 10, num_seqs: 1000, minlen: 1, maxlen_epoch_factor: 20 });
    expect(Math.max(...att.epochs[2]!.seqs.map((s) => s.data.length))).toBeGreaterThan(21); // epoch 5: up to 100
  });

  it('targets follow the task rules (closed form on hand-made inputs)', () => {
    const x = (s: string) => [...s].map((c) => ' <>/abcdefgh'.indexOf(c));
    expect(taskXmlModelingTargets(x(' <ab><c></c></ab>'))).toEqual(x('<   <  < c>< ab><'));
    expect(() => taskXmlModelingTargets(x(' </a>'))).toThrow(/not a sequence of this task/);
    const e = (s: string) => [...s].map((c) => ' .01234567'.indexOf(c));
    expect(taskEpisodicCopyTargets(e('52  .'.concat('...')))).toEqual(e('     52.'));
    expect(convertNumberBase([7, 7], 8, 2)).toEqual([1, 1, 1, 1, 1, 1]);
    expect(convertNumberBase([0, 0], 8, 2)).toEqual([0]);
    expect(convertNumberBase([9, 0, 0, 7, 1, 9, 9, 2, 5, 4, 7, 4, 0, 9, 9, 3], 10, 16)).toEqual([2, ...Array(12).fill(0), 1]); // 2^53 + 1, beyond float64 integers
  });

  it('bad options are ReturnnDatasetErrors naming the key', () => {
    expect(() => new CopyTaskDataset({ num_seqs: 5, nsymbols: 10, minlen: 1, maxlen: 3, max_len: 4 } as never)).toThrow(/CopyTaskDataset option 'max_len': CopyTaskDataset has no such option/);
    expect(() => new CopyTaskDataset({ num_seqs: 5, minlen: 1, maxlen: 3 } as never)).toThrow(/option 'nsymbols': missing/);
    expect(() => new CopyTaskDataset({ num_seqs: 5, nsymbols: 200, minlen: 1, maxlen: 3 })).toThrow(/option 'nsymbols'/);
    expect(() => new CopyTaskDataset({ num_seqs: 5, nsymbols: 10, minlen: 1 })).toThrow(/option 'maxlen': epoch 1 gives lengths minlen 1, maxlen 0/);
    expect(() => new CopyTaskDataset({ num_seqs: 5, nsymbols: 10, maxlen: 3 })).toThrow(/option 'minlen'/);
    expect(() => new TaskXmlModelingDataset({ num_seqs: 5, limit_stack_depth: 0 })).toThrow(/option 'limit_stack_depth'/);
    expect(() => new TaskNumberBaseConvertDataset({ num_seqs: 5, input_base: 37 })).toThrow(/option 'input_base'/);
    expect(() => new TaskNumberBaseConvertDataset({ num_seqs: 5, min_input_seq_len: 4, max_input_seq_len: 3 })).toThrow(/option 'max_input_seq_len'/);
    expect(() => new TaskEpisodicCopyDataset({ num_seqs: 5, nsymbols: 3 } as never)).toThrow(ReturnnDatasetError);
    expect(() => new TaskEpisodicCopyDataset({} as never)).toThrow(/option 'num_seqs': missing/);
  });
});
