import { type CmudictSplit, scoreG2p } from '@strata/datasets';
import { type DecodeOptions, decodeSequences, type Engine } from '@strata/engine';
import { NetDictNetwork } from '@strata/network';
import { ConfigError } from '../config.js';
import type { Corpus } from '../datasets.js';

type G2p = NonNullable<Corpus['g2p']>;

/**
 * How a G2P network is decoded: beam search when it has a `decide` layer
 * (an attention decoder with `choice`), else best-path CTC on the output
 * layer when its loss is `ctc`.
 * @throws ConfigError for a network with neither.
 */
export function g2pDecodeOptions(engine: Engine, g2p: G2p): DecodeOptions {
  const net = engine.model;
  if (!(net instanceof NetDictNetwork)) throw new ConfigError('Decoding G2P needs a net-dict model (a "network" in the config).');
  const decide = [...net.nodes.values()].find((n) => n.entry.class === 'decide');
  if (decide) return { mode: 'search', layer: decide.name, eos: g2p.eos };
  const out = net.getDefaultOutputLayer()!;
  if (out.entry.loss === 'ctc') return { mode: 'ctc', layer: out.name };
  throw new ConfigError(`Cannot decode this network: add a "decide" layer after a rec layer with "choice", or use "loss": "ctc" on the output layer.`);
}

/** Decodes `split` and prints phoneme and word error rates (any listed pronunciation counts as correct). */
export function g2pEvaluate(engine: Engine, g2p: G2p, split: CmudictSplit & { eos?: number }, label: string): { per: number; wer: number } {
  const opts = g2pDecodeOptions(engine, g2p);
  const start = performance.now();
  const hyps = decodeSequences(engine.model, split, opts);
  const seconds = (performance.now() - start) / 1000;
  const refs = hyps.map((_, i) => split.references(i));
  const s = scoreG2p(hyps, refs);
  console.log(
    `${label}: ${s.words} words, WER ${(100 * s.wer).toFixed(2)}%, PER ${(100 * s.per).toFixed(2)}% (${opts.mode === 'search' ? 'beam search' : 'CTC best path'}, ${seconds.toFixed(1)} s)`,
  );
  for (let i = 0; i < Math.min(5, hyps.length); i++) {
    console.log(`  ${split.word(i)}: ${g2p.phonemes.decode(hyps[i]!).join(' ')}  (ref: ${g2p.phonemes.decode(refs[i]![0]!).join(' ')})`);
  }
  return { per: s.per, wer: s.wer };
}

/** Phonemes of each word (lowercase letters and apostrophes). @throws ConfigError naming a word with other characters. */
export function g2pTranscribe(engine: Engine, g2p: G2p, words: string[]): string[][] {
  const encoded = words.map((w) => {
    const lower = w.toLowerCase();
    const bad = [...lower].find((ch) => !g2p.graphemes.has(ch));
    if (bad !== undefined) throw new ConfigError(`Word '${w}' has the character '${bad}'; the model knows ${g2p.graphemes.symbols.join('')}.`);
    return g2p.graphemes.encode(lower);
  });
  const classes = g2p.test.extern.classes;
  const dataset = {
    name: 'stdin',
    size: encoded.length,
    extern: { data: g2p.test.extern.data!, ...(classes ? { classes } : {}) },
    example: (i: number) => ({ data: encoded[i]! }),
  };
  return decodeSequences(engine.model, dataset, g2pDecodeOptions(engine, g2p)).map((ids) => g2p.phonemes.decode(ids));
}
