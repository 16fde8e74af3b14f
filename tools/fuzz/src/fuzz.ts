/**
 * Runs fuzz cases `[start, start + cases)` of a seed in this process and
 * groups the findings (same reason, error class and stack top).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setBackend } from '@strata/backend';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { describeCase, generateCase, type Outcome, runCase } from './run-case.js';

export interface Finding {
  index: number;
  reason: 'untyped' | 'unhelpful' | 'slow' | 'hang' | 'crash';
  error: string;
  message: string;
  stackTop: string;
  input: string;
}

export interface FuzzReport {
  seed: number;
  cases: number;
  ok: number;
  typed: number;
  findings: Finding[];
  /** Typed errors by class name: what the cases ran into. */
  errors: Record<string, number>;
  seconds: number;
}

export interface FuzzOptions {
  seed: number;
  cases: number;
  start?: number;
  /** A case slower than this is a finding. Default 5,000 ms. */
  slowMs?: number;
  /** Called before each case (the watchdog's heartbeat). */
  onStart?: (index: number) => void;
  /** Called after each case (progress, IPC). */
  onCase?: (index: number, outcome: Outcome) => void;
}

/** The backend the fuzzer runs on: tfjs-cpu (always available, complete gradients). */
export async function prepareBackend(): Promise<void> {
  registerTfjsBackends();
  await setBackend('tfjs-cpu');
}

/** A report of no cases yet. */
export function emptyReport(seed: number): FuzzReport {
  return { seed, cases: 0, ok: 0, typed: 0, findings: [], errors: {}, seconds: 0 };
}

/** Counts case `index`'s outcome into `report` (a finding with its regenerated input). */
export function tally(report: FuzzReport, index: number, outcome: Outcome): void {
  report.cases++;
  if (outcome.status === 'ok') report.ok++;
  else if (outcome.status === 'typed') {
    report.typed++;
    report.errors[outcome.error] = (report.errors[outcome.error] ?? 0) + 1;
  } else report.findings.push(findingOf(index, outcome, report.seed));
}

function findingOf(index: number, o: Outcome & { status: 'finding' }, seed: number): Finding {
  return { index, reason: o.reason, error: o.error, message: o.message.slice(0, 400), stackTop: o.stackTop, input: describeCase(generateCase(seed, index)) };
}

export async function runFuzz(opts: FuzzOptions): Promise<FuzzReport> {
  const t0 = performance.now();
  const workDir = mkdtempSync(join(tmpdir(), 'strata-fuzz-'));
  const report = emptyReport(opts.seed);
  const start = opts.start ?? 0;
  try {
    for (let i = start; i < start + opts.cases; i++) {
      opts.onStart?.(i);
      const outcome = await runCase(generateCase(opts.seed, i), i, { workDir, slowMs: opts.slowMs ?? 5_000 });
      tally(report, i, outcome);
      opts.onCase?.(i, outcome);
    }
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
  report.seconds = (performance.now() - t0) / 1000;
  return report;
}

/** Findings grouped by reason, error and stack top, with the first case of each group. */
export function groupFindings(findings: readonly Finding[]): { key: string; count: number; first: Finding }[] {
  const groups = new Map<string, { key: string; count: number; first: Finding }>();
  for (const f of findings) {
    const key = `${f.reason} ${f.error} @ ${f.stackTop}`;
    const g = groups.get(key);
    if (g) g.count++;
    else groups.set(key, { key, count: 1, first: f });
  }
  return [...groups.values()].sort((a, b) => b.count - a.count);
}
