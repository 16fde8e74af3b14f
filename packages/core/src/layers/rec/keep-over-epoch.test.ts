// initial_state "keep_over_epoch" (RETURNN: the previous batch's last state is the next batch's initial state,
// zeros at epoch step 0): a second call on `x` continues the sequences, so it equals frames T..2T-1 of one call on
// [x, x] concatenated in time (closed form: the same layer without kept state); resetEpochState starts over; a
// different batch size, and a compiled graph backend (onnxruntime), are refused with typed errors. tfjs-cpu, atol 1e-5.
import { BackendCapabilityError, getBackend, ops, setBackend, type Tensor } from '@strata/backend';
import { registerOnnxruntimeBackends } from '@strata/backend-onnxruntime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputShapeError } from '../../errors.js';
import { trainingContext } from '../../call-context.js';
import { Rng } from '../../rng.js';
import { expectClose, gradsOfMany, randomTensor, useBackend } from '../../test-utils/setup.js';
import { resetEpochState } from './keep-over-epoch.js';
import { Rec } from './rec.js';
import { Rhn } from './rhn.js';

registerOnnxruntimeBackends({ intraOpNumThreads: 1 });
const TRAINING = trainingContext(new Rng(3));
const [B, T, F, U] = [2, 3, 3, 4];

/** `layer`'s output, and that of `twin` (the same weights, zeros initial state) on [x, x] for frames T..2T-1. */
function continued(layer: Rec | Rhn, twin: Rec | Rhn, x: Tensor): { got: Float32Array; want: Float32Array } {
  const xx = ops.concat([x, x], 1);
  twin.apply(xx);
  layer.apply(x);
  twin.setWeights(layer.getWeights());
  const got = Float32Array.from(ops.readSync(layer.apply(x)));
  const want = Float32Array.from(ops.readSync(ops.slice(twin.apply(xx), [0, T, 0], [-1, T, -1])));
  return { got, want };
}

describe('keep_over_epoch: the state goes on from batch to batch', () => {
  beforeAll(() => useBackend('tfjs-cpu'));

  it('lstm: the second call continues the sequences (= frames T..2T-1 of [x, x])', () => {
    const x = randomTensor([B, T, F], 1);
    const { got, want } = continued(new Rec({ unit: 'lstm', units: U, initialState: 'keep_over_epoch' }), new Rec({ unit: 'lstm', units: U }), x);
    expectClose(got, want);
  });

  it('rhn: the same, and only the kept part (c kept, h from zeros) when given per part', () => {
    const x = randomTensor([B, T, F], 2);
    const { got, want } = continued(new Rhn({ units: U, initialState: 'keep_over_epoch', unitOpts: { depth: 2 } }), new Rhn({ units: U, unitOpts: { depth: 2 } }), x);
    expectClose(got, want);
    const part = new Rec({ unit: 'lstm', units: U, initialState: { c: 'keep_over_epoch', h: 'zeros' } });
    const first = Float32Array.from(ops.readSync(part.apply(x)));
    const second = Float32Array.from(ops.readSync(part.apply(x)));
    expect(Math.max(...second.map((v, i) => Math.abs(v - first[i]!)))).toBeGreaterThan(1e-3);
  });

  it('resetEpochState starts from zeros again (keep_over_epoch), not for keep_over_epoch_no_init', () => {
    const x = randomTensor([B, T, F], 3);
    for (const [value, same] of [['keep_over_epoch', true], ['keep_over_epoch_no_init', false]] as const) {
      const layer = new Rec({ unit: 'lstm', units: U, initialState: value });
      const first = Float32Array.from(ops.readSync(layer.apply(x)));
      const second = Float32Array.from(ops.readSync(layer.apply(x)));
      expect(Math.max(...second.map((v, i) => Math.abs(v - first[i]!)))).toBeGreaterThan(1e-3);
      resetEpochState({ layers: [layer] });
      const again = Float32Array.from(ops.readSync(layer.apply(x)));
      if (same) expectClose(again, first);
      else expect(Math.max(...again.map((v, i) => Math.abs(v - first[i]!)))).toBeGreaterThan(1e-3);
    }
  });

  it('gradients of the second call: to its input as the continued sequence has them; weights get finite gradients', () => {
    const x = randomTensor([B, T, F], 4);
    const layer = new Rec({ unit: 'lstm', units: U, initialState: 'keep_over_epoch' });
    const twin = new Rec({ unit: 'lstm', units: U });
    twin.apply(ops.concat([x, x], 1));
    layer.apply(x);
    twin.setWeights(layer.getWeights());
    resetEpochState({ layers: [layer] });
    layer.apply(x, TRAINING);
    const got = gradsOfMany(([xi]) => ops.sum(layer.apply(xi!, TRAINING)), [x], layer.trainableWeights.map((w) => w.value));
    // d/dx2 of frames T..2T-1 of the twin on [x1, x2], x1 a constant: the kept state is the first batch's, not differentiated.
    const want = gradsOfMany(([x2]) => ops.sum(ops.slice(twin.apply(ops.concat([x, x2!], 1)), [0, T, 0], [-1, T, -1])), [x], []);
    // (gradsOfMany's `out` is a third call, a later step; the gradients are the second call's.)
    expectClose(got.grads[0]!, want.grads[0]!);
    expect(got.grads.length).toBe(1 + layer.trainableWeights.length);
    for (const g of got.grads.slice(1)) expect(g.every(Number.isFinite)).toBe(true);
  });

  it('refuses a batch of another size than the previous one', () => {
    const layer = new Rec({ unit: 'lstm', units: U, initialState: 'keep_over_epoch' });
    layer.apply(randomTensor([B, T, F], 5));
    expect(() => layer.apply(randomTensor([B + 1, T, F], 6))).toThrow(InputShapeError);
    expect(() => layer.apply(randomTensor([B + 1, T, F], 6))).toThrow(/expected a batch of 2 sequences, as the previous batch had/);
  });
});

describe('keep_over_epoch on a compiled graph backend', () => {
  beforeAll(async () => {
    await setBackend('onnxruntime');
  });
  afterAll(async () => {
    await setBackend('tfjs-cpu');
  });

  it('throws BackendCapabilityError naming the option, instead of computing something else', () => {
    const layer = new Rec({ unit: 'lstm', units: U, initialState: 'keep_over_epoch' });
    const x = randomTensor([B, T, F], 7);
    layer.build([null, T, F]);
    const run = getBackend().compile((xi: Tensor) => layer.apply(xi));
    expect(() => run(x)).toThrow(BackendCapabilityError);
    expect(() => run(x)).toThrow(/initial_state "keep_over_epoch" of rec layer/);
  });
});
