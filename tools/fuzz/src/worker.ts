// The fuzz worker process: runs cases [start, start + cases) of a seed and
// reports each on stdout as one JSON line, `{"start": i}` before and
// `{"done": i, "outcome": ...}` after, so the supervisor can tell a hang or a
// crash from a finished case. Run: node --conditions=strata-source --import tsx worker.ts <seed> <start> <cases> <slowMs>
import { writeSync } from 'node:fs';
import { prepareBackend, runFuzz } from './fuzz.js';

const [seed, start, cases, slowMs] = process.argv.slice(2).map(Number);
// Anything escaping the case runner (an unhandled rejection, an uncaught exception) is a crash of this process.
process.on('unhandledRejection', (e) => {
  throw e;
});
await prepareBackend();
// writeSync: each line is out before the next case starts, even if that case never returns.
await runFuzz({
  seed: seed!,
  start: start!,
  cases: cases!,
  slowMs: slowMs!,
  onStart: (i) => writeSync(1, `${JSON.stringify({ start: i })}\n`),
  onCase: (i, outcome) => writeSync(1, `${JSON.stringify({ done: i, outcome })}\n`),
});
