import { type CmudictSplit, loadCmudict, loadMnist, type Vocabulary, withEndOfSequence } from '@strata/datasets';
import type { Dataset } from '@strata/engine';
import { ConfigError, type Config } from './config.js';
import { checkChunking, returnnDataset } from './returnn-datasets.js';

/** A config's corpus: train and dev sets, a test set where the corpus has one, and for CMUdict its vocabularies. */
export interface Corpus {
  train: Dataset;
  dev: Dataset;
  test?: Dataset;
  /** Grapheme-to-phoneme corpora: vocabularies, and the end-of-sequence label appended to targets (if `eos`). */
  g2p?: { graphemes: Vocabulary; phonemes: Vocabulary; eos?: number; test: CmudictSplit };
}

/**
 * The datasets of a config's `dataset`: `"mnist"` (or `{name: "mnist", seed}`),
 * `"cmudict"` (or `{name: "cmudict", eos: true}` to end every phoneme sequence
 * with an end-of-sequence label, id 39, as attention decoders need).
 */
export function datasetsFor(config: Config): Corpus {
  if (config.dataset === undefined) return returnnDatasets(config);
  const spec = typeof config.dataset === 'string' ? { name: config.dataset } : config.dataset;
  switch (spec.name) {
    case 'mnist':
      return loadMnist({ seed: spec.seed });
    case 'cmudict': {
      const c = loadCmudict();
      if (!spec.eos) return { train: c.train, dev: c.dev, test: c.test, g2p: { graphemes: c.graphemes, phonemes: c.phonemes, test: c.test } };
      const [train, dev, test] = [c.train, c.dev, c.test].map((d) => withEndOfSequence(d, 'classes'));
      return { train: train!, dev: dev!, test: test!, g2p: { graphemes: c.graphemes, phonemes: c.phonemes, eos: test!.eos, test: test! } };
    }
    default:
      throw new ConfigError(`Unknown dataset '${spec.name}'. Known datasets: mnist, cmudict.`);
  }
}

/**
 * The corpus of RETURNN dataset dicts (`train = {"class": "Task12AXDataset", "num_seqs": 1000}`,
 * `dev = {...}`): RETURNN's generated datasets built by {@link returnnDataset}, `chunking` checked by {@link checkChunking}.
 * @throws ConfigError when neither `dataset` nor `train` is given, `dev` is missing, or a dict or `chunking` is bad.
 */
function returnnDatasets(config: Config): Corpus {
  if (!config.train) {
    throw new ConfigError(`Config '${config.path}' names no data: give "dataset" (a Strata corpus: mnist, cmudict) or RETURNN's "train" (and "dev") dataset dicts.`);
  }
  if (!config.dev) throw new ConfigError(`Config '${config.path}' has train but no dev dataset: strata train reports dev scores every epoch. Fix: add dev = {"class": ..., "fixed_random_seed": 1, ...}.`);
  const train = returnnDataset(config, 'train', config.train);
  checkChunking(config, train);
  return { train, dev: returnnDataset(config, 'dev', config.dev) };
}
