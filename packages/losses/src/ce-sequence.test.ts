import { ops, type Tensor } from '@strata/backend';
import { beforeAll, describe, expect, it } from 'vitest';
import { CrossEntropyLoss } from './ce.js';
import { LossShapeError } from './errors.js';
import { LossHolder } from './loss-holder.js';
import { expectClose, logSoftmaxRow, softmaxRow, useBackend, valueAndGradOf } from './test-utils/setup.js';

beforeAll(() => useBackend());

// Batch of 3 sequences, padded time 4, 3 classes; lengths 4, 2, 1 (7 frames).
const B = 3;
const T = 4;
const C = 3;
const LENS = [4, 2, 1];
const LOGITS: number[][][] = [
  [[1, 2, 0.5], [0.3, -0.2, 2.5], [-1.5, 0.7, 0.1], [2, 0, 0]],
  [[0, 1, 0], [3, 1, -1], [0, 0, 0], [0, 0, 0]],
  [[0.5, 0.5, 2], [0, 0, 0], [0, 0, 0], [0, 0, 0]],
];
const TARGET = [
  [1, 2, 0, 0],
  [1, 1, 0, 0],
  [2, 0, 0, 0],
];
const valid = (b: number, t: number): boolean => t < LENS[b]!;

/** Padded frames filled with garbage: NaN/±Inf scores, out-of-range class ids, NaN dense targets. */
const garbageLogits = (): number[] =>
  LOGITS.flatMap((seq, b) => seq.flatMap((row, t) => (valid(b, t) ? row : [Number.NaN, Number.POSITIVE_INFINITY, -1e30])));
const logitsT = (garbage = false): Tensor => ops.tensor(garbage ? garbageLogits() : LOGITS.flat(2), [B, T, C]);
const targetT = (garbage = false): Tensor =>
  ops.tensor(TARGET.flatMap((row, b) => row.map((k, t) => (garbage && !valid(b, t) ? 77 : k))), [B, T], 'int32');
const lensT = (): Tensor => ops.tensor(LENS, [B], 'int32');

/** -sum over valid frames of sum_c q log softmax, plain JS; `q` from the sparse target, smoothed by `ls`. */
function ceByHand(ls = 0): number {
  let s = 0;
  LOGITS.forEach((seq, b) =>
    seq.forEach((z, t) => {
      if (!valid(b, t)) return;
      // RETURNN's smoothing_cross_entropy: 1 - ε on the target, ε/(C-1) elsewhere, minus the best value.
      logSoftmaxRow(z).forEach((l, c) => (s -= (c === TARGET[b]![t] ? 1 - ls : ls / (C - 1)) * l));
      if (ls) s += (1 - ls) * Math.log(1 - ls) + ls * Math.log(ls / (C - 1) + 1e-20);
    }),
  );
  return s;
}

describe('CrossEntropyLoss over sequences (targetSeqLens)', () => {
  it('sums only valid frames; numFrames = sum(targetSeqLens) = 7', () => {
    const loss = new CrossEntropyLoss();
    const logits = logitsT();
    expectClose([ops.item(loss.computeSum({ output: ops.softmax(logits), logits }, targetT(), lensT()))], [ceByHand()]);
    expect(ops.item(loss.numFrames(targetT(), lensT()))).toBe(7);
    // Without lengths every padded frame counts (the pre-sequence behaviour).
    expect(ops.item(loss.numFrames(targetT()))).toBe(12);
  });

  it('padded frames with NaN/Inf scores and out-of-range targets change neither sum, error, nor valid gradients', () => {
    const loss = new CrossEntropyLoss();
    const clean = logitsT();
    const dirty = logitsT(true);
    const sumClean = ops.item(loss.computeSum({ output: ops.softmax(clean), logits: clean }, targetT(), lensT()));
    const sumDirty = ops.item(loss.computeSum({ output: ops.softmax(dirty), logits: dirty }, targetT(true), lensT()));
    expect(sumDirty).toBe(sumClean);
    const errClean = ops.item(loss.computeError({ output: ops.softmax(clean), logits: clean }, targetT(), lensT()));
    expect(ops.item(loss.computeError({ output: ops.softmax(dirty), logits: dirty }, targetT(true), lensT()))).toBe(errClean);

    const { value, grad } = valueAndGradOf((z) => loss.computeSum({ output: ops.softmax(z), logits: z }, targetT(true), lensT()), dirty);
    expectClose([value], [ceByHand()]);
    // d/dz = softmax - onehot on valid frames, exactly 0 on padding (no NaN leaks through).
    const want = LOGITS.flatMap((seq, b) =>
      seq.flatMap((z, t) => (valid(b, t) ? softmaxRow(z).map((p, c) => p - (c === TARGET[b]![t] ? 1 : 0)) : [0, 0, 0])),
    );
    expectClose(grad, want);
  });

  it('counts frame errors on valid frames only (hand-computed: 2 of 7)', () => {
    // argmax per valid frame: seq 0: 1, 2, 1, 0 vs 1, 2, 0, 0 → 1 wrong; seq 1: 1, 0 vs 1, 1 → 1 wrong;
    // seq 2: 2 vs 2 → 0. Padded frames (argmax 0 vs 0, or garbage) are never counted.
    const loss = new CrossEntropyLoss();
    const logits = logitsT();
    expect(ops.item(loss.computeError({ output: logits }, targetT(), lensT()))).toBe(2);
    // The three padded frames of seq 2 (argmax 0) get target 1: 3 more errors, but only without the mask.
    const t2 = ops.tensor([...TARGET[0]!, ...TARGET[1]!, 2, 1, 1, 1], [B, T], 'int32');
    expect(ops.item(loss.computeError({ output: logits }, t2, lensT()))).toBe(2);
    expect(ops.item(loss.computeError({ output: logits }, t2))).toBe(5);
  });

  it('label smoothing applies to valid frames only', () => {
    const loss = new CrossEntropyLoss({ labelSmoothing: 0.2 });
    const logits = logitsT(true);
    expectClose([ops.item(loss.computeSum({ output: ops.softmax(logits), logits }, targetT(true), lensT()))], [ceByHand(0.2)]);
  });

  it('works from probabilities (no logits) and with dense targets', () => {
    const loss = new CrossEntropyLoss();
    const probs = ops.softmax(logitsT());
    const dirtyProbs = ops.where(ops.reshape(ops.greater(ops.tensor([1, 1, 1, 1, 1, 1, 0, 0, 1, 0, 0, 0], [B, T]), 0.5), [B, T, 1]), probs, Number.NaN);
    expectClose([ops.item(loss.computeSum({ output: dirtyProbs }, targetT(), lensT()))], [ceByHand()], 1e-4);
    const denseDirty = ops.where(
      ops.reshape(ops.greater(ops.tensor([1, 1, 1, 1, 1, 1, 0, 0, 1, 0, 0, 0], [B, T]), 0.5), [B, T, 1]),
      ops.oneHot(targetT(), C),
      Number.NaN,
    );
    const logits = logitsT();
    expectClose([ops.item(loss.computeSum({ output: probs, logits }, denseDirty, lensT()))], [ceByHand()]);
    expect(ops.item(loss.numFrames(denseDirty, lensT()))).toBe(7);
  });

  it('LossHolder reports sum / sum(targetSeqLens)', () => {
    const h = new LossHolder({ layerName: 'output', loss: new CrossEntropyLoss({ scale: 2 }) });
    const logits = logitsT(true);
    h.compute({ output: ops.softmax(logits), logits }, targetT(true), lensT());
    expectClose([ops.item(h.lossForReport)], [ceByHand() / 7]);
    // RETURNN's objective: the sum times scale (use_normalized_loss false); normalised with it.
    expectClose([ops.item(h.lossForObjective)], [2 * ceByHand()]);
    const hn = new LossHolder({ layerName: 'output', loss: new CrossEntropyLoss({ scale: 2, useNormalizedLoss: true }) });
    hn.compute({ output: ops.softmax(logits), logits }, targetT(true), lensT());
    expectClose([ops.item(hn.lossForObjective)], [(2 * ceByHand()) / 7]);
    expectClose([ops.item(h.errorRate!)], [2 / 7]);
  });

  it('rejects output and target of different padded time, naming both shapes', () => {
    const loss = new CrossEntropyLoss();
    const logits = ops.zeros([B, 5, C]);
    expect(() => loss.computeSum({ output: logits, logits }, targetT(), lensT())).toThrow(LossShapeError);
    expect(() => loss.computeSum({ output: logits, logits }, targetT(), lensT())).toThrow(/output \[3, 5, 3\] with target \[3, 4\].*5 frames and the target 4/);
    expect(() => loss.computeSum({ output: ops.zeros([B, C]) }, ops.zeros([B], 'int32'), lensT())).toThrow(/sequences/);
    expect(() => loss.computeSum({ output: ops.zeros([B, T, C]) }, targetT(), ops.tensor([1, 2], [2], 'int32'))).toThrow(/targetSeqLens/);
  });

  it('rejects an output with an axis more than the target before masking, naming both shapes (was an untyped broadcast error, #8 fuzz)', () => {
    const loss = new CrossEntropyLoss();
    const dense = ops.zeros([B, T, 2, C]);
    expect(() => loss.computeSum({ output: dense }, targetT(), lensT())).toThrow(LossShapeError);
    expect(() => loss.computeSum({ output: dense }, targetT(), lensT())).toThrow(/output \[3, 4, 2, 3\] with target \[3, 4\]: a sparse int32 target has the output shape without the class axis/);
    expect(() => loss.computeSum({ output: dense }, ops.zeros([B, T, C]), lensT())).toThrow(/output \[3, 4, 2, 3\] with target \[3, 4, 3\]: a dense float32 target has the same shape as the output/);
  });
});

describe('normalization: frames (RETURNN default) or sequences', () => {
  it('divides the same sum by the target frames or by the number of sequences', () => {
    const logits = ops.tensor([0, 1, 2, 2, 1, 0, 1, 1, 1, 0, 0, 3], [2, 2, 3]);
    const target = ops.tensor([2, 0, 1, 0], [2, 2], 'int32');
    const lens = ops.tensor([2, 1], [2], 'int32');
    const input = { output: ops.softmax(logits), logits, seqLens: lens };
    const perFrame = new LossHolder({ layerName: 'out', loss: new CrossEntropyLoss() });
    const perSeq = new LossHolder({ layerName: 'out', loss: new CrossEntropyLoss({ normalization: 'sequences' }) });
    perFrame.compute(input, target, lens);
    perSeq.compute(input, target, lens);
    const sum = ops.item(perFrame.values.sum);
    // Frames: 2 + 1 = 3; sequences: 2.
    const want = -(logSoftmaxRow([0, 1, 2])[2]! + logSoftmaxRow([2, 1, 0])[0]! + logSoftmaxRow([1, 1, 1])[1]!);
    expect(sum).toBeCloseTo(want, 5);
    expect(ops.item(perFrame.lossForReport)).toBeCloseTo(want / 3, 5);
    expect(ops.item(perSeq.lossForReport)).toBeCloseTo(want / 2, 5);
    expect(() => new CrossEntropyLoss({ normalization: 'words' as never })).toThrow(/ce: normalization must be one of 'frames', 'sequences'. Received: normalization="words"/);
  });
});
