import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Dataset } from '@strata/engine';
import { Engine } from '@strata/engine';
import { type NetDict, NetDictNetwork } from '@strata/network';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, formatPath, loadConfig } from './config.js';
import { datasetsFor } from './datasets.js';
import { activateBackend, buildEngine } from './setup.js';

const dir = mkdtempSync(join(tmpdir(), 'strata-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeAll(() => activateBackend('tfjs-wasm'));

const subset = (d: Dataset, n: number): Dataset => ({ ...d, name: `${d.name}[:${n}]`, size: n, example: (i) => d.example(i) });

describe('config files', () => {
  it('loads the shipped examples', async () => {
    for (const name of ['mnist-mlp', 'mnist-cnn']) {
      const c = await loadConfig(join(__dirname, '../../../examples', `${name}.json`));
      expect(c.name).toBe(name);
      expect(c.hash).toMatch(/^[0-9a-f]{16}$/);
      const engine = await buildEngine(c, { model: join(dir, name) });
      expect(engine.model.outputNames()).toEqual(['output']);
    }
  });

  it('names config paths as JS would write them (quoted keys that are not identifiers)', async () => {
    expect(formatPath(['network', 'out', 'n_out'])).toBe('network.out.n_out');
    expect(formatPath(['network', '', 'class'])).toBe('network[""].class');
    expect(formatPath(['network', 'my layer', 'dims', 0])).toBe('network["my layer"].dims[0]');
    const path = join(dir, 'bad-path.json');
    writeFileSync(path, JSON.stringify({ dataset: 'mnist', extern_data: {}, network: { 'my layer': 5 }, batch_size: 8, num_epochs: 1 }));
    await expect(loadConfig(path)).rejects.toThrow(/network\["my layer"\]: /);
  });

  it('loads a TypeScript config module', async () => {
    const path = join(dir, 'tiny.config.ts');
    writeFileSync(
      path,
      `const hidden: number = 8;\nexport default { dataset: 'mnist', extern_data: { data: { shape: [784] }, classes: { shape: [], dim: 10, sparse: true } },\n` +
        `network: { h: { class: 'linear', n_out: hidden, activation: 'relu' }, output: { class: 'softmax', loss: 'ce', from: 'h' } }, batch_size: 32, num_epochs: 1 };\n`,
    );
    const c = await loadConfig(path);
    expect(c.backend).toBe('tfjs-wasm');
    expect((await buildEngine(c, { model: join(dir, 'tiny') })).model.variables.reduce((n, v) => n + v.shape.reduce((a, b) => a * b, 1), 0)).toBe(784 * 8 + 8 + 8 * 10 + 10);
  });

  it('reports every invalid key with its path', async () => {
    const path = join(dir, 'bad.json');
    writeFileSync(path, JSON.stringify({ dataset: 'mnist', extern_data: {}, network: {}, batch_size: -1 }));
    await expect(loadConfig(path)).rejects.toThrow(ConfigError);
    await expect(loadConfig(path)).rejects.toThrow(/batch_size: .*\n.*num_epochs/s);
    await expect(loadConfig(join(dir, 'missing.json'))).rejects.toThrow(/Cannot read config/);
  });

  it('rejects unknown keys, naming them', async () => {
    const path = join(dir, 'typo.json');
    writeFileSync(path, JSON.stringify({ dataset: 'mnist', extern_data: {}, network: {}, batch_size: 1, num_epochs: 1, lerning_rate: 0.1 }));
    await expect(loadConfig(path)).rejects.toThrow(/unknown key\(s\) 'lerning_rate'; known keys: backend, seed/);
  });

  it('passes optimizer options in snake_case or camelCase; top-level learning_rate wins', async () => {
    const base = { dataset: 'mnist', extern_data: { data: { shape: [784] }, classes: { shape: [], dim: 10, sparse: true } }, network: { output: { class: 'softmax', loss: 'ce' } }, batch_size: 8, num_epochs: 1 };
    const write = (name: string, extra: object) => {
      const path = join(dir, `${name}.json`);
      writeFileSync(path, JSON.stringify({ ...base, ...extra }));
      return path;
    };
    const e1 = await buildEngine(await loadConfig(write('o1', { optimizer: { class: 'sgd', learning_rate: 0.05, momentum: 0.9 } })), { model: join(dir, 'o1') });
    expect(e1.optimizer.getConfig()).toMatchObject({ learningRate: 0.05, momentum: 0.9 });
    const e2 = await buildEngine(await loadConfig(write('o2', { optimizer: { class: 'adam', learningRate: 0.02 } })), { model: join(dir, 'o2') });
    expect(e2.optimizer.learningRate).toBe(0.02);
    const e3 = await buildEngine(await loadConfig(write('o3', { optimizer: { class: 'adam', learning_rate: 0.02 }, learning_rate: 0.003 })), { model: join(dir, 'o3') });
    expect(e3.optimizer.learningRate).toBe(0.003);
  });

  it('names the known datasets for an unknown one', async () => {
    const path = join(dir, 'ds.json');
    writeFileSync(path, JSON.stringify({ dataset: 'cifar', extern_data: {}, network: {}, batch_size: 1, num_epochs: 1 }));
    expect(() => datasetsFor({ ...(JSON.parse('{}') as object), dataset: 'cifar' } as never)).toThrow(/Known datasets: mnist/);
  });
});

describe('a net dict written by someone else, on real MNIST digits', () => {
  it('constructs and trains without code changes: accuracy far above chance after one epoch on 2,000 digits', async () => {
    // RETURNN-demo style: their layer names, lists in "from", combine, copy, dropout, batch_norm.
    const net: NetDict = {
      fw0: { class: 'linear', activation: 'tanh', n_out: 64, from: 'data' },
      fw1: { class: 'linear', activation: 'relu', n_out: 64, from: ['data'] },
      sum01: { class: 'combine', kind: 'add', from: ['fw0', 'fw1'] },
      cat: { class: 'copy', from: ['sum01', 'fw1'] },
      drop: { class: 'dropout', dropout: 0.1, from: 'cat' },
      bn: { class: 'batch_norm', from: ['drop'] },
      output: { class: 'softmax', loss: 'ce', target: 'classes', from: ['bn'] },
    };
    const network = NetDictNetwork.fromDict(net, { externData: { data: { shape: [784] }, classes: { shape: [], dim: 10, sparse: true } }, seed: 1 });
    const engine = new Engine(network, { batchSize: 32, epochs: 1, optimizer: { class: 'adam', learningRate: 1e-3 }, progress: false, log: () => {} });
    const { train, dev } = datasetsFor({ dataset: 'mnist' } as never);
    const before = engine.evaluate(subset(dev, 500));
    const r = await engine.train(subset(train, 2000), subset(dev, 500));
    const after = r.history[0]!.dev!;
    expect(before.accuracy).toBeLessThan(0.3);
    expect(after.accuracy).toBeGreaterThan(0.8);
    expect(after.loss).toBeLessThan(before.loss);
  });
});
