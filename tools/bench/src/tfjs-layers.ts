/**
 * The peer: a `@tensorflow/tfjs-layers` Sequential model with the Strata
 * network's architecture and the very same weight values, run with
 * `model.predict` on tfjs' wasm backend.
 *
 * Layer mapping (Keras and Strata share weight layouts: Linear's kernel is
 * `[in, out]` like Dense, Conv2D's is HWIO like Conv2D): `split_dims` →
 * `reshape`, `linear`/`softmax` → `dense`, `conv` → `conv2D`, `pool` →
 * `maxPooling2d`/`averagePooling2d`, `merge_dims`/`flatten` → `flatten`; a
 * layer's `dropout` option → a `dropout` layer before it (identity in
 * `predict`, active in `fit`).
 */
import { ops, setBackend } from '@strata/backend';
import { Conv2D, Linear, MergeDims, Pool2D, SplitDims } from '@strata/core';
import type { NetDictNetwork } from '@strata/network';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { type Contender, onBackend } from './contender.js';
import type { BenchData } from './data.js';
import { BATCH_SIZE } from './data.js';

type Activation = 'relu' | 'softmax' | 'linear' | 'tanh' | 'sigmoid' | 'elu' | 'softplus';

/** Host copies of weights, by layer name: kernel (and bias), with shapes. */
export type HostWeights = Map<string, { values: Float32Array; shape: number[] }[]>;

/** Reads the kernels and biases of every Linear/Conv2D layer (the network's backend must be active). */
export function readWeights(net: NetDictNetwork): HostWeights {
  const out: HostWeights = new Map();
  for (const node of net.nodes.values()) {
    const l = node.layer;
    if (!(l instanceof Linear || l instanceof Conv2D)) continue;
    const vars = l.bias ? [l.kernel, l.bias] : [l.kernel];
    out.set(node.name, vars.map((v) => ({ values: Float32Array.from(ops.readSync(v.value) as Float32Array), shape: [...v.shape] })));
  }
  return out;
}

/**
 * Translates the network into a Sequential model with the given weights
 * (tensors are created on tfjs' current backend).
 * @throws Error for a layer the benchmark does not translate, or a non-chain graph.
 */
export function toSequential(net: NetDictNetwork, weights: HostWeights): tfl.Sequential {
  const weightsOf = (name: string): tf.Tensor[] => weights.get(name)!.map((w) => tf.tensor(w.values, w.shape));
  const model = tfl.sequential({ name: `${net.name}_tfjs_layers` });
  const pending: [tfl.layers.Layer, tf.Tensor[]][] = [];
  let previous: string | null = null;
  const [input] = net.inputKeys();
  const inputDim = net.externData.getData(input!).shape as number[];
  let first = true;
  for (const node of net.nodes.values()) {
    const src = node.sources;
    const from = src.length === 1 ? (src[0]!.kind === 'layer' ? src[0]!.name : null) : undefined;
    if (from === undefined || from !== previous) throw new Error(`tfjs-layers translation needs a chain of layers; '${node.name}' reads ${JSON.stringify(src)}.`);
    previous = node.name;
    if (node.dropout > 0) {
      // RETURNN's `dropout` option drops the layer's input in training: a Dropout layer in front of it.
      model.add(tfl.layers.dropout({ ...(first ? { inputShape: inputDim } : {}), name: `${node.name}_dropout`, rate: node.dropout }));
      first = false;
    }
    const shapeArg = first ? { inputShape: inputDim } : {};
    first = false;
    const l = node.layer;
    let k: tfl.layers.Layer;
    if (l instanceof Linear) {
      k = tfl.layers.dense({ ...shapeArg, name: node.name, units: l.units, useBias: l.withBias, activation: (l.activationName ?? 'linear') as Activation });
      pending.push([k, weightsOf(node.name)]);
    } else if (l instanceof Conv2D) {
      k = tfl.layers.conv2d({
        ...shapeArg,
        name: node.name,
        filters: l.filters,
        kernelSize: l.kernelSize,
        strides: l.strides,
        padding: l.padding,
        dilationRate: l.dilationRate,
        useBias: l.withBias,
        activation: (l.activationName ?? 'linear') as Activation,
      });
      pending.push([k, weightsOf(node.name)]);
    } else if (l instanceof Pool2D) {
      const args = { ...shapeArg, name: node.name, poolSize: l.poolSize, strides: l.strides, padding: l.padding };
      k = l.mode === 'max' ? tfl.layers.maxPooling2d(args) : tfl.layers.averagePooling2d(args);
    } else if (l instanceof SplitDims) {
      k = tfl.layers.reshape({ ...shapeArg, name: node.name, targetShape: node.output.shape as number[] });
    } else if (l instanceof MergeDims && node.output.shape.length === 1) {
      k = tfl.layers.flatten({ ...shapeArg, name: node.name });
    } else {
      throw new Error(`tfjs-layers translation: layer '${node.name}' (${l.constructor.name}) is not supported by the benchmark.`);
    }
    model.add(k);
  }
  for (const [k, w] of pending) {
    k.setWeights(w);
    tf.dispose(w);
  }
  return model;
}

/** Names in the report, e.g. `Dense(512, relu) → ...`. */
export function describeSequential(model: tfl.Sequential): string {
  return model.layers.map((l) => l.getClassName()).join(' → ');
}

/**
 * `model.predict(batch, {batchSize: 256})` per pre-uploaded batch, then
 * `dataSync()`. Runs on tfjs `wasm` (the tfjs engine is global: activating
 * Strata's `tfjs-wasm` backend selects it).
 */
export async function tfjsLayersContender(name: string, net: NetDictNetwork, strataBackendOfNet: string, data: BenchData): Promise<Contender> {
  await setBackend(strataBackendOfNet);
  const weights = readWeights(net);
  await setBackend('tfjs-wasm');
  const model = toSequential(net, weights);
  const inputs = data.batches.map((b) => tf.tensor2d(b.pixels, [b.size, b.pixels.length / b.size]));
  return {
    name,
    detail: `tfjs-layers ${tfl.version_layers} Sequential ${describeSequential(model)}; model.predict + dataSync on tf.getBackend()='wasm'`,
    activate: onBackend('tfjs-wasm', 'wasm'),
    pass(out: Float32Array): void {
      let offset = 0;
      for (const x of inputs) {
        const y = model.predict(x, { batchSize: BATCH_SIZE }) as tf.Tensor;
        const values = y.dataSync() as Float32Array;
        out.set(values, offset);
        offset += values.length;
        y.dispose();
      }
    },
    dispose: async () => {
      tf.dispose(inputs);
      model.dispose();
    },
  };
}
