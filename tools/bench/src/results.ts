/**
 * The results of a run as data: one group per workload and model (e.g.
 * `train/MLP`), rows per contender, ratios against the peer measured in
 * the same run, and target checks. The Markdown table, the JSON file and
 * the SVG chart are all made from this.
 */
import type { Workload } from './options.js';
import type { Measured } from './runner.js';

/** One contender's numbers (milliseconds per measurement, or per unit: see `units`). */
export interface RowResult {
  contender: string;
  detail: string;
  informational: boolean;
  /** Training batches per measurement; times are per batch then. */
  units?: number;
  /** Why it did not run; the timing fields are absent then. */
  unavailable?: string;
  medianMs?: number;
  minMs?: number;
  maxMs?: number;
  /** `(max - min) / median`. */
  spread?: number;
  samplesMs?: number[];
  warmupMs?: number;
  /** The row it is compared with in the table's ratio column (usually tfjs-layers on the same backend). */
  peer?: string;
  /** `median / peer's median` (> 1: slower than the peer). */
  ratio?: number;
  /** `min / peer's min`. */
  ratioMin?: number;
  /** Matrix-product and convolution FLOPs per measurement divided by the median time. */
  gflops?: number;
  /** A correctness note: output agreement, first-pass loss, bytes written. */
  check?: string;
}

/** A target of an issue: `subject` must take at most `maxRatio` times `peer`'s median time. */
export interface TargetResult {
  /** Where it comes from, e.g. `#8 overhead budget`. */
  source: string;
  /** What it says, e.g. `Strata tfjs-wasm ≤ 1.05× tfjs-layers wasm`. */
  text: string;
  subject: string;
  peer: string;
  maxRatio: number;
  /** `subject median / peer median`, null when one of them is unavailable. */
  ratio: number | null;
  ratioMin: number | null;
  /** Null when it could not be decided (a contender unavailable). */
  pass: boolean | null;
}

export interface GroupResult {
  /** `train/MLP`, `infer256/CNN`, ... */
  id: string;
  workload: Workload;
  /** One line: what one measurement is. */
  title: string;
  rounds: number;
  /** Multiply a measurement by this to get the quantity in `scaledLabel` (training: a full epoch from a subset). */
  scale?: { factor: number; label: string };
  rows: RowResult[];
  targets: TargetResult[];
  notes: string[];
}

/** What a group declares before measuring: the peer of each row and the targets. */
export interface GroupPlan {
  id: string;
  workload: Workload;
  title: string;
  rounds: number;
  scale?: { factor: number; label: string };
  /** Contender name → the peer it is compared with. */
  peers: Record<string, string>;
  targets: { source: string; text: string; subject: string; peer: string; maxRatio: number }[];
  /** FLOPs of one measurement, or of one unit when contenders have `units` (for GFLOP/s), when meaningful. */
  flops?: number;
  checks?: Record<string, string>;
  notes?: string[];
}

/** Builds the group's rows, ratios and target checks from the runner's results. */
export function groupResult(plan: GroupPlan, measured: Measured[]): GroupResult {
  const byName = new Map(measured.map((m) => [m.contender.name, m] as const));
  const rows: RowResult[] = measured.map((m) => {
    const c = m.contender;
    const row: RowResult = { contender: c.name, detail: c.detail, informational: c.informational ?? false };
    if (c.units !== undefined) row.units = c.units;
    const check = plan.checks?.[c.name];
    if (check !== undefined) row.check = check;
    if (!m.timing) {
      row.unavailable = m.unavailable ?? 'unavailable';
      return row;
    }
    const t = m.timing;
    Object.assign(row, { medianMs: t.median, minMs: t.min, maxMs: t.max, spread: (t.max - t.min) / t.median, samplesMs: t.samples });
    if (!Number.isNaN(m.warmupMs)) row.warmupMs = m.warmupMs;
    if (plan.flops !== undefined) row.gflops = plan.flops / (t.median * 1e6);
    const peerName = plan.peers[c.name];
    const peer = peerName === undefined ? undefined : byName.get(peerName);
    if (peerName !== undefined) row.peer = peerName;
    if (peer?.timing) {
      row.ratio = t.median / peer.timing.median;
      row.ratioMin = t.min / peer.timing.min;
    }
    return row;
  });
  const targets: TargetResult[] = plan.targets.map((g) => {
    const s = byName.get(g.subject)?.timing;
    const p = byName.get(g.peer)?.timing;
    const ratio = s && p ? s.median / p.median : null;
    const ratioMin = s && p ? s.min / p.min : null;
    return { ...g, ratio, ratioMin, pass: ratio === null ? null : ratio <= g.maxRatio };
  });
  return {
    id: plan.id,
    workload: plan.workload,
    title: plan.title,
    rounds: plan.rounds,
    ...(plan.scale ? { scale: plan.scale } : {}),
    rows,
    targets,
    notes: plan.notes ?? [],
  };
}
