import { setBackend } from '@strata/backend';
import { registerOnnxruntimeBackends } from '@strata/backend-onnxruntime';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { loadMnist } from '@strata/datasets';
import * as tf from '@tensorflow/tfjs-core';
import { buildEngine, modelSpecs } from './models.js';

registerTfjsBackends();
registerOnnxruntimeBackends();
const [key = 'CNN', backend = 'tfjs-cpu', nb = '1', reps = '2'] = process.argv.slice(2);
const spec = modelSpecs([key])[0]!;
await setBackend(backend);
const engine = await buildEngine(spec, { fresh: true });
const { train } = loadMnist({ seed: 42 });
const n = Number(nb) * spec.config.batch_size;
const sub = { name: 'sub', size: n, extern: train.extern, example: (i: number) => train.example(i) };
for (let r = 0; r < Number(reps); r++) {
  const t0 = performance.now();
  if (process.env.TFPROF && r === Number(reps) - 1) {
    const p = await tf.profile(() => engine.train(sub) as unknown as tf.TensorContainer);
    const agg = new Map<string, number>();
    for (const k of p.kernels) agg.set(k.name, (agg.get(k.name) ?? 0) + (k.kernelTimeMs as number));
    console.log([...agg].sort((a, b) => b[1] - a[1]).slice(0, 15));
  } else await engine.train(sub);
  console.log(`${key} ${backend} ${nb} batches: ${(performance.now() - t0).toFixed(1)} ms`);
}
