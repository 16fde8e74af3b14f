/**
 * Inference (issue #4, extended by #8 to batch 1): the example networks
 * classify MNIST dev digits, at batch 256 (all 2,000 dev digits per pass)
 * and at batch 1 (the first `BENCH_INFER1_DIGITS` digits, one call each).
 * Contenders: Strata on onnxruntime and on tfjs-wasm (a compiled forward),
 * tfjs-layers on wasm with the same weights, a raw onnxruntime-node session
 * on the exported ONNX file, and (batch 256, information) `engine.predict`.
 */
import { setBackend } from '@strata/backend';
import type { Contender } from '../contender.js';
import { loadBenchData } from '../data.js';
import { strataOrtThreads } from '../environment.js';
import { forwardFlops } from '../flops.js';
import { buildEngine, type ModelSpec, netDictOf, weightsSource } from '../models.js';
import { observedOrtThreads, rawOrtContender } from '../raw-ort.js';
import { type GroupResult, groupResult } from '../results.js';
import { measure } from '../runner.js';
import { accuracy, compareOutputs } from '../stats.js';
import { enginePredictContender, strataContender } from '../strata.js';
import { tfjsLayersContender } from '../tfjs-layers.js';

const STRATA_ORT = 'Strata onnxruntime';
const STRATA_WASM = 'Strata tfjs-wasm';
const LAYERS_WASM = 'tfjs-layers wasm';
const RAW_ORT = 'raw onnxruntime-node';
const PREDICT = 'Strata onnxruntime engine.predict';

/** Issue #4's speedup targets of Strata onnxruntime over tfjs-layers wasm at batch 256. */
export const INFER_SPEEDUP_TARGET: Record<string, number> = { MLP: 5, CNN: 3 };
/** Issue #4: Strata onnxruntime within this factor of the raw session. */
export const INFER_RAW_OVERHEAD = 1.2;
/** Issue #8: Strata on tfjs within this factor of tfjs-layers on the same backend. */
export const OVERHEAD_BUDGET = 1.05;

/** Output agreement with Strata onnxruntime's and accuracy, per contender (the warm-up pass's outputs). */
function outputChecks(measured: { contender: Contender; output: Float32Array; timing: unknown }[], classes: number, labels: Int32Array): Record<string, string> {
  const ref = measured.find((m) => m.contender.name === STRATA_ORT)!;
  const out: Record<string, string> = {};
  for (const m of measured) {
    if (!m.timing) continue;
    const acc = `acc ${(100 * accuracy(m.output, classes, labels)).toFixed(2)}%`;
    if (m === ref) {
      out[m.contender.name] = `${acc} (reference)`;
      continue;
    }
    const a = compareOutputs(ref.output, m.output, classes);
    const ok = a.agree === a.rows && a.maxAbsDiff < 1e-3;
    out[m.contender.name] = `${acc}, argmax ${a.agree}/${a.rows}, max diff ${a.maxAbsDiff.toExponential(1)} ${ok ? 'OK' : 'MISMATCH'}`;
  }
  return out;
}

/** One inference group: `batchSize` 256 over the 2,000 dev digits, or 1 over the first `limit`. */
export async function inferenceGroup(spec: ModelSpec, batchSize: number, limit: number | undefined, rounds: number, log: (s: string) => void): Promise<GroupResult> {
  const data = loadBenchData(spec.config.seed, batchSize, limit);
  const title =
    batchSize === 1
      ? `${spec.key} inference at batch 1: one measurement = ${data.size} dev digits, one call each`
      : `${spec.key} inference at batch ${batchSize}: one measurement = ${data.size} dev digits in ${data.batches.length} batches (last ${data.batches.at(-1)!.size})`;
  log(`\n=== ${title}; ${weightsSource(spec)} ===`);

  const ortThreads = await strataOrtThreads();
  await setBackend('onnxruntime');
  const ortEngine = await buildEngine(spec);
  await setBackend('tfjs-wasm');
  const tfEngine = await buildEngine(spec);
  const classes = netDictOf(ortEngine).getDefaultOutputLayer()!.output.dim!;

  const contenders: Contender[] = [
    await strataContender(STRATA_ORT, 'onnxruntime', ortEngine, data, `backend.compile(forward) over pre-uploaded batches, readSync per batch; one session per input signature, intra-op threads ${ortThreads}`),
    await strataContender(STRATA_WASM, 'tfjs-wasm', tfEngine, data, 'the same compiled forward (eager on tfjs), readSync (dataSync) per batch'),
    await tfjsLayersContender(LAYERS_WASM, netDictOf(tfEngine), 'tfjs-wasm', data),
    await rawOrtContender(RAW_ORT, netDictOf(ortEngine), 'onnxruntime', data),
  ];
  if (batchSize > 1) contenders.push(enginePredictContender(PREDICT, 'onnxruntime', ortEngine, data));
  for (const c of contenders) log(`  ${c.name}: ${c.detail}`);

  const measured = await measure(contenders, data.size * classes, rounds, log);
  for (const c of contenders) await c.dispose();
  if (observedOrtThreads !== null) log(`  raw session: ${observedOrtThreads} intra-op threads observed (worker threads its creation started + the caller)`);

  const id = `infer${batchSize}/${spec.key}`;
  const targets = [
    { source: '#8 overhead budget', text: `${STRATA_WASM} ≤ ${OVERHEAD_BUDGET}× ${LAYERS_WASM}`, subject: STRATA_WASM, peer: LAYERS_WASM, maxRatio: OVERHEAD_BUDGET },
  ];
  if (batchSize === 256) {
    const need = INFER_SPEEDUP_TARGET[spec.key] ?? 1;
    targets.push(
      { source: '#4', text: `${STRATA_ORT} ≥ ${need}× faster than ${LAYERS_WASM}`, subject: STRATA_ORT, peer: LAYERS_WASM, maxRatio: 1 / need },
      { source: '#4', text: `${STRATA_ORT} ≤ ${INFER_RAW_OVERHEAD}× ${RAW_ORT}`, subject: STRATA_ORT, peer: RAW_ORT, maxRatio: INFER_RAW_OVERHEAD },
    );
  }
  return groupResult(
    {
      id,
      workload: 'infer',
      title,
      rounds,
      peers: { [STRATA_ORT]: RAW_ORT, [STRATA_WASM]: LAYERS_WASM, [PREDICT]: STRATA_ORT },
      targets,
      flops: forwardFlops(netDictOf(ortEngine), data.size),
      checks: outputChecks(measured, classes, data.labels),
      notes: [`weights: ${weightsSource(spec)}`],
    },
    measured,
  );
}
