import { loadConfig } from '../config.js';
import { datasetsFor } from '../datasets.js';
import { activateBackend, buildEngine } from '../setup.js';
import { loadCheckpointFor } from './checkpoint.js';
import { g2pEvaluate } from './g2p.js';

/**
 * `strata eval CONFIG [--checkpoint PATH]`: dev loss and error of a
 * checkpoint (default: the newest); for a grapheme-to-phoneme corpus also
 * the decoded test set's WER and PER.
 */
export async function evalCommand(configPath: string, opts: { backend?: string; checkpoint?: string; model?: string }): Promise<void> {
  const config = await loadConfig(configPath);
  const backend = opts.backend ?? config.backend;
  await activateBackend(backend);
  const engine = buildEngine(config, { model: opts.model, progress: false });
  const { path, epoch } = await loadCheckpointFor(engine, configPath, opts.checkpoint);
  const corpus = datasetsFor(config);
  const r = engine.evaluate(corpus.dev);
  console.log(`checkpoint ${path} (epoch ${epoch}), backend ${backend}`);
  console.log(`dev loss ${r.loss.toFixed(4)} error ${(100 * r.errorRate).toFixed(2)}%`);
  if (corpus.g2p) g2pEvaluate(engine, corpus.g2p, corpus.g2p.test, 'test');
  else console.log(`dev accuracy: ${(100 * r.accuracy).toFixed(2)}% (${corpus.dev.size} examples)`);
}
