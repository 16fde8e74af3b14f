/**
 * Levenshtein distance and label error rates on the host, for reporting
 * (phoneme error rate, character error rate, word error rate over tokens).
 * Plain JavaScript over label ids: nothing here is differentiated or touches
 * a backend.
 */

/** Errors of a hypothesis against a reference, in labels. */
export interface LabelErrorCount {
  /** Substitutions + insertions + deletions (the Levenshtein distance). */
  errors: number;
  /** Labels in the reference (the denominator of the error rate). */
  refLength: number;
}

/**
 * The Levenshtein distance: the least number of substitutions, insertions and
 * deletions (each costing 1) that turn `ref` into `hyp`. Labels are compared
 * with `===`, so any integer ids (or numbers) work.
 *
 * Symmetric; `|ref.length − hyp.length| ≤ editDistance ≤ max(ref.length, hyp.length)`.
 * Time O(|ref|·|hyp|), memory O(|hyp|) (two rows of the Wagner–Fischer table).
 *
 * Shape: `ref` `[refTime]`, `hyp` `[hypTime]`, any numeric array-likes (Int32Array, number[]).
 * Returns a non-negative integer count of label edits.
 */
export function editDistance(ref: ArrayLike<number>, hyp: ArrayLike<number>): number {
  const n = ref.length;
  const m = hyp.length;
  if (n === 0) return m;
  if (m === 0) return n;
  // prev[j] = distance between ref[0, i) and hyp[0, j) for the previous i.
  let prev = new Int32Array(m + 1);
  let cur = new Int32Array(m + 1);
  for (let j = 0; j <= m; j++) prev[j] = j;
  for (let i = 1; i <= n; i++) {
    cur[0] = i;
    const r = ref[i - 1];
    for (let j = 1; j <= m; j++) {
      const sub = prev[j - 1]! + (r === hyp[j - 1] ? 0 : 1);
      const del = prev[j]! + 1;
      const ins = cur[j - 1]! + 1;
      cur[j] = sub < del ? (sub < ins ? sub : ins) : del < ins ? del : ins;
    }
    const t = prev;
    prev = cur;
    cur = t;
  }
  return prev[m]!;
}

/**
 * The edit errors of one hypothesis against one reference.
 *
 * Shape: `ref` `[refTime]`, `hyp` `[hypTime]` label ids. Returns counts in labels.
 */
export function labelErrors(ref: ArrayLike<number>, hyp: ArrayLike<number>): LabelErrorCount {
  return { errors: editDistance(ref, hyp), refLength: ref.length };
}

/**
 * Corpus label error rate: edit errors summed over all pairs, divided by the
 * summed reference length (not the mean of per-sequence rates, so long
 * sequences weigh more, as in WER/PER reporting). `rate` is `NaN` when all
 * references are empty.
 *
 * Shape: `refs[i]` `[refTime_i]`, `hyps[i]` `[hypTime_i]`, one pair per sequence.
 * @throws RangeError when `refs` and `hyps` differ in length.
 */
export function labelErrorRate(
  refs: readonly ArrayLike<number>[],
  hyps: readonly ArrayLike<number>[],
): LabelErrorCount & { rate: number } {
  if (refs.length !== hyps.length) {
    throw new RangeError(`labelErrorRate: expected one hypothesis per reference. Received: ${refs.length} references, ${hyps.length} hypotheses.`);
  }
  let errors = 0;
  let refLength = 0;
  for (let i = 0; i < refs.length; i++) {
    errors += editDistance(refs[i]!, hyps[i]!);
    refLength += refs[i]!.length;
  }
  return { errors, refLength, rate: refLength > 0 ? errors / refLength : Number.NaN };
}
