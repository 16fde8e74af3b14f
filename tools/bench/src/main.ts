/**
 * `pnpm bench` (issue #8): Strata against its peers — tfjs-layers on the
 * same tfjs backend with the same architecture and weights, and raw
 * onnxruntime-node where it applies — on training epochs, inference at
 * batch 1 and 256, net-dict construction and checkpoint save/load.
 * Interleaved rounds, medians and spreads, ratios against the peer of the
 * same run. Prints Markdown; writes JSON, Markdown and an SVG chart of the
 * ratios to tools/bench/results/. Options: see options.ts and the README.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { registerOnnxruntimeBackends } from '@strata/backend-onnxruntime';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { ratioChartSvg } from './chart.js';
import { loadLine, machineLine, machineSummary, strataOrtThreads, tfjsWasmThreadsLine } from './environment.js';
import { groupMarkdown, reportMarkdown } from './markdown.js';
import { modelSpecs, REPO_ROOT } from './models.js';
import { type BenchOptions, DEFAULTS, readOptions } from './options.js';
import type { GroupResult } from './results.js';
import { COOLDOWN_MS } from './runner.js';
import { checkpointGroups } from './workloads/checkpoint.js';
import { constructionGroup } from './workloads/construct.js';
import { inferenceGroup } from './workloads/infer.js';
import { SLOW_PEER_BATCHES, SLOW_PEER_ROUNDS, trainingGroup } from './workloads/train.js';

const BENCH_DIR = join(REPO_ROOT, 'tools', 'bench');
/** Progress lines go to stderr, the Markdown report to stdout. */
const progress = (s = ''): void => void process.stderr.write(`${s}\n`);

async function run(o: BenchOptions): Promise<GroupResult[]> {
  const groups: GroupResult[] = [];
  const done = (g: GroupResult | GroupResult[]): void => {
    for (const x of Array.isArray(g) ? g : [g]) {
      groups.push(x);
      for (const line of groupMarkdown(x)) progress(line);
      progress(loadLine());
    }
  };
  const specs = modelSpecs(o.models);
  if (o.workloads.includes('train')) for (const s of specs) {
      const k = s.key as 'MLP' | 'CNN';
      done(await trainingGroup(s, { fast: o.trainBatches[k], cpu: o.trainCpuBatches[k] }, o.trainRounds, progress));
    }
  if (o.workloads.includes('infer')) {
    for (const s of specs) done(await inferenceGroup(s, 256, undefined, o.rounds, progress));
    for (const s of specs) done(await inferenceGroup(s, 1, o.infer1Digits, o.rounds, progress));
  }
  if (o.workloads.includes('construct')) done(await constructionGroup(o.rounds, progress));
  if (o.workloads.includes('checkpoint')) done(await checkpointGroups(o.rounds, progress));
  return groups;
}

async function main(): Promise<void> {
  const o = readOptions(process.env, process.argv.slice(2), join(BENCH_DIR, 'results'));
  registerTfjsBackends();
  registerOnnxruntimeBackends();
  const machine = machineSummary(BENCH_DIR, REPO_ROOT);
  const ortThreads = await strataOrtThreads();
  const startedAt = new Date();
  const header = [
    `machine: ${machineLine()}, ${machine.memoryGB} GB; commit ${machine.commit ?? 'unknown'}`,
    `packages: ${Object.entries(machine.packages).map(([k, v]) => `${k} ${v}`).join(', ')}`,
    `threads: onnxruntime intraOpNumThreads ${ortThreads}; ${await tfjsWasmThreadsLine()}`,
    `protocol: 1 warm-up pass per contender, then rounds round-robin with the first contender rotating (BENCH_ROUNDS=${o.rounds}, training BENCH_TRAIN_ROUNDS=${o.trainRounds}), ${COOLDOWN_MS} ms untimed pause before each pass; times from performance.now()`,
    `workloads: ${o.workloads.join(', ')}; models: ${o.models.join(', ')}; training batches per measurement (onnxruntime/wasm; cpu): ${o.models.map((k) => `${k} ${o.trainBatches[k] ?? 'all'}; ${o.trainCpuBatches[k] ?? 'all'}`).join(', ')} (defaults ${o.models.map((k) => `${k} ${DEFAULTS.trainBatches[k]}; ${DEFAULTS.trainCpuBatches[k]}`).join(', ')}; tfjs-layers cpu on the CNN: ${SLOW_PEER_BATCHES} batch, ${SLOW_PEER_ROUNDS} round, no warm-up)`,
    `started ${startedAt.toISOString()}, ${loadLine()}`,
  ];
  for (const l of header) progress(l);

  const groups = await run(o);
  header.push(`finished ${new Date().toISOString()}, ${loadLine()}`);
  const title = 'Strata benchmark (issue #8)';
  const md = reportMarkdown(title, header, groups);
  console.log(md);

  if (o.outDir) {
    mkdirSync(o.outDir, { recursive: true });
    const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
    const json = JSON.stringify({ schema: 'strata-bench/1', startedAt: startedAt.toISOString(), options: o, machine, header, groups }, null, 1);
    const svg = ratioChartSvg(groups, `${title}, ${startedAt.toISOString().slice(0, 16)}, ${machine.cpu}`);
    for (const [name, text] of [
      [`bench-${stamp}.json`, json],
      ['latest.json', json],
      ['latest.md', md],
      ['latest-ratios.svg', svg],
    ] as const) {
      writeFileSync(join(o.outDir, name), text);
    }
    progress(`wrote ${o.outDir}/bench-${stamp}.json, latest.json, latest.md, latest-ratios.svg`);
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
