// The CI run of the bad-input fuzzer (#8): 1,200 seeded cases (net dicts,
// data and engine options, config files) in worker processes under the
// watchdog. Every case must end in success or a typed Strata error whose
// message names the offending field; any finding fails (there is no allowlist:
// a finding is fixed at its cause, with a unit test next to the fixed code).
// More on demand: npx -y pnpm@10 --filter @strata/fuzz fuzz -- --cases 100000 --seed 7
import { describe, expect, it } from 'vitest';
import { groupFindings } from './fuzz.js';
import { generateNetCase, MUTATION_KINDS } from './gen-net.js';
import { Choices, WRONG_VALUES } from './random.js';
import { generateCase, namesOffender } from './run-case.js';
import { superviseFuzz } from './supervisor.js';

const SEED = 8;
const CASES = 1_200;

describe('generator', () => {
  it('is deterministic per (seed, index) and covers every mutation kind', () => {
    expect(JSON.stringify(generateCase(SEED, 123))).toBe(JSON.stringify(generateCase(SEED, 123)));
    expect(JSON.stringify(generateCase(SEED, 123))).not.toBe(JSON.stringify(generateCase(SEED + 1, 123)));
    const kinds = new Set<string>();
    for (let i = 0; i < CASES; i++) {
      const k = generateCase(SEED, i);
      kinds.add(k.kind);
      if (k.kind === 'net' && k.mutations.length === 0) kinds.add('net:valid');
    }
    expect([...kinds].sort()).toEqual(['config', 'data', 'net', 'net:valid']);
    for (const kind of MUTATION_KINDS) expect(generateNetCase(Choices.forCase(1, 0), kind).mutations.length, kind).toBeGreaterThan(0);
    expect(WRONG_VALUES.some((v) => Number.isNaN(v))).toBe(true);
  });

  it('a message names the offender: by name, by a data: reference, or a quoted blank name', () => {
    expect(namesOffender("Layer 'l1' has ...", ['l1', 'n_out'])).toBe(true);
    expect(namesOffender("extern_data has no key 'nope'", ['output', 'data:nope'])).toBe(true);
    expect(namesOffender("Net dict entry ' ' is invalid", [' '])).toBe(true);
    expect(namesOffender('Something is wrong.', ['l1', 'n_out'])).toBe(false);
    expect(namesOffender('anything', [])).toBe(true);
  });
});

describe(`fuzz: ${CASES} cases, seed ${SEED}`, () => {
  it('every case ends in success or a typed error naming the offending field: no untyped error, hang or crash', async () => {
    const report = await superviseFuzz({ seed: SEED, cases: CASES, slowMs: 4_000, hangMs: 3_000, heapMiB: 1_024 });
    expect(report.cases).toBe(CASES);
    // The cases reach both ends: valid inputs that run, bad inputs that are refused.
    expect(report.ok).toBeGreaterThan(CASES / 10);
    expect(report.typed).toBeGreaterThan(CASES / 2);

    const lines = groupFindings(report.findings).map((g) => `[${g.count}×] ${g.key}\n  case ${g.first.index}: ${g.first.message}\n  input: ${g.first.input}`);
    expect(lines, lines.join('\n\n')).toEqual([]);
  }, 120_000);
});
