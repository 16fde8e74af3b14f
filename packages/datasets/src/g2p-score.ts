/**
 * Word and phoneme error rates of grapheme-to-phoneme output against a
 * dictionary with several pronunciations per word (CMUdict), the way G2P
 * papers report them (Yao & Zweig 2015; Rao et al. 2015; Bisani & Ney 2008).
 */
import { editDistance } from '@strata/losses';

/** Scores of {@link scoreG2p}. */
export interface G2pScore {
  /** Word error rate in [0, 1]: `wordErrors / words`. `NaN` for no words. */
  wer: number;
  /** Phoneme error rate (can exceed 1 with many insertions): `phonemeErrors / phonemes`. `NaN` for 0/0, `Infinity` for errors against empty references only. */
  per: number;
  /** Words scored. */
  words: number;
  /** Phonemes in the closest reference of each word, summed: the PER denominator. */
  phonemes: number;
  /** Words whose hypothesis equals none of their references. */
  wordErrors: number;
  /** Edit distance (substitutions + insertions + deletions) to the closest reference of each word, summed. */
  phonemeErrors: number;
}

/**
 * Scores one hypothesis per word against all pronunciations of that word.
 *
 * - A word is correct when its hypothesis equals ANY of its references.
 * - For PER, each word uses its closest reference: the one at the smallest
 *   edit distance, the first in list order on ties. Its distance counts as
 *   errors and its length as reference phonemes, so a word matching a short
 *   variant exactly adds 0 errors.
 * - Rates are corpus-level (summed counts, then divided), not means of
 *   per-word rates.
 *
 * Shape: `hyps[w]` `[hypTime]` phoneme ids; `refs[w][r]` `[refTime]` phoneme
 * ids, reference `r` of word `w` (e.g. `CmudictSplit.references(i)`).
 * @throws RangeError when `hyps` and `refs` differ in length, or a word has no reference.
 */
export function scoreG2p(hyps: readonly ArrayLike<number>[], refs: readonly (readonly ArrayLike<number>[])[]): G2pScore {
  if (hyps.length !== refs.length) {
    throw new RangeError(`scoreG2p: expected one hypothesis per word. Received: ${hyps.length} hypotheses, ${refs.length} reference lists.`);
  }
  let wordErrors = 0;
  let phonemeErrors = 0;
  let phonemes = 0;
  for (let w = 0; w < hyps.length; w++) {
    const wordRefs = refs[w]!;
    if (wordRefs.length === 0) throw new RangeError(`scoreG2p: word ${w} has no reference pronunciation; every word needs at least one.`);
    let best = Number.POSITIVE_INFINITY;
    let bestLength = 0;
    for (const ref of wordRefs) {
      const d = editDistance(ref, hyps[w]!);
      if (d < best) {
        best = d;
        bestLength = ref.length;
      }
      if (d === 0) break;
    }
    if (best > 0) wordErrors++;
    phonemeErrors += best;
    phonemes += bestLength;
  }
  const words = hyps.length;
  // 0/0 is NaN: no words (or only empty references and hypotheses) give no rate.
  return {
    wer: wordErrors / words,
    per: phonemeErrors / phonemes,
    words,
    phonemes,
    wordErrors,
    phonemeErrors,
  };
}
