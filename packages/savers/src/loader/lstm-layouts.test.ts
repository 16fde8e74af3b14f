// LSTM layout conversions: round trips on random weights, and numerics: a
// Strata Rec given converted weights gives the outputs of the source layout's
// own equations, written here with tfjs ops (ONNX, TF1 with forget_bias,
// RETURNN NativeLstm2), and of tfjs-layers' LSTM (Keras).
import { ops, setBackend } from '@strata/backend';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { Rec, Rng } from '@strata/core';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { LstmLayoutError } from '../errors.js';
import {
  type KerasLstm,
  kerasToOnnxLstm,
  kerasToReturnnNativeLstm,
  kerasToTf1Lstm,
  onnxToKerasLstm,
  reorderGates,
  returnnNativeToKerasLstm,
  tf1BlockToKerasLstm,
} from './lstm-layouts.js';

const [B, T, F, U] = [2, 4, 3, 5];
const random = (n: number, rng: Rng) => Float32Array.from({ length: n }, () => rng.uniform() * 2 - 1);
const randomKeras = (seed: number, n = F, u = U): KerasLstm => {
  const rng = new Rng(seed);
  return { inputSize: n, units: u, kernel: random(n * 4 * u, rng), recurrentKernel: random(u * 4 * u, rng), bias: random(4 * u, rng) };
};
const x = random(B * T * F, new Rng(5));

function expectClose(a: ArrayLike<number>, b: ArrayLike<number>, atol = 1e-5): void {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  expect(worst).toBeLessThanOrEqual(atol);
}

/** A Strata LSTM `Rec` with the given Keras-layout weights, run on `x` `[B, T, F]`. */
function runStrata(k: KerasLstm): Float32Array {
  const layer = new Rec({ name: 'lstm', unit: 'lstm', units: k.units });
  const input = ops.tensor(x, [B, T, F]);
  layer.apply(input);
  layer.setWeights([k.kernel, k.recurrentKernel, k.bias]);
  const out = Float32Array.from(ops.readSync(layer.apply(input)));
  layer.dispose();
  return out;
}

/**
 * Runs `step` over the frames of `x` with zero states: `step(xt, h, c)` returns the
 * next `[h, c]`. Output `[B, T, U]`.
 */
function runFrames(step: (xt: tf.Tensor2D, h: tf.Tensor2D, c: tf.Tensor2D) => [tf.Tensor2D, tf.Tensor2D]): Float32Array {
  return tf.tidy(() => {
    const xs = tf.unstack(tf.tensor3d(x, [B, T, F]), 1) as tf.Tensor2D[];
    let h: tf.Tensor2D = tf.zeros([B, U]);
    let c: tf.Tensor2D = tf.zeros([B, U]);
    const outs: tf.Tensor2D[] = [];
    for (const xt of xs) {
      [h, c] = step(xt, h, c);
      outs.push(h);
    }
    return Float32Array.from(tf.stack(outs, 1).dataSync());
  });
}

/** ONNX LSTM (forward direction), as in onnx/docs/Operators.md#LSTM: gates i, o, f, c; `Xt·Wᵀ + Ht-1·Rᵀ + Wb + Rb`. */
function onnxEquations(W: Float32Array, R: Float32Array, Bv: Float32Array): Float32Array {
  const w = tf.tensor2d(W.subarray(0, 4 * U * F), [4 * U, F]);
  const r = tf.tensor2d(R.subarray(0, 4 * U * U), [4 * U, U]);
  const wb = tf.tensor1d(Bv.subarray(0, 4 * U));
  const rb = tf.tensor1d(Bv.subarray(4 * U, 8 * U));
  return runFrames((xt, h, c) => {
    const z = tf.add(tf.add(tf.matMul(xt, w, false, true), tf.matMul(h, r, false, true)), tf.add(wb, rb));
    const [i, o, f, g] = tf.split(z, 4, 1);
    const cNext = tf.add(tf.mul(tf.sigmoid(f!), c), tf.mul(tf.sigmoid(i!), tf.tanh(g!))) as tf.Tensor2D;
    return [tf.mul(tf.sigmoid(o!), tf.tanh(cNext)) as tf.Tensor2D, cNext];
  });
}

/** TF1 BasicLSTMCell/LSTMCell: `concat([x, h]) · kernel + bias`, gates i, j, f, o, `σ(f + forget_bias)`. */
function tf1Equations(kernel: Float32Array, bias: Float32Array, forgetBias: number): Float32Array {
  const k = tf.tensor2d(kernel, [F + U, 4 * U]);
  const b = tf.tensor1d(bias);
  return runFrames((xt, h, c) => {
    const z = tf.add(tf.matMul(tf.concat([xt, h], 1), k), b);
    const [i, j, f, o] = tf.split(z, 4, 1);
    const cNext = tf.add(tf.mul(tf.sigmoid(tf.add(f!, forgetBias)), c), tf.mul(tf.sigmoid(i!), tf.tanh(j!))) as tf.Tensor2D;
    return [tf.mul(tf.sigmoid(o!), tf.tanh(cNext)) as tf.Tensor2D, cNext];
  });
}

/** RETURNN NativeLstm2: `x · W + h · W_re + b`, gates j, i, f, o, no forget bias. */
function nativeEquations(W: Float32Array, WRe: Float32Array, bias: Float32Array): Float32Array {
  const w = tf.tensor2d(W, [F, 4 * U]);
  const wr = tf.tensor2d(WRe, [U, 4 * U]);
  const b = tf.tensor1d(bias);
  return runFrames((xt, h, c) => {
    const z = tf.add(tf.add(tf.matMul(xt, w), tf.matMul(h, wr)), b);
    const [j, i, f, o] = tf.split(z, 4, 1);
    const cNext = tf.add(tf.mul(tf.sigmoid(f!), c), tf.mul(tf.sigmoid(i!), tf.tanh(j!))) as tf.Tensor2D;
    return [tf.mul(tf.sigmoid(o!), tf.tanh(cNext)) as tf.Tensor2D, cNext];
  });
}

beforeAll(async () => {
  registerTfjsBackends();
  await setBackend('tfjs-cpu');
});

describe('reorderGates', () => {
  it('moves whole gate blocks and can transpose to gate-major', () => {
    // One row, units 2, blocks i f c o = [0 1 | 2 3 | 4 5 | 6 7].
    const row = Float32Array.from([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(Array.from(reorderGates(row, 1, 2, ['i', 'f', 'c', 'o'], ['i', 'o', 'f', 'c']))).toEqual([0, 1, 6, 7, 2, 3, 4, 5]);
    expect(Array.from(reorderGates(row, 1, 2, ['i', 'f', 'c', 'o'], ['i', 'c', 'f', 'o']))).toEqual([0, 1, 4, 5, 2, 3, 6, 7]);
    // Two rows, transposed out: [8, 2], row r of the output is column r of the (reordered) input.
    const two = Float32Array.from([0, 1, 2, 3, 4, 5, 6, 7, 10, 11, 12, 13, 14, 15, 16, 17]);
    expect(Array.from(reorderGates(two, 2, 2, ['i', 'f', 'c', 'o'], ['i', 'f', 'c', 'o'], true))).toEqual([0, 10, 1, 11, 2, 12, 3, 13, 4, 14, 5, 15, 6, 16, 7, 17]);
  });
});

describe('round trips (random weights, several sizes)', () => {
  const sizes = [
    [1, 1],
    [3, 5],
    [7, 2],
  ] as const;
  for (const [n, u] of sizes) {
    it(`Keras → ONNX → Keras, Keras → TF1 → Keras, Keras → NativeLstm2 → Keras are identities (in ${n}, units ${u})`, () => {
      const k = randomKeras(n * 10 + u, n, u);
      const viaOnnx = onnxToKerasLstm(kerasToOnnxLstm(k));
      for (const back of [viaOnnx, tf1BlockToKerasLstm(kerasToTf1Lstm(k)), tf1BlockToKerasLstm(kerasToTf1Lstm(k, { forgetBias: 0.25 }), { forgetBias: 0.25 }), returnnNativeToKerasLstm(kerasToReturnnNativeLstm(k))]) {
        expect(back.inputSize).toBe(n);
        expect(back.units).toBe(u);
        expectClose(back.kernel, k.kernel, 0);
        expectClose(back.recurrentKernel, k.recurrentKernel, 0);
        expectClose(back.bias, k.bias, 1e-6);
      }
      const onnx = kerasToOnnxLstm(k);
      expect([onnx.W.length, onnx.R.length, onnx.B.length]).toEqual([4 * u * n, 4 * u * u, 8 * u]);
      expect(Array.from(onnx.B.subarray(4 * u))).toEqual(new Array(4 * u).fill(0)); // Rb = 0
    });
  }

  it('ONNX → Keras → ONNX keeps W, R and Wb + Rb (the split of the bias is not recoverable)', () => {
    const rng = new Rng(3);
    const onnx = { inputSize: F, units: U, numDirections: 1, W: random(4 * U * F, rng), R: random(4 * U * U, rng), B: random(8 * U, rng) };
    const back = kerasToOnnxLstm(onnxToKerasLstm(onnx));
    expectClose(back.W, onnx.W, 0);
    expectClose(back.R, onnx.R, 0);
    const sum = (b: Float32Array) => Array.from({ length: 4 * U }, (_, j) => b[j]! + b[4 * U + j]!);
    expectClose(sum(back.B), sum(onnx.B), 1e-6);
  });

  it('a bidirectional ONNX LSTM: direction 1 is the second half; both halves round-trip', () => {
    const [fw, bw] = [randomKeras(1), randomKeras(2)];
    const onnx = kerasToOnnxLstm(fw, bw);
    expect(onnx.numDirections).toBe(2);
    expectClose(onnxToKerasLstm(onnx, 0).kernel, fw.kernel, 0);
    const b = onnxToKerasLstm(onnx, 1);
    expectClose(b.kernel, bw.kernel, 0);
    expectClose(b.recurrentKernel, bw.recurrentKernel, 0);
    expectClose(b.bias, bw.bias, 0);
    expect(() => onnxToKerasLstm(onnx, 2)).toThrow(/direction must be in \[0, 1\]. Received: direction=2/);
  });

  it('TF1: the forget bias is added to the forget block only', () => {
    const t = kerasToTf1Lstm(randomKeras(4), { forgetBias: 0 });
    const k = tf1BlockToKerasLstm(t); // default forgetBias 1
    const k0 = tf1BlockToKerasLstm(t, { forgetBias: 0 });
    const diff = Array.from(k.bias, (v, j) => Math.round((v - k0.bias[j]!) * 1e5) / 1e5);
    expect(diff).toEqual([...new Array(U).fill(0), ...new Array(U).fill(1), ...new Array(2 * U).fill(0)]);
  });

  it('wrong lengths throw LstmLayoutError naming the expected shape', () => {
    const k = randomKeras(1);
    expect(() => kerasToOnnxLstm({ ...k, kernel: k.kernel.subarray(1) })).toThrow(LstmLayoutError);
    expect(() => kerasToOnnxLstm({ ...k, kernel: k.kernel.subarray(1) })).toThrow(`kernel: expected 60 values for shape [3, 20]. Received: 59 values.`);
    expect(() => tf1BlockToKerasLstm({ inputSize: F, units: U, kernel: k.kernel, bias: k.bias })).toThrow(/kernel: expected 160 values for shape \[8, 20\]/);
    expect(() => kerasToOnnxLstm(k, randomKeras(2, F + 1))).toThrow(/both directions need the same sizes/);
  });
});

describe('numerics: a Strata Rec with converted weights computes the source layout (tfjs-cpu, atol 1e-5)', () => {
  it('ONNX W, R, B (random, non-zero Rb) → Strata = the ONNX LSTM equations', () => {
    const rng = new Rng(11);
    const onnx = { inputSize: F, units: U, numDirections: 1, W: random(4 * U * F, rng), R: random(4 * U * U, rng), B: random(8 * U, rng) };
    const want = onnxEquations(onnx.W, onnx.R, onnx.B);
    expectClose(runStrata(onnxToKerasLstm(onnx)), want);
    // The reverse half of a bidirectional LSTM, run forward, is an independent LSTM of the same form.
    const bi = { ...onnx, numDirections: 2, W: random(8 * U * F, rng), R: random(8 * U * U, rng), B: random(16 * U, rng) };
    const half = { W: bi.W.subarray(4 * U * F), R: bi.R.subarray(4 * U * U), B: bi.B.subarray(8 * U) };
    expectClose(runStrata(onnxToKerasLstm(bi, 1)), onnxEquations(half.W, half.R, half.B));
  });

  for (const forgetBias of [1, 0, 0.5]) {
    it(`TF1 LSTMCell kernel [in + u, 4u] and bias, run with forget_bias=${forgetBias} → Strata (forgetBias ${forgetBias}) = the TF1 equations`, () => {
      const rng = new Rng(12);
      const tf1 = { inputSize: F, units: U, kernel: random((F + U) * 4 * U, rng), bias: random(4 * U, rng) };
      expectClose(runStrata(tf1BlockToKerasLstm(tf1, { forgetBias })), tf1Equations(tf1.kernel, tf1.bias, forgetBias));
    });
  }

  it('converting TF1 weights while ignoring forget_bias (RETURNN) changes the outputs', () => {
    const rng = new Rng(12);
    const tf1 = { inputSize: F, units: U, kernel: random((F + U) * 4 * U, rng), bias: random(4 * U, rng) };
    const got = runStrata(tf1BlockToKerasLstm(tf1, { forgetBias: 0 }));
    const want = tf1Equations(tf1.kernel, tf1.bias, 1);
    expect(Math.max(...got.map((v, i) => Math.abs(v - want[i]!)))).toBeGreaterThan(1e-3);
  });

  it('RETURNN NativeLstm2 W, W_re, b → Strata = the NativeLstm2 equations', () => {
    const rng = new Rng(13);
    const n = { inputSize: F, units: U, W: random(F * 4 * U, rng), WRe: random(U * 4 * U, rng), b: random(4 * U, rng) };
    expectClose(runStrata(returnnNativeToKerasLstm(n)), nativeEquations(n.W, n.WRe, n.b));
  });

  it('Keras (tfjs-layers LSTM) → Strata → ONNX → Strata: same weights, same outputs as tfjs-layers and as the ONNX equations', () => {
    const keras = tfl.layers.lstm({ units: U, returnSequences: true, recurrentActivation: 'sigmoid', biasInitializer: 'randomNormal' });
    const input = tf.tensor3d(x, [B, T, F]);
    const kerasOut = Float32Array.from((keras.apply(input) as tf.Tensor).dataSync());
    const [kk, kr, kb] = keras.getWeights().map((w) => Float32Array.from(w.dataSync()));
    const strataWeights: KerasLstm = { inputSize: F, units: U, kernel: kk!, recurrentKernel: kr!, bias: kb! };
    expectClose(runStrata(strataWeights), kerasOut); // Keras → Strata: a 1:1 copy

    const onnx = kerasToOnnxLstm(strataWeights);
    expectClose(onnxEquations(onnx.W, onnx.R, onnx.B), kerasOut);
    const back = onnxToKerasLstm(onnx);
    expectClose(back.kernel, kk!, 0);
    expectClose(back.recurrentKernel, kr!, 0);
    expectClose(back.bias, kb!, 0);
    expectClose(runStrata(back), kerasOut);
    keras.dispose();
    input.dispose();
  });
});
