import { loadConfig } from '../config.js';
import { datasetsFor } from '../datasets.js';
import { activateBackend, buildEngine } from '../setup.js';
import { loadCheckpointFor } from './checkpoint.js';

/** `strata eval CONFIG [--checkpoint PATH]`: dev loss, error and accuracy of a checkpoint (default: the newest). */
export async function evalCommand(configPath: string, opts: { backend?: string; checkpoint?: string; model?: string }): Promise<void> {
  const config = await loadConfig(configPath);
  const backend = opts.backend ?? config.backend;
  await activateBackend(backend);
  const engine = buildEngine(config, { model: opts.model, progress: false });
  const { path, epoch } = await loadCheckpointFor(engine, configPath, opts.checkpoint);
  const { dev } = datasetsFor(config);
  const r = engine.evaluate(dev);
  console.log(`checkpoint ${path} (epoch ${epoch}), backend ${backend}`);
  console.log(`dev loss ${r.loss.toFixed(4)} error ${(100 * r.errorRate).toFixed(2)}%`);
  console.log(`dev accuracy: ${(100 * r.accuracy).toFixed(2)}% (${dev.size} examples)`);
}
