/** What `Engine.predict` returns. */
export interface PredictResult {
  /**
   * The output layer's values, row-major `[examples, ...outputShape]`, in
   * dataset order. For an output with a time axis on sequence data,
   * `[examples, maxTime, ...]` padded with 0 to the longest output (frames
   * past `seqLens[i]` are 0 when the lengths are known).
   */
  values: Float32Array;
  shape: number[];
  /**
   * Sequence data with a time axis in the output: valid output frames per
   * example, int32 `[examples]`: the sizes of the output's time Dim, or, if the
   * layer gives none and its time axis has the padded size of the first
   * sequence input, that input's lengths (frame-synchronous layers).
   */
  seqLens?: Int32Array;
}

/** One example's predicted values (row-major, its output without the batch axis) and its output length, if known. */
export interface PredictedRow {
  values: Float32Array;
  len: number | undefined;
}

/** The batches' values one after another (row-major `[examples, ...]`). */
export function concatRows(parts: readonly Float32Array[]): Float32Array {
  const values = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    values.set(p, o);
    o += p.length;
  }
  return values;
}

/**
 * The rows of a sequence prediction (one per example, in example order) as
 * one result: without a time axis (`maxTime` undefined) `[examples,
 * ...rowShape]`; with one, `[examples, maxTime, ...frame]`, each row's frames
 * past its length left 0 (not the layer's values on padding), and `seqLens`
 * when every row's length is known.
 */
export function sequenceRows(rows: readonly PredictedRow[], rowShape: readonly number[], maxTime: number | undefined): PredictResult {
  const size = rows.length;
  if (maxTime === undefined) {
    const per = rows[0]?.values.length ?? 0;
    const values = new Float32Array(size * per);
    rows.forEach((r, i) => values.set(r.values, i * per));
    return { values, shape: [size, ...rowShape] };
  }
  const frame = rowShape.slice(1).reduce((a, d) => a * d, 1);
  const values = new Float32Array(size * maxTime * frame);
  rows.forEach((r, i) => values.set(r.len === undefined ? r.values : r.values.subarray(0, r.len * frame), i * maxTime * frame));
  const known = rows.every((r) => r.len !== undefined);
  return { values, shape: [size, maxTime, ...rowShape.slice(1)], ...(known ? { seqLens: Int32Array.from(rows, (r) => r.len!) } : {}) };
}
