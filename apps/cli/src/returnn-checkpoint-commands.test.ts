import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReturnnConfigError } from '@strata/network';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { openCheckpoint } from './commands/checkpoint.js';
import { evalCommand } from './commands/eval.js';
import { exportCommand } from './commands/export.js';
import { trainCommand } from './commands/train.js';

const dir = mkdtempSync(join(tmpdir(), 'strata-returnn-ckpt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// RETURNN's demos write `model` with Python (a login name in the path): every command then needs --model DIR.
const config = join(dir, 'dummy.config');
writeFileSync(
  config,
  [
    '#!rnn.py',
    'import os',
    'task = "train"',
    'train = {"class": "DummyDataset", "input_dim": 3, "output_dim": 2, "num_seqs": 8, "seq_len": 4}',
    'dev = {"class": "DummyDataset", "input_dim": 3, "output_dim": 2, "num_seqs": 4, "seq_len": 4}',
    'num_inputs = 3',
    'num_outputs = 2',
    'batch_size = 100',
    'network = {"output": {"class": "softmax", "loss": "ce", "from": "data"}}',
    'optimizer = {"class": "adam"}',
    'learning_rate = 0.01',
    'model = "/tmp/%s/returnn/model" % os.getlogin()',
    'num_epochs = 1',
    '',
  ].join('\n'),
);

describe('eval, infer and export of a RETURNN .config take --model as train does', () => {
  it('trains, evaluates and exports with --model; without it the error names the line', async () => {
    const model = join(dir, 'model');
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      await trainCommand(config, { model, backend: 'tfjs-cpu', progress: false });
      const opened = await openCheckpoint(config, { model, backend: 'tfjs-cpu' });
      expect(opened.epoch).toBe(1);
      expect(opened.engine.options.modelDir).toBe(model);
      await evalCommand(config, { model, backend: 'tfjs-cpu' });
      expect(log.mock.calls.map((c) => String(c[0])).some((l) => /^dev loss \d+\.\d{4} error \d+\.\d\d%$/.test(l))).toBe(true);
      const out = join(dir, 'model.onnx');
      await exportCommand(config, { model, backend: 'tfjs-cpu', format: 'onnx', out });
      expect(existsSync(out)).toBe(true);
    } finally {
      log.mockRestore();
    }
    await expect(openCheckpoint(config, { backend: 'tfjs-cpu' })).rejects.toThrow(ReturnnConfigError);
    await expect(openCheckpoint(config, { backend: 'tfjs-cpu' })).rejects.toThrow(/dummy\.config:12:35: call of os\.getlogin\(\).*--model DIR/s);
  }, 120_000);
});
