// TF1 GRUCell / BasicRNNCell → Strata: a Strata Rec given the converted weights (directly, and found by
// CheckpointLoader under RETURNN's names) gives the outputs of TF1's own equations (rnn_cell_impl.py
// GRUCell.call / BasicRNNCell.call), written here with tfjs ops on the TF1 weights.
import { ops, setBackend } from '@strata/backend';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { Rec, Rng } from '@strata/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { LstmLayoutError } from '../errors.js';
import type { NamedTensorData } from '../safetensors.js';
import { CheckpointLoader } from './checkpoint-loader.js';
import { type KerasRnn, tf1BasicRnnToKeras, tf1GruToKeras, type Tf1Gru } from './tf1-rnn-layouts.js';

const [B, T, F, U] = [2, 4, 3, 5];
const random = (n: number, rng: Rng) => Float32Array.from({ length: n }, () => rng.uniform() * 2 - 1);
const x = random(B * T * F, new Rng(11));

beforeAll(async () => {
  registerTfjsBackends();
  await setBackend('tfjs-cpu');
});

function expectClose(a: ArrayLike<number>, b: ArrayLike<number>, atol = 1e-5): void {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  expect(worst).toBeLessThanOrEqual(atol);
}

/** `step(xt, h)` over the frames of `x` from h = 0; output `[B, T, U]`. */
function runFrames(step: (xt: tf.Tensor2D, h: tf.Tensor2D) => tf.Tensor2D): Float32Array {
  return tf.tidy(() => {
    let h: tf.Tensor2D = tf.zeros([B, U]);
    const outs = (tf.unstack(tf.tensor3d(x, [B, T, F]), 1) as tf.Tensor2D[]).map((xt) => (h = step(xt, h)));
    return Float32Array.from(tf.stack(outs, 1).dataSync());
  });
}

/** TF1 GRUCell.call: `r, u = split(σ([x, h]·Wg + bg))`, `c = tanh([x, r*h]·Wc + bc)`, `h' = u*h + (1-u)*c`. */
function tf1GruEquations(g: Tf1Gru): Float32Array {
  const wg = tf.tensor2d(g.gatesKernel, [F + U, 2 * U]);
  const wc = tf.tensor2d(g.candidateKernel, [F + U, U]);
  return runFrames((xt, h) => {
    const [r, u] = tf.split(tf.sigmoid(tf.add(tf.matMul(tf.concat([xt, h], 1), wg), g.gatesBias)), 2, 1);
    const c = tf.tanh(tf.add(tf.matMul(tf.concat([xt, tf.mul(r!, h)], 1), wc), g.candidateBias));
    return tf.add(tf.mul(u!, h), tf.mul(tf.sub(1, u!), c)) as tf.Tensor2D;
  });
}

/** TF1 BasicRNNCell.call: `h' = tanh([x, h]·W + b)`. */
function tf1BasicRnnEquations(kernel: Float32Array, bias: Float32Array): Float32Array {
  const w = tf.tensor2d(kernel, [F + U, U]);
  return runFrames((xt, h) => tf.tanh(tf.add(tf.matMul(tf.concat([xt, h], 1), w), bias)) as tf.Tensor2D);
}

/** A Strata Rec of `unit` with the given weights (or loaded by `load`), run on `x`. */
function runStrata(unit: 'gru' | 'rnn', weights: KerasRnn | ((rec: Rec) => void)): Float32Array {
  const layer = new Rec({ name: 'output', unit, units: U });
  const input = ops.tensor(x, [B, T, F]);
  layer.apply(input);
  if (typeof weights === 'function') weights(layer);
  else layer.setWeights([weights.kernel, weights.recurrentKernel, weights.bias]);
  const out = Float32Array.from(ops.readSync(layer.apply(input)));
  layer.dispose();
  return out;
}

const rng = new Rng(3);
const gru: Tf1Gru = { inputSize: F, units: U, gatesKernel: random((F + U) * 2 * U, rng), gatesBias: random(2 * U, rng), candidateKernel: random((F + U) * U, rng), candidateBias: random(U, rng) };
const basic = { inputSize: F, units: U, kernel: random((F + U) * U, rng), bias: random(U, rng) };
const t = (name: string, shape: number[], data: Float32Array): NamedTensorData => ({ name, shape, dtype: 'float32', data });

describe('TF1 GRUCell → Strata GRU', () => {
  it('gives the outputs of TF1 GRUCell equations (update gate = Keras z, reset gate before the recurrent matMul)', () => {
    expectClose(runStrata('gru', tf1GruToKeras(gru)), tf1GruEquations(gru));
  });

  it("is found by CheckpointLoader under RETURNN's names (output/rec/gru_cell/gates/kernel, ...)", () => {
    const tensors = [
      t('output/rec/gru_cell/gates/kernel', [F + U, 2 * U], gru.gatesKernel),
      t('output/rec/gru_cell/gates/bias', [2 * U], gru.gatesBias),
      t('output/rec/gru_cell/candidate/kernel', [F + U, U], gru.candidateKernel),
      t('output/rec/gru_cell/candidate/bias', [U], gru.candidateBias),
    ];
    let origins: string[] = [];
    const out = runStrata('gru', (rec) => {
      const report = new CheckpointLoader({ tensors, variables: rec.weights }).loadNow();
      origins = [...report.loaded.values()].map((v) => v.origin);
    });
    expect(origins).toEqual(['tf1-gru', 'tf1-gru', 'tf1-gru']);
    expectClose(out, tf1GruEquations(gru));
  });

  it('rejects arrays that do not fit the sizes', () => {
    expect(() => tf1GruToKeras({ ...gru, candidateBias: new Float32Array(U + 1) })).toThrow(LstmLayoutError);
  });
});

describe('TF1 BasicRNNCell → Strata SimpleRNN', () => {
  it('gives the outputs of TF1 BasicRNNCell equations', () => {
    expectClose(runStrata('rnn', tf1BasicRnnToKeras(basic)), tf1BasicRnnEquations(basic.kernel, basic.bias));
  });

  it("is found by CheckpointLoader under RETURNN's names (output/rec/basic_rnn_cell/kernel, bias)", () => {
    const tensors = [t('output/rec/basic_rnn_cell/kernel', [F + U, U], basic.kernel), t('output/rec/basic_rnn_cell/bias', [U], basic.bias)];
    let origins: string[] = [];
    const out = runStrata('rnn', (rec) => {
      origins = [...new CheckpointLoader({ tensors, variables: rec.weights }).loadNow().loaded.values()].map((v) => v.origin);
    });
    expect(origins).toEqual(['tf1-basic-rnn', 'tf1-basic-rnn', 'tf1-basic-rnn']);
    expectClose(out, tf1BasicRnnEquations(basic.kernel, basic.bias));
  });

  it('rejects a kernel that does not fit the sizes', () => {
    expect(() => tf1BasicRnnToKeras({ ...basic, kernel: new Float32Array(F * U) })).toThrow(LstmLayoutError);
  });
});
