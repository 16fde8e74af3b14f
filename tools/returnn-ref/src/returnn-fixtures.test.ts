// Every fixture of tools/returnn-ref/fixtures (net dicts built in the real
// RETURNN, see generate.py) is built in Strata from its unmodified dict, loaded
// with RETURNN's params by their RETURNN names, run on the same inputs and
// compared: outputs within 1e-5 on the valid frames, and the same lengths.
// Fixtures Strata cannot yet build or match are in EXPECTED_FAILURES and must
// fail exactly that way.
import { setBackend } from '@strata/backend';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readTfBundle } from '@strata/savers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXPECTED_FAILURES } from './expected-failures.js';
import { fixtureNames, readFixture } from './fixture.js';
import { type FailureKind, runFixture, TOLERANCE } from './run-fixture.js';

const ROOT = join(import.meta.dirname, '..', 'fixtures');
const names = fixtureNames(ROOT);
const matched: string[] = [];
const failedAsExpected = new Map<FailureKind, string[]>();

beforeAll(async () => {
  registerTfjsBackends();
  await setBackend('tfjs-cpu');
});

afterAll(() => {
  const byKind = [...failedAsExpected].map(([k, v]) => `${k} ${v.length}`).join(', ');
  const failures = [...failedAsExpected.values()].reduce((n, v) => n + v.length, 0);
  console.log(`RETURNN fixtures: ${matched.length} match, ${failures} expected failures (${byKind})`);
});

describe('RETURNN reference fixtures on tfjs-cpu', () => {
  it('has at least 60 fixtures, and every expected failure names one', () => {
    expect(names.length).toBeGreaterThanOrEqual(60);
    expect(Object.keys(EXPECTED_FAILURES).filter((n) => !names.includes(n))).toEqual([]);
  });

  for (const name of names) {
    const expected = EXPECTED_FAILURES[name];
    it(expected ? `${name} fails: ${expected.kind} (${expected.reason})` : `${name} matches RETURNN`, () => {
      const result = runFixture(readFixture(join(ROOT, name)));
      if (!expected) {
        expect(result, result.ok ? '' : `${result.kind}: ${result.detail}`).toMatchObject({ ok: true });
        if (result.ok) expect(result.maxDiff).toBeLessThanOrEqual(TOLERANCE);
        matched.push(name);
        return;
      }
      // Still failing, and for the stated reason: once it matches, remove it from EXPECTED_FAILURES.
      expect(result.ok ? 'matches now' : result.kind, result.ok ? '' : result.detail).toBe(expected.kind);
      if (!failedAsExpected.has(expected.kind)) failedAsExpected.set(expected.kind, []);
      failedAsExpected.get(expected.kind)!.push(name);
    });
  }
});

// The same fixtures with RETURNN's own TF checkpoint (model.index / model.data-00000-of-00001, written by
// tf.compat.v1.train.Saver, with global_step) read by @strata/savers' tf-bundle reader instead of params.safetensors.
describe("RETURNN's TF checkpoints (tf-bundle) load to the same outputs", () => {
  const withCheckpoint = names.filter((n) => !EXPECTED_FAILURES[n] && existsSync(join(ROOT, n, 'model.index')));
  it('most matching fixtures have a checkpoint', () => {
    expect(withCheckpoint.length).toBeGreaterThanOrEqual(40);
  });
  for (const name of withCheckpoint) {
    it(`${name}: model.index`, async () => {
      const fx = readFixture(join(ROOT, name));
      const file = join(ROOT, name, 'model.index');
      const bundle = await readTfBundle(file);
      // The checkpoint holds every param of params.safetensors, with the same values, plus global_step; except the state
      // initial_state "keep_over_epoch" keeps between steps (`<rec>/rec/keep_state_<part>`), which RETURNN leaves out of its
      // saveable params (`saveable_param_replace[var] = None`), and which Strata keeps in memory only.
      expect([...fx.params.keys()].filter((k) => !bundle.tensors.has(k) && !/\/keep_state_[^/]+$/.test(k))).toEqual([]);
      for (const k of fx.params.keys()) if (/\/keep_state_[^/]+$/.test(k)) expect(bundle.tensors.has(k), `${k} is not saved by RETURNN`).toBe(false);
      const result = runFixture(fx, { tensors: bundle.tensors, file });
      expect(result, result.ok ? '' : `${result.kind}: ${result.detail}`).toMatchObject({ ok: true });
    });
  }
});
