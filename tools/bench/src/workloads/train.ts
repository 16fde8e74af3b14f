/**
 * Training (issues #5 and #8): one epoch, or a fixed subset of its batches,
 * of the example MLP and CNN configs on the MNIST training digits, as a user
 * runs it: Strata's `engine.train` (the real engine train step, batch size,
 * Adam and dropout of the config, fresh weights of the config's seed) on
 * onnxruntime, tfjs-wasm and tfjs-cpu, against tfjs-layers `model.fit` with
 * the same architecture, the same initial weights, Adam with the same
 * hyper-parameters and the same dropout, on tfjs wasm and cpu.
 */
import { setBackend } from '@strata/backend';
import { MNIST_PIXELS, loadMnist } from '@strata/datasets';
import type { Dataset, Engine } from '@strata/engine';
import type { NetDictNetwork } from '@strata/network';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { type Contender, onBackend, tryContender } from '../contender.js';
import { gatherDigits } from '../data.js';
import { trainStepFlops } from '../flops.js';
import { buildEngine, type ModelSpec, netDictOf } from '../models.js';
import { type GroupResult, groupResult } from '../results.js';
import { measure } from '../runner.js';
import { type HostWeights, readWeights, toSequential } from '../tfjs-layers.js';
import { OVERHEAD_BUDGET } from './infer.js';

const STRATA_ORT = 'Strata onnxruntime';
const STRATA_WASM = 'Strata tfjs-wasm';
const STRATA_CPU = 'Strata tfjs-cpu';
const LAYERS_WASM = 'tfjs-layers wasm';
const LAYERS_CPU = 'tfjs-layers cpu';

/** Issue #5's targets: time of Strata onnxruntime at most this fraction of the peer's. */
const ORT_SPEEDUP: Record<string, { peer: string; times: number }[]> = {
  MLP: [{ peer: LAYERS_WASM, times: 8 }],
  CNN: [
    { peer: LAYERS_CPU, times: 10 },
    { peer: STRATA_WASM, times: 3 },
  ],
};

/** The first `n` examples of `ds` (the training subset of one measurement). */
function firstExamples(ds: Dataset, n: number): Dataset {
  return { name: `${ds.name}[0:${n}]`, size: n, extern: ds.extern, example: (i) => ds.example(i) };
}

/** How much of the epoch one measurement of a contender trains on. */
interface Share {
  /** The first `batches × batch size` training digits. */
  train: Dataset;
  batches: number;
  maxRounds?: number;
  skipWarmup?: boolean;
}

/** `engine.train(subset)` with one epoch per call (no model dir: nothing is saved, every call trains "epoch 1"). */
async function strataTrainContender(name: string, backendName: string, spec: ModelSpec, share: Share, losses: Record<string, string>): Promise<Contender> {
  await setBackend(backendName);
  const engine: Engine = await buildEngine(spec, { fresh: true });
  return {
    name,
    detail: `engine.train(${share.train.size} digits = ${share.batches} batches), 1 epoch: collate + upload + the engine's train step per batch, ${engine.optimizer.getConfig().class as string}, dropout as configured`,
    units: share.batches,
    activate: onBackend(backendName),
    async pass(): Promise<void> {
      const r = await engine.train(share.train);
      losses[name] ??= `${share.batches} batches; loss ${r.history[0]!.train.loss.toFixed(4)} (1st pass)`;
    },
    dispose: async () => {
      await setBackend(backendName);
      for (const v of netDictOf(engine).weights) v.dispose();
    },
  };
}

/** Inputs and one-hot targets of the subset as tfjs tensors on the active tfjs backend. */
function subsetTensors(train: Dataset, n: number, classes: number): { x: tf.Tensor2D; y: tf.Tensor2D } {
  const { pixels, labels } = gatherDigits(train, 0, n);
  const oneHot = new Float32Array(n * classes);
  labels.forEach((label, i) => {
    oneHot[i * classes + label] = 1;
  });
  return { x: tf.tensor2d(pixels, [n, MNIST_PIXELS]), y: tf.tensor2d(oneHot, [n, classes]) };
}

/**
 * tfjs-layers `model.fit(x, y, {batchSize, epochs: 1, shuffle: true})` on
 * tfjs `tfjsName`, with `categoricalCrossentropy` on the softmax output and
 * `tf.train.adam(lr, 0.9, 0.999, 1e-7)` (Strata's Adam defaults, Keras').
 */
async function layersTrainContender(
  name: string,
  strataBackend: 'tfjs-wasm' | 'tfjs-cpu',
  net: NetDictNetwork,
  weights: HostWeights,
  spec: ModelSpec,
  share: Share,
  losses: Record<string, string>,
): Promise<Contender> {
  await setBackend(strataBackend);
  const tfjsName = tf.getBackend();
  const model = toSequential(net, weights);
  const lr = spec.config.learning_rate ?? 0.001;
  model.compile({ optimizer: tf.train.adam(lr, 0.9, 0.999, 1e-7), loss: 'categoricalCrossentropy' });
  const classes = net.getDefaultOutputLayer()!.output.dim!;
  const { x, y } = subsetTensors(share.train, share.train.size, classes);
  const batchSize = spec.config.batch_size;
  return {
    name,
    detail: `tfjs-layers ${tfl.version_layers} model.fit(x, y, {batchSize: ${batchSize}, epochs: 1, shuffle: true}) on ${share.train.size} digits (${share.batches} batches) as tensors built before timing, categoricalCrossentropy, tf.train.adam(${lr}), Dropout layers; tf.getBackend()='${tfjsName}'`,
    units: share.batches,
    ...(share.maxRounds !== undefined ? { maxRounds: share.maxRounds } : {}),
    ...(share.skipWarmup ? { skipWarmup: true } : {}),
    activate: onBackend(strataBackend, tfjsName),
    async pass(): Promise<void> {
      const h = await model.fit(x, y, { batchSize, epochs: 1, shuffle: true, verbose: 0 });
      losses[name] ??= `${share.batches} batches; loss ${(h.history.loss![0] as number).toFixed(4)} (1st pass)`;
    },
    dispose: async () => {
      tf.dispose([x, y]);
      model.dispose();
    },
  };
}

/**
 * tfjs-layers on tfjs cpu cannot train the CNN at a practical speed (tfjs
 * cpu's Conv2DBackpropFilter kernel: ~100 s per batch of 32 on 2 busy cores),
 * so it trains this many batches, in this many rounds, without a warm-up pass.
 */
export const SLOW_PEER_BATCHES = 1;
export const SLOW_PEER_ROUNDS = 1;

/**
 * The training group of one model. Each contender trains on the first
 * `batches` batches of the epoch per measurement (`fast` for onnxruntime and
 * wasm, `cpu` for tfjs cpu; null: the whole 8,000-digit epoch); times are
 * per batch, and the table extrapolates them to a full epoch.
 */
export async function trainingGroup(spec: ModelSpec, batches: { fast: number | null; cpu: number | null }, rounds: number, log: (s: string) => void): Promise<GroupResult> {
  const { train: full } = loadMnist({ seed: spec.config.seed });
  const bs = spec.config.batch_size;
  const epochBatches = Math.ceil(full.size / bs);
  const share = (b: number | null, extra: Partial<Share> = {}): Share => {
    const n = b === null ? full.size : Math.min(b * bs, full.size);
    return { train: firstExamples(full, n), batches: Math.ceil(n / bs), ...extra };
  };
  const fast = share(batches.fast);
  const cpu = share(batches.cpu);
  const slowPeer = spec.key === 'CNN' ? share(Math.min(SLOW_PEER_BATCHES, cpu.batches), { maxRounds: SLOW_PEER_ROUNDS, skipWarmup: true }) : cpu;
  const title =
    `${spec.key} training epoch (${full.size} training digits = ${epochBatches} batches of ${bs}, Adam, dropout as configured): ` +
    `ms per batch, each contender timing the first N batches of the epoch per measurement (N in the check column)`;
  log(`\n=== ${title} ===`);

  const losses: Record<string, string> = {};
  await setBackend('tfjs-wasm');
  const initial = await buildEngine(spec, { fresh: true });
  const weights = readWeights(netDictOf(initial));
  const contenders: Contender[] = [];
  const strata = (name: string, backend: string, sh: Share) =>
    tryContender(name, `engine.train on ${backend}`, () => strataTrainContender(name, backend, spec, sh, losses));
  const layers = (name: string, backend: 'tfjs-wasm' | 'tfjs-cpu', sh: Share) =>
    tryContender(name, `tfjs-layers model.fit on ${backend}`, () => layersTrainContender(name, backend, netDictOf(initial), weights, spec, sh, losses));
  contenders.push(await strata(STRATA_ORT, 'onnxruntime', fast), await strata(STRATA_WASM, 'tfjs-wasm', fast), await strata(STRATA_CPU, 'tfjs-cpu', cpu));
  contenders.push(await layers(LAYERS_WASM, 'tfjs-wasm', fast), await layers(LAYERS_CPU, 'tfjs-cpu', slowPeer));
  for (const v of netDictOf(initial).weights) v.dispose();
  for (const c of contenders) log(`  ${c.name}: ${c.detail}`);

  const measured = await measure(contenders, 0, rounds, log);
  for (const c of contenders) await c.dispose();

  // tfjs-layers cannot train the CNN on wasm (no Conv2DBackpropFilter kernel): its budget is checked on cpu only.
  const budgetOn = spec.key === 'CNN' ? [[STRATA_CPU, LAYERS_CPU]] : [[STRATA_WASM, LAYERS_WASM], [STRATA_CPU, LAYERS_CPU]];
  const targets = [
    ...budgetOn.map(([subject, peer]) => ({ source: '#8 overhead budget', text: `${subject} ≤ ${OVERHEAD_BUDGET}× ${peer}`, subject: subject!, peer: peer!, maxRatio: OVERHEAD_BUDGET })),
    ...(ORT_SPEEDUP[spec.key] ?? []).map((t) => ({
      source: '#5',
      text: `${STRATA_ORT} ≥ ${t.times}× faster than ${t.peer}`,
      subject: STRATA_ORT,
      peer: t.peer,
      maxRatio: 1 / t.times,
    })),
  ];
  const peerOfOrt = spec.key === 'CNN' ? LAYERS_CPU : LAYERS_WASM;
  return groupResult(
    {
      id: `train/${spec.key}`,
      workload: 'train',
      title,
      rounds,
      scale: { factor: epochBatches, label: `s per epoch (×${epochBatches} batches)` },
      peers: { [STRATA_ORT]: peerOfOrt, [STRATA_WASM]: LAYERS_WASM, [STRATA_CPU]: LAYERS_CPU },
      targets,
      flops: trainStepFlops(netDictOf(initial), bs),
      checks: losses,
      notes: [
        `weights: fresh initialisation of seed ${spec.config.seed ?? 42}, copied into the tfjs-layers models; each pass trains on from the previous one's weights`,
        `the last partial batch of the epoch counts as a full one in the extrapolation; GFLOP/s counts matrix products and convolutions only (3× the forward pass per step)`,
        ...(spec.key === 'CNN' ? [`${LAYERS_CPU}: ${slowPeer.batches} batch, ${SLOW_PEER_ROUNDS} round, no warm-up pass (about 100× slower than the others: tfjs cpu's Conv2DBackpropFilter kernel)`] : []),
        'raw onnxruntime-node: not applicable (onnxruntime-node has no training API)',
      ],
    },
    measured,
  );
}
