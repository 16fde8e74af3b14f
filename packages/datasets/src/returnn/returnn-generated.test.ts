import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DummyDataset, type DummyDatasetOptions } from './dummy.js';
import { ReturnnDatasetError } from './generating-dataset.js';
import { StaticDataset } from './static.js';
import { Task12AXDataset, task12axTargets } from './task-12ax.js';

/** Written by tools/returnn-datasets/make_fixtures.py from RETURNN's own dataset classes. */
const fixture = JSON.parse(readFileSync(join(__dirname, '../fixtures/returnn-generated.json'), 'utf8'));
type Seq = { corpus_seq_idx: number; data: number[] | number[][]; classes: number[] };
const flat = (rows: number[][]) => Float32Array.from(rows.flat());

describe("Task12AXDataset: RETURNN's sequences", () => {
  const fx = fixture.Task12AXDataset;
  it('dev (num_seqs 100, fixed_random_seed 1): all 100 lengths and the first 20 sequences equal RETURNN', () => {
    const dev = new Task12AXDataset({ num_seqs: 100, fixed_random_seed: 1 });
    expect(dev.size).toBe(100);
    expect(dev.extern).toEqual({ data: { dim: 9, shape: [null, 9] }, classes: { dim: 2, sparse: true, shape: [null] } });
    expect(Array.from({ length: 100 }, (_, i) => dev.example(i).classes.length)).toEqual(fx.dev.lengths);
    for (const s of fx.dev.seqs as Seq[]) {
      expect(Array.from(dev.inputIds(s.corpus_seq_idx))).toEqual(s.data);
      expect(Array.from(dev.example(s.corpus_seq_idx).classes)).toEqual(s.classes);
      expect(dev.example(s.corpus_seq_idx).data.reduce((a, b) => a + b, 0)).toBe(s.classes.length); // one-hot rows
    }
    expect(dev.forEpoch(7)).toBe(dev); // fixed seed: the same sequences every epoch
  });

  it('train (num_seqs 1000): epoch 1 and epoch 2 have different sequences, each equal to RETURNN', () => {
    const train = new Task12AXDataset({ num_seqs: 1000 });
    for (const [ds, seqs] of [
      [train, fx.train_epoch1.seqs],
      [train.forEpoch(2), fx.train_epoch2.seqs],
    ] as const) {
      for (const s of seqs as Seq[]) {
        expect(Array.from(ds.inputIds(s.corpus_seq_idx))).toEqual(s.data);
        expect(Array.from(ds.example(s.corpus_seq_idx).classes)).toEqual(s.classes);
      }
    }
    expect(fx.train_epoch1.seqs[0].data).not.toEqual(fx.train_epoch2.seqs[0].data);
    expect(train.forEpoch(2).seed).toBe(2);
    expect(new Task12AXDataset({ num_seqs: 5, partition_epoch: 2, epoch: 4 }).seed).toBe(2);
  });

  it('targets: R exactly at X after 1…A and Y after 2…B', () => {
    const ids = (s: string) => [...s].map((c) => '123ABCXYZ'.indexOf(c));
    expect(task12axTargets(ids('1AX2AXBY1CAX3BX'))).toEqual([0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0]);
  });

  it('bad options are ReturnnDatasetErrors naming the option', () => {
    expect(() => new Task12AXDataset({} as never)).toThrow(/Task12AXDataset option 'num_seqs': missing/);
    expect(() => new Task12AXDataset({ num_seqs: 1.5 })).toThrow(ReturnnDatasetError);
    expect(() => new Task12AXDataset({ num_seqs: 3 }).example(3)).toThrow(RangeError);
  });
});

describe("DummyDataset: RETURNN's closed form", () => {
  it.each((fixture.DummyDataset as { options: DummyDatasetOptions; seqs: Seq[] }[]).map((c) => [JSON.stringify(c.options), c] as const))('%s equals RETURNN', (_, c) => {
    const d = new DummyDataset(c.options);
    expect(d.size).toBe(c.options.num_seqs);
    expect(d.extern.data).toEqual({ dim: c.options.input_dim, shape: [null, c.options.input_dim] });
    for (const s of c.seqs) {
      expect(d.example(s.corpus_seq_idx).data).toEqual(flat(s.data as number[][]));
      expect(Array.from(d.example(s.corpus_seq_idx).classes)).toEqual(s.classes);
    }
  });
  it('input_dim and output_dim are required', () => {
    expect(() => new DummyDataset({ num_seqs: 2, output_dim: 2 } as never)).toThrow(/DummyDataset option 'input_dim'/);
  });
});

describe('StaticDataset: the given sequences', () => {
  const fx = fixture.StaticDataset;
  it("keys, dims and sequences equal RETURNN's (num_outputs data (2, 2), classes (4, 1))", () => {
    const d = new StaticDataset({ data: fx.data, output_dim: fx.output_dim });
    expect(fx.num_outputs).toEqual({ data: [2, 2], classes: [4, 1] });
    expect(d.extern).toEqual({ data: { dim: 2, shape: [null, 2] }, classes: { dim: 4, sparse: true, shape: [null] } });
    for (const s of fx.seqs as Seq[]) {
      expect(d.example(s.corpus_seq_idx).data).toEqual(flat(s.data as number[][]));
      expect(d.example(s.corpus_seq_idx).classes).toEqual(Int32Array.from(s.classes));
    }
  });
  it('bad data is a ReturnnDatasetError naming where', () => {
    expect(() => new StaticDataset({ data: [] })).toThrow(/option 'data'/);
    expect(() => new StaticDataset({ data: fx.data })).toThrow(/option 'output_dim.classes': missing/);
    expect(() => new StaticDataset({ data: [{ data: [[1, 2]] }, { data: [[1]] }] })).toThrow(/option 'data\[1\].data\[0\]'/);
    expect(() => new StaticDataset({ data: [{ classes: [5] }], output_dim: { classes: [4, 1] } })).toThrow(/data\[0\].classes\[0\]'.*\[0, 4\)/);
  });
});
