/**
 * How many of RETURNN's own test net dicts that RETURNN builds also build in
 * Strata from the unmodified dict, load RETURNN's own TF checkpoint and match
 * its outputs within {@link TOLERANCE} (a local emulation of issue #15's
 * held-out check).
 *
 * Reads the fixture folders `test_net_fixtures.py` wrote (one per net dict of
 * `.cache/test-nets`, built in the real RETURNN as `generate.py` builds a case),
 * and for each does what the committed-fixture test does: `fromDict` with the
 * fixture's `behavior_version`, the params from `model.index` (RETURNN's
 * `tf.compat.v1.train.Saver` checkpoint, read by `@strata/savers`' tf-bundle
 * reader), one forward pass on RETURNN's inputs, and every recorded output
 * compared on its valid frames, with its lengths. Nets RETURNN itself cannot
 * build or run (`_returnn_failed.json`) are not counted.
 *
 * Prints the match rate, the counts of build / checkpoint-load / forward errors
 * and of mismatches, the errors grouped as `build-rate.ts` groups them, and
 * every mismatching net with the outputs that differ and by how much.
 *
 * Usage (from tools/returnn-ref):
 *   RETURNN_SRC=/work/returnn-src /work/venv-ref/bin/python test_net_fixtures.py
 *   npx tsx --conditions=strata-source src/match-rate.ts .cache/test-net-fixtures [--json out.json] [--verbose]
 */
import { setBackend } from '@strata/backend';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { dataConfigsFromConfig, type ExternDataConfig } from '@strata/network';
import { readTfBundle } from '@strata/savers';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixtureNames, readFixture, type Fixture } from './fixture.js';
import { groupBy, groupOf, normalize, pct } from './failure-groups.js';
import { buildAndRun, compareOutput, type FailureKind, TOLERANCE } from './run-fixture.js';

/** `source.json`, written by `test_net_fixtures.py` beside the fixture files. */
interface Source {
  readonly file: string;
  readonly test: string;
  readonly line: number;
  readonly skipped_outputs: Record<string, string>;
}

type Stage = 'build' | 'checkpoint-load' | 'forward' | 'mismatch';

/** One output that does not match. */
interface OutputFailure {
  readonly output: string;
  readonly kind: FailureKind;
  readonly detail: string;
  /** The layer class of the output's entry. */
  readonly cls: string;
}

interface Outcome {
  readonly name: string;
  readonly where: string;
  readonly ok: boolean;
  readonly maxDiff?: number;
  readonly stage?: Stage;
  readonly group?: string;
  readonly error?: string;
  /** For `mismatch`: every recorded output that differs, in recording order (`output` first). */
  readonly outputs?: readonly OutputFailure[];
  readonly matchingOutputs?: readonly string[];
}

const STAGE_OF: Record<FailureKind, Stage> = {
  'unknown-class': 'build',
  'rejected-key': 'build',
  'build-error': 'build',
  'name-mapping': 'checkpoint-load',
  'forward-error': 'forward',
  'missing-output': 'mismatch',
  'wrong-shape': 'mismatch',
  'wrong-numbers': 'mismatch',
  'wrong-seq-lens': 'mismatch',
};

/** The fixture with `extern_data` made from `extern_config` (`num_inputs`/`num_outputs`) where the test gave that. */
function withExternData(fx: Fixture): Fixture {
  const config = (fx.net as { extern_config?: ExternDataConfig }).extern_config;
  if (fx.net.extern_data || !config) return fx;
  return { ...fx, net: { ...fx.net, extern_data: dataConfigsFromConfig(config) as never } };
}

const diffOf = (detail: string) => Number(/max abs diff ([\d.e+-]+|Infinity)/.exec(detail)?.[1] ?? NaN);

async function runOne(root: string, name: string): Promise<Outcome> {
  const dir = join(root, name);
  const source = JSON.parse(readFileSync(join(dir, 'source.json'), 'utf8')) as Source;
  const where = `${source.file.replace('tests/', '').replace('.py', '')}::${source.test}:${source.line}`;
  const fx = withExternData(readFixture(dir));
  const fail = (stage: Stage, error: unknown): Outcome => {
    if (stage === 'checkpoint-load' && error instanceof Error) {
      // "Cannot map checkpoint <file> ...", then what is missing: grouped by the latter, the file left out.
      const lines = error.message.split('\n').map((l) => l.trim()).filter(Boolean);
      const what = lines.slice(1, 3).join(' ');
      return { name, where, ok: false, stage, group: `${error.name} | ${normalize(lines[1] ?? lines[0] ?? '')}`, error: `${error.name}: ${what || lines[0]}`.slice(0, 300) };
    }
    return { name, where, ok: false, stage, ...groupOf(fx.net.network, error) };
  };
  let params = { tensors: fx.params, file: join(dir, 'params.safetensors') };
  const index = join(dir, 'model.index');
  if (existsSync(index)) {
    try {
      params = { tensors: (await readTfBundle(index)).tensors, file: index };
    } catch (e) {
      return fail('checkpoint-load', e);
    }
  }
  const run = buildAndRun(fx, params);
  if (!run.ok) return fail(STAGE_OF[run.kind], run.error ?? new Error(run.detail));
  const failures: OutputFailure[] = [];
  const matching: string[] = [];
  let maxDiff = 0;
  for (const output of fx.net.outputs) {
    const c = compareOutput(fx, run, output);
    if (c.ok) {
      matching.push(output);
      maxDiff = Math.max(maxDiff, c.maxDiff);
    } else {
      const cls = (fx.net.network[output] as { class?: string } | undefined)?.class ?? '?';
      failures.push({ output, kind: c.kind, detail: c.detail, cls });
    }
  }
  if (!failures.length) return { name, where, ok: true, maxDiff };
  const first = failures[0]!;
  const group = `${first.kind} | class ${first.cls}`;
  return { name, where, ok: false, stage: 'mismatch', group, error: first.detail, outputs: failures, matchingOutputs: matching };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const jsonOut = args.includes('--json') ? args[args.indexOf('--json') + 1] : undefined;
  const root = args.find((a) => !a.startsWith('--') && a !== jsonOut);
  if (!root) throw new Error('Usage: match-rate.ts <folder written by test_net_fixtures.py> [--json out.json] [--verbose]');
  const verbose = args.includes('--verbose');
  registerTfjsBackends();
  await setBackend('tfjs-cpu');

  const names = fixtureNames(root);
  const failedFile = join(root, '_returnn_failed.json');
  const returnnFailed = existsSync(failedFile) ? (JSON.parse(readFileSync(failedFile, 'utf8')) as Record<string, string>) : {};
  const outcomes: Outcome[] = [];
  for (const name of names) {
    const t0 = Date.now();
    let o: Outcome;
    try {
      o = await runOne(root, name);
    } catch (e) {
      // A fixture Strata cannot even read: counted as a build error of the tool's input, with its message.
      o = { name, where: name, ok: false, stage: 'build', ...groupOf({}, e) };
    }
    outcomes.push(o);
    if (verbose) console.error(`${o.ok ? 'ok  ' : 'FAIL'} ${o.where} (${Date.now() - t0} ms)${o.ok ? ` max diff ${o.maxDiff!.toExponential(1)}` : ` [${o.stage}] ${o.error}`}`);
  }

  const ok = outcomes.filter((o) => o.ok);
  const count = (s: Stage) => outcomes.filter((o) => o.stage === s).length;
  const nFailed = Object.keys(returnnFailed).length;
  console.log(`RETURNN test net dicts that RETURNN builds and runs here: ${names.length} (RETURNN fails on ${nFailed} more: ${failedFile})`);
  console.log(`RETURNN-built test nets that match in Strata (TF checkpoint, ≤${TOLERANCE}): ${pct(ok.length, outcomes.length)}`);
  console.log(`  build errors ${count('build')}, checkpoint-load errors ${count('checkpoint-load')}, forward errors ${count('forward')}, ` +
    `mismatches ${count('mismatch')} (numbers ${outcomes.filter((o) => o.outputs?.[0]?.kind === 'wrong-numbers').length}, ` +
    `shape/lengths/missing ${outcomes.filter((o) => o.stage === 'mismatch' && o.outputs?.[0]?.kind !== 'wrong-numbers').length})`);

  const mismatches = outcomes.filter((o) => o.stage === 'mismatch').sort((a, b) => (diffOf(b.error!) || 0) - (diffOf(a.error!) || 0));
  console.log(`\nMismatches (${mismatches.length}): every recorded output that differs`);
  for (const o of mismatches) {
    console.log(`  ${o.where} (${o.name})`);
    for (const f of o.outputs!) console.log(`      ${f.kind} ${f.cls}: ${f.detail}`);
    if (o.matchingOutputs!.length) console.log(`      matching: ${o.matchingOutputs!.join(', ')}`);
  }
  const errors = groupBy(outcomes.filter((o) => !o.ok && o.stage !== 'mismatch'), (o) => `[${o.stage}] ${o.group}`);
  console.log(`\nErrors by group (${errors.length} groups):`);
  for (const [group, list] of errors) {
    console.log(`  ${list.length} × ${group}`);
    for (const o of list.slice(0, verbose ? list.length : 3)) console.log(`      ${o.where} ${o.error}`);
  }
  if (nFailed) {
    console.log(`\nRETURNN fails on (not counted):`);
    for (const [group, list] of groupBy(Object.entries(returnnFailed), ([, e]) => e.split(':')[0]!)) {
      console.log(`  ${list.length} × ${group}`);
      for (const [n, e] of list.slice(0, verbose ? list.length : 3)) console.log(`      ${n}: ${e.slice(0, 200)}`);
    }
  }
  if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ outcomes, returnnFailed }, null, 1));
}

await main();
