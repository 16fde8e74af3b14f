// Brute-force CTC in float64 plain JS, the reference of ctc.test.ts (not part of the published API).
import { logSoftmaxRow } from './setup.js';

/** Graves' many-to-one map B: merge repeated classes, then drop blanks. */
export function collapse(path: readonly number[], blank: number): number[] {
  const out: number[] = [];
  path.forEach((k, t) => {
    if (k !== blank && (t === 0 || path[t - 1] !== k)) out.push(k);
  });
  return out;
}

/** Result of {@link bruteForceCtc}. */
export interface BruteForceCtc {
  /** `-log p(label | x)`; `Infinity` when no alignment collapses to the label. */
  loss: number;
  /** `p(label | x)`. */
  prob: number;
  /** Number of alignments (of `C^T`) that collapse to the label. */
  alignments: number;
  /**
   * `γ[t][k] = sum over alignments π → label with π_t = k of p(π) / p(label)`:
   * the posterior class occupation. `d loss / d logits[t][k] = softmax[t][k] - γ[t][k]`.
   */
  gamma: number[][];
}

/**
 * Enumerates all `C^T` alignments of `logits` (`[time][classes]`,
 * unnormalised), sums the probabilities of those that collapse to `label`.
 */
export function bruteForceCtc(logits: readonly (readonly number[])[], label: readonly number[], blank: number): BruteForceCtc {
  const T = logits.length;
  const C = T > 0 ? logits[0]!.length : 1;
  const logP = logits.map((z) => logSoftmaxRow(z));
  const gamma = logits.map(() => new Array<number>(C).fill(0));
  let prob = 0;
  let alignments = 0;
  const path = new Array<number>(T).fill(0);
  const total = C ** T;
  for (let n = 0; n < total; n++) {
    for (let t = 0, r = n; t < T; t++, r = Math.floor(r / C)) path[t] = r % C;
    const c = collapse(path, blank);
    if (c.length !== label.length || c.some((k, i) => k !== label[i])) continue;
    let lp = 0;
    for (let t = 0; t < T; t++) lp += logP[t]![path[t]!]!;
    const p = Math.exp(lp);
    prob += p;
    alignments++;
    for (let t = 0; t < T; t++) gamma[t]![path[t]!]! += p;
  }
  for (const row of gamma) for (let k = 0; k < C; k++) row[k] = prob > 0 ? row[k]! / prob : 0;
  return { loss: -Math.log(prob), prob, alignments, gamma };
}
