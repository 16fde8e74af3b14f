/**
 * Runs fuzz cases in worker processes under a watchdog: a case that runs
 * longer than `hangMs` (an endless loop) is killed and recorded as a `hang`,
 * a worker that dies inside a case (out of memory, a native crash, an
 * uncaught exception) is recorded as a `crash`; either way a new worker goes
 * on with the next case. Everything else is classified by the worker (see run-case.ts).
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { emptyReport, type Finding, type FuzzReport, tally } from './fuzz.js';
import { describeCase, generateCase, type Outcome } from './run-case.js';

const WORKER = fileURLToPath(new URL('./worker.ts', import.meta.url));
/** The package directory: `--import tsx` resolves from the worker's cwd. */
const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));

export interface SuperviseOptions {
  seed: number;
  cases: number;
  start?: number;
  /** A case slower than this (but finished) is a `slow` finding. Default 5,000 ms. */
  slowMs?: number;
  /** A case still running after this is killed: a `hang` finding. Default 20,000 ms. */
  hangMs?: number;
  /** Heap limit of a worker in MiB, so that a runaway allocation crashes fast. Default 2,048. */
  heapMiB?: number;
  /** Called after each case. */
  onCase?: (index: number, outcome: Outcome | { status: 'finding'; reason: 'hang' | 'crash' }) => void;
}

interface WorkerRun {
  /** The next case to run after this worker ended. */
  next: number;
  finding?: Finding;
}

function runWorker(o: Required<Omit<SuperviseOptions, 'onCase'>> & Pick<SuperviseOptions, 'onCase'>, start: number, end: number, report: FuzzReport): Promise<WorkerRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [`--max-old-space-size=${o.heapMiB}`, '--conditions=strata-source', '--import', 'tsx', WORKER, String(o.seed), String(start), String(end - start), String(o.slowMs)],
      { cwd: PACKAGE_DIR, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let current = -1;
    let timer: NodeJS.Timeout | undefined;
    let stderr = '';
    let hung = false;
    child.stderr.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
    });
    createInterface({ input: child.stdout }).on('line', (line) => {
      let msg: { start?: number; done?: number; outcome?: Outcome };
      try {
        msg = JSON.parse(line);
      } catch {
        return; // a library printing to stdout
      }
      if (msg.start !== undefined) {
        current = msg.start;
        clearTimeout(timer);
        timer = setTimeout(() => {
          hung = true;
          child.kill('SIGKILL');
        }, o.hangMs);
      } else if (msg.done !== undefined && msg.outcome) {
        clearTimeout(timer);
        tally(report, msg.done, msg.outcome);
        o.onCase?.(msg.done, msg.outcome);
        current = -1;
      }
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (current < 0) {
        // Between cases: finished (or died before starting one, which is a fuzzer problem, not a finding).
        if (code !== 0) reject(new Error(`fuzz worker failed outside a case (exit ${code ?? signal}):\n${stderr}`));
        else resolve({ next: end });
        return;
      }
      const reason = hung ? 'hang' : 'crash';
      const tail = stderr.trim().split('\n').slice(-6).join(' | ');
      const finding: Finding = {
        index: current,
        reason,
        error: hung ? `killed after ${o.hangMs} ms` : `exit ${code ?? signal}`,
        message: hung ? `case ${current} did not finish within ${o.hangMs} ms` : tail.slice(0, 400),
        stackTop: '',
        input: describeCase(generateCase(o.seed, current)),
      };
      report.cases++;
      report.findings.push(finding);
      o.onCase?.(current, { status: 'finding', reason });
      resolve({ next: current + 1, finding });
    });
  });
}

/** Runs cases `[start, start + cases)` of `seed` under the watchdog and returns the report. */
export async function superviseFuzz(opts: SuperviseOptions): Promise<FuzzReport> {
  const o = { start: 0, slowMs: 5_000, hangMs: 20_000, heapMiB: 2_048, ...opts };
  const t0 = performance.now();
  const report = emptyReport(o.seed);
  const end = o.start + o.cases;
  for (let next = o.start; next < end; ) next = (await runWorker(o, next, end, report)).next;
  report.seconds = (performance.now() - t0) / 1000;
  return report;
}
