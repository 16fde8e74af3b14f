import { ops } from '@strata/backend';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { InputShapeError, LayerArgumentError } from '../errors.js';
import { type CallContext, INFERENCE, trainingContext } from '../layer.js';
import { Rng } from '../rng.js';
import { expectClose, randomValues, useBackend } from '../test-utils/setup.js';
import { BatchNorm } from './batch-norm.js';

beforeAll(() => useBackend('tfjs-cpu'));

const C = 4;
const shape = [6, 3, C];
const xValues = randomValues(6 * 3 * C, 8).map((v, i) => 2 * v + (i % C)); // per-feature offsets
const weights = [randomValues(C, 1), randomValues(C, 2), randomValues(C, 3), randomValues(C, 4).map((v) => Math.abs(v) + 0.5)];
const training: CallContext = { training: true, nextSeed: () => 0 };

function built(momentum = 0.1): BatchNorm {
  const bn = new BatchNorm({ momentum });
  bn.apply(ops.tensor(xValues, shape), INFERENCE);
  bn.setWeights(weights);
  return bn;
}

/** Batch mean and biased variance over all axes but the last. */
function batchStats(): { mean: number[]; variance: number[] } {
  const mean = new Array(C).fill(0);
  const sq = new Array(C).fill(0);
  const n = xValues.length / C;
  xValues.forEach((v, i) => (mean[i % C] += v / n));
  xValues.forEach((v, i) => (sq[i % C] += (v - mean[i % C]) ** 2 / n));
  return { mean, variance: sq };
}

describe('BatchNorm', () => {
  it('updates the moving statistics like tfjs-layers with Keras momentum 1 - momentum', () => {
    const bn = built(0.1);
    bn.apply(ops.tensor(xValues, shape), training);
    const ref = tfl.layers.batchNormalization({ momentum: 0.9 });
    ref.apply(tf.tensor(xValues, shape));
    ref.setWeights(weights.map((w) => tf.tensor(w)));
    ref.apply(tf.tensor(xValues, shape), { training: true });
    const want = ref.getWeights().map((w) => w.dataSync());
    bn.getWeights().forEach((w, i) => expectClose(w, want[i]!));
    // And the closed form: new = 0.9 * old + 0.1 * batch statistic.
    const { mean, variance } = batchStats();
    expectClose(bn.movingMean.readSync(), weights[2]!.map((m, i) => 0.9 * m + 0.1 * mean[i]!));
    expectClose(bn.movingVariance.readSync(), weights[3]!.map((v, i) => 0.9 * v + 0.1 * variance[i]!));
  });

  it('records the updates through ctx.addUpdate and changes nothing itself', () => {
    const bn = built(0.25);
    const ctx = trainingContext(new Rng(1));
    bn.apply(ops.tensor(xValues, shape), ctx);
    bn.getWeights().forEach((w, i) => expectClose(w, weights[i]!, 0, 0));
    expect(ctx.updates.map(([v]) => v)).toEqual([bn.movingMean, bn.movingVariance]);
    const { mean, variance } = batchStats();
    expectClose(ops.readSync(ctx.updates[0]![1]), weights[2]!.map((m, i) => 0.75 * m + 0.25 * mean[i]!));
    expectClose(ops.readSync(ctx.updates[1]![1]), weights[3]!.map((v, i) => 0.75 * v + 0.25 * variance[i]!));
  });

  it('in inference uses the moving statistics and updates nothing', () => {
    const bn = built();
    const y = ops.readSync(bn.apply(ops.tensor(xValues, shape), INFERENCE));
    bn.apply(ops.tensor(xValues, shape));
    bn.getWeights().forEach((w, i) => expectClose(w, weights[i]!, 0, 0));
    const [g, b, m, v] = weights as [Float32Array, Float32Array, Float32Array, Float32Array];
    const c = (i: number) => i % C;
    expectClose(y, xValues.map((x, i) => (g[c(i)]! * (x - m[c(i)]!)) / Math.sqrt(v[c(i)]! + 1e-3) + b[c(i)]!));
  });

  it('in training normalises each feature with the batch statistics (mean beta, std ~gamma)', () => {
    const bn = new BatchNorm();
    const y = ops.readSync(bn.apply(ops.tensor(xValues, shape), training));
    const { variance } = batchStats();
    for (let c = 0; c < C; c++) {
      const col = Array.from(y).filter((_, i) => i % C === c);
      const mean = col.reduce((a, b) => a + b, 0) / col.length;
      const varY = col.reduce((a, b) => a + (b - mean) ** 2, 0) / col.length;
      expect(mean).toBeCloseTo(0, 5);
      expect(varY).toBeCloseTo(variance[c]! / (variance[c]! + 1e-3), 4);
    }
  });

  it('has trainable gamma, beta and non-trainable moving statistics, named as in Keras', () => {
    const bn = built();
    expect(bn.trainableWeights.map((w) => w.name)).toEqual(['batch_norm/gamma:0', 'batch_norm/beta:0']);
    expect(bn.nonTrainableWeights.map((w) => w.name)).toEqual(['batch_norm/moving_mean:0', 'batch_norm/moving_variance:0']);
  });

  it('rejects bad momentum and epsilon in Keras form', () => {
    expect(() => new BatchNorm({ momentum: 1.5 })).toThrow(LayerArgumentError);
    expect(() => new BatchNorm({ momentum: 1.5 })).toThrow('Received: momentum=1.5.');
    expect(() => new BatchNorm({ momentum: -0.1 })).toThrow('Received: momentum=-0.1.');
    expect(() => new BatchNorm({ epsilon: 0 })).toThrow('Received: epsilon=0.');
  });

  it('rejects rank-1 input and a feature size other than the built one', () => {
    expect(() => new BatchNorm().apply(ops.tensor([1, 2, 3], [3]))).toThrow(InputShapeError);
    const bn = built();
    expect(() => bn.apply(ops.tensor(randomValues(10, 1), [2, 5]))).toThrow(InputShapeError);
    expect(() => bn.apply(ops.tensor(randomValues(10, 1), [2, 5]))).toThrow('Received: input shape [2, 5]');
  });
});

describe("BatchNorm with RETURNN's masked_time, update_sample_only_in_training and delay_sample_update", () => {
  const lens = [3, 1, 2, 3, 2, 1];
  const lensT = () => ops.tensor(Int32Array.from(lens), [6], 'int32');
  /** Mean and biased variance over the valid frames (t < lens[b]) only. */
  function maskedStats(): { mean: number[]; variance: number[] } {
    const valid = xValues.filter((_, i) => Math.floor(i / C) % 3 < lens[Math.floor(i / (3 * C))]!);
    const n = valid.length / C;
    const mean = new Array(C).fill(0);
    const variance = new Array(C).fill(0);
    valid.forEach((v, i) => (mean[i % C] += v / n));
    valid.forEach((v, i) => (variance[i % C] += (v - mean[i % C]) ** 2 / n));
    return { mean, variance };
  }
  const normalize = (m: ArrayLike<number>, v: ArrayLike<number>) => xValues.map((x, i) => ((x - m[i % C]!) / Math.sqrt(v[i % C]! + 1e-3)) * weights[0]![i % C]! + weights[1]![i % C]!);
  function make(args: ConstructorParameters<typeof BatchNorm>[0]): BatchNorm {
    const bn = new BatchNorm(args);
    bn.apply([ops.tensor(xValues, shape), lensT()], INFERENCE);
    bn.setWeights(weights);
    return bn;
  }

  it('maskedTime: training normalises with the statistics of the valid frames and moves towards them', () => {
    const bn = make({ maskedTime: true, momentum: 0.3 });
    const { mean, variance } = maskedStats();
    const y = ops.readSync(bn.apply([ops.tensor(xValues, shape), lensT()], training));
    expectClose(y, normalize(mean, variance), 1e-4);
    expectClose(bn.movingMean.readSync(), weights[2]!.map((m, i) => 0.7 * m + 0.3 * mean[i]!));
    expect(maskedStats().mean.some((m, i) => Math.abs(m - batchStats().mean[i]!) > 1e-3)).toBe(true);
  });

  it('updateSampleOnlyInTraining false: evaluation moves the statistics; delaySampleUpdate false uses the moved ones', () => {
    const bn = make({ maskedTime: true, momentum: 0.99, updateSampleOnlyInTraining: false, delaySampleUpdate: false });
    const { mean, variance } = maskedStats();
    const m = weights[2]!.map((w, i) => 0.01 * w + 0.99 * mean[i]!);
    const v = weights[3]!.map((w, i) => 0.01 * w + 0.99 * variance[i]!);
    expectClose(ops.readSync(bn.apply([ops.tensor(xValues, shape), lensT()], INFERENCE)), normalize(m, v), 1e-4);
    expectClose(bn.movingMean.readSync(), m);
    expectClose(bn.movingVariance.readSync(), v);
  });

  it('delaySampleUpdate true: evaluation uses the statistics from before the update, and still updates them', () => {
    const bn = make({ maskedTime: false, momentum: 0.5, updateSampleOnlyInTraining: false, delaySampleUpdate: true });
    const { mean } = batchStats();
    expectClose(ops.readSync(bn.apply([ops.tensor(xValues, shape), lensT()], INFERENCE)), normalize(weights[2]!, weights[3]!), 1e-4);
    expectClose(bn.movingMean.readSync(), weights[2]!.map((w, i) => 0.5 * w + 0.5 * mean[i]!));
  });

  it("fused (RETURNN's fused_batch_norm path): evaluation uses the moving statistics and updates nothing, whatever updateSampleOnlyInTraining says", () => {
    const bn = make({ maskedTime: false, momentum: 0.99, updateSampleOnlyInTraining: false, delaySampleUpdate: false, fused: true });
    expectClose(ops.readSync(bn.apply([ops.tensor(xValues, shape), lensT()], INFERENCE)), normalize(weights[2]!, weights[3]!), 1e-4);
    bn.getWeights().forEach((w, i) => expectClose(w, weights[i]!, 0, 0));
  });

  it('fused: training normalises with the biased batch variance and moves towards the unbiased one (n / (n - 1))', () => {
    const bn = make({ maskedTime: false, momentum: 0.5, fused: true });
    const { mean, variance } = batchStats();
    const n = xValues.length / C;
    expectClose(ops.readSync(bn.apply(ops.tensor(xValues, shape), training)), normalize(mean, variance), 1e-4);
    expectClose(bn.movingMean.readSync(), weights[2]!.map((w, i) => 0.5 * w + 0.5 * mean[i]!));
    expectClose(bn.movingVariance.readSync(), weights[3]!.map((w, i) => 0.5 * w + 0.5 * variance[i]! * (n / (n - 1))));
  });

  it('rejects a param_version other than 0, 1, 2', () => {
    expect(() => new BatchNorm({ paramVersion: 3 as never })).toThrow('paramVersion must be 0, 1 or 2. Received: paramVersion=3.');
  });
});
