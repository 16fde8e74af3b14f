import { ops } from '@strata/backend';
import { beforeAll, describe, expect, it } from 'vitest';
import { CrossEntropyLoss, SAFE_LOG_EPS } from './ce.js';
import { LossArgumentError, LossShapeError } from './errors.js';
import { LossHolder } from './loss-holder.js';
import { expectClose, logSoftmaxRow, softmaxRow, useBackend, valueAndGradOf } from './test-utils/setup.js';

beforeAll(() => useBackend());

const LOGITS = [
  [1.0, 2.0, 0.5, -1.0],
  [0.3, -0.2, 2.5, 0.0],
  [-1.5, 0.7, 0.1, 3.0],
];
const TARGET = [1, 0, 3];
const C = 4;
const N = 3;

/** -sum over rows of sum_c q[c] log softmax(z)[c], in plain JS. */
function ceByHand(logits: number[][], q: number[][]): number {
  let s = 0;
  logits.forEach((z, i) => logSoftmaxRow(z).forEach((l, c) => (s -= q[i]![c]! * l)));
  return s;
}
const oneHot = (t: number[], depth = C): number[][] => t.map((k) => Array.from({ length: depth }, (_, c) => (c === k ? 1 : 0)));
/** RETURNN's smoothing_cross_entropy targets: 1 - ε on the target, ε / (classes - 1) elsewhere. */
const smooth = (q: number[][], ls: number): number[][] => q.map((r) => r.map((v) => (v === 1 ? 1 - ls : ls / (r.length - 1))));
/** The constant RETURNN subtracts per frame: the best cross entropy with the smoothed targets. */
const normalizing = (ls: number, classes = C): number => -((1 - ls) * Math.log(1 - ls) + ls * Math.log(ls / (classes - 1) + 1e-20));

const logitsT = () => ops.tensor(LOGITS.flat(), [N, C]);
const targetT = () => ops.tensor(TARGET, [N], 'int32');

describe('CrossEntropyLoss', () => {
  it('sums -log softmax(logits)[target] over frames (sparse target)', () => {
    const loss = new CrossEntropyLoss();
    const logits = logitsT();
    const sum = loss.computeSum({ output: ops.softmax(logits), logits }, targetT());
    expect(sum.shape).toEqual([]);
    expectClose([ops.item(sum)], [ceByHand(LOGITS, oneHot(TARGET))]);
  });

  it('accepts a dense probability target of shape [batch, classes]', () => {
    const q = [
      [0.1, 0.6, 0.2, 0.1],
      [1, 0, 0, 0],
      [0.25, 0.25, 0.25, 0.25],
    ];
    const logits = logitsT();
    const sum = new CrossEntropyLoss().computeSum({ output: ops.softmax(logits), logits }, ops.tensor(q.flat(), [N, C]));
    expectClose([ops.item(sum)], [ceByHand(LOGITS, q)]);
  });

  it('from probabilities (no logits) equals the logits form, and floors zeros at 1e-20 (RETURNN safe_log)', () => {
    const logits = logitsT();
    const viaProbs = new CrossEntropyLoss().computeSum({ output: ops.softmax(logits) }, targetT());
    expectClose([ops.item(viaProbs)], [ceByHand(LOGITS, oneHot(TARGET))], 1e-5, 1e-5);

    const probs = ops.tensor([0, 1, 0.5, 0.5], [2, 2]);
    const clipped = new CrossEntropyLoss().computeSum({ output: probs }, ops.tensor([0, 1], [2], 'int32'));
    expectClose([ops.item(clipped)], [-Math.log(SAFE_LOG_EPS) - Math.log(0.5)], 1e-4, 1e-5);
  });

  it('label smoothing is RETURNN\'s: 1 - ε on the target, ε/(classes - 1) elsewhere, minus the best value', () => {
    const ls = 0.1;
    const logits = logitsT();
    const sum = new CrossEntropyLoss({ labelSmoothing: ls }).computeSum({ output: ops.softmax(logits), logits }, targetT());
    expectClose([ops.item(sum)], [ceByHand(LOGITS, smooth(oneHot(TARGET), ls)) - N * normalizing(ls)]);
  });

  it('is finite and exact for logits of ±1000', () => {
    const big = [
      [1000, -1000, 0],
      [-1000, 1000, 999],
    ];
    const target = [1, 2];
    const loss = new CrossEntropyLoss({ labelSmoothing: 0.2 });
    const logits = ops.tensor(big.flat(), [2, 3]);
    const value = ops.item(loss.computeSum({ output: ops.softmax(logits), logits }, ops.tensor(target, [2], 'int32')));
    expect(Number.isFinite(value)).toBe(true);
    const want = ceByHand(big, smooth(oneHot(target, 3), 0.2)) - 2 * normalizing(0.2, 3);
    expectClose([value], [want], 1e-3, 1e-6);

    const { value: v, grad } = valueAndGradOf(
      (z) => new CrossEntropyLoss().computeSum({ output: ops.softmax(z), logits: z }, ops.tensor(target, [2], 'int32')),
      logits,
    );
    // Row 0: target 1 at -1000 vs 1000 → 2000; row 1: target 2 at 999 vs 1000 → 1 + log(1 + e^-1).
    expectClose([v], [2000 + 1 + Math.log(1 + Math.exp(-1))], 1e-3, 1e-6);
    expect(Array.from(grad).every(Number.isFinite)).toBe(true);
  });

  it('gradient w.r.t. logits of the normalised, scaled loss is scale·(softmax - q)/N', () => {
    const scale = 0.7;
    const ls = 0.1;
    const holder = new LossHolder({ layerName: 'output', loss: new CrossEntropyLoss({ labelSmoothing: ls, scale, useNormalizedLoss: true }) });
    const { value, grad } = valueAndGradOf((z) => {
      holder.compute({ output: ops.softmax(z), logits: z }, targetT());
      return holder.lossForObjective;
    }, logitsT());
    const q = smooth(oneHot(TARGET), ls);
    expectClose([value], [(scale * (ceByHand(LOGITS, q) - N * normalizing(ls))) / N]);
    const want = LOGITS.flatMap((z, i) => softmaxRow(z).map((p, c) => (scale * (p - q[i]![c]!)) / N));
    expectClose(grad, want);
  });

  it('computeError counts frames whose argmax differs from the target', () => {
    const loss = new CrossEntropyLoss();
    const logits = logitsT();
    // argmax rows: 1, 2, 3 → targets 1, 0, 3: one wrong frame.
    expect(ops.item(loss.computeError({ output: ops.softmax(logits), logits }, targetT()))).toBe(1);
    const dense = ops.oneHot(ops.tensor([2, 2, 2], [3], 'int32'), C);
    expect(ops.item(loss.computeError({ output: logits }, dense))).toBe(2);
  });

  it('rejects mismatched shapes and bad options with typed errors', () => {
    const loss = new CrossEntropyLoss();
    const logits = logitsT();
    expect(() => loss.computeSum({ output: logits, logits }, ops.tensor([1, 2], [2], 'int32'))).toThrow(LossShapeError);
    expect(() => loss.computeSum({ output: logits, logits }, ops.zeros([3, 5]))).toThrow(/same shape as the output/);
    expect(() => new CrossEntropyLoss({ labelSmoothing: 1 })).toThrow(LossArgumentError);
  });

  it('numFrames is the batch size for sparse and dense targets', () => {
    const loss = new CrossEntropyLoss();
    expect(ops.item(loss.numFrames(targetT()))).toBe(3);
    expect(ops.item(loss.numFrames(ops.zeros([3, C])))).toBe(3);
    expect(ops.item(loss.numFrames(ops.zeros([2, 5], 'int32')))).toBe(10);
  });
});
