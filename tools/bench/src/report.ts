/** The printed report: a table per model, output checks, target checks and summary lines. */
import type { Measured } from './runner.js';
import { accuracy, compareOutputs } from './stats.js';

/** Rows of the table, by role. */
export interface ModelResult {
  key: string;
  digits: number;
  classes: number;
  labels: Int32Array;
  strataOrt: Measured;
  rawOrt: Measured;
  tfjsLayers: Measured;
  all: Measured[];
}

const pad = (s: string, n: number): string => (s.length >= n ? s : s + ' '.repeat(n - s.length));
const lpad = (s: string, n: number): string => (s.length >= n ? s : ' '.repeat(n - s.length) + s);
const ms = (x: number): string => x.toFixed(1);

/** The timing table of one model; ratios are relative to Strata-onnxruntime (>1: slower than it). */
export function timingTable(r: ModelResult): string[] {
  const ref = r.strataOrt.timing;
  const head = ['contender', 'median ms', 'min ms', 'max ms', 'ratio (med)', 'ratio (min)', 'digits/s', 'warm-up ms'];
  const widths = [34, 10, 9, 9, 12, 12, 10, 11];
  const lines = [head.map((h, i) => (i === 0 ? pad(h, widths[i]!) : lpad(h, widths[i]!))).join(' ')];
  lines.push(widths.map((w) => '-'.repeat(w)).join(' '));
  for (const m of r.all) {
    const t = m.timing;
    const cells = [
      m.contender.name + (m.contender.informational ? ' *' : ''),
      ms(t.median),
      ms(t.min),
      ms(t.max),
      `${(t.median / ref.median).toFixed(2)}x`,
      `${(t.min / ref.min).toFixed(2)}x`,
      ((1000 * r.digits) / t.median).toFixed(0),
      ms(m.warmupMs),
    ];
    lines.push(cells.map((c, i) => (i === 0 ? pad(c, widths[i]!) : lpad(c, widths[i]!))).join(' '));
  }
  return lines;
}

/** Equality of every contender's output with Strata-onnxruntime's, and dev accuracy. */
export function outputChecks(r: ModelResult): string[] {
  const ref = r.strataOrt.output;
  return r.all.map((m) => {
    const acc = (100 * accuracy(m.output, r.classes, r.labels)).toFixed(2);
    if (m === r.strataOrt) return `  ${pad(m.contender.name, 34)} dev accuracy ${acc}% (reference)`;
    const a = compareOutputs(ref, m.output, r.classes);
    const ok = a.agree === a.rows && a.maxAbsDiff < 1e-3;
    return `  ${pad(m.contender.name, 34)} dev accuracy ${acc}%, argmax agrees ${a.agree}/${a.rows}, max |diff| ${a.maxAbsDiff.toExponential(2)} ${ok ? 'OK' : 'MISMATCH'}`;
  });
}

/** Speedup targets of issue #4. */
export const TARGET_SPEEDUP: Record<string, number> = { MLP: 5, CNN: 3 };
export const TARGET_OVERHEAD = 1.2;

/** PASS/FAIL lines (information, not assertions), decided on medians; the ratio of the mins is shown too. */
export function targetLines(r: ModelResult): string[] {
  const s = r.strataOrt.timing;
  const speedup = r.tfjsLayers.timing.median / s.median;
  const speedupMin = r.tfjsLayers.timing.min / s.min;
  const overhead = s.median / r.rawOrt.timing.median;
  const overheadMin = s.min / r.rawOrt.timing.min;
  const need = TARGET_SPEEDUP[r.key] ?? 1;
  return [
    `${speedup >= need ? 'PASS' : 'FAIL'} ${r.key}: Strata-onnxruntime ${speedup.toFixed(2)}x faster than tfjs-layers wasm (target >= ${need}x; ${speedupMin.toFixed(2)}x by min)`,
    `${overhead <= TARGET_OVERHEAD ? 'PASS' : 'FAIL'} ${r.key}: Strata-onnxruntime at ${overhead.toFixed(2)}x the raw InferenceSession's time (target <= ${TARGET_OVERHEAD}x; ${overheadMin.toFixed(2)}x by min)`,
  ];
}

/** `MLP: Strata-ORT x.x ms, raw ORT y.y ms (ratio), tfjs-layers wasm z.z ms (speedup)`. */
export function summaryLine(r: ModelResult): string {
  const s = r.strataOrt.timing.median;
  const raw = r.rawOrt.timing.median;
  const tl = r.tfjsLayers.timing.median;
  return `${r.key}: Strata-ORT ${ms(s)} ms, raw ORT ${ms(raw)} ms (${(s / raw).toFixed(2)}x), tfjs-layers wasm ${ms(tl)} ms (${(tl / s).toFixed(1)}x speedup)`;
}
