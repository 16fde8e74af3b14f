import { datasetsFor } from '../datasets.js';
import { type CheckpointOptions, openCheckpoint } from './checkpoint.js';
import { g2pEvaluate } from './g2p.js';

/**
 * `strata eval CONFIG [--checkpoint PATH]`: dev loss and error of a
 * checkpoint (default: the newest); for a grapheme-to-phoneme corpus also
 * the decoded test set's WER and PER.
 */
export async function evalCommand(configPath: string, opts: CheckpointOptions): Promise<void> {
  const { config, backend, engine, path, epoch } = await openCheckpoint(configPath, opts);
  const corpus = datasetsFor(config);
  const r = engine.evaluate(corpus.dev);
  console.log(`checkpoint ${path} (epoch ${epoch}), backend ${backend}`);
  console.log(`dev loss ${r.loss.toFixed(4)} error ${(100 * r.errorRate).toFixed(2)}%`);
  if (corpus.g2p) g2pEvaluate(engine, corpus.g2p, corpus.g2p.test, 'test');
  else console.log(`dev accuracy: ${(100 * r.accuracy).toFixed(2)}% (${corpus.dev.size} examples)`);
}
