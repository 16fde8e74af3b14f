/**
 * Inference benchmark of issue #4: Strata on onnxruntime against Strata on
 * tfjs-wasm, tfjs-layers on wasm and a raw onnxruntime-node session, on the
 * 2,000 MNIST dev digits at batch 256, for the example MLP and CNN.
 * Run: `pnpm bench` at the repository root (BENCH_ROUNDS=N to change the rounds).
 */
import { setBackend } from '@strata/backend';
import { registerOnnxruntimeBackends } from '@strata/backend-onnxruntime';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import type { Contender } from './contender.js';
import { BATCH_SIZE, loadBenchData } from './data.js';
import { loadLine, machineLine, physicalCores, strataOrtThreadsSetting, tfjsWasmThreadsLine } from './environment.js';
import { buildEngine, type ModelSpec, modelSpecs, weightsSource } from './models.js';
import { observedOrtThreads, rawOrtContender } from './raw-ort.js';
import { type ModelResult, outputChecks, summaryLine, targetLines, timingTable } from './report.js';
import { COOLDOWN_MS, measure, roundsFromEnv } from './runner.js';
import { enginePredictContender, strataContender } from './strata.js';
import { tfjsLayersContender } from './tfjs-layers.js';

const log = (s = ''): void => console.log(s);

async function benchModel(spec: ModelSpec, rounds: number, ortThreads: string): Promise<ModelResult> {
  const data = loadBenchData(spec.config.seed);
  log(`\n=== ${spec.key} (${spec.configFile}) — ${weightsSource(spec)} ===`);
  log(`${data.size} dev digits in ${data.batches.length} batches of ${BATCH_SIZE} (last ${data.batches.at(-1)!.size})`);

  await setBackend('onnxruntime');
  const ortEngine = await buildEngine(spec);
  await setBackend('tfjs-wasm');
  const tfEngine = await buildEngine(spec);
  const classes = ortEngine.network.defaultOutputLayer().output.dim!;

  const strataOrt = await strataContender(
    'Strata onnxruntime',
    'onnxruntime',
    ortEngine,
    data,
    `backend.compile(forward) over pre-uploaded batches, readSync per batch; one session per input signature, intra-op threads ${ortThreads}`,
  );
  const strataTf = await strataContender('Strata tfjs-wasm', 'tfjs-wasm', tfEngine, data, 'same compiled forward (eager on tfjs), readSync (dataSync) per batch');
  const tfjsLayers = await tfjsLayersContender('tfjs-layers wasm', tfEngine.network, 'tfjs-wasm', data);
  const rawOrt = await rawOrtContender('raw onnxruntime-node', ortEngine.network, 'onnxruntime', data);
  const predict = enginePredictContender('Strata onnxruntime engine.predict', 'onnxruntime', ortEngine, data);
  const contenders: Contender[] = [strataOrt, strataTf, tfjsLayers, rawOrt, predict];
  for (const c of contenders) log(`  ${c.name}: ${c.detail}`);

  const measured = await measure(contenders, data.size * classes, rounds, (s) => log(s));
  for (const c of contenders) await c.dispose();
  const by = (c: Contender) => measured.find((m) => m.contender === c)!;
  return { key: spec.key, digits: data.size, classes, labels: data.labels, strataOrt: by(strataOrt), rawOrt: by(rawOrt), tfjsLayers: by(tfjsLayers), all: measured };
}

async function main(): Promise<void> {
  registerTfjsBackends();
  registerOnnxruntimeBackends();
  const rounds = roundsFromEnv();
  log('Strata inference benchmark (issue #4): 2,000 MNIST dev digits, batch 256');
  log(`machine: ${machineLine()}`);
  log(`protocol: 1 warm-up pass per contender, then ${rounds} rounds round-robin (BENCH_ROUNDS), ${COOLDOWN_MS} ms untimed pause before each pass; one measurement = one full 2,000-digit pass incl. reading results back to JS; times from performance.now()`);
  const setting = await strataOrtThreadsSetting();
  const ortThreads = setting === undefined ? `default (onnxruntime: one per physical core = ${physicalCores()})` : String(setting);
  log(`threads: onnxruntime intraOpNumThreads ${ortThreads} for both Strata onnxruntime and the raw session (interOp 1 / sequential execution)`);
  log(`threads: ${await tfjsWasmThreadsLine()}`);
  log(loadLine());

  const results: ModelResult[] = [];
  for (const spec of modelSpecs()) {
    const r = await benchModel(spec, rounds, ortThreads);
    results.push(r);
    log(`\n${r.key}: time per 2,000-digit pass (ratio = time / Strata onnxruntime's; * = information, not in the targets)`);
    for (const line of timingTable(r)) log(line);
    log('outputs vs Strata onnxruntime (warm-up pass):');
    for (const line of outputChecks(r)) log(line);
    if (observedOrtThreads !== null) log(`raw session: ${observedOrtThreads} intra-op threads observed (worker threads started by its creation + the caller)`);
    log(loadLine());
  }

  log('\n=== targets of issue #4 (information, not assertions) ===');
  for (const r of results) for (const line of targetLines(r)) log(line);
  log('\n=== summary ===');
  for (const r of results) log(summaryLine(r));
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
