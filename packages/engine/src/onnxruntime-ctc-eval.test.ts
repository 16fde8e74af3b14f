/**
 * The CTC evaluation error on onnxruntime: the compiled eval step returns the
 * scores, lengths and targets of a host-side error (RETURNN's
 * `tf.nn.ctc_beam_search_decoder` in `CtcLoss.get_error`) as extra outputs and
 * decodes them after the run, so the dev error equals the eager tfjs one.
 */
import { setBackend } from '@strata/backend';
import { registerOnnxruntimeBackends } from '@strata/backend-onnxruntime';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { Rng } from '@strata/core';
import { type NetDict, NetDictNetwork } from '@strata/network';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Dataset } from './dataset.js';
import { Engine } from './engine.js';
import type { EvalResult } from './summary.js';

const V = 4;

/** Symbol sequences (one-hot frames) whose CTC labels are the runs of the symbols; class V is the blank. */
function runs(n: number, seed: number): Dataset {
  const rng = new Rng(seed);
  const syms = Array.from({ length: n }, () => Array.from({ length: 2 + rng.int(9) }, () => rng.int(V)));
  return {
    name: 'runs',
    size: n,
    extern: { data: { dim: V, shape: [null, V] }, classes: { dim: V, sparse: true, shape: [null] } },
    example: (i) => {
      const s = syms[i]!;
      const data = new Float32Array(s.length * V);
      s.forEach((k, t) => (data[t * V + k] = 1));
      return { data, classes: Int32Array.from(s.filter((k, t) => t === 0 || s[t - 1] !== k)) };
    },
  };
}

const net = (beamWidth?: number): NetDict => ({
  hidden: { class: 'linear', activation: 'tanh', n_out: 8, from: 'data' },
  output: { class: 'softmax', loss: 'ctc', from: 'hidden', target: 'classes', ...(beamWidth === undefined ? {} : { loss_opts: { beam_width: beamWidth } }) },
});
const dev = runs(24, 9);

async function evaluateOn(backend: string, beamWidth?: number): Promise<EvalResult> {
  await setBackend(backend);
  const model = NetDictNetwork.fromDict(net(beamWidth), { externData: dev.extern as Record<string, unknown>, seed: 11 });
  return new Engine(model, { batchSize: 40, epochs: 1, seed: 3, optimizer: { class: 'adam', learningRate: 0.01 }, progress: false, log: () => {} }).evaluate(dev);
}

beforeAll(() => {
  registerTfjsBackends();
  registerOnnxruntimeBackends();
});

describe('CTC evaluation error on onnxruntime', () => {
  it('beam search (default beam_width 100) and greedy (beam_width 1) errors equal those of tfjs', async () => {
    const tfjsBeam = await evaluateOn('tfjs-cpu');
    const tfjsGreedy = await evaluateOn('tfjs-cpu', 1);
    const ortBeam = await evaluateOn('onnxruntime');
    const ortGreedy = await evaluateOn('onnxruntime', 1);
    expect(ortBeam.errorRate).toBe(tfjsBeam.errorRate);
    expect(ortGreedy.errorRate).toBe(tfjsGreedy.errorRate);
    expect(tfjsBeam.errorRate).not.toBe(tfjsGreedy.errorRate); // the decoders differ on this untrained net
    expect(ortBeam.loss).toBeCloseTo(tfjsBeam.loss, 4);
  });
});
