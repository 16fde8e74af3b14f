import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DummyDataset, StaticDataset, Task12AXDataset } from '@strata/datasets';
import { parseReturnnConfig, toPlain } from '@strata/network';
import { afterAll, describe, expect, it } from 'vitest';
import { type Config, ConfigError, loadConfig } from './config.js';
import { datasetsFor } from './datasets.js';

const dir = mkdtempSync(join(tmpdir(), 'strata-returnn-datasets-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
/** A RETURNN .config with the given dataset lines (and a small LSTM tagger). */
async function configWith(lines: string, io = 'num_inputs = 9\nnum_outputs = 2\n') {
  const path = join(dir, `c${n++}.config`);
  writeFileSync(path, `#!rnn.py\n${io}${lines}\nnetwork = {"output": {"class": "softmax", "loss": "ce", "from": "data"}}\n`);
  return loadConfig(path);
}
const TASK = 'train = {"class": "Task12AXDataset", "num_seqs": 1000}\ndev = {"class": "Task12AXDataset", "num_seqs": 100, "fixed_random_seed": 1}\n';
/** A parsed config with only the keys a test sets (datasetsFor reads path, train, dev, chunking). */
const cfg = (c: Partial<Config>) => c as Config;
const messageOf = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error('expected a ConfigError');
};

describe('RETURNN dataset dicts → @strata/datasets', () => {
  it("Task12AXDataset train/dev dicts: RETURNN's sizes and sequences (dev sequence 0 has 84 frames in RETURNN), train new per epoch", async () => {
    const { train, dev } = datasetsFor(await configWith(TASK));
    expect([train.name, train.size, dev.name, dev.size]).toEqual(['Task12AXDataset/train', 1000, 'Task12AXDataset/dev', 100]);
    expect(train).toBeInstanceOf(Task12AXDataset);
    const d = dev as Task12AXDataset;
    expect(d.seed).toBe(1);
    expect(d.example(0).classes.length).toBe(84);
    expect(d.example(0).classes).toEqual(new Task12AXDataset({ num_seqs: 100, fixed_random_seed: 1 }).example(0).classes);
    expect(train.forEpoch!(2).example(0).data).not.toEqual(train.example(0).data);
  });

  it('DummyDataset and StaticDataset dicts with their options', async () => {
    const dummy = datasetsFor(await configWith('train = {"class": "DummyDataset", "input_dim": 3, "output_dim": 4, "num_seqs": 6, "seq_len": 5}\ndev = {"class": "DummyDataset", "input_dim": 3, "output_dim": 4, "num_seqs": 2}\n', 'num_inputs = 3\nnum_outputs = 4\n'));
    expect(dummy.train).toBeInstanceOf(DummyDataset);
    expect([dummy.train.size, (dummy.train.example(1).classes as Int32Array).length, (dummy.dev.example(0).classes as Int32Array).length]).toEqual([6, 5, 2]);
    const stat = datasetsFor(
      await configWith(
        'train = {"class": "StaticDataset", "data": [{"data": [[0.5, 1.0], [1.5, 2.0]], "classes": [1, 0]}], "output_dim": {"classes": (2, 1)}}\ndev = train\n',
        'num_inputs = 2\nnum_outputs = 2\n',
      ),
    );
    expect(stat.train).toBeInstanceOf(StaticDataset);
    expect(stat.dev.example(0)).toEqual({ data: Float32Array.from([0.5, 1, 1.5, 2]), classes: Int32Array.from([1, 0]) });
  });

  it('a class Strata lacks, an unknown option, a bad value, a missing dev: ConfigErrors saying what and where', async () => {
    expect(messageOf(() => datasetsFor(cfg({ path: 'x.config', train: { class: 'HDFDataset', files: ['a.hdf'] }, dev: { class: 'HDFDataset' } })))).toMatch(
      /x.config', train: the RETURNN dataset class "HDFDataset".*Task12AXDataset, DummyDataset, StaticDataset/,
    );
    expect(messageOf(() => datasetsFor(cfg({ path: 'x.config', train: { class: 'Task12AXDataset', num_seqs: 10, window: 3 }, dev: {} })))).toMatch(/train.window: Task12AXDataset has no option 'window'/);
    expect(messageOf(() => datasetsFor(cfg({ path: 'x.config', train: { class: 'Task12AXDataset', num_seqs: -1 }, dev: {} })))).toMatch(/train: Task12AXDataset option 'num_seqs': -1 is not an integer ≥ 1/);
    expect(messageOf(() => datasetsFor(cfg({ path: 'x.config', train: { class: 'Task12AXDataset', num_seqs: 10 } })))).toMatch(/no dev dataset/);
  });

  it("chunking: accepted where RETURNN's chunks are whole sequences (Task12AX: at most 99 frames), else an error", async () => {
    expect(datasetsFor(await configWith(`${TASK}chunking = "200:200"\n`)).train.size).toBe(1000);
    expect(datasetsFor(await configWith(`${TASK}chunking = "0"\n`)).train.size).toBe(1000);
    expect(messageOf(() => datasetsFor(cfg({ path: 'x.config', chunking: '50:25', train: { class: 'Task12AXDataset', num_seqs: 5 }, dev: { class: 'Task12AXDataset', num_seqs: 5 } })))).toMatch(
      /chunking = "50:25": RETURNN would cut the training sequences of Task12AXDataset\/train \(up to 99 frames\) into chunks of 50/,
    );
    const dummy = (chunking: string) => cfg({ path: 'x.config', chunking, train: { class: 'DummyDataset', input_dim: 2, output_dim: 2, num_seqs: 3, seq_len: 4 }, dev: { class: 'DummyDataset', input_dim: 2, output_dim: 2, num_seqs: 1 } });
    expect(datasetsFor(dummy('4:2')).train.size).toBe(3);
    expect(messageOf(() => datasetsFor(dummy('3:3')))).toMatch(/up to 4 frames/);
    expect(messageOf(() => datasetsFor(dummy('a:b')))).toMatch(/expected "size:step"/);
  });
});

const repo = process.env.RETURNN_REPO ?? '/work/.mirror/rwth-i6+returnn/repo';
describe.skipIf(!existsSync(repo))("RETURNN's 12AX demo configs, unmodified (read from a RETURNN mirror)", () => {
  it.each(['demo-tf-native-lstm2.12ax.config', 'demo-tf-native-lstm.12ax.config', 'demo-tf-vanilla-lstm.12ax.config'])('%s: its train/dev dicts give Task12AXDataset 1000/100', async (name) => {
    const path = join(dir, name);
    writeFileSync(path, execFileSync('git', ['-C', repo, 'show', `HEAD:demos/${name}`], { encoding: 'utf8' }));
    const { train, dev } = datasetsFor(await loadConfig(path, { modelGiven: true }));
    expect([train.size, dev.size, (dev as Task12AXDataset).seed, (train as Task12AXDataset).seed]).toEqual([1000, 100, 1, 1]);
  });
});

/** Sequence 0 of each demo's dev set as RETURNN generates it (packages/datasets/src/fixtures/returnn-tasks.json). */
const DEMO_TASKS: [string, string, number, number, number[]][] = [
  ['demo-tf-att-copy.config', 'CopyTaskDataset', 1000, 50, [0, 4, 1, 9, 4, 3, 1, 6, 6, 2, 8]],
  ['demo-tf-hard-att-copy.config', 'CopyTaskDataset', 10000, 50, [9, 8, 1, 3, 6, 9, 6, 2, 6, 5, 7, 4, 1, 9, 6, 9, 8, 9, 1, 9]],
  ['demo-tf-attention.config', 'TaskXmlModelingDataset', 1000, 100, [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]],
  ['demo-tf-enc-dec.config', 'TaskNumberBaseConvertDataset', 10000, 1000, [1, 0, 1, 0, 0, 1, 0, 0, 0]],
];
describe.skipIf(!existsSync(repo))("RETURNN's other generated-data demo configs, unmodified (dev = train.copy(); dev.update(...) included)", () => {
  it.each(DEMO_TASKS)('%s: train/dev are %s %i/%i, dev sequence 0 as RETURNN', async (name, cls, trainSize, devSize, classes0) => {
    // The config reader's train/dev values (other options of these demos may still stop `strata train`: docs/returnn-demos.md).
    const c = parseReturnnConfig(execFileSync('git', ['-C', repo, 'show', `HEAD:demos/${name}`], { encoding: 'utf8' }), name);
    const dict = (k: string) => toPlain(c.entries.get(k)!.value) as Record<string, unknown>;
    const { train, dev } = datasetsFor(cfg({ path: name, train: dict('train'), dev: dict('dev'), chunking: c.entries.has('chunking') ? (toPlain(c.entries.get('chunking')!.value) as string) : undefined }));
    expect([train.constructor.name, train.size, dev.constructor.name, dev.size]).toEqual([cls, trainSize, cls, devSize]);
    expect(Array.from(dev.example(0).classes as Int32Array).slice(0, classes0.length)).toEqual(classes0);
  });
});
