import { getBackend, ops, setBackend } from '@strata/backend';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { Variable, type VariableOwner } from '@strata/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { OptimizerArgumentError } from './errors.js';
import { clipGradients } from './gradient-clipping.js';
import { SGD } from './sgd.js';

registerTfjsBackends();
beforeAll(() => setBackend('tfjs-cpu'));

const OWNER: VariableOwner = { scopeName: 'net/dense', effectiveTrainable: true };
// Two gradients with global norm sqrt(3² + 4² + 12²) = 13.
const G = [[3, -4], [12]];
const read = (ts: readonly { shape: number[] }[]) => ts.map((t) => Array.from(ops.readSync(t as never)));

describe('clipGradients (RETURNN gradient_clip, gradient_clip_global_norm)', () => {
  it('clips by value like tf.clip_by_value', () => {
    const out = clipGradients(G.map((g) => ops.tensor(g, [g.length])), { clipValue: 3.5 });
    expect(read(out)).toEqual([[3, -3.5], [3.5]]);
    expect(read(out)).toEqual(G.map((g) => Array.from(tf.clipByValue(tf.tensor1d(g), -3.5, 3.5).dataSync())));
  });

  it('scales by the global norm like tf.clip_by_global_norm: clip_norm / max(norm, clip_norm)', () => {
    const out = read(clipGradients(G.map((g) => ops.tensor(g, [g.length])), { globalClipNorm: 6.5 }));
    expect(out[0]![0]).toBeCloseTo(1.5, 6);
    expect(out[0]![1]).toBeCloseTo(-2, 6);
    expect(out[1]![0]).toBeCloseTo(6, 6);
    // Under the norm: unchanged.
    expect(read(clipGradients(G.map((g) => ops.tensor(g, [g.length])), { globalClipNorm: 20 }))).toEqual(G);
  });

  it('both: value clipping first, then the global norm of the raw gradients (RETURNN _post_process_grad order)', () => {
    const out = read(clipGradients(G.map((g) => ops.tensor(g, [g.length])), { clipValue: 5, globalClipNorm: 6.5 }));
    // clip → [3, -4], [5]; scale 6.5 / 13 = 0.5 (norm of the raw gradients, not of the clipped ones).
    expect(out.flat().map((x) => Number(x.toFixed(6)))).toEqual([1.5, -2, 2.5]);
  });

  it('an optimizer applies it before its update: SGD(lr 0.1) moves w by -0.1 · clipped gradient', () => {
    const b = getBackend();
    const w = new Variable({ owner: OWNER, name: 'kernel', value: b.variable(ops.tensor([1, 1], [2]), true) });
    const opt = new SGD({ learningRate: 0.1, clipValue: 5, globalClipNorm: 6.5 });
    // d/dw of 0.5·(a·w)² ... take a gradient directly: g = [3, -4]; a second variable's gradient [12] enters the norm.
    const v = new Variable({ owner: OWNER, name: 'bias', value: b.variable(ops.tensor([0], [1]), true) });
    opt.apply([w, v], [ops.tensor([3, -4], [2]), ops.tensor([12], [1])]);
    expect(Array.from(ops.readSync(w.value)).map((x) => Number(x.toFixed(6)))).toEqual([0.85, 1.2]);
    expect(Number(ops.readSync(v.value)[0]!.toFixed(6))).toBe(-0.25);
  });

  it('rejects negative or non-finite thresholds', () => {
    expect(() => new SGD({ clipValue: -1 })).toThrow(OptimizerArgumentError);
    expect(() => new SGD({ globalClipNorm: Number.NaN })).toThrow(/globalClipNorm must be a finite number >= 0/);
  });
});
