/** Summary statistics of timings and of prediction agreement. */

/** Median of a non-empty list (mean of the two middle values for even lengths). */
function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new Error('median of no values');
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Timings of one contender: milliseconds per full pass. */
export interface TimingSummary {
  median: number;
  min: number;
  max: number;
  samples: number[];
}

export function summarize(samples: readonly number[]): TimingSummary {
  return { median: median(samples), min: Math.min(...samples), max: Math.max(...samples), samples: [...samples] };
}

/** Row-wise argmax of `[rows, cols]` values. */
export function argmaxRows(values: Float32Array, cols: number): Int32Array {
  const rows = values.length / cols;
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let c = 1; c < cols; c++) if (values[r * cols + c]! > values[r * cols + best]!) best = c;
    out[r] = best;
  }
  return out;
}

/** How two outputs compare: agreement of their argmax and the largest absolute difference. */
export interface Agreement {
  /** Rows whose argmax is the same. */
  agree: number;
  rows: number;
  maxAbsDiff: number;
}

export function compareOutputs(a: Float32Array, b: Float32Array, cols: number): Agreement {
  if (a.length !== b.length) throw new Error(`outputs differ in size: ${a.length} vs ${b.length}`);
  const ia = argmaxRows(a, cols);
  const ib = argmaxRows(b, cols);
  let agree = 0;
  for (let i = 0; i < ia.length; i++) if (ia[i] === ib[i]) agree++;
  let maxAbsDiff = 0;
  for (let i = 0; i < a.length; i++) maxAbsDiff = Math.max(maxAbsDiff, Math.abs(a[i]! - b[i]!));
  return { agree, rows: ia.length, maxAbsDiff };
}

/** Fraction of rows whose argmax equals the label. */
export function accuracy(values: Float32Array, cols: number, labels: Int32Array): number {
  const p = argmaxRows(values, cols);
  let ok = 0;
  for (let i = 0; i < p.length; i++) if (p[i] === labels[i]) ok++;
  return ok / p.length;
}
