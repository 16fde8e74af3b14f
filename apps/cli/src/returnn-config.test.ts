import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Adam, SGD } from '@strata/engine';
import { parseReturnnConfig, ReturnnConfigError } from '@strata/network';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';
import { datasetsFor } from './datasets.js';
import { mapReturnnConfig } from './returnn-config.js';
import { activateBackend, buildEngine } from './setup.js';

const fixture = join(__dirname, 'fixtures/returnn/mnist-mlp.config');
const dir = mkdtempSync(join(tmpdir(), 'strata-returnn-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeAll(() => activateBackend('tfjs-cpu'));

const map = (body: string, opts = {}) => mapReturnnConfig(parseReturnnConfig(`#!rnn.py\n${body}`, 'x.config'), opts);
const errorOf = (f: () => unknown): ReturnnConfigError => {
  try {
    f();
  } catch (e) {
    if (e instanceof ReturnnConfigError) return e;
    throw e;
  }
  throw new Error('expected a ReturnnConfigError');
};

describe('RETURNN .config → Strata config', () => {
  it('maps the options of a real config, with RETURNN meanings', async () => {
    const c = await loadConfig(fixture, { modelGiven: true });
    expect(c.extern_data).toEqual({ data: { shape: [784] }, classes: { dim: 10, sparse: true, shape: [] } });
    expect(c.network).toEqual({
      hidden: { class: 'linear', activation: 'relu', n_out: 64, from: 'data' },
      output: { class: 'softmax', loss: 'ce', from: 'hidden', n_out: 10 },
    });
    expect([c.batch_size, c.max_seqs, c.num_epochs, c.learning_rate, c.gradient_clip, c.gradient_clip_global_norm, c.dataset]).toEqual([128, 2 ** 31 - 1, 3, 1e-3, 5, 10, 'mnist']);
    expect(c.optimizer).toEqual({ class: 'adam', epsilon: 1e-8 });
    expect(c.learning_rate_control).toEqual({ kind: 'newbob_multi_epoch', multiNumEpochs: 2, decay: 0.7 });
    expect(c.model).toBeUndefined();
    expect(c.notes).toContain('log_verbosity (line 40): ignored, logging');
    expect(c.notes).toContain('n_hidden (line 13): not a RETURNN option Strata knows; taken as a helper variable');
  });

  it('maps onto the engine: Adam with epsilon and clipping, newbob control, batch size', async () => {
    const c = await loadConfig(fixture, { modelGiven: true });
    const engine = await buildEngine(c, { model: join(dir, 'm') });
    expect(engine.optimizer).toBeInstanceOf(Adam);
    expect(engine.optimizer.getConfig()).toMatchObject({ learningRate: 1e-3, epsilon: 1e-8 });
    expect(engine.optimizer.clipping).toMatchObject({ clipValue: 5, globalClipNorm: 10 });
    expect(engine.learningRateControl?.kind).toBe('newbob_multi_epoch');
    expect([engine.options.batchSize, engine.options.epochs]).toEqual([128, 3]);
  });

  it("uses RETURNN's defaults: SGD, learning_rate 1.0, batch_size 1, num_epochs 5, Adam epsilon 1e-16 (optimizer_epsilon)", () => {
    const base = 'num_outputs = 2\nnum_inputs = 3\n';
    const sgd = map(base).raw;
    expect([sgd.optimizer, sgd.learning_rate, sgd.batch_size, sgd.num_epochs, sgd.learning_rate_control]).toEqual([{ class: 'sgd' }, 1, 1, 5, { kind: 'constant' }]);
    expect(sgd.extern_data).toEqual({ data: { dim: 3, shape: [null, 3] }, classes: { dim: 2, sparse: true, shape: [null] } });
    expect(map(`${base}adam = True`).raw.optimizer).toEqual({ class: 'adam', epsilon: 1e-16 });
    expect(map(`${base}optimizer = {"class": "adam", "beta1": 0.5}\noptimizer_epsilon = 1e-8`).raw.optimizer).toEqual({ class: 'adam', epsilon: 1e-8, beta1: 0.5 });
    // RETURNN: learning_rate_decay is newbob's factor and overrides newbob_learning_rate_decay.
    expect(map(`${base}learning_rate_control = "newbob"\nlearning_rate_decay = 0.3\nnewbob_learning_rate_decay = 0.9\nlearning_rates = [0.1, 0.2]`).raw.learning_rate_control).toEqual({
      kind: 'newbob',
      learningRates: [0.1, 0.2],
      decay: 0.3,
    });
    // behavior_version reaches the net dict (the layers' RETURNN defaults follow it); unset, RETURNN's 0 applies.
    expect(map(`${base}behavior_version = 12`).raw.behavior_version).toBe(12);
    expect(map(base).raw.behavior_version).toBeUndefined();
  });

  it.each([
    ['x = 1\nmaximize_grad_norm = 0.1\n', 3, 1, 'option maximize_grad_norm', /needs second-order gradients/],
    ['gradient_noise = -0.3\n', 2, 1, 'option gradient_noise', /gradient_noise must be a number >= 0. Received: -0.3/],
    ['accum_grad_multiple_step = 2.5\n', 2, 1, 'option accum_grad_multiple_step', /must be an integer >= 0/],
    ['stop_on_nonfinite_train_score = "no"\n', 2, 1, 'option stop_on_nonfinite_train_score', /must be True or False/],
    ['cleanup_old_models = {"keep_last_n": 0}\n', 2, 1, 'option cleanup_old_models', /keep_last_n \(an integer >= 1\)/],
    ['cleanup_old_models = {"keep_lastn": 3}\n', 2, 1, 'option cleanup_old_models', /cleanup_old_models\["keep_lastn"\]/],
    ['optimizer = {"class": "rmsprop"}\n', 2, 1, 'option optimizer', /not one Strata has \(adam, sgd\)/],
    ['task = "search"\n', 2, 1, 'option task', /strata train` trains/],
    ['network = {"out": {"class": "eval", "eval": lambda s, **kw: s(0)}}\n', 2, 45, 'lambda', /Strata reads the option network \(line 2\)/],
    ['import os\nmodel = "/tmp/%s/model" % os.getlogin()\n', 3, 27, 'call of os.getlogin()', /--model DIR/],
  ])('%j is an error naming the option, line and column', (body, line, column, construct, problem) => {
    const e = errorOf(() => map(body));
    expect([e.file, e.line, e.column, e.construct]).toEqual(['x.config', line, column, construct]);
    expect(e.message).toMatch(problem);
  });

  it("maps RETURNN's gradient and step options onto the optimizer and the engine (returnn/tf/updater.py, engine.py, engine/base.py)", async () => {
    const base = 'num_outputs = 2\nnum_inputs = 3\nnetwork = {"output": {"class": "softmax", "loss": "ce", "from": "data"}}\n';
    const body =
      `${base}gradient_clip_norm = 2.5\ngradient_noise = 0.3\ngradient_nan_inf_filter = True\naccum_grad_multiple_step = 4\n` +
      `stop_on_nonfinite_train_score = False\ncleanup_old_models = {"keep_last_n": 3, "keep_best_n": 1, "keep": [5, 10]}\n`;
    const m = map(body);
    expect(m.raw).toMatchObject({
      gradient_clip_norm: 2.5,
      gradient_noise: 0.3,
      gradient_nan_inf_filter: true,
      accum_grad_multiple_step: 4,
      stop_on_nonfinite_train_score: false,
      cleanup_old_models: { keep_last_n: 3, keep_best_n: 1, keep: [5, 10] },
    });
    expect(m.notes.join('\n')).not.toMatch(/gradient|accum|cleanup|stop_on/);
    const path = join(dir, 'options.config');
    writeFileSync(path, `#!rnn.py\n${body}`);
    const engine = await buildEngine(await loadConfig(path), { model: join(dir, 'options-model') });
    expect(engine.optimizer).toBeInstanceOf(SGD);
    expect(engine.optimizer.clipping).toEqual({ clipNorm: 2.5, gradientNoise: 0.3, gradientNanInfFilter: true, clipValue: undefined, globalClipNorm: undefined });
    expect(engine.optimizer.accumGradMultipleStep).toBe(4);
    expect(engine.options.stopOnNonfiniteTrainScore).toBe(false);
    expect(engine.options.cleanupOldModels).toEqual({ keepLastN: 3, keepBestN: 1, keep: [5, 10] });
    // cleanup_old_models = True: RETURNN's defaults; RETURNN's "off" values map to off.
    expect(map(`${base}cleanup_old_models = True`).raw.cleanup_old_models).toBe(true);
    const off = map(`${base}cleanup_old_models = None\naccum_grad_multiple_step = None\nmaximize_grad_norm = 0`).raw;
    expect([off.cleanup_old_models, off.accum_grad_multiple_step]).toEqual([undefined, undefined]);
  });

  it('a model path that needs Python is fine when --model gives the directory', () => {
    expect(map('import os\nmodel = "/tmp/%s/model" % os.getlogin()\n', { modelGiven: true }).raw.model).toBeUndefined();
    expect(errorOf(() => map('network = {"out": {"class": "eval", "eval": lambda s: s}}\n')).keyPath).toBe('network.out.eval');
  });

  it('a RETURNN dataset class Strata does not have is a typed error naming it', async () => {
    const path = join(dir, 'hdf.config');
    writeFileSync(path, '#!rnn.py\ntrain = {"class": "HDFDataset", "files": ["a.hdf"]}\ndev = train\nnum_inputs = 9\nnum_outputs = 2\nnetwork = {"output": {"class": "softmax", "loss": "ce", "from": "data"}}\n');
    const c = await loadConfig(path);
    expect(() => datasetsFor(c)).toThrow(ConfigError);
    expect(() => datasetsFor(c)).toThrow(/RETURNN dataset class "HDFDataset"/);
  });
});

const repo = process.env.RETURNN_REPO ?? '/work/.mirror/rwth-i6+returnn/repo';
describe.skipIf(!existsSync(repo))("RETURNN's demo configs (read from a RETURNN mirror)", () => {
  const demo = (name: string, opts = {}) =>
    mapReturnnConfig(parseReturnnConfig(execFileSync('git', ['-C', repo, 'show', `HEAD:demos/${name}`], { encoding: 'utf8' }), name), opts);
  it('demo-tf-native-lstm2.12ax.config maps (with --model): 12AX extern data, Adam 1e-16, lr 0.01', () => {
    const { raw } = demo('demo-tf-native-lstm2.12ax.config', { modelGiven: true });
    expect(raw.extern_data).toEqual({ data: { dim: 9, shape: [null, 9] }, classes: { dim: 2, sparse: true, shape: [null] } });
    expect([raw.batch_size, raw.max_seqs, raw.num_epochs, raw.learning_rate, raw.optimizer]).toEqual([5000, 10, 5, 0.01, { class: 'adam', epsilon: 1e-16 }]);
    expect(raw.train).toEqual({ class: 'Task12AXDataset', num_seqs: 1000 });
  });
  it('demo-tf-native-lstm.12ax.config: chunking = "200:200" is read (checked against the data by checkChunking)', () => {
    expect(demo('demo-tf-native-lstm.12ax.config', { modelGiven: true }).raw.chunking).toBe('200:200');
  });
  it('demo-tf-att-copy.config: without --model, model needs Python (get_login_username())', () => {
    const e = errorOf(() => demo('demo-tf-att-copy.config'));
    expect([e.construct, e.keyPath]).toEqual(['call of get_login_username()', 'model']);
  });
});

describe('strata train X.config', () => {
  it('trains one epoch of a RETURNN config on MNIST end to end', { timeout: 180_000 }, () => {
    const model = join(dir, 'run');
    const out = execFileSync(
      process.execPath,
      ['--conditions=strata-source', '--import', 'tsx', join(__dirname, 'main.ts'), 'train', fixture, '--epochs', '1', '--model', model, '--no-progress', '--backend', 'tfjs-cpu'],
      { encoding: 'utf8', cwd: join(__dirname, '..') },
    );
    expect(out).toMatch(/log_verbosity \(line 40\): ignored, logging/);
    expect(out).toMatch(/epoch 1\/1 \| train loss [\d.]+ error [\d.]+% \| dev loss/);
    const acc = Number(/dev accuracy: ([\d.]+)%/.exec(out)![1]);
    expect(acc).toBeGreaterThan(70);
    expect(existsSync(join(model, 'epoch-001.safetensors'))).toBe(true);
  });
});
