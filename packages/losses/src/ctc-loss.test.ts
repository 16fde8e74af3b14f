import { ops, type Tensor } from '@strata/backend';
import { Rng } from '@strata/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ctcLossSum } from './ctc.js';
import { CtcLoss } from './ctc-loss.js';
import { editDistance } from './edit-distance.js';
import { EditDistanceLoss } from './edit-distance-loss.js';
import { LossArgumentError, LossShapeError } from './errors.js';
import { LossHolder } from './loss-holder.js';
import { getLoss } from './registry.js';
import { bruteForceCtc, collapse } from './test-utils/ctc-brute-force.js';
import { expectClose, useBackend, valueAndGradOf } from './test-utils/setup.js';

beforeAll(() => useBackend());

const ints = (xs: number[], shape: number[]): Tensor => ops.tensor(xs, shape, 'int32');

// 3 sequences, padded time 4, 4 classes (blank = 3, the last); labels padded to 2.
const B = 3;
const T = 4;
const C = 4;
const LENS = [4, 3, 2];
const LABELS = [[0, 1], [2], [1, 1]]; // the last needs 3 frames: impossible in 2
const LABEL_LENS = LABELS.map((l) => l.length);
const rng = new Rng(5);
const LOGITS: number[][][] = Array.from({ length: B }, () => Array.from({ length: T }, () => Array.from({ length: C }, () => 2 * rng.normal())));

function logitsT(garbage = false): Tensor {
  const flat = LOGITS.flatMap((seq, b) => seq.flatMap((row, t) => (garbage && t >= LENS[b]! ? [Number.NaN, Number.POSITIVE_INFINITY, 0, -1e30] : row)));
  return ops.tensor(flat, [B, T, C]);
}
const labelsT = (pad = 0): Tensor => ints(LABELS.flatMap((l) => [...l, ...new Array<number>(2 - l.length).fill(pad)]), [B, 2]);
const lensT = (): Tensor => ints(LENS, [B]);
const labelLensT = (): Tensor => ints(LABEL_LENS, [B]);

/** Greedy decoding and edit distance on the host: the reference of computeError. */
function hostBestPathErrors(logits: number[][][], lens: number[], labels: number[][], blank: number): number {
  let errors = 0;
  logits.forEach((seq, b) => {
    const path = seq.slice(0, lens[b]).map((row) => row.indexOf(Math.max(...row)));
    errors += editDistance(labels[b]!, collapse(path, blank));
  });
  return errors;
}

describe('CtcLoss', () => {
  it('computeSum equals ctcLossSum and the brute force; numFrames = sum(targetSeqLens)', () => {
    const loss = new CtcLoss({ zeroInfinity: true });
    const logits = logitsT();
    const got = ops.item(loss.computeSum({ output: ops.softmax(logits), logits, seqLens: lensT() }, labelsT(), labelLensT()));
    const want = ops.item(ctcLossSum(logits, lensT(), labelsT(), labelLensT(), { zeroInfinity: true }));
    expect(got).toBe(want);
    // Brute force over all 4^T paths; sequence 2 is impossible (zeroInfinity: 0).
    const brute = [0, 1].reduce((s, b) => s + bruteForceCtc(LOGITS[b]!.slice(0, LENS[b]), LABELS[b]!, 3).loss, 0);
    expectClose([got], [brute], 1e-4, 1e-5);
    expect(ops.item(loss.numFrames(labelsT(), labelLensT()))).toBe(5);
  });

  it('padded frames (NaN/Inf logits) and padded labels change neither sum, error, nor gradients of valid frames', () => {
    const loss = new CtcLoss({ zeroInfinity: true });
    const clean = logitsT();
    const dirty = logitsT(true);
    const value = (z: Tensor, pad: number) => loss.computeSum({ output: ops.softmax(z), logits: z, seqLens: lensT() }, labelsT(pad), labelLensT());
    expect(ops.item(value(dirty, 99))).toBe(ops.item(value(clean, 0)));
    const error = (z: Tensor, pad: number) => ops.item(loss.computeError({ output: z, logits: z, seqLens: lensT() }, labelsT(pad), labelLensT()));
    expect(error(dirty, 99)).toBe(error(clean, 0));
    const g = valueAndGradOf((z) => value(z, 99), dirty).grad;
    const gClean = valueAndGradOf((z) => value(z, 0), clean).grad;
    expect(Array.from(g).every(Number.isFinite)).toBe(true);
    expectClose(g, gClean);
  });

  it('works from probabilities (no logits), and absent lengths mean no padding', () => {
    const loss = new CtcLoss();
    const logits = logitsT();
    const fromLogits = ops.item(loss.computeSum({ output: ops.softmax(logits), logits, seqLens: lensT() }, labelsT(), labelLensT()));
    const fromProbs = ops.item(loss.computeSum({ output: ops.softmax(logits), seqLens: lensT() }, labelsT(), labelLensT()));
    expectClose([fromProbs], [fromLogits], 1e-3, 1e-5);
    const two = ops.slice(logits, [0, 0, 0], [2, T, C]);
    const full = ops.item(loss.computeSum({ output: two, logits: two }, ints([0, 1, 2, 0], [2, 2])));
    const explicit = ops.item(ctcLossSum(two, ints([T, T], [2]), ints([0, 1, 2, 0], [2, 2]), ints([2, 2], [2])));
    expect(full).toBe(explicit);
    expect(ops.item(loss.numFrames(ints([0, 1, 2, 0], [2, 2])))).toBe(4);
  });

  it('computeError counts label errors of the best path (hand-computed, blank last and blank 0)', () => {
    // Per-frame argmax by one-hot logits (5 classes, blank 4):
    // seq 0, 7 frames: 0 0 4 0 1 1 4 → collapse 0 0 1, target 0 1 → 1 error (insertion)
    // seq 1, 4 of 5 frames: 2 4 2 2 | (pad 3) → 2 2, target 2 → 1 error
    // seq 2, 3 frames: 4 4 4 → empty, target 3 1 → 2 errors
    const paths = [
      [0, 0, 4, 0, 1, 1, 4],
      [2, 4, 2, 2, 3, 0, 0],
      [4, 4, 4, 0, 0, 0, 0],
    ];
    const logits = ops.mul(ops.oneHot(ints(paths.flat(), [3, 7]), 5), 10);
    const targets = ints([0, 1, 2, 7, 3, 1], [3, 2]);
    const targetLens = ints([2, 1, 2], [3]);
    const loss = new CtcLoss();
    const input = { output: ops.softmax(logits), logits, seqLens: ints([7, 4, 3], [3]) };
    expect(ops.item(loss.computeError(input, targets, targetLens))).toBe(4);
    // Blank 0: seq 0 → 4 1 4, seq 1 → 2 4 2 (then pad), seq 2 → 4: vs targets [0 1], [2], [3 1]: 2 + 2 + 2.
    expect(ops.item(new CtcLoss({ blankIndex: 0 }).computeError(input, targets, targetLens))).toBe(6);
    const h = new LossHolder({ layerName: 'output', loss });
    h.compute(input, targets, targetLens);
    expectClose([ops.item(h.errorRate!)], [4 / 5]);
  });

  it('computeError equals host greedy decoding + editDistance on random logits', () => {
    const r = new Rng(9);
    const [b, t, c] = [40, 6, 4];
    const logits = Array.from({ length: b }, () => Array.from({ length: t }, () => Array.from({ length: c }, () => r.normal())));
    const lens = Array.from({ length: b }, () => Math.floor(r.uniform() * (t + 1)));
    const labels = Array.from({ length: b }, () => Array.from({ length: Math.floor(r.uniform() * 4) }, () => Math.floor(r.uniform() * (c - 1))));
    const padded = labels.flatMap((l) => [...l, ...new Array<number>(3 - l.length).fill(9)]);
    const z = ops.tensor(logits.flat(2), [b, t, c]);
    const got = new CtcLoss().computeError({ output: z, logits: z, seqLens: ints(lens, [b]) }, ints(padded, [b, 3]), ints(labels.map((l) => l.length), [b]));
    const want = hostBestPathErrors(logits, lens, labels, c - 1);
    expect(want).toBeGreaterThan(20);
    expect(ops.item(got)).toBe(want);
  });

  it('LossHolder normalises per target label', () => {
    const h = new LossHolder({ layerName: 'output', loss: new CtcLoss({ zeroInfinity: true }) });
    const logits = logitsT(true);
    h.compute({ output: ops.softmax(logits), logits, seqLens: lensT() }, labelsT(), labelLensT());
    const sum = ops.item(ctcLossSum(logitsT(), lensT(), labelsT(), labelLensT(), { zeroInfinity: true }));
    expectClose([ops.item(h.lossForReport)], [sum / 5]);
  });

  it('rejects bad options and shapes', () => {
    expect(() => new CtcLoss({ blankIndex: -1 })).toThrow(LossArgumentError);
    expect(() => new CtcLoss({ blankIndex: 1.5 })).toThrow(/Received: blankIndex=1.5/);
    const z = ops.zeros([2, 3]);
    expect(() => new CtcLoss().computeSum({ output: z, logits: z }, ints([0, 0], [2]))).toThrow(LossShapeError);
    expect(() => new CtcLoss().computeSum({ output: ops.zeros([2, 3, 4]) }, ops.zeros([2, 2]))).toThrow(/int32 labels/);
    expect(() => new CtcLoss({ blankIndex: 9 }).computeSum({ output: ops.zeros([2, 3, 4]) }, ints([0, 0], [2, 1]))).toThrow(/blankIndex/);
  });
});

describe('EditDistanceLoss', () => {
  it('error = total Levenshtein distance over valid labels; sum = 0; numFrames = sum(target lengths)', () => {
    // kitten → sitting (3), with lengths and garbage padding; "abc" → "" (3); "" → "ab" (2).
    const enc = (s: string, n: number) => [...s].map((ch) => ch.charCodeAt(0) - 97).concat(new Array<number>(n - s.length).fill(55));
    const out = ints([...enc('kitten', 7), ...enc('abc', 7), ...enc('', 7)], [3, 7]);
    const tgt = ints([...enc('sitting', 7), ...enc('', 7), ...enc('ab', 7)], [3, 7]);
    const loss = new EditDistanceLoss();
    const input = { output: out, seqLens: ints([6, 3, 0], [3]) };
    const targetLens = ints([7, 0, 2], [3]);
    expect(ops.item(loss.computeError(input, tgt, targetLens))).toBe(8);
    expect(ops.item(loss.computeSum(input, tgt, targetLens))).toBe(0);
    expect(ops.item(loss.numFrames(tgt, targetLens))).toBe(9);
    const h = new LossHolder({ layerName: 'output', loss });
    h.compute(input, tgt, targetLens);
    expectClose([ops.item(h.errorRate!), ops.item(h.lossForReport)], [8 / 9, 0]);
  });

  it('dense scores need ctc_decode (RETURNN asserts); with it, TF\'s beam search decodes them (host error)', () => {
    const scores = ops.oneHot(ints([1, 1, 2, 0], [1, 4]), 3); // one-hot frames 1 1 2 0; class 2 is the blank
    expect(() => new EditDistanceLoss().computeError({ output: scores, seqLens: ints([3], [1]) }, ints([1, 2], [1, 2]), ints([2], [1]))).toThrow(/set ctc_decode: true/);
    const loss = new EditDistanceLoss({ ctcDecode: true, outputInLogSpace: true });
    const h = loss.computeHostError({ output: ops.mul(scores, 10), seqLens: ints([3], [1]) }, ints([1, 0], [1, 2]), ints([2], [1]))!;
    // Frames 1 1 blank decode to [1]; the target [1, 0] needs one insertion.
    expect(h.finish(h.tensors.map((t) => ops.readSync(t)))).toBe(1);
    expect(() => new EditDistanceLoss().computeError({ output: ops.zeros([2, 3]) }, ints([1, 2], [1, 2]))).toThrow(LossShapeError);
  });

  it('label_map maps output and target labels before the distance; debug_print is an error', () => {
    const out = ints([1, 2, 3], [1, 3]);
    const tgt = ints([1, 2, 4], [1, 3]);
    expect(ops.item(new EditDistanceLoss().computeError({ output: out }, tgt))).toBe(1);
    expect(ops.item(new EditDistanceLoss({ labelMap: { 3: 4 } }).computeError({ output: out }, tgt))).toBe(0);
    expect(() => new EditDistanceLoss({ debugPrint: true })).toThrow(/debug_print/);
  });
});

describe('registry', () => {
  it('creates ctc and edit_distance by RETURNN name with options', () => {
    const ctc = getLoss('ctc', { blankIndex: 0, zeroInfinity: true, scale: 0.5 });
    expect(ctc).toBeInstanceOf(CtcLoss);
    expect([(ctc as CtcLoss).blankIndex, (ctc as CtcLoss).zeroInfinity, ctc.scale, ctc.name]).toEqual([0, true, 0.5, 'ctc']);
    expect(getLoss('edit_distance')).toBeInstanceOf(EditDistanceLoss);
    expect(getLoss('edit_distance').name).toBe('edit_distance');
  });
});
