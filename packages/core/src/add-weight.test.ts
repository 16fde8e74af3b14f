// addWeight refuses shapes it cannot (or should not) allocate, before the
// initializer runs (fuzz finding #8: n_out 1e9 gave an untyped RangeError from
// the initializer; n_out 3e8 on dim 8 spent 87 s allocating 9.6 GB first).
import { getBackend, type Tensor } from '@strata/backend';
import { beforeAll, describe, expect, it } from 'vitest';
import { MAX_WEIGHT_ELEMENTS } from './add-weight.js';
import { LayerArgumentError } from './errors.js';
import type { Initializer } from './initializers/initializer.js';
import { Layer } from './layer.js';
import { Linear } from './layers/linear.js';
import { randomTensor, useBackend } from './test-utils/setup.js';

beforeAll(() => useBackend('tfjs-cpu'));

class Bare extends Layer {
  override call(x: Tensor | Tensor[]): Tensor {
    return x as Tensor;
  }
}

/** An initializer that counts the elements it was asked for. */
function countingZeros(): Initializer & { asked: number[] } {
  const asked: number[] = [];
  return {
    className: 'zeros',
    asked,
    generate: (shape) => {
      const n = shape.reduce<number>((a, d) => a * (d ?? 1), 1);
      asked.push(n);
      return new Float32Array(n);
    },
    getConfig: () => ({}),
  };
}

describe('addWeight size and shape checks', () => {
  it('accepts a weight of exactly MAX_WEIGHT_ELEMENTS elements in its check, and refuses one more, without initialising', () => {
    expect(MAX_WEIGHT_ELEMENTS).toBe(2 ** 28);
    const layer = new Bare({ name: 'big' });
    const init = countingZeros();
    expect(() => layer.addWeight('kernel', { shape: [2 ** 14, 2 ** 14 + 1], initializer: init })).toThrow(LayerArgumentError);
    expect(() => layer.addWeight('kernel', { shape: [2 ** 14, 2 ** 14 + 1], initializer: init })).toThrow(
      /Layer 'big', weight 'kernel': shape \[16384,16385\] has 2\.68e\+8 elements, more than the limit of 268435456/,
    );
    expect(init.asked).toEqual([]);
    expect(layer.weights).toEqual([]);
    // A small weight still goes through the same check and is initialised once.
    const w = layer.addWeight('bias', { shape: [3, 4], initializer: init });
    expect(w.shape).toEqual([3, 4]);
    expect(init.asked).toEqual([12]);
  });

  it('refuses sizes past a typed array or past safe integers, naming the layer, weight and shape', () => {
    const layer = new Bare({ name: 'l' });
    const init = countingZeros();
    expect(() => layer.addWeight('w', { shape: [8, 2 ** 31], initializer: init })).toThrow(/Layer 'l', weight 'w': shape \[8,2147483648\] has 1\.72e\+10 elements/);
    expect(() => layer.addWeight('w', { shape: [1e308], initializer: init })).toThrow(/shape must be a list of non-negative integers \(safe integers, below 2\^53\)\. Received: shape=\[1e\+308\]/);
    expect(() => layer.addWeight('w', { shape: [2 ** 53, 1], initializer: init })).toThrow(LayerArgumentError);
    expect(() => layer.addWeight('w', { shape: [Number.NaN], initializer: init })).toThrow(/Received: shape=\[null\]/);
    expect(init.asked).toEqual([]);
  });

  it('Linear with n_out 1e9 fails at build with a LayerArgumentError, before allocating anything', () => {
    const layer = new Linear({ units: 1e9, name: 'huge' });
    const x = randomTensor([2, 8], 1);
    const before = getBackend().memory();
    expect(() => layer.apply(x)).toThrow(/Layer 'huge', weight 'kernel': shape \[8,1000000000\] has 8\.00e\+9 elements/);
    const after = getBackend().memory();
    expect([after.numTensors, after.numBytes]).toEqual([before.numTensors, before.numBytes]);
    expect(layer.weights).toEqual([]);
  });
});
