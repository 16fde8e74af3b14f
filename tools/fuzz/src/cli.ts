// The bad-input fuzzer (#8) on demand:
//   npx -y pnpm@10 --filter @strata/fuzz fuzz -- --cases 100000 --seed 7
// Runs the cases in worker processes under a watchdog (see supervisor.ts),
// prints progress and the findings grouped by cause, and exits 1 if there are any.
// Replay one case: --start <index> --cases 1 (cases depend only on seed and index).
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { groupFindings } from './fuzz.js';
import { superviseFuzz } from './supervisor.js';

const argv = process.argv.slice(2).filter((a, i) => !(i === 0 && a === '--'));
const { values } = parseArgs({
  args: argv,
  options: {
    cases: { type: 'string', default: '1000' },
    seed: { type: 'string', default: '1' },
    start: { type: 'string', default: '0' },
    'slow-ms': { type: 'string', default: '5000' },
    'hang-ms': { type: 'string', default: '20000' },
    'heap-mib': { type: 'string', default: '2048' },
    json: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log('usage: fuzz [--cases N] [--seed N] [--start I] [--slow-ms MS] [--hang-ms MS] [--heap-mib MIB] [--json report.json]');
  process.exit(0);
}
const num = (name: keyof typeof values): number => {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < 0) {
    console.error(`fuzz: --${name} must be a non-negative integer, received '${String(values[name])}'`);
    process.exit(2);
  }
  return n;
};
const cases = num('cases');
const t0 = performance.now();
let done = 0;
const report = await superviseFuzz({
  seed: num('seed'),
  start: num('start'),
  cases,
  slowMs: num('slow-ms'),
  hangMs: num('hang-ms'),
  heapMiB: num('heap-mib'),
  onCase: (i, o) => {
    done++;
    if (o.status === 'finding') console.log(`case ${i}: finding (${o.reason})`);
    if (done % 500 === 0 || done === cases) {
      const rate = done / ((performance.now() - t0) / 1000);
      process.stderr.write(`${done}/${cases} cases, ${rate.toFixed(0)}/s\n`);
    }
  },
});
console.log(
  `\nseed ${report.seed}: ${report.cases} cases in ${report.seconds.toFixed(1)} s: ${report.ok} ran, ${report.typed} typed errors, ${report.findings.length} findings`,
);
console.log(`typed errors: ${Object.entries(report.errors).sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`).join(', ')}`);
for (const g of groupFindings(report.findings)) {
  console.log(`\n[${g.count}×] ${g.key}\n  first: case ${g.first.index}: ${g.first.message}\n  input: ${g.first.input}`);
}
if (values.json) writeFileSync(values.json, JSON.stringify(report, null, 2));
process.exit(report.findings.length > 0 ? 1 : 0);
