import { getBackend, ops, setBackend } from '@strata/backend';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { Variable, type VariableOwner } from '@strata/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { OptimizerArgumentError } from './errors.js';
import { clipGradients } from './gradient-clipping.js';
import { Adam } from './adam.js';
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

  it('clipNorm clips each tensor by its own norm like tf.clip_by_norm: g · c / max(‖g‖, c)', () => {
    // ‖[3, -4]‖ = 5 → scaled by 2.5 / 5; ‖[12]‖ = 12 → 2.5 / 12; under the norm: unchanged.
    const out = read(clipGradients(G.map((g) => ops.tensor(g, [g.length])), { clipNorm: 2.5 }));
    expect(out.flat().map((x) => Number(x.toFixed(6)))).toEqual([1.5, -2, 2.5]);
    expect(read(clipGradients(G.map((g) => ops.tensor(g, [g.length])), { clipNorm: 13 }))).toEqual(G);
    const tfRef = G.map((g) => Array.from(tf.tidy(() => tf.mul(tf.tensor1d(g), 2.5 / Math.max(Math.hypot(...g), 2.5))).dataSync()));
    out.flat().forEach((x, i) => expect(x).toBeCloseTo(tfRef.flat()[i]!, 6));
  });

  it('gradientNanInfFilter sets NaN and ±Inf to 0 after clipping (RETURNN nan_to_num(grad, 0, 0))', () => {
    const g = ops.tensor([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -2.5, 7], [5]);
    expect(read(clipGradients([g], { gradientNanInfFilter: true }))).toEqual([[0, 0, 0, -2.5, 7]]);
    // An infinite element makes the global norm infinite: TF's clip_by_global_norm gives NaN everywhere, the filter zeros.
    const h = ops.tensor([1, 2], [2]);
    expect(read(clipGradients([g, h], { globalClipNorm: 1, gradientNanInfFilter: true }))).toEqual([[0, 0, 0, 0, 0], [0, 0]]);
    expect(read(clipGradients([h, ops.tensor([Number.POSITIVE_INFINITY], [1])], { globalClipNorm: 1 }))[0]!.every(Number.isNaN)).toBe(true);
  });
});

describe('accumGradMultipleStep (RETURNN accum_grad_multiple_step)', () => {
  const variable = (name: string, v: number[]) => new Variable({ owner: OWNER, name, value: getBackend().variable(ops.tensor(v, [v.length]), true) });
  const GS = [[1, -2], [0.5, 4], [-3, 1], [2, 2], [1, 1], [-1, 0]];

  it('SGD with n = 3 equals one SGD step on the sum of the 3 gradients; the step counter counts applied updates', () => {
    const w = variable('w', [1, 1]);
    const opt = new SGD({ learningRate: 0.1, accumGradMultipleStep: 3 });
    const seen: { w: number[]; iterations: number; phase: number }[] = [];
    for (const g of GS) {
      opt.apply([w], [ops.tensor(g, [2])]);
      seen.push({ w: Array.from(ops.readSync(w.value)).map((x) => Number(x.toFixed(6))), iterations: opt.iterations, phase: opt.accumGradPhase });
    }
    // Closed form: after step 3, w = 1 - 0.1 · (1 + 0.5 - 3), 1 - 0.1 · (-2 + 4 + 1); after step 6, minus 0.1 · (2 + 1 - 1), 0.1 · (2 + 1 + 0).
    expect(seen.map((s) => s.w)).toEqual([[1, 1], [1, 1], [1.15, 0.7], [1.15, 0.7], [1.15, 0.7], [0.95, 0.4]]);
    expect(seen.map((s) => s.iterations)).toEqual([0, 0, 1, 1, 1, 2]);
    expect(seen.map((s) => s.phase)).toEqual([1, 2, 0, 1, 2, 0]);
  });

  it('Adam with n = 2 equals Adam without accumulation on the pairwise sums (bias correction by applied updates)', () => {
    const a = variable('a', [0.3, -0.7]);
    const b = variable('b', [0.3, -0.7]);
    const acc = new Adam({ learningRate: 0.01, accumGradMultipleStep: 2 });
    const plain = new Adam({ learningRate: 0.01 });
    GS.forEach((g, i) => {
      acc.apply([a], [ops.tensor(g, [2])]);
      if (i % 2 === 1) plain.apply([b], [ops.tensor([g[0]! + GS[i - 1]![0]!, g[1]! + GS[i - 1]![1]!], [2])]);
    });
    expect(Array.from(ops.readSync(a.value))).toEqual(Array.from(ops.readSync(b.value)));
    expect(acc.iterations).toBe(3);
  });

  it('saves the running sum and the phase: a restored optimizer goes on as the uninterrupted one', () => {
    const w = variable('w', [1, 1]);
    const opt = new SGD({ learningRate: 0.1, accumGradMultipleStep: 3 });
    opt.apply([w], [ops.tensor(GS[0]!, [2])]);
    opt.apply([w], [ops.tensor(GS[1]!, [2])]);
    const state = opt.getState({ slots: true });
    expect(state.accumGradPhase).toBe(2);
    expect(state.slots!.map((s) => s.name)).toEqual(['net/dense/w/accum_grad']);
    const again = new SGD({ learningRate: 0.1, accumGradMultipleStep: 3 });
    again.setState(state);
    again.apply([w], [ops.tensor(GS[2]!, [2])]);
    expect(Array.from(ops.readSync(w.value)).map((x) => Number(x.toFixed(6)))).toEqual([1.15, 0.7]);
    expect(() => new SGD({ accumGradMultipleStep: 0 })).toThrow(/accumGradMultipleStep must be an integer >= 1/);
    expect(() => new SGD({ accumGradMultipleStep: 1.5 })).toThrow(OptimizerArgumentError);
  });
});
