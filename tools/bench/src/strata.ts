/**
 * Strata contenders: the network of a config, built on one backend, its
 * inference forward wrapped in `backend.compile` (on onnxruntime: one ONNX
 * graph per input signature, run as one session; on tfjs: eager), fed
 * batches uploaded once before timing. A second, informational contender
 * times `engine.predict` end to end.
 */
import { getBackend, ops, setBackend, type Tensor } from '@strata/backend';
import { INFERENCE } from '@strata/core';
import type { Engine } from '@strata/engine';
import { type Contender, onBackend } from './contender.js';
import type { BenchData } from './data.js';
import { BATCH_SIZE } from './data.js';

/** A compiled forward of the default output layer over pre-uploaded batches. */
export async function strataContender(name: string, backendName: string, engine: Engine, data: BenchData, detail: string): Promise<Contender> {
  await setBackend(backendName);
  const net = engine.model;
  const [key, ...others] = net.inputKeys();
  if (!key || others.length > 0) throw new Error(`The benchmark feeds one input; the model reads ${net.inputKeys().join(', ')}.`);
  const layer = net.outputNames()[0]!;
  const forward = getBackend().compile((x: Tensor) => net.forward({ [key]: x }, INFERENCE).get(layer)!.value);
  const inputs = data.batches.map((b) => ops.keep(ops.tensor(b.pixels, [b.size, b.pixels.length / b.size], 'float32')));
  return {
    name,
    detail,
    activate: onBackend(backendName),
    pass(out: Float32Array): void {
      let offset = 0;
      for (const x of inputs) {
        ops.tidy(() => {
          const values = ops.readSync(forward(x)) as Float32Array;
          out.set(values, offset);
          offset += values.length;
        });
      }
    },
    dispose: async () => {
      await setBackend(backendName);
      ops.dispose(inputs);
    },
  };
}

/**
 * `engine.predict(dev, {batchSize: 256})` as a user calls it: gathers and
 * checks every example, collates and uploads the batches, and runs the
 * forward the engine compiled once (it keeps it across calls).
 */
export function enginePredictContender(name: string, backendName: string, engine: Engine, data: BenchData): Contender {
  return {
    name,
    detail: `engine.predict(dev, {batchSize: ${BATCH_SIZE}}) end to end: checks + collate + upload per call, compiled forward cached by the engine`,
    informational: true,
    activate: onBackend(backendName),
    pass(out: Float32Array): void {
      out.set(engine.predict(data.dev, { batchSize: BATCH_SIZE }).values);
    },
    dispose: async () => {},
  };
}
