// LSTM layouts against onnxruntime's own LSTM op: Keras-layout weights (a
// tfjs-layers LSTM's, or random) converted with kerasToOnnxLstm into the W, R,
// B initializers of a one-node ONNX model (X seq-first [T, B, in], the ONNX
// default layout) run in plain onnxruntime-node must give Strata's Rec output;
// forward, 'reverse' (Strata direction -1) and 'bidirectional', full-length and
// with sequence_lens. And back: random ONNX weights (non-zero Rb) → onnxToKerasLstm
// → Strata Rec gives onnxruntime's output.
import { ops, setBackend } from '@strata/backend';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { Rec, Rng } from '@strata/core';
import { DEFAULT_OPSET, GraphBuilder, intAttr, serializeModel } from '@strata/onnx';
import { type KerasLstm, kerasToOnnxLstm, type OnnxLstm, onnxToKerasLstm } from '@strata/savers';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';

const [T, B, F, U] = [6, 3, 4, 5];
type OnnxDirection = 'forward' | 'reverse' | 'bidirectional';

const random = (n: number, rng: Rng, scale = 1) => Float32Array.from({ length: n }, () => (rng.uniform() * 2 - 1) * scale);
const randomKeras = (seed: number): KerasLstm => {
  const rng = new Rng(seed);
  return { inputSize: F, units: U, kernel: random(F * 4 * U, rng), recurrentKernel: random(U * 4 * U, rng), bias: random(4 * U, rng) };
};
const randomOnnx = (seed: number, numDirections: number): OnnxLstm => {
  const rng = new Rng(seed);
  const d = numDirections;
  return { inputSize: F, units: U, numDirections: d, W: random(d * 4 * U * F, rng), R: random(d * 4 * U * U, rng), B: random(d * 8 * U, rng) };
};
/** Batch-major input x [B, T, F]. */
const x = random(B * T * F, new Rng(7), 2);

/** [B, T, n] → [T, B, n] (and back: the same swap of the first two axes). */
function swap01(a: Float32Array, d0: number, d1: number, n: number): Float32Array {
  const out = new Float32Array(a.length);
  for (let i = 0; i < d0; i++) for (let j = 0; j < d1; j++) out.set(a.subarray((i * d1 + j) * n, (i * d1 + j + 1) * n), (j * d0 + i) * n);
  return out;
}

/** Direction `d` of an ONNX `Y` [T, numDirections, B, U], as Strata's batch-major [B, T, U]. */
function directionOfY(y: Float32Array, numDirections: number, d: number): Float32Array {
  const out = new Float32Array(B * T * U);
  for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) {
    const from = ((t * numDirections + d) * B + b) * U;
    out.set(y.subarray(from, from + U), (b * T + t) * U);
  }
  return out;
}

/**
 * Runs a model of one ONNX `LSTM` node (opset {@link DEFAULT_OPSET}, built with GraphBuilder
 * and serializeModel) in onnxruntime-node on `x`, with `sequence_lens` when given.
 * Returns `Y` [T, numDirections, B, U].
 */
async function runOnnxLstm(onnx: OnnxLstm, direction: OnnxDirection, seqLens?: Int32Array): Promise<{ y: Float32Array; dims: readonly number[] }> {
  const nd = onnx.numDirections;
  const g = new GraphBuilder({ opset: DEFAULT_OPSET });
  g.input('X', 'float32', [T, B, F]);
  if (seqLens) g.input('sequence_lens', 'int32', [B]);
  const W = g.constant(onnx.W, [nd, 4 * U, F], 'float32', 'W');
  const R = g.constant(onnx.R, [nd, 4 * U, U], 'float32', 'R');
  const Bias = g.constant(onnx.B, [nd, 8 * U], 'float32', 'B');
  const y = g.op(
    'LSTM',
    ['X', W, R, Bias, ...(seqLens ? ['sequence_lens'] : [])],
    { hidden_size: intAttr(U), direction: { type: 'string', value: direction } },
    { shape: [T, nd, B, U], dtype: 'float32', dims: [T, nd, B, U] },
  );
  g.output(y, 'Y');
  const session = await ort.InferenceSession.create(serializeModel(g, { graphName: 'lstm' }));
  try {
    const feeds: Record<string, ort.Tensor> = { X: new ort.Tensor('float32', swap01(x, B, T, F), [T, B, F]) };
    if (seqLens) feeds['sequence_lens'] = new ort.Tensor('int32', seqLens, [B]);
    const out = (await session.run(feeds))['Y']!;
    return { y: Float32Array.from(out.data as Float32Array), dims: out.dims };
  } finally {
    await session.release();
  }
}

/** A Strata LSTM `Rec` with Keras-layout weights `k`, run on `x` [B, T, F] (with `seqLens` when given): [B, T, U]. */
function runStrata(k: KerasLstm, direction: 1 | -1 = 1, seqLens?: Int32Array): Float32Array {
  const layer = new Rec({ name: 'lstm', unit: 'lstm', units: U, direction });
  return ops.tidy(() => {
    const input = ops.tensor(x, [B, T, F]);
    const args = seqLens ? [input, ops.tensor(seqLens, [B], 'int32')] : input;
    layer.apply(args);
    layer.setWeights([k.kernel, k.recurrentKernel, k.bias]);
    const out = Float32Array.from(ops.readSync(layer.apply(args)));
    layer.dispose();
    return out;
  });
}

const maxAbsDiff = (a: Float32Array, b: Float32Array) => Math.max(...a.map((v, i) => Math.abs(v - b[i]!)));

function expectClose(got: Float32Array, want: Float32Array, atol = 1e-5): void {
  expect(got.length).toBe(want.length);
  expect(maxAbsDiff(got, want)).toBeLessThanOrEqual(atol);
}

beforeAll(async () => {
  registerTfjsBackends();
  await setBackend('tfjs-cpu');
});

describe('Keras layout → kerasToOnnxLstm → onnxruntime LSTM = Strata Rec (atol 1e-5)', () => {
  it('forward: a tfjs-layers LSTM (recurrentActivation sigmoid) = Strata Rec = onnxruntime, Y [T, 1, B, U]', async () => {
    const keras = tfl.layers.lstm({ units: U, returnSequences: true, recurrentActivation: 'sigmoid', biasInitializer: 'randomNormal' });
    const kerasOut = tf.tidy(() => Float32Array.from((keras.apply(tf.tensor3d(x, [B, T, F])) as tf.Tensor).dataSync()));
    const [kernel, recurrentKernel, bias] = keras.getWeights().map((w) => Float32Array.from(w.dataSync()));
    keras.dispose();
    const k: KerasLstm = { inputSize: F, units: U, kernel: kernel!, recurrentKernel: recurrentKernel!, bias: bias! };

    const strata = runStrata(k);
    expectClose(strata, kerasOut);
    const { y, dims } = await runOnnxLstm(kerasToOnnxLstm(k), 'forward');
    expect(dims).toEqual([T, 1, B, U]);
    expectClose(directionOfY(y, 1, 0), strata);
    expect(Math.max(...strata.map(Math.abs))).toBeGreaterThan(0.1); // real activations, not near zero
  });

  it("'reverse' = Strata direction -1 (full-length sequences), and tfjs-layers goBackwards in processing order", async () => {
    const k = randomKeras(21);
    const strata = runStrata(k, -1);
    const { y, dims } = await runOnnxLstm(kerasToOnnxLstm(k), 'reverse');
    expect(dims).toEqual([T, 1, B, U]);
    expectClose(directionOfY(y, 1, 0), strata);
    // Reading backwards is not reading forwards: the two directions differ.
    expect(maxAbsDiff(strata, runStrata(k, 1))).toBeGreaterThan(0.05);

    // tfjs-layers' goBackwards returns the outputs in processing order: its step s is Strata's frame T-1-s.
    const keras = tfl.layers.lstm({ units: U, returnSequences: true, goBackwards: true, recurrentActivation: 'sigmoid' });
    tf.tidy(() => void keras.apply(tf.zeros([B, T, F])));
    keras.setWeights([tf.tensor2d(k.kernel, [F, 4 * U]), tf.tensor2d(k.recurrentKernel, [U, 4 * U]), tf.tensor1d(k.bias)]);
    const back = tf.tidy(() => Float32Array.from((keras.apply(tf.tensor3d(x, [B, T, F])) as tf.Tensor).dataSync()));
    keras.dispose();
    const reordered = new Float32Array(B * T * U);
    for (let b = 0; b < B; b++) for (let s = 0; s < T; s++) reordered.set(back.subarray((b * T + s) * U, (b * T + s + 1) * U), (b * T + (T - 1 - s)) * U);
    expectClose(reordered, strata);
  });

  it("'bidirectional' with kerasToOnnxLstm(forward, backward): Y[:, 0] = Strata forward, Y[:, 1] = Strata direction -1", async () => {
    const [fw, bw] = [randomKeras(31), randomKeras(32)];
    const { y, dims } = await runOnnxLstm(kerasToOnnxLstm(fw, bw), 'bidirectional');
    expect(dims).toEqual([T, 2, B, U]);
    expectClose(directionOfY(y, 2, 0), runStrata(fw, 1));
    expectClose(directionOfY(y, 2, 1), runStrata(bw, -1));
  });

  it('sequence_lens [6, 3, 1]: padded frames are zeros in both, reverse starts at each sequence\'s last valid frame', async () => {
    const lens = new Int32Array([T, 3, 1]);
    const [fw, bw] = [randomKeras(41), randomKeras(42)];
    const { y } = await runOnnxLstm(kerasToOnnxLstm(fw, bw), 'bidirectional', lens);
    const forward = runStrata(fw, 1, lens);
    const backward = runStrata(bw, -1, lens);
    expectClose(directionOfY(y, 2, 0), forward);
    expectClose(directionOfY(y, 2, 1), backward);
    // Sequence 1 (length 3) backwards differs from reading all 6 frames backwards, so the lengths were honoured.
    const full = runStrata(bw, -1);
    const frame = (a: Float32Array, b: number, t: number) => a.subarray((b * T + t) * U, (b * T + t + 1) * U);
    expect(frame(backward, 1, 4).every((v) => v === 0)).toBe(true); // ±0: masking multiplies by 0
    expect(maxAbsDiff(frame(backward, 1, 0), frame(full, 1, 0))).toBeGreaterThan(1e-3);
  });
});

describe('ONNX layout → onnxToKerasLstm → Strata Rec = onnxruntime LSTM (atol 1e-5)', () => {
  it('forward, random W, R and B with non-zero Rb (Strata adds Wb + Rb)', async () => {
    const onnx = randomOnnx(51, 1);
    const { y } = await runOnnxLstm(onnx, 'forward');
    expectClose(runStrata(onnxToKerasLstm(onnx)), directionOfY(y, 1, 0));
    // Rb matters: dropping it changes the output, so the sum was really taken.
    const noRb = { ...onnx, B: Float32Array.from(onnx.B, (v, j) => (j < 4 * U ? v : 0)) };
    expect(maxAbsDiff(runStrata(onnxToKerasLstm(noRb)), directionOfY(y, 1, 0))).toBeGreaterThan(1e-3);
  });

  it("'reverse' → Strata direction -1", async () => {
    const onnx = randomOnnx(52, 1);
    const { y } = await runOnnxLstm(onnx, 'reverse');
    expectClose(runStrata(onnxToKerasLstm(onnx), -1), directionOfY(y, 1, 0));
  });

  it("'bidirectional': onnxToKerasLstm(onnx, 0) forward and onnxToKerasLstm(onnx, 1) with direction -1", async () => {
    const onnx = randomOnnx(53, 2);
    const { y } = await runOnnxLstm(onnx, 'bidirectional');
    expectClose(runStrata(onnxToKerasLstm(onnx, 0), 1), directionOfY(y, 2, 0));
    expectClose(runStrata(onnxToKerasLstm(onnx, 1), -1), directionOfY(y, 2, 1));
  });

  it('ONNX → Keras → ONNX gives onnxruntime the same outputs', async () => {
    const onnx = randomOnnx(54, 2);
    const again = kerasToOnnxLstm(onnxToKerasLstm(onnx, 0), onnxToKerasLstm(onnx, 1));
    const [a, b] = [await runOnnxLstm(onnx, 'bidirectional'), await runOnnxLstm(again, 'bidirectional')];
    expectClose(b.y, a.y);
  });
});
