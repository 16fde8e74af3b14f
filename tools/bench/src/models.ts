/**
 * The benchmarked models: the example configs (`examples/mnist-mlp.json`,
 * `examples/mnist-cnn.json`), built as Strata engines the way the CLI does
 * (`apps/cli/src/setup.ts`: `buildEngine`), with the trained checkpoint
 * `runs/<name>/epoch-015.safetensors` loaded when it exists.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DataConfig } from '@strata/core';
import { checkpointPath, Engine, type OptimizerConfig } from '@strata/engine';
import { type NetDict, NetDictNetwork } from '@strata/network';

/** The repository root (tools/bench/src → ../../..). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** The keys of an example config the benchmark reads. */
export interface BenchConfig {
  seed?: number;
  extern_data: Record<string, DataConfig>;
  network: NetDict;
  batch_size: number;
  num_epochs: number;
  optimizer: Record<string, unknown>;
  learning_rate?: number;
}

/** One benchmarked model. */
export interface ModelSpec {
  /** Short name in tables: `MLP`, `CNN`. */
  readonly key: string;
  /** Config path relative to the repository root. */
  readonly configFile: string;
  readonly config: BenchConfig;
  /** Absolute path of the trained checkpoint, or null (freshly initialised weights). */
  readonly checkpoint: string | null;
}

/** Epoch of the trained checkpoint used when present. */
export const CHECKPOINT_EPOCH = 15;

function spec(key: string, name: string): ModelSpec {
  const configFile = `examples/${name}.json`;
  const config = JSON.parse(readFileSync(join(REPO_ROOT, configFile), 'utf8')) as BenchConfig;
  const ckpt = checkpointPath(join(REPO_ROOT, 'runs', name), CHECKPOINT_EPOCH);
  return { key, configFile, config, checkpoint: existsSync(ckpt) ? ckpt : null };
}

/** The MLP and the CNN of the examples. */
export function modelSpecs(keys: readonly string[] = ['MLP', 'CNN']): ModelSpec[] {
  const all = [spec('MLP', 'mnist-mlp'), spec('CNN', 'mnist-cnn')];
  return all.filter((s) => keys.includes(s.key));
}

/** Where the weights come from, for the report. */
export function weightsSource(s: ModelSpec): string {
  return s.checkpoint
    ? `trained checkpoint ${s.checkpoint.slice(REPO_ROOT.length + 1)}`
    : `freshly initialised weights (seed ${s.config.seed ?? 42}; no ${checkpointPath('runs/…', CHECKPOINT_EPOCH)})`;
}

/**
 * Builds the network and engine of a config on the ACTIVE backend (as the
 * CLI's `buildEngine`, without a model directory) and loads the checkpoint
 * when there is one. `fresh`: keep the config seed's initial weights and
 * train one epoch per `engine.train` call (the training benchmark).
 */
export async function buildEngine(s: ModelSpec, opts: { fresh?: boolean } = {}): Promise<Engine> {
  const c = s.config;
  const network = NetDictNetwork.fromDict(c.network, { externData: c.extern_data, seed: c.seed });
  const optimizer: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(c.optimizer)) optimizer[k.replace(/_([a-z0-9])/g, (_, ch: string) => ch.toUpperCase())] = v;
  if (c.learning_rate !== undefined) optimizer.learningRate = c.learning_rate;
  const engine = new Engine(network, {
    batchSize: c.batch_size,
    epochs: opts.fresh ? 1 : c.num_epochs,
    seed: c.seed,
    optimizer: optimizer as unknown as OptimizerConfig,
    progress: false,
    log: () => {},
  });
  if (s.checkpoint && !opts.fresh) await engine.loadWeights(s.checkpoint);
  return engine;
}

/** The net-dict network an engine of {@link buildEngine} trains (every benchmark model is a net dict). */
export function netDictOf(engine: Engine): NetDictNetwork {
  if (!(engine.model instanceof NetDictNetwork)) throw new Error(`The benchmark models are net dicts; got ${engine.model.constructor.name}.`);
  return engine.model;
}
