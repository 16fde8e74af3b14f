// Rec's initialState (RETURNN initial_state): the values per state part, and the forward and gradients
// (w.r.t. the input, the cell weights and the initial-state variables) against tfjs-layers' LSTM/GRU given
// the same weights and the same initial state (tfjs-cpu; forward atol 1e-5, gradients atol 1e-4).
import { ops, type Tensor } from '@strata/backend';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { LayerArgumentError } from '../../errors.js';
import { expectClose, gradsOfMany, randomTensor, randomValues, useBackend } from '../../test-utils/setup.js';
import { initialStateValues, statePartKeys } from './initial-state.js';
import { Rec, type RecArgs } from './rec.js';

const [B, T, F, U] = [2, 4, 3, 3];
const size = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

describe('initialStateValues: one value per state part, h first (RETURNN lists and objects are c, h)', () => {
  it('maps a single value, a list in RETURNN order (c, h) and an object by part', () => {
    expect(statePartKeys('lstm')).toEqual(['h', 'c']);
    expect(initialStateValues('var', 'lstm', 'l')).toEqual(['var', 'var']);
    expect(initialStateValues(['var', 'zeros'], 'lstm', 'l')).toEqual(['zeros', 'var']);
    expect(initialStateValues({ c: 'ones', h: 'var' }, 'lstm', 'l')).toEqual(['var', 'ones']);
    expect(initialStateValues('ones', 'gru', 'l')).toEqual(['ones']);
  });

  it('refuses a list or object for a one-part cell, a list of the wrong length, an object missing a part', () => {
    expect(() => initialStateValues(['var'], 'gru', 'g')).toThrow(LayerArgumentError);
    expect(() => initialStateValues(['var'], 'lstm', 'l')).toThrow(/one value per state part \(c, h\)/);
    expect(() => initialStateValues({ c: 'var' }, 'lstm', 'l')).toThrow(/names every state part: c, h/);
  });

  it('checks the value in the constructor', () => {
    expect(() => new Rec({ unit: 'lstm', units: 2, initialState: 'keep' as never })).toThrow(LayerArgumentError);
  });
});

/** Rec with deterministic weights (the initial-state variables included) and tfjs-layers given the same. */
function compare(args: RecArgs, h0c0: (w: Float32Array[]) => Float32Array[], nStateVars: number) {
  const layer = new Rec(args);
  const x = randomTensor([B, T, F], 5);
  layer.apply(x);
  const weights = layer.weights.map((w, i) => randomValues(size(w.shape), 40 + i));
  layer.setWeights(weights);
  const got = gradsOfMany(([y]) => layer.apply(y!), [x], layer.trainableWeights.map((w) => w.value));

  const ref = args.unit === 'lstm' ? tfl.layers.lstm({ units: U, returnSequences: true, recurrentActivation: 'sigmoid' }) : tfl.layers.gru({ units: U, returnSequences: true, recurrentActivation: 'sigmoid' });
  ref.apply(tf.zeros([B, T, F]));
  ref.setWeights(weights.slice(0, 3).map((w, i) => tf.tensor(w, layer.weights[i]!.shape)));
  // The initial-state variables [U] (Strata's order of weights after the cell's three), broadcast over the batch.
  const stateVars = weights.slice(3).map((w) => tf.variable(tf.tensor(w, [U])));
  const fixed = h0c0(weights.slice(3));
  const want = gradsOfMany(
    ([y]) => {
      let v = 0;
      const init = fixed.map((f) => (f.length ? tf.add(tf.zeros([B, U]), tf.tensor(f, [1, U])) : tf.add(tf.zeros([B, U]), tf.reshape(stateVars[v++]!, [1, U]))));
      return ref.apply(y as unknown as tf.Tensor, { initialState: init }) as unknown as Tensor;
    },
    [x],
    [...(ref.trainableWeights.map((w) => w.read()) as unknown as Tensor[]), ...(stateVars as unknown as Tensor[])],
  );
  expect(got.grads.length).toBe(4 + nStateVars);
  expectClose(got.out, want.out, 1e-5, 0);
  got.grads.forEach((g, i) => expectClose(g, want.grads[i]!, 1e-4, 0));
  layer.dispose();
}

describe('Rec with initialState vs tfjs-layers with the same initial state (tfjs-cpu)', () => {
  beforeAll(() => useBackend('tfjs-cpu'));

  it("LSTM 'var': h0 and c0 are trainable [units] vectors rec/initial_h, rec/initial_c", () => {
    const layer = new Rec({ unit: 'lstm', units: U, initialState: 'var' });
    layer.apply(ops.zeros([B, T, F]));
    const names = layer.weights.map((w) => w.name);
    expect(names).toHaveLength(5);
    expect(names[3]).toMatch(/(^|\/)rec\/initial_h(:0)?$/);
    expect(names[4]).toMatch(/(^|\/)rec\/initial_c(:0)?$/);
    layer.dispose();
    // tfjs' initialState is [h, c]: both from the variables (empty array: take the next variable).
    compare({ unit: 'lstm', units: U, initialState: 'var' }, () => [new Float32Array(), new Float32Array()], 2);
  });

  it("LSTM {c: 'ones', h: 'var'}: c0 = 1, h0 trainable", () => {
    compare({ unit: 'lstm', units: U, initialState: { c: 'ones', h: 'var' } }, () => [new Float32Array(), new Float32Array(U).fill(1)], 1);
  });

  it("GRU 'var' (one state part, rec/initial_var)", () => {
    compare({ unit: 'gru', units: U, initialState: 'var' }, () => [new Float32Array()], 1);
  });
});
