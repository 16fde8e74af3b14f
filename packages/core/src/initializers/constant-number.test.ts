// A number as an initializer is a constant (RETURNN get_initializer: "constant if a float is given",
// tf.compat.v1.constant_initializer), e.g. a conv's forward_weights_init: 1.0.
import { describe, expect, it } from 'vitest';
import { LayerArgumentError } from '../errors.js';
import { Rng } from '../rng.js';
import { getInitializer } from './index.js';

describe('getInitializer of a number', () => {
  it('fills every element with the number', () => {
    expect(Array.from(getInitializer(2.5).generate([2, 3], new Rng(1)))).toEqual([2.5, 2.5, 2.5, 2.5, 2.5, 2.5]);
    expect(Array.from(getInitializer(0).generate([2], new Rng(1)))).toEqual([0, 0]);
    expect(getInitializer(-1).getConfig()).toEqual({ value: -1 });
  });
  it('refuses a number that is not finite', () => {
    expect(() => getInitializer(Number.NaN)).toThrow(LayerArgumentError);
  });
});
