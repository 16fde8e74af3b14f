/**
 * One fuzz case, end to end: generated from `(seed, index)`, run through the
 * real entry points (NetDictNetwork.fromDict then a training epoch and a
 * predict on random data; Engine.train/predict on corrupted data; the CLI's
 * loadConfig and buildEngine on a config file), and classified: success, a
 * typed Strata error whose message names the offending field, or a finding.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildEngine, loadConfig, activateBackend, datasetsFor } from '@strata/cli';
import { type Data } from '@strata/core';
import { type Dataset, Engine, type EngineOptions, type Example } from '@strata/engine';
import { NetDictNetwork } from '@strata/network';
import { type ConfigCase, generateConfigCase } from './gen-config.js';
import { type DataCase, generateDataCase } from './gen-data.js';
import { generateNetCase, MUTATION_KINDS, type NetCase } from './gen-net.js';
import { Choices } from './random.js';
import { isStrataError } from './typed-errors.js';

export type FuzzCase = NetCase | DataCase | ConfigCase;

/** How a case ended. `finding`s are bugs: an untyped error, an unhelpful message, or a case slower than the budget. */
export type Outcome =
  | { status: 'ok' }
  | { status: 'typed'; error: string; message: string }
  | { status: 'finding'; reason: 'untyped' | 'unhelpful' | 'slow'; error: string; message: string; stackTop: string };

/** Case `index` of `seed`: net dicts (half), data and options (3 in 10), config files (2 in 10); mutation kinds cycle. */
export function generateCase(seed: number, index: number): FuzzCase {
  const c = Choices.forCase(seed, index);
  const slot = index % 10;
  if (slot < 5) {
    const kinds = [...MUTATION_KINDS, 'none'];
    return generateNetCase(c, kinds[Math.floor(index / 10 + slot) % kinds.length]!);
  }
  if (slot < 8) return generateDataCase(c, slot !== 5 || c.chance(0.5));
  return generateConfigCase(c, slot === 9 || c.chance(0.8));
}

/** Random examples for a network's extern data: sequence keys get 3 frames. */
function randomDataset(templates: Data[], extern: Dataset['extern'], n: number, c: Choices): Dataset {
  const examples: Example[] = Array.from({ length: n }, () => {
    const e: Example = {};
    for (const d of templates) {
      const per = d.shape.reduce<number>((a, s) => a * (s ?? 3), 1);
      e[d.name] = d.sparse
        ? d.shape.length === 0
          ? c.int(0, (d.dim ?? 2) - 1)
          : Int32Array.from({ length: per }, () => c.int(0, (d.dim ?? 2) - 1))
        : Float32Array.from({ length: per }, () => c.normal());
    }
    return e;
  });
  return { name: 'fuzz-random', size: n, extern, example: (i) => examples[i]! };
}

/** Networks above this many parameters are only constructed, not run (keeps a case fast). */
const MAX_RUN_PARAMS = 200_000;

async function runNet(k: NetCase, index: number): Promise<void> {
  const net = NetDictNetwork.fromDict(k.netDict as never, { externData: k.externData, seed: 1 });
  if (net.countParams() > MAX_RUN_PARAMS || net.lossNodes().length === 0) return;
  const keys = net.usedDataKeys();
  const templates = keys.map((key) => net.externData.getData(key));
  const extern = Object.fromEntries(Object.entries(k.externData).filter(([key]) => keys.includes(key))) as Dataset['extern'];
  const data = randomDataset(templates, extern, 4, Choices.forCase(index, 1));
  const engine = new Engine(net, { batchSize: templates.some((d) => d.shape.includes(null)) ? 12 : 2, epochs: 1, optimizer: { class: 'adam', learningRate: 0.01 }, progress: false, log: () => {} });
  await engine.train(data);
  engine.predict(data);
}

async function runData(k: DataCase): Promise<void> {
  const net = NetDictNetwork.fromDict(k.netDict as never, { externData: k.externData, seed: 1 });
  const engine = new Engine(net, k.options as unknown as EngineOptions);
  await engine.train(k.dataset);
  engine.predict(k.dataset);
}

const KNOWN_BACKENDS = new Set(['tfjs-cpu', 'tfjs-wasm', 'tfjs-node', 'tfjs-node-gpu', 'onnxruntime']);

async function runConfig(k: ConfigCase, index: number, workDir: string): Promise<void> {
  const file = join(workDir, `case-${index}.json`);
  writeFileSync(file, k.text);
  const config = await loadConfig(file);
  // Only unknown backend names are activated (to see their error); the fuzzer itself stays on tfjs-cpu.
  if (!KNOWN_BACKENDS.has(config.backend)) await activateBackend(config.backend);
  await buildEngine(config, { model: join(workDir, 'model'), progress: false });
  const name = config.dataset === undefined ? undefined : typeof config.dataset === 'string' ? config.dataset : config.dataset.name;
  if (name !== 'mnist' && name !== 'cmudict') datasetsFor(config);
}

/** The first stack frame inside Strata's sources (or the first frame), for grouping findings. */
export function stackTop(e: unknown): string {
  const lines = (e instanceof Error ? (e.stack ?? '') : '').split('\n').slice(1).map((l) => l.trim());
  return lines.find((l) => /packages\/|apps\//.test(l) && !l.includes('node_modules')) ?? lines[0] ?? '';
}

/**
 * True if `message` names one of `mentions` (case-insensitive), or there is
 * nothing to name. A reference `data:x` also counts as named by `x`; a blank
 * or empty name counts when quoted (`' '`, `''`); `network` is also named as `net dict`.
 */
export function namesOffender(message: string, mentions: readonly string[]): boolean {
  const m = message.toLowerCase();
  const words = mentions.flatMap((w) => (w.startsWith('data:') ? [w, w.slice(5)] : w === 'network' ? [w, 'net dict'] : [w]));
  if (words.length === 0) return true;
  return words.some((w) => (w.trim() === '' ? m.includes(`'${w}'`) || m.includes(`"${w}"`) : m.includes(w.toLowerCase())));
}

/**
 * Runs case `k` and classifies how it ended.
 * @param slowMs a case running longer than this is a finding (`slow`).
 */
export async function runCase(k: FuzzCase, index: number, opts: { workDir: string; slowMs: number }): Promise<Outcome> {
  const t0 = performance.now();
  let outcome: Outcome;
  try {
    if (k.kind === 'net') await runNet(k, index);
    else if (k.kind === 'data') await runData(k);
    else {
      mkdirSync(opts.workDir, { recursive: true });
      await runConfig(k, index, opts.workDir);
    }
    outcome = { status: 'ok' };
  } catch (e) {
    const error = e instanceof Error ? e.name : typeof e;
    const message = e instanceof Error ? e.message : String(e);
    if (!isStrataError(e)) outcome = { status: 'finding', reason: 'untyped', error, message, stackTop: stackTop(e) };
    else if (message.trim() === '' || !namesOffender(message, k.mentions)) outcome = { status: 'finding', reason: 'unhelpful', error, message, stackTop: stackTop(e) };
    else outcome = { status: 'typed', error, message };
  }
  const ms = performance.now() - t0;
  if (ms > opts.slowMs) {
    const was = outcome.status === 'finding' ? `${outcome.reason} ${outcome.error}` : outcome.status;
    return { status: 'finding', reason: 'slow', error: `${Math.round(ms)} ms`, message: `took ${Math.round(ms)} ms (budget ${opts.slowMs} ms); ended ${was}`, stackTop: '' };
  }
  return outcome;
}

/** One line describing a case, for reports: its kind, mutations and (config) file text head. */
export function describeCase(k: FuzzCase): string {
  const what = k.mutations.length ? k.mutations.join('; ') : 'valid';
  if (k.kind === 'net') return `net ${JSON.stringify(k.netDict)?.slice(0, 300)} extern ${JSON.stringify(k.externData)} [${what}]`;
  if (k.kind === 'data') return `data (${k.sequence ? 'sequence' : 'fixed'}) [${what}]`;
  return `config ${k.text.slice(0, 300)} [${what}]`;
}
