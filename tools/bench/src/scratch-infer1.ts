import { getBackend, ops, setBackend, type Tensor } from '@strata/backend';
import { registerOnnxruntimeBackends } from '@strata/backend-onnxruntime';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { INFERENCE } from '@strata/core';
import * as tf from '@tensorflow/tfjs-core';
import { loadBenchData } from './data.js';
import { buildEngine, modelSpecs } from './models.js';
import { readWeights, toSequential } from './tfjs-layers.js';

registerTfjsBackends();
registerOnnxruntimeBackends();
const [key = 'MLP', n = '3000', which = 'both'] = process.argv.slice(2);
const spec = modelSpecs([key])[0]!;
await setBackend('tfjs-wasm');
const engine = await buildEngine(spec);
const net = engine.network;
const layer = net.defaultOutputLayer().name;
const forward = getBackend().compile((x: Tensor) => net.forward({ data: x }, INFERENCE).get(layer)!.value);
const bsz = Number(process.env.BS ?? 1);
const data = loadBenchData(42, bsz, bsz === 1 ? 100 : 2000);
const xs = data.batches.map((b) => ops.keep(ops.tensor(b.pixels, [b.size, 784], 'float32')));
const model = toSequential(net, readWeights(net));
const txs = data.batches.map((b) => tf.tensor2d(b.pixels, [b.size, 784]));
const N = Number(n);
const sa: number[] = [], sb: number[] = [];
for (let rep = 0; rep < 30; rep++) {
  let t0 = performance.now();
  for (let i = 0; i < N; i++) ops.tidy(() => void ops.readSync(forward(xs[i % xs.length]!)));
  sa.push((performance.now() - t0) / N * 1000);
  t0 = performance.now();
  for (let i = 0; i < N; i++) {
    const y = model.predict(txs[i % txs.length]!, { batchSize: 256 }) as tf.Tensor;
    y.dataSync();
    y.dispose();
  }
  sb.push((performance.now() - t0) / N * 1000);
}
const med = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1]!;
console.log(`${key} batch 1: strata median ${med(sa).toFixed(1)} us/call (min ${Math.min(...sa).toFixed(1)}), layers median ${med(sb).toFixed(1)} (min ${Math.min(...sb).toFixed(1)}), ratio ${(med(sa) / med(sb)).toFixed(3)} (min ${(Math.min(...sa) / Math.min(...sb)).toFixed(3)})`);
