// Rec (lstm, gru, rnn; both directions) against tfjs-layers' LSTM/GRU/SimpleRNN
// given the same weights, following layer-table.test.ts: forward (atol 1e-5)
// and gradients of sum(out * fixed random) w.r.t. the input and every weight
// (atol 1e-4) on tfjs-cpu, tfjs-wasm vs tfjs-cpu, sequence-length masking,
// initialisation, and the getConfig/layerFromConfig round trip.
import { getBackend, ops, type Tensor } from '@strata/backend';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputShapeError, LayerArgumentError } from '../../errors.js';
import { INFERENCE } from '../../layer.js';
import { expectClose, gradsOfMany, randomTensor, randomValues, refVariables, useBackend } from '../../test-utils/setup.js';
import { layerFromConfig, serializeLayer } from '../registry.js';
import { Rec, type RecArgs } from './rec.js';

const [B, T, F, U] = [2, 5, 3, 4];
const size = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);
type Result = { out: Float32Array; grads: Float32Array[] };
type Ref = { f: (x: tf.Tensor) => tf.Tensor; vars: tf.Tensor[] };

interface Case {
  name: string;
  args: RecArgs;
  /** The reference given Strata's weight values (same order and layout). */
  ref: (weights: tf.Tensor[]) => Ref;
}

/** A tfjs-layers RNN with the weights copied in; goBackwards output is flipped in time to align with the input. */
function tflRef(make: () => ReturnType<typeof tfl.layers.lstm>, goBackwards: boolean): (weights: tf.Tensor[]) => Ref {
  return (weights) => {
    const layer = make();
    layer.apply(tf.zeros([B, T, F]));
    layer.setWeights(weights);
    const f = (x: tf.Tensor): tf.Tensor => layer.apply(x) as tf.Tensor;
    return { f: goBackwards ? (x) => tf.reverse(f(x), 1) : f, vars: refVariables(layer) as unknown as tf.Tensor[] };
  };
}

/** Keras' GRU with reset_after=True in tfjs ops (tfjs-layers 4.22 cannot run it). */
function gruResetAfterRef(weights: tf.Tensor[], goBackwards: boolean): Ref {
  const [k, rk, b] = weights.map((w) => tf.variable(w)) as [tf.Variable, tf.Variable, tf.Variable];
  const f = (x: tf.Tensor): tf.Tensor => {
    const [inBias, recBias] = tf.unstack(b);
    let h: tf.Tensor = tf.zeros([B, U]);
    const outs: tf.Tensor[] = [];
    const steps = tf.unstack(tf.add(tf.matMul(tf.reshape(x, [B * T, F]), k).reshape([B, T, 3 * U]), inBias!), 1);
    // Copy before reversing: tfjs' tape keeps unstack's output array, and an in-place reverse scrambles its gradient.
    for (const xt of goBackwards ? [...steps].reverse() : steps) {
      const [xz, xr, xh] = tf.split(xt, 3, -1);
      const [iz, ir, ih] = tf.split(tf.add(tf.matMul(h, rk), recBias!), 3, -1);
      const z = tf.sigmoid(tf.add(xz!, iz!));
      const r = tf.sigmoid(tf.add(xr!, ir!));
      h = tf.add(tf.mul(z, h), tf.mul(tf.sub(1, z), tf.tanh(tf.add(xh!, tf.mul(r, ih!)))));
      outs.push(h);
    }
    return tf.stack(goBackwards ? outs.reverse() : outs, 1);
  };
  return { f, vars: [k, rk, b] };
}

const cases: Case[] = ([1, -1] as const).flatMap((direction) => {
  const goBackwards = direction === -1;
  const common = { units: U, returnSequences: true, goBackwards };
  const dir = `direction ${direction}`;
  return [
    {
      name: `lstm ${dir}`,
      args: { unit: 'lstm', units: U, direction },
      ref: tflRef(() => tfl.layers.lstm({ ...common, recurrentActivation: 'sigmoid' }), goBackwards),
    },
    {
      name: `gru ${dir}`,
      args: { unit: 'gru', units: U, direction },
      ref: tflRef(() => tfl.layers.gru({ ...common, recurrentActivation: 'sigmoid' }) as ReturnType<typeof tfl.layers.lstm>, goBackwards),
    },
    {
      name: `rnn ${dir}`,
      args: { unit: 'rnn', units: U, direction },
      ref: tflRef(() => tfl.layers.simpleRNN(common) as ReturnType<typeof tfl.layers.lstm>, goBackwards),
    },
    { name: `gru resetAfter ${dir} (closed form)`, args: { unit: 'gru', units: U, direction, resetAfter: true }, ref: (w) => gruResetAfterRef(w, goBackwards) },
  ];
});

/** A built Rec with deterministic weights in [-1, 1), and its input. */
function buildOurs(args: RecArgs): { layer: Rec; x: Tensor; weights: Float32Array[] } {
  const layer = new Rec(args);
  const x = randomTensor([B, T, F], 11);
  layer.apply(x);
  const weights = layer.weights.map((w, i) => randomValues(size(w.shape), 30 + i));
  layer.setWeights(weights);
  return { layer, x, weights };
}

function runOurs(args: RecArgs): Result {
  const { layer, x } = buildOurs(args);
  const res = gradsOfMany(([y]) => layer.apply(y!), [x], layer.trainableWeights.map((w) => w.value));
  layer.dispose();
  return res;
}

function runRef(c: Case): Result {
  const { layer, x, weights } = buildOurs(c.args);
  const ref = c.ref(weights.map((w, i) => tf.tensor(w, layer.weights[i]!.shape)));
  layer.dispose();
  return gradsOfMany(([y]) => ref.f(y as unknown as tf.Tensor) as unknown as Tensor, [x], ref.vars as unknown as Tensor[]);
}

function expectSame(got: Result, want: Result, atol = { out: 1e-5, grad: 1e-4 }): void {
  expectClose(got.out, want.out, atol.out, 0);
  expect(got.grads.length).toBe(want.grads.length);
  got.grads.forEach((g, i) => expectClose(g, want.grads[i]!, atol.grad, 0));
}

describe('Rec vs tfjs-layers LSTM/GRU/SimpleRNN (tfjs-cpu; forward atol 1e-5, gradients atol 1e-4)', () => {
  beforeAll(() => useBackend('tfjs-cpu'));
  for (const c of cases) {
    it(c.name, () => {
      const got = runOurs(c.args);
      expect(got.grads.length).toBe(4); // input, kernel, recurrent_kernel, bias
      expectSame(got, runRef(c));
    });
  }

  it('tfjs-layers goBackwards returns outputs in processing order (so the reference flips them)', () => {
    const { layer, x, weights } = buildOurs({ unit: 'lstm', units: U, direction: -1 });
    const ref = tfl.layers.lstm({ units: U, returnSequences: true, goBackwards: true, recurrentActivation: 'sigmoid' });
    ref.apply(x as unknown as tf.Tensor);
    ref.setWeights(weights.map((w, i) => tf.tensor(w, layer.weights[i]!.shape)));
    const raw = (ref.apply(x as unknown as tf.Tensor) as tf.Tensor).arraySync() as number[][][];
    const ours = ops.readSync(layer.apply(x));
    // Our frame T-1 has seen only input frame T-1: tfjs' first output.
    for (let b = 0; b < B; b++) {
      expectClose(ours.slice((b * T + T - 1) * U, (b * T + T) * U), raw[b]![0]!, 1e-5, 0);
      expectClose(ours.slice(b * T * U, (b * T + 1) * U), raw[b]![T - 1]!, 1e-5, 0);
    }
  });
});

/** Output and input gradient of `sum(out * upstream)`, with optional sequence lengths. */
function outAndInputGrad(layer: Rec, x: Tensor, lens: Tensor | undefined, upstream: Float32Array): { out: Float32Array; dx: Float32Array } {
  const b = getBackend();
  const xv = b.variable(x, true);
  const call = (): Tensor => layer.apply(lens ? [xv, lens] : xv);
  const { grads } = b.valueAndGrads(() => {
    const y = call();
    return { value: ops.sum(ops.mul(y, ops.tensor(upstream, y.shape))) };
  }, [xv]);
  const res = { out: Float32Array.from(ops.readSync(call())), dx: Float32Array.from(ops.readSync(grads[0]!)) };
  b.dispose([xv, ...grads]);
  return res;
}

/** Frames `[from, to)` of batch row `b` of a `[batch, time, width]` array. */
const frames = (a: Float32Array, time: number, width: number, b: number, from: number, to: number): Float32Array =>
  a.slice((b * time + from) * width, (b * time + to) * width);

describe('Rec with seqLens [T, 2]: padding neither shows nor leaks (tfjs-cpu)', () => {
  beforeAll(() => useBackend('tfjs-cpu'));
  const units = ['lstm', 'gru', 'rnn'] as const;
  for (const unit of units) {
    for (const direction of [1, -1] as const) {
      it(`${unit} direction ${direction}`, () => {
        const { layer, x } = buildOurs({ unit, units: U, direction });
        const lens = ops.tensor(Int32Array.from([T, 2]), [B], 'int32');
        const upstream = randomValues(B * T * U, 99);
        const full = outAndInputGrad(layer, x, lens, upstream);
        // Row 1 alone, truncated to its 2 frames, with the matching upstream weights.
        const short = outAndInputGrad(layer, ops.slice(x, [1, 0, 0], [1, 2, F]), undefined, frames(upstream, T, U, 1, 0, 2));
        expect(frames(full.out, T, U, 1, 0, 2)).toEqual(short.out);
        expect([...frames(full.out, T, U, 1, 2, T)].every((v) => v === 0)).toBe(true);
        expect([...frames(full.dx, T, F, 1, 2, T)].every((v) => v === 0)).toBe(true);
        expectClose(frames(full.dx, T, F, 1, 0, 2), short.dx, 1e-6, 0);
        // Row 0 (full length) is unaffected by row 1's padding.
        const long = outAndInputGrad(layer, ops.slice(x, [0, 0, 0], [1, T, F]), undefined, frames(upstream, T, U, 0, 0, T));
        expect(frames(full.out, T, U, 0, 0, T)).toEqual(long.out);
        expectClose(frames(full.dx, T, F, 0, 0, T), long.dx, 1e-6, 0);
        // Read backwards without lengths, row 1's valid frames would see its padding (the test has teeth).
        if (direction === -1) expect(frames(ops.readSync(layer.apply(x)) as Float32Array, T, U, 1, 0, 2)).not.toEqual(short.out);
        layer.dispose();
      });
    }
  }
});

describe('Rec initialisation (Keras defaults)', () => {
  beforeAll(() => useBackend('tfjs-cpu'));
  const built = (args: RecArgs): Rec => {
    const layer = new Rec(args);
    layer.apply(ops.zeros([1, 2, F]));
    return layer;
  };

  it('LSTM bias: unit forget bias [0, 1, 0, 0] blocks by default, zeros without', () => {
    const expected = [...Array(U).fill(0), ...Array(U).fill(1), ...Array(2 * U).fill(0)];
    expect([...built({ unit: 'lstm', units: U }).bias.readSync()]).toEqual(expected);
    expect([...built({ unit: 'lstm', units: U, unitForgetBias: false }).bias.readSync()]).toEqual(Array(4 * U).fill(0));
  });

  it('weight names and shapes follow Keras', () => {
    const gru = built({ unit: 'gru', units: U, resetAfter: true });
    expect(gru.weights.map((w) => [w.name, w.shape])).toEqual([
      ['rec/kernel:0', [F, 3 * U]],
      ['rec/recurrent_kernel:0', [U, 3 * U]],
      ['rec/bias:0', [2, 3 * U]],
    ]);
  });

  it('recurrent kernel is orthogonal (rows orthonormal), kernel glorot-uniform bounded', () => {
    for (const unit of ['lstm', 'gru', 'rnn'] as const) {
      const layer = built({ unit, units: U });
      const [rows, cols] = layer.recurrentKernel.shape as [number, number];
      const rk = layer.recurrentKernel.readSync();
      for (let i = 0; i < rows; i++) {
        for (let j = 0; j < rows; j++) {
          let dot = 0;
          for (let c = 0; c < cols; c++) dot += rk[i * cols + c]! * rk[j * cols + c]!;
          expect(dot).toBeCloseTo(i === j ? 1 : 0, 5);
        }
      }
      const limit = Math.sqrt(6 / (F + cols));
      expect([...layer.kernel.readSync()].every((v) => Math.abs(v) <= limit)).toBe(true);
    }
  });

  it('tfjs-layers 4.22 rejects GRU resetAfter (hence the closed-form reference)', () => {
    // Its GRULayerArgs type has no resetAfter, but the GRUCell constructor checks it.
    expect(() => tfl.layers.gru({ units: U, resetAfter: true } as Parameters<typeof tfl.layers.gru>[0])).toThrow(/reset_after/);
  });
});

describe('Rec getConfig / layerFromConfig round trip', () => {
  beforeAll(() => useBackend('tfjs-cpu'));
  const configs: RecArgs[] = [
    { unit: 'lstm', units: U, unitForgetBias: false, name: 'enc' },
    { unit: 'gru', units: U, direction: -1, resetAfter: true },
    { unit: 'rnn', units: U, kernelInitializer: 'lecun_uniform', recurrentInitializer: { className: 'orthogonal', config: { gain: 0.5 } } },
    { unit: 'lstm', units: U, unroll: true, maxSeqLen: T },
  ];
  for (const args of configs) {
    it(`${args.unit} ${JSON.stringify(args)}`, () => {
      const layer = new Rec(args);
      const x = randomTensor([B, T, F], 11);
      layer.apply(x);
      const serialized = serializeLayer(layer);
      expect(serialized.className).toBe('Rec');
      const copy = layerFromConfig(JSON.parse(JSON.stringify(serialized)));
      expect(copy).toBeInstanceOf(Rec);
      expect(serializeLayer(copy)).toEqual(serialized);
      // Same name, same initializers: the same initial weights; so the same function.
      copy.apply(x);
      copy.getWeights().forEach((w, i) => expect(w).toEqual(layer.getWeights()[i]));
      expectClose(ops.readSync(copy.apply(x, INFERENCE)), ops.readSync(layer.apply(x, INFERENCE)), 0, 0);
    });
  }
});

describe('Rec argument and input errors', () => {
  beforeAll(() => useBackend('tfjs-cpu'));
  it('names the bad argument and the received value', () => {
    expect(() => new Rec({ unit: 'lstmp' as 'lstm', units: U })).toThrow(LayerArgumentError);
    expect(() => new Rec({ unit: 'lstm', units: 0 })).toThrow(/units=0/);
    expect(() => new Rec({ unit: 'lstm', units: U, direction: 0 as 1 })).toThrow(/direction=0/);
    expect(() => new Rec({ unit: 'lstm', units: U, resetAfter: true })).toThrow(/resetAfter applies to unit 'gru' only/);
  });
  it('rejects inputs that are not [batch, time, features] or lengths not [batch]', () => {
    expect(() => new Rec({ unit: 'rnn', units: U }).apply(ops.zeros([2, F]))).toThrow(InputShapeError);
    const layer = new Rec({ unit: 'rnn', units: U });
    expect(() => layer.apply([ops.zeros([2, T, F]), ops.zeros([3], 'int32')])).toThrow(/seqLens of shape \[2\]/);
  });
});

describe("Rec maxSeqLen (RETURNN max_seq_len with unroll: the unroll length, RecLayer._get_output_cell)", () => {
  beforeAll(() => useBackend('tfjs-cpu'));
  it('up to maxSeqLen frames: the same outputs as without it (unrolling changes no number)', () => {
    const x = randomTensor([B, T, F], 5);
    const lens = ops.tensor(Int32Array.from([T, 2]), [B], 'int32');
    const plain = new Rec({ unit: 'lstm', units: U, name: 'l' });
    const unrolled = new Rec({ unit: 'lstm', units: U, name: 'l', unroll: true, maxSeqLen: T + 1 });
    expect(unrolled.maxSeqLen).toBe(T + 1);
    const want = ops.readSync(plain.apply([x, lens], INFERENCE));
    unrolled.apply([x, lens]);
    unrolled.setWeights(plain.getWeights());
    expectClose(ops.readSync(unrolled.apply([x, lens], INFERENCE)), want, 0, 0);
  });
  it('more frames than maxSeqLen: an InputShapeError quoting RETURNN\'s assertion; maxSeqLen without unroll or not a positive int: LayerArgumentError', () => {
    const layer = new Rec({ unit: 'lstm', units: U, unroll: true, maxSeqLen: T - 1 });
    expect(() => layer.apply(ops.zeros([B, T, F]))).toThrow(InputShapeError);
    expect(() => layer.apply(ops.zeros([B, T, F]))).toThrow(/at most max_seq_len=4 frames.*max_seq_len >= seq_len/);
    expect(() => new Rec({ unit: 'lstm', units: U, maxSeqLen: 100 })).toThrow(/maxSeqLen is the number of frames an unrolled cell runs for.*unroll.*Received: maxSeqLen=100/);
    expect(() => new Rec({ unit: 'lstm', units: U, unroll: true, maxSeqLen: 2.5 })).toThrow(/maxSeqLen.*must be a positive integer/);
    expect(new Rec({ unit: 'lstm', units: U, maxSeqLen: null }).maxSeqLen).toBeUndefined();
  });
});

describe('Rec: tfjs-wasm vs tfjs-cpu parity (forward atol 1e-5, gradients atol 1e-4)', () => {
  const onCpu = new Map<string, Result>();
  const masked = (): Float32Array => {
    const { layer, x } = buildOurs({ unit: 'lstm', units: U, direction: -1 });
    const out = Float32Array.from(ops.readSync(layer.apply([x, ops.tensor(Int32Array.from([3, 1]), [B], 'int32')])));
    layer.dispose();
    return out;
  };
  beforeAll(async () => {
    await useBackend('tfjs-cpu');
    for (const c of cases) onCpu.set(c.name, runOurs(c.args));
    onCpu.set('masked', { out: masked(), grads: [] });
    await useBackend('tfjs-wasm');
  });
  afterAll(() => useBackend('tfjs-cpu'));
  for (const c of cases) it(c.name, () => expectSame(runOurs(c.args), onCpu.get(c.name)!));
  it('lstm direction -1 with seqLens [3, 1]', () => expectClose(masked(), onCpu.get('masked')!.out, 1e-5, 0));
});
