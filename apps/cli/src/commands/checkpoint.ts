import { type Engine, latestCheckpoint } from '@strata/engine';
import { ConfigError } from '../config.js';

/** Loads `--checkpoint PATH` (default: the newest in the model dir) into the engine's network. */
export async function loadCheckpointFor(engine: Engine, configPath: string, checkpoint?: string): Promise<{ path: string; epoch: number }> {
  const path = checkpoint ?? latestCheckpoint(engine.options.modelDir!)?.path;
  if (!path) {
    throw new ConfigError(`No checkpoint in ${engine.options.modelDir}. Train first (strata train ${configPath}) or pass --checkpoint PATH.`);
  }
  const info = await engine.loadWeights(path);
  return { path, epoch: info.epoch };
}
