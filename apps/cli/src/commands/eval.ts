import { latestCheckpoint } from '@strata/engine';
import { ConfigError, loadConfig } from '../config.js';
import { datasetsFor } from '../datasets.js';
import { activateBackend, buildEngine } from '../setup.js';

/** `strata eval CONFIG [--checkpoint PATH]`: dev loss, error and accuracy of a checkpoint (default: the newest). */
export async function evalCommand(configPath: string, opts: { backend?: string; checkpoint?: string; model?: string }): Promise<void> {
  const config = await loadConfig(configPath);
  const backend = opts.backend ?? config.backend;
  await activateBackend(backend);
  const engine = buildEngine(config, { model: opts.model, progress: false });
  const path = opts.checkpoint ?? latestCheckpoint(engine.options.modelDir!)?.path;
  if (!path) {
    throw new ConfigError(`No checkpoint in ${engine.options.modelDir}. Train first (strata train ${configPath}) or pass --checkpoint PATH.`);
  }
  const info = await engine.loadWeights(path);
  const { dev } = datasetsFor(config);
  const r = engine.evaluate(dev);
  console.log(`checkpoint ${path} (epoch ${info.epoch}), backend ${backend}`);
  console.log(`dev loss ${r.loss.toFixed(4)} error ${(100 * r.errorRate).toFixed(2)}%`);
  console.log(`dev accuracy: ${(100 * r.accuracy).toFixed(2)}% (${dev.size} examples)`);
}
