// RETURNN's dropout noise shapes. Expected values printed by RETURNN's own
// `Data.get_bc_shape` / the `dropout_axis` rule of `concat_sources_with_opt_dropout`
// (commit b46ff5f, tools/returnn-ref README) for the same Data: (None, 5) → (1, 1, 5) by default,
// (None, None, 5) with {"*": None}, (1, None, 5) with {"T": None}, [1, None, 5] with dropout_axis ["T", "F"];
// (None, 4, 3) with {"dim:4": None, "F": 1} → (1, 1, 4, 1). RETURNN's sizes are written null here (a draw per element).
import { describe, expect, it } from 'vitest';
import { Data } from '../data.js';
import { LayerArgumentError } from '../errors.js';
import { returnnDropoutNoiseShape } from './dropout-noise-shape.js';

const seq5 = Data.fromConfig('x', { shape: [null, 5] });
const seq43 = Data.fromConfig('s', { shape: [null, 4, 3] });

describe('returnnDropoutNoiseShape (RETURNN get_bc_shape)', () => {
  it('by default broadcasts over the batch and spatial axes: one mask over the features', () => {
    expect(returnnDropoutNoiseShape(seq5, undefined, undefined)).toEqual([1, 1, null]);
    expect(returnnDropoutNoiseShape(seq43, undefined, {})).toEqual([1, 1, 1, null]);
  });
  it('takes a dict of axis descriptions: "*" for all axes, -1/null per element, 1/"x" broadcast', () => {
    expect(returnnDropoutNoiseShape(seq5, undefined, { '*': null })).toEqual([null, null, null]);
    expect(returnnDropoutNoiseShape(seq5, undefined, { T: null })).toEqual([1, null, null]);
    expect(returnnDropoutNoiseShape(seq5, undefined, { t: -1, F: 'x' })).toEqual([1, null, 1]);
    expect(returnnDropoutNoiseShape(seq43, undefined, { 'dim:4': null, F: 1 })).toEqual([1, 1, null, 1]);
  });
  it('dropout_axis: a draw per element along those axes, the batch axis and the rest broadcast', () => {
    expect(returnnDropoutNoiseShape(seq5, ['T', 'F'], undefined)).toEqual([1, null, null]);
    expect(returnnDropoutNoiseShape(seq43, 'dim:4', undefined)).toEqual([1, 1, null, 1]);
  });
  it('refuses both options, ints in dropout_axis, bad values and an axis named twice', () => {
    expect(() => returnnDropoutNoiseShape(seq5, 'T', { F: 1 })).toThrow(/give dropout_axis or dropout_noise_shape, not both/);
    expect(() => returnnDropoutNoiseShape(seq5, [1], undefined)).toThrow(/not by int/);
    expect(() => returnnDropoutNoiseShape(seq5, undefined, { T: 2 })).toThrow(LayerArgumentError);
    expect(() => returnnDropoutNoiseShape(seq5, undefined, { T: null, time: 1 })).toThrow(/twice/);
    expect(() => returnnDropoutNoiseShape(seq5, undefined, [1, null])).toThrow(/one entry per axis/);
  });
});
