/**
 * Strata → RETURNN: net dicts trained a few steps in Strata, their params
 * written as a TF tensor bundle under RETURNN's names (`returnnParamsOf` +
 * `writeTfBundle`), for `strata_export_check.py` to load into the real
 * RETURNN with the same net dict. The cases, the seeded inputs and the
 * training live here so the test and the writer share them.
 *
 * A folder `strata-export/<case>/` holds `net.json` (net dict, `extern_data`,
 * `behavior_version`), `inputs.safetensors` (`data`, `data:size1`), the
 * bundle `model.index` / `model.data-00000-of-00001` (written by Strata), and
 * `returnn_outputs.safetensors` (RETURNN's `output` for those inputs,
 * batch-major, written by the Python script).
 */
import { ops, type Tensor } from '@strata/backend';
import { type Layer, Rng, trainingContext } from '@strata/core';
import { NetDictNetwork } from '@strata/network';
import type { NamedTensorData } from '@strata/savers';

/** One export case: a net dict as a RETURNN user writes it. */
export interface ExportCase {
  readonly name: string;
  readonly extern_data: Record<string, Record<string, unknown>>;
  readonly network: Record<string, Record<string, unknown>>;
  readonly behavior_version: number | null;
}

export const EXPORT_CASES: readonly ExportCase[] = [
  {
    name: 'lstm_linear',
    extern_data: { data: { shape: [null, 5] } },
    network: {
      lstm: { class: 'rec', unit: 'nativelstm2', n_out: 4, from: 'data' },
      output: { class: 'linear', activation: 'tanh', n_out: 3, from: 'lstm' },
    },
    behavior_version: null,
  },
  {
    name: 'conv_batch_norm',
    extern_data: { data: { shape: [null, 5] } },
    network: {
      conv: { class: 'conv', filter_size: [3], padding: 'same', n_out: 4, activation: 'relu', from: 'data' },
      bn: { class: 'batch_norm', masked_time: false, from: 'conv' },
      output: { class: 'linear', activation: null, n_out: 2, from: 'bn' },
    },
    behavior_version: 12,
  },
];

export const BATCH = 3;
export const TIME = 7;
export const SEQ_LENS = [7, 5, 4];
/** SGD steps and learning rate of the training. */
export const STEPS = 5;
export const LEARNING_RATE = 0.1;

/** Deterministic inputs: `data` float32 `[3, 7, 5]` (padded frames random too) and `data:size1` int32 `[3]`. */
export function exportInputs(): NamedTensorData[] {
  const rng = new Rng(11);
  const data = Float32Array.from({ length: BATCH * TIME * 5 }, () => rng.normal());
  return [
    { name: 'data', shape: [BATCH, TIME, 5], dtype: 'float32', data },
    { name: 'data:size1', shape: [BATCH], dtype: 'int32', data: Int32Array.from(SEQ_LENS) },
  ];
}

/** The case's net, built (seeded), in Strata. */
export function buildExportNet(c: ExportCase): NetDictNetwork {
  return NetDictNetwork.fromDict(c.network as never, { externData: c.extern_data as never, seed: 3, behaviorVersion: c.behavior_version ?? undefined });
}

export function batchOf(inputs: readonly NamedTensorData[]): Record<string, Tensor> {
  return Object.fromEntries(inputs.map((t) => [t.name, ops.tensor(t.data, t.shape, t.dtype)]));
}

/**
 * Trains the case's net {@link STEPS} SGD steps on `mean((output - target)^2)`
 * (a seeded random target) with training-mode forward passes (batch norm uses
 * and moves its statistics), and returns it.
 */
export function trainExportNet(c: ExportCase, inputs: readonly NamedTensorData[]): NetDictNetwork {
  const net = buildExportNet(c);
  const batch = batchOf(inputs);
  net.forward(batch);
  const out = net.outputData('output');
  const rng = new Rng(5);
  const targetShape = [BATCH, TIME, out.batchShape[out.batchShape.length - 1]!];
  const target = ops.tensor(Float32Array.from({ length: targetShape.reduce((a, b) => a * b, 1) }, () => rng.normal()), targetShape);
  const vars = net.trainableWeights;
  for (let step = 0; step < STEPS; step++) {
    const ctx = trainingContext(new Rng(100 + step));
    const { grads, aux } = ops.valueAndGrads(() => {
      const y = net.forward(batch, ctx).get('output')!.value;
      return { value: ops.mean(ops.square(ops.sub(y, target))), aux: ctx.updates.map(([, t]) => t) };
    }, vars.map((v) => v.value));
    ctx.updates.forEach(([v], i) => v.assign(aux[i]!));
    vars.forEach((v, i) => v.assign(ops.sub(v.value, ops.mul(grads[i]!, LEARNING_RATE))));
  }
  return net;
}

/** The entry layers of a net in net-dict order, for `returnnParamsOf`; layers whose variables are not params (nobody needs them: RETURNN never constructs them) left out. */
export function namedLayers(net: NetDictNetwork): [string, Layer][] {
  const params = new Set(net.params.getParamsList());
  return [...net.nodes].flatMap(([name, node]): [string, Layer][] => (node.layer.weights.length > 0 && !node.layer.weights.some((v) => params.has(v)) ? [] : [[name, node.layer]]));
}
