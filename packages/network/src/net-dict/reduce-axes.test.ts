import { describe, expect, it } from 'vitest';
import { NetDictError } from '../errors.js';
import { withSingleAxisReduces } from './reduce-axes.js';
import type { NetDict } from './schema.js';

describe('reduce over several axes (RETURNN ReduceLayer axes list) as a chain of one-axis reduces', () => {
  it('writes hidden one-axis entries, positional descriptions first, the entry keeping its other keys on the last axis', () => {
    const d = { output: { class: 'reduce', mode: 'mean', axes: ['T', 'spatial:1', 'F'], keep_dims: true, from: 'h', loss: 'mse' } } as unknown as NetDict;
    expect(withSingleAxisReduces(d)).toEqual({
      'output(reduce_1)': { class: 'reduce', mode: 'mean', keep_dims: true, axes: 'spatial:1', from: 'h' },
      'output(reduce_2)': { class: 'reduce', mode: 'mean', keep_dims: true, axes: 'T', from: 'output(reduce_1)' },
      output: { class: 'reduce', mode: 'mean', axes: 'F', keep_dims: true, from: 'output(reduce_2)', loss: 'mse' },
    });
  });

  it('leaves one axis, axis lists over the batch and other classes as they are', () => {
    const d = {
      a: { class: 'reduce', mode: 'sum', axes: 'T' },
      b: { class: 'reduce', mode: 'sum', axes: ['B', 'T'] },
      c: { class: 'copy', axes: ['T', 'F'] },
    } as unknown as NetDict;
    expect(withSingleAxisReduces(d)).toBe(d);
  });

  it('refuses argmax/argmin over several axes, naming the entry', () => {
    const d = { output: { class: 'reduce', mode: 'argmax', axes: ['T', 'F'] } } as unknown as NetDict;
    expect(() => withSingleAxisReduces(d)).toThrow(NetDictError);
    expect(() => withSingleAxisReduces(d)).toThrow(/'output' \(class 'reduce'\): mode "argmax" takes one axis/);
  });
});
