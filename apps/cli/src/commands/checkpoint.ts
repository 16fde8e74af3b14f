import { type Engine, latestCheckpoint } from '@strata/engine';
import { type Config, ConfigError, loadConfig } from '../config.js';
import { activateBackend, buildEngine } from '../setup.js';

/** Loads `--checkpoint PATH` (default: the newest in the model dir) into the engine's network. */
export async function loadCheckpointFor(engine: Engine, configPath: string, checkpoint?: string): Promise<{ path: string; epoch: number }> {
  const path = checkpoint ?? latestCheckpoint(engine.options.modelDir!)?.path;
  if (!path) {
    throw new ConfigError(`No checkpoint in ${engine.options.modelDir}. Train first (strata train ${configPath}) or pass --checkpoint PATH.`);
  }
  const info = await engine.loadWeights(path);
  return { path, epoch: info.epoch };
}

/** The options shared by the commands that use a trained checkpoint (`eval`, `infer`, `export`). */
export interface CheckpointOptions {
  checkpoint?: string;
  backend?: string;
  model?: string;
  /** A module whose default export gives the model (see `buildModel`). */
  modelModule?: string;
}

/**
 * What `eval`, `infer` and `export` start with: loads the config, activates
 * `--backend` (default: the config's), builds the engine (no progress bar,
 * `--model` overriding the model dir) and loads the checkpoint into it
 * ({@link loadCheckpointFor}).
 */
export async function openCheckpoint(
  configPath: string,
  opts: CheckpointOptions,
): Promise<{ config: Config; backend: string; engine: Engine; path: string; epoch: number }> {
  // A RETURNN .config whose `model` is an expression (e.g. a login name in a path) needs --model, as for train.
  const config = await loadConfig(configPath, { modelGiven: opts.model !== undefined });
  const backend = opts.backend ?? config.backend;
  await activateBackend(backend);
  const engine = await buildEngine(config, { model: opts.model, progress: false, modelModule: opts.modelModule });
  const { path, epoch } = await loadCheckpointFor(engine, configPath, opts.checkpoint);
  return { config, backend, engine, path, epoch };
}
