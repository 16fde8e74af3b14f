/**
 * How many of RETURNN's own test net dicts build and run in Strata, unmodified.
 *
 * Reads the nets `extract_test_nets.py` wrote (one JSON per net dict of
 * RETURNN's `tests/test_TFNetworkLayer.py` / `test_TFNetworkRecLayer.py`),
 * builds each with `NetDictNetwork.fromDict(network, { externData, behaviorVersion })`
 * on tfjs-cpu and runs one forward pass on random inputs of the extern data's
 * shapes (batch 2, dynamic axes of length 5 and 3, sparse data as int32 class
 * indices below `dim`). Prints nets that build / total, the layer entries of
 * those nets / all entries, and the failures grouped by error class and the
 * layer class, key or name the message names, with example tests.
 *
 * Nets RETURNN itself rejects (the test expects an exception), nets of tests
 * RETURNN skips here (GPU only) and nets whose `eval` strings call Python of
 * the test file are counted apart, not as Strata failures.
 *
 * Usage (from tools/returnn-ref):
 *   /work/venv-ref/bin/python extract_test_nets.py /work/returnn-src .cache/test-nets
 *   npx tsx --conditions=strata-source src/build-rate.ts .cache/test-nets [--json out.json] [--verbose]
 */
import { ops, setBackend, type DType, type Tensor } from '@strata/backend';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { sizeKey } from '@strata/core';
import { dataConfigsFromConfig, ExternData, NetDictNetwork } from '@strata/network';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { countEntries, groupBy, groupOf, pct } from './failure-groups.js';

/** One net as `extract_test_nets.py` writes it. */
interface TestNet {
  readonly file: string;
  readonly test: string;
  readonly line: number;
  readonly extern_data?: Record<string, Record<string, unknown>>;
  readonly extern_config?: { num_inputs?: number; num_outputs?: number | Record<string, number | [number, number]> };
  readonly network: Record<string, unknown>;
  readonly behavior_version: number | null;
  readonly returnn_rejects: boolean;
  readonly returnn_skip_if: string | null;
  readonly needs_python: string | null;
}

/** A net dict of RETURNN's tests that `extract_test_nets.py` could not take as data. */
interface SkippedNet {
  readonly test: string;
  readonly line: number;
  readonly what: string;
  readonly kind: string;
  readonly reason: string;
}

type Stage = 'build' | 'forward';
interface Outcome {
  readonly net: TestNet;
  readonly entries: number;
  /** Top-level entries RETURNN would not construct that failed to build (the net built without them; not counted as held). */
  readonly unbuilt?: readonly string[];
  readonly ok: boolean;
  readonly stage?: Stage;
  readonly group?: string;
  readonly error?: string;
}

const BATCH = 2;
const LENS = [5, 3];

function externDataOf(net: TestNet): Record<string, unknown> {
  return net.extern_data ?? (dataConfigsFromConfig(net.extern_config as never) as Record<string, unknown>);
}

/** Random values of every extern-data key the net uses: dynamic axes get lengths {@link LENS} (padded to 5). */
function randomBatch(network: NetDictNetwork, seed: number): Record<string, Tensor> {
  let s = seed >>> 0;
  const rnd = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
  const batch: Record<string, Tensor> = {};
  for (const key of network.externData.keys) {
    const data = network.externData.getData(key);
    // In the entry's declared layout (RETURNN's axis order: time-major, features first), as a dataset feeds it.
    const layout = network.externData.layouts.get(key);
    const declared = network.externData.declaredBatchShape(key);
    const batchAxis = layout ? (layout.hasBatch ? layout.toCanonical[0]! : -1) : data.hasBatch ? 0 : -1;
    const shape = declared.map((d, i) => (i === batchAxis ? BATCH : (d ?? LENS[0]!)));
    const n = shape.reduce((a, b) => a * b, 1);
    const dtype: DType = data.dtype;
    const values =
      dtype === 'float32'
        ? Float32Array.from({ length: n }, () => rnd() * 2 - 1)
        : Int32Array.from({ length: n }, () => Math.floor(rnd() * (data.sparse ? (data.dim ?? 2) : dtype === 'bool' ? 2 : 5)));
    batch[key] = ops.tensor(values, shape, dtype);
    declared.forEach((d, i) => {
      if (d === null && i !== batchAxis && batchAxis >= 0) batch[sizeKey(key, i)] = ops.tensor(Int32Array.from(LENS.slice(0, BATCH)), [BATCH], 'int32');
    });
  }
  return batch;
}

/** The top-level entries RETURNN's `construct_from_dict` constructs (with what they need): `output`, `*:output`, entries with a loss or `is_output_layer`, first those with `register_as_extern_data`. */
function returnnRoots(net: Record<string, unknown>): string[] {
  const names = Object.keys(net).sort();
  const desc = (n: string) => (net[n] ?? {}) as Record<string, unknown>;
  const skip = (n: string) => desc(n).only_on_search === true;
  return [
    ...names.filter((n) => !skip(n) && desc(n).register_as_extern_data),
    ...names.filter((n) => !skip(n) && (n === 'output' || n.endsWith(':output') || desc(n).loss || desc(n).is_output_layer)),
  ];
}

/** Builds `net` (every entry as `fromDict` does, or only RETURNN's roots), then one forward pass. */
function runNet(net: TestNet, seed: number, mode: 'all' | 'returnn'): Outcome {
  const entries = countEntries(net.network);
  let network: NetDictNetwork;
  try {
    const args = { externData: ExternData.fromConfig(externDataOf(net) as never), behaviorVersion: net.behavior_version ?? undefined, seed: 1 };
    if (mode === 'all') network = NetDictNetwork.fromDict(net.network as never, args);
    else {
      network = new NetDictNetwork(args);
      for (const name of returnnRoots(net.network)) network.constructLayer(net.network as never, name);
    }
  } catch (e) {
    return { net, entries, ok: false, stage: 'build', ...groupOf(net.network, e) };
  }
  try {
    network.forward(randomBatch(network, seed));
  } catch (e) {
    return { net, entries, ok: false, stage: 'forward', ...groupOf(net.network, e) };
  }
  return { net, entries, unbuilt: [...network.graph.unconstructed.keys()], ok: true };
}

const where = (n: TestNet) => `${n.file.replace('tests/', '').replace('.py', '')}::${n.test}:${n.line}`;

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const dir = args.find((a) => !a.startsWith('--'));
  if (!dir) throw new Error('Usage: build-rate.ts <folder written by extract_test_nets.py> [--json out.json] [--verbose]');
  const jsonOut = args.includes('--json') ? args[args.indexOf('--json') + 1] : undefined;
  const verbose = args.includes('--verbose');
  registerTfjsBackends();
  await setBackend('tfjs-cpu');

  const files = readdirSync(dir).filter((f) => f.endsWith('.json') && !f.startsWith('_')).sort();
  const nets = files.map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as TestNet);
  const skipped = JSON.parse(readFileSync(join(dir, '_skipped.json'), 'utf8')) as SkippedNet[];
  const apart = (n: TestNet) => n.returnn_rejects || n.returnn_skip_if !== null || n.needs_python !== null;
  const outcomes: Outcome[] = [];
  const apartOutcomes: Outcome[] = [];
  /** Nets that fail with every entry built but build and run when only what RETURNN constructs is built. */
  const onlyReturnnsLayers: TestNet[] = [];
  nets.forEach((net, i) => {
    const t0 = Date.now();
    const o = runNet(net, i + 1, 'all');
    (apart(net) ? apartOutcomes : outcomes).push(o);
    if (!apart(net) && !o.ok) {
      const r = runNet(net, i + 1, 'returnn');
      if (r.ok) onlyReturnnsLayers.push(net);
    }
    const unbuilt = o.unbuilt?.length ? ` (entries RETURNN would not construct that fail to build: ${o.unbuilt.join(', ')})` : '';
    if (verbose) console.error(`${o.ok ? 'ok  ' : 'FAIL'} ${where(net)} (${Date.now() - t0} ms)${o.ok ? unbuilt : ` ${o.error}`}`);
  });

  const ok = outcomes.filter((o) => o.ok);
  const entriesOk = ok.reduce((a, o) => a + o.entries - (o.unbuilt?.length ?? 0), 0);
  const withUnbuilt = ok.filter((o) => o.unbuilt?.length);
  const entriesAll = outcomes.reduce((a, o) => a + o.entries, 0);
  const byStage = (s: Stage) => outcomes.filter((o) => o.stage === s).length;
  console.log(`RETURNN test net dicts (${nets.length} extracted as data, ${skipped.length} not: dim tags, Python objects, computed dicts)`);
  console.log(`  nets that build and run a forward pass: ${pct(ok.length, outcomes.length)} (build errors ${byStage('build')}, forward errors ${byStage('forward')})`);
  console.log(`  layer entries in those nets: ${pct(entriesOk, entriesAll)}`);
  console.log(`  of those nets, ${withUnbuilt.length} hold entries RETURNN would not construct that failed to build (${withUnbuilt.reduce((a, o) => a + o.unbuilt!.length, 0)} entries, not counted above)${withUnbuilt.length ? `: ${withUnbuilt.slice(0, 5).map((o) => where(o.net)).join(', ')}${withUnbuilt.length > 5 ? ', ...' : ''}` : ''}`);
  console.log(`  building only what RETURNN's construct_from_dict builds (output, losses, is_output_layer, and their sources): ` +
    `${pct(ok.length + onlyReturnnsLayers.length, outcomes.length)} (+${onlyReturnnsLayers.length}: ${onlyReturnnsLayers.slice(0, 5).map(where).join(', ')}${onlyReturnnsLayers.length > 5 ? ', ...' : ''})`);
  const rejects = apartOutcomes.filter((o) => o.net.returnn_rejects);
  const gpu = apartOutcomes.filter((o) => o.net.returnn_skip_if !== null && !o.net.returnn_rejects);
  const py = apartOutcomes.filter((o) => o.net.needs_python !== null && o.net.returnn_skip_if === null && !o.net.returnn_rejects);
  const pyFunctions = skipped.filter((x) => x.kind === 'python-function').length;
  const gpuNote = [...new Set(gpu.map((o) => o.net.returnn_skip_if))].join('; ') || 'none';
  console.log(`  counted apart, not Strata failures: RETURNN rejects ${rejects.length} (Strata rejects ${rejects.filter((o) => !o.ok).length} of them); ` +
    `RETURNN skips the test here (${gpuNote}) ${gpu.length} (Strata builds ${gpu.filter((o) => o.ok).length}); ` +
    `needs the test's Python: eval strings calling it ${py.length}, functions/lambdas in the dict ${pyFunctions} (not extracted)`);
  const skippedKinds = new Map<string, number>();
  for (const s of skipped) skippedKinds.set(`${s.what}:${s.kind}`, (skippedKinds.get(`${s.what}:${s.kind}`) ?? 0) + 1);
  console.log(`  not extracted: ${[...skippedKinds].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ')}`);

  const sorted = groupBy(outcomes.filter((o) => !o.ok), (o) => o.group!);
  console.log(`\nFailures by group (${sorted.length} groups):`);
  for (const [group, list] of sorted) {
    console.log(`  ${list.length} × ${group}`);
    for (const o of list.slice(0, 3)) console.log(`      ${where(o.net)} [${o.stage}] ${o.error}`);
  }
  if (jsonOut) {
    const row = (o: Outcome) => ({ test: o.net.test, file: o.net.file, line: o.net.line, entries: o.entries, ok: o.ok, stage: o.stage, group: o.group, error: o.error });
    writeFileSync(jsonOut, JSON.stringify({ outcomes: outcomes.map(row), apart: apartOutcomes.map((o) => ({ ...row(o), rejects: o.net.returnn_rejects, skipIf: o.net.returnn_skip_if, needsPython: o.net.needs_python })) }, null, 1));
  }
}

await main();
