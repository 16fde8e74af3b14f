import { ops, type Tensor } from '@strata/backend';
import { beforeAll, describe, expect, it } from 'vitest';
import { ctcLoss, type CtcLossOptions, ctcLossSum } from './ctc.js';
import { LossArgumentError, LossShapeError } from './errors.js';
import { bruteForceCtc } from './test-utils/ctc-brute-force.js';
import { expectClose, softmaxRow, useBackend, valueAndGradOf } from './test-utils/setup.js';

beforeAll(() => useBackend());

type Seq = number[][]; // [time][classes]

/** Seeded uniform numbers in [-scale, scale) (mulberry32). */
function rng(seed: number): (scale?: number) => number {
  let a = seed >>> 0;
  return (scale = 2) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1) * scale;
  };
}
const randomSeq = (r: () => number, T: number, C: number): Seq => Array.from({ length: T }, () => Array.from({ length: C }, () => r()));

/** Tensors of a batch: logits [B, T, C] and labels padded with `pad` to the longest label. */
function batchTensors(logits: Seq[], labels: number[][], pad = 0) {
  const [B, T, C] = [logits.length, logits[0]!.length, logits[0]![0]!.length];
  const L = Math.max(0, ...labels.map((l) => l.length));
  return {
    logits: ops.tensor(logits.flat(2), [B, T, C]),
    labels: ops.tensor(labels.flatMap((l) => [...l, ...new Array<number>(L - l.length).fill(pad)]), [B, L], 'int32'),
    labelLengths: ops.tensor(labels.map((l) => l.length), [B], 'int32'),
  };
}
const lengths = (ls: number[]): Tensor => ops.tensor(ls, [ls.length], 'int32');

/** ctcLoss of a batch, read back; all frames valid unless `logitLens` is given. */
function ctcRows(logits: Seq[], labels: number[][], opts: CtcLossOptions = {}, logitLens?: number[]): number[] {
  const x = batchTensors(logits, labels);
  const lens = lengths(logitLens ?? logits.map((s) => s.length));
  return Array.from(ops.readSync(ctcLoss(x.logits, lens, x.labels, x.labelLengths, opts)));
}

/** d ctcLossSum / d logits, [B·T·C] flat. */
function ctcGrad(logits: Seq[], labels: number[][], opts: CtcLossOptions = {}, logitLens?: number[]) {
  const x = batchTensors(logits, labels);
  const lens = lengths(logitLens ?? logits.map((s) => s.length));
  return valueAndGradOf((z) => ctcLossSum(z, lens, x.labels, x.labelLengths, opts), x.logits);
}

/** Every label of length 0..maxLen over the classes other than `blank`. */
function allLabels(C: number, blank: number, maxLen: number): number[][] {
  const symbols = Array.from({ length: C }, (_, k) => k).filter((k) => k !== blank);
  let level: number[][] = [[]];
  const out: number[][] = [[]];
  for (let n = 1; n <= maxLen; n++) {
    level = level.flatMap((l) => symbols.map((k) => [...l, k]));
    out.push(...level);
  }
  return out;
}

const binomial = (n: number, k: number): number => (k < 0 || k > n ? 0 : k === 0 ? 1 : (binomial(n - 1, k - 1) * n) / k);

describe('ctcLoss', () => {
  it('equals -log of the summed probability of all C^T alignments that collapse to the label (T=1..4, C=3, |l|=0..2, blank 0 and 2)', () => {
    const C = 3;
    const r = rng(1);
    let possible = 0;
    for (const blank of [0, C - 1]) {
      const labels = allLabels(C, blank, 2); // 7 labels, padded to length 2 in one batch
      for (let T = 1; T <= 4; T++) {
        const logits = labels.map(() => randomSeq(r, T, C));
        const got = ctcRows(logits, labels, { blankIndex: blank });
        labels.forEach((label, b) => {
          const want = bruteForceCtc(logits[b]!, label, blank);
          if (want.prob === 0) {
            expect(got[b]).toBeGreaterThan(1e29); // no alignment: huge finite loss
          } else {
            possible++;
            expectClose([got[b]!], [want.loss], 1e-6, 1e-5);
          }
        });
      }
    }
    expect(possible).toBe(44); // 56 cases minus 12 labels too long for T (two labels need 2 frames, [a, a] needs 3)
  });

  it('gradient w.r.t. logits equals softmax - γ (Graves et al. 2006 §4.2, γ by brute force), and zeroInfinity zeroes impossible rows', () => {
    const C = 3;
    const r = rng(2);
    for (const blank of [0, C - 1]) {
      const labels = allLabels(C, blank, 2);
      for (const T of [2, 4]) {
        const logits = labels.map(() => randomSeq(r, T, C));
        const { value, grad } = ctcGrad(logits, labels, { blankIndex: blank, zeroInfinity: true });
        const refs = labels.map((label, b) => bruteForceCtc(logits[b]!, label, blank));
        const want = refs.flatMap((ref, b) =>
          logits[b]!.flatMap((z, t) => (ref.prob === 0 ? z.map(() => 0) : softmaxRow(z).map((p, k) => p - ref.gamma[t]![k]!))),
        );
        expectClose(grad, want, 2e-6, 1e-4);
        const possibleSum = refs.reduce((s, ref) => s + (ref.prob === 0 ? 0 : ref.loss), 0);
        expectClose([value], [possibleSum], 1e-5, 1e-5);
      }
    }
  });

  it('gradient matches central finite differences of the float32 loss (h = 1e-2), and γ matches float64 differences of the brute force', () => {
    const r = rng(3);
    const logits = [randomSeq(r, 5, 4), randomSeq(r, 5, 4)];
    const labels = [[1, 1], [0, 2, 1]];
    const { grad } = ctcGrad(logits, labels);
    const flat = logits.flat(2);
    const h = 1e-2;
    const sumAt = (i: number, d: number): number => {
      const x = flat.slice();
      x[i]! += d;
      const seqs = [0, 1].map((b) => Array.from({ length: 5 }, (_, t) => x.slice((b * 5 + t) * 4, (b * 5 + t) * 4 + 4)));
      return ctcRows(seqs, labels).reduce((a, v) => a + v, 0);
    };
    const fd = flat.map((_, i) => (sumAt(i, h) - sumAt(i, -h)) / (2 * h));
    expectClose(grad, fd, 2e-3, 1e-2);

    // The reference itself: γ from enumeration is the derivative of the enumerated loss.
    const seq = logits[1]!;
    const ref = bruteForceCtc(seq, labels[1]!, 3);
    const fd64 = seq.flatMap((z, t) =>
      z.map((_, k) => {
        const shifted = (d: number) => seq.map((row, u) => row.map((v, j) => (u === t && j === k ? v + d : v)));
        return (bruteForceCtc(shifted(1e-5), labels[1]!, 3).loss - bruteForceCtc(shifted(-1e-5), labels[1]!, 3).loss) / 2e-5;
      }),
    );
    expectClose(seq.flatMap((z, t) => softmaxRow(z).map((p, k) => p - ref.gamma[t]![k]!)), fd64, 1e-7, 1e-6);
  });

  it('padding changes nothing: each row of a padded batch equals the row alone, and padded frames get exactly zero gradient', () => {
    const r = rng(4);
    const T = 6;
    const C = 4;
    const lens = [6, 4, 2, 0];
    const labels = [[0, 1, 1], [2, 0], [1], []];
    // Padded frames hold garbage: huge values and NaN must not leak into losses or gradients.
    const logits = lens.map((len, b) =>
      Array.from({ length: T }, (_, t) => (t < len ? randomSeq(r, 1, C)[0]! : new Array<number>(C).fill(b === 1 ? Number.NaN : 1e4))),
    );
    const got = ctcRows(logits, labels, {}, lens);
    const { value, grad } = ctcGrad(logits, labels, {}, lens);
    expect(got[3]).toBe(0); // no frames, empty label: p = 1
    let sum = 0;
    lens.forEach((len, b) => {
      if (len === 0) return;
      const alone = logits[b]!.slice(0, len);
      const single = ctcRows([alone], [labels[b]!]);
      expectClose([got[b]!], single, 1e-6, 1e-6);
      expectClose([got[b]!], [bruteForceCtc(alone, labels[b]!, C - 1).loss], 1e-6, 1e-5);
      const singleGrad = ctcGrad([alone], [labels[b]!]).grad;
      expectClose(grad.slice(b * T * C, (b * T + len) * C), singleGrad, 1e-7, 1e-6);
      sum += single[0]!;
    });
    expectClose([value], [sum], 1e-5, 1e-6);
    lens.forEach((len, b) => {
      for (let i = (b * T + len) * C; i < (b + 1) * T * C; i++) expect(grad[i]).toBe(0);
    });
  });

  it('uniform logits: p = (number of valid alignments) / C^T, the closed-form counts', () => {
    const C = 4;
    const T = 5;
    const blank = C - 1;
    const zeros = Array.from({ length: T }, () => new Array<number>(C).fill(0));
    // [] : only all-blank. [a]: one run of a, T(T+1)/2 places. [a, a]: b* a+ b+ a+ b*, C(T+1, 4).
    // [a, b]: b* a+ b* c+ b*, C(T+2, 4).
    const cases: [number[], number][] = [[[], 1], [[0], (T * (T + 1)) / 2], [[0, 0], binomial(T + 1, 4)], [[0, 1], binomial(T + 2, 4)]];
    const got = ctcRows(cases.map(() => zeros), cases.map(([l]) => l));
    cases.forEach(([label, count], i) => {
      expect(bruteForceCtc(zeros, label, blank).alignments).toBe(count);
      expectClose([got[i]!], [Math.log(C ** T / count)], 1e-6, 1e-6);
    });
    expect(cases.map(([, n]) => n)).toEqual([1, 15, 15, 35]);
  });

  it("reproduces Graves' reference losses and gradients (TensorFlow ctc_loss_op_test: 3.34211, 5.42262), NaN padding ignored", () => {
    const probs = [
      [[0.633766, 0.221185, 0.0917319, 0.0129757, 0.0142857, 0.0260553], [0.111121, 0.588392, 0.278779, 0.0055756, 0.00569609, 0.010436], [0.0357786, 0.633813, 0.321418, 0.00249248, 0.00272882, 0.0037688], [0.0663296, 0.643849, 0.280111, 0.00283995, 0.0035545, 0.00331533], [0.458235, 0.396634, 0.123377, 0.00648837, 0.00903441, 0.00623107]],
      [[0.30176, 0.28562, 0.0831517, 0.0862751, 0.0816851, 0.161508], [0.24082, 0.397533, 0.0557226, 0.0546814, 0.0557528, 0.19549], [0.230246, 0.450868, 0.0389607, 0.038309, 0.0391602, 0.202456], [0.280884, 0.429522, 0.0326593, 0.0339046, 0.0326856, 0.190345], [0.423286, 0.315517, 0.0338439, 0.0393744, 0.0339315, 0.154046]],
    ];
    const gradTruth = [
      [[-0.366234, 0.221185, 0.0917319, 0.0129757, 0.0142857, 0.0260553], [0.111121, -0.411608, 0.278779, 0.0055756, 0.00569609, 0.010436], [0.0357786, 0.633813, -0.678582, 0.00249248, 0.00272882, 0.0037688], [0.0663296, -0.356151, 0.280111, 0.00283995, 0.0035545, 0.00331533], [-0.541765, 0.396634, 0.123377, 0.00648837, 0.00903441, 0.00623107]],
      [[-0.69824, 0.28562, 0.0831517, 0.0862751, 0.0816851, 0.161508], [0.24082, -0.602467, 0.0557226, 0.0546814, 0.0557528, 0.19549], [0.230246, 0.450868, 0.0389607, 0.038309, 0.0391602, -0.797544], [0.280884, -0.570478, 0.0326593, 0.0339046, 0.0326856, 0.190345], [-0.576714, 0.315517, 0.0338439, 0.0393744, 0.0339315, 0.154046]],
    ];
    const nan = new Array<number>(6).fill(Number.NaN);
    const logits = probs.map((seq) => [...seq.map((row) => row.map(Math.log)), nan, nan]); // time 7, 5 valid
    const labels = [[0, 1, 2, 1, 0], [0, 1, 1, 0]];
    expectClose(ctcRows(logits, labels, {}, [5, 5]), [3.34211, 5.42262], 1e-5, 0);
    const { grad } = ctcGrad(logits, labels, {}, [5, 5]);
    const zeroRows = [new Array<number>(6).fill(0), new Array<number>(6).fill(0)];
    expectClose(grad, gradTruth.flatMap((g) => [...g, ...zeroRows].flat()), 2e-6, 1e-4);
  });

  it('impossible alignments: ~1e30 loss with finite gradients; zeroInfinity gives 0 with zero gradient', () => {
    const r = rng(5);
    const logits = [randomSeq(r, 2, 4), randomSeq(r, 2, 4), randomSeq(r, 2, 4)];
    const labels = [[0, 1, 2], [1, 1], [2, 0]]; // 3 labels in 2 frames; a repeat needs 3 frames; possible
    const got = ctcRows(logits, labels, {});
    expect(got[0]).toBeGreaterThan(1e29);
    expect(got[1]).toBeGreaterThan(1e29);
    expect(got.every(Number.isFinite)).toBe(true);
    expectClose([got[2]!], [bruteForceCtc(logits[2]!, [2, 0], 3).loss], 1e-6, 1e-5);
    expect(Array.from(ctcGrad(logits, labels).grad).every(Number.isFinite)).toBe(true);

    const zeroed = ctcRows(logits, labels, { zeroInfinity: true });
    expect(zeroed.slice(0, 2)).toEqual([0, 0]);
    expect(zeroed[2]).toBe(got[2]);
    const { grad } = ctcGrad(logits, labels, { zeroInfinity: true });
    expect(Array.from(grad.slice(0, 16)).every((g) => g === 0)).toBe(true);
    // A label longer than maxLabelLength (labelLengths beyond the padding) is impossible too.
    const x = batchTensors([logits[2]!], [[2]]);
    const tooLong = ctcLoss(x.logits, lengths([2]), x.labels, lengths([2]));
    expect(ops.readSync(tooLong)[0]).toBeGreaterThan(1e29);
  });

  it('stays exact for logits of magnitude 100 and for -Infinity logits (masked classes)', () => {
    const r = rng(6);
    const big = randomSeq(r, 4, 3).map((row) => row.map((v) => 50 * v));
    const masked = randomSeq(r, 4, 3).map((row, t) => (t === 1 ? [row[0]!, -Infinity, row[2]!] : row));
    const want = [bruteForceCtc(big, [0, 1], 2).loss, bruteForceCtc(masked, [0, 1], 2).loss];
    expect(want[0]).toBeGreaterThan(10);
    expectClose(ctcRows([big, masked], [[0, 1], [0, 1]]), want, 1e-4, 1e-5);
    const { grad } = ctcGrad([big, masked], [[0, 1], [0, 1]]);
    expect(Array.from(grad).every(Number.isFinite)).toBe(true);
    expect(grad[12 + 3 + 1]).toBe(0); // d loss / d (-Infinity logit)
  });

  it('rejects wrong ranks, batch sizes and blank indices with typed errors', () => {
    const logits = ops.zeros([2, 3, 4]);
    const labels = ops.zeros([2, 1], 'int32');
    const two = lengths([3, 1]);
    expect(() => ctcLoss(ops.zeros([2, 4]), two, labels, two)).toThrow(LossShapeError);
    expect(() => ctcLoss(logits, two, ops.zeros([3, 1], 'int32'), two)).toThrow(/labels are int32 \[batch, maxLabelLength\]/);
    expect(() => ctcLoss(logits, lengths([3]), labels, two)).toThrow(/logitLengths is int32 \[batch\] = \[2\]/);
    expect(() => ctcLoss(logits, two, labels, two, { blankIndex: 4 })).toThrow(LossArgumentError);
    expect(() => ctcLoss(logits, two, labels, two, { blankIndex: -1 })).toThrow(/blankIndex must be an integer in \[0, 4\)/);
  });
});

describe('ctcLoss on tfjs-wasm', () => {
  it('gives the losses and gradients of tfjs-cpu', async () => {
    const r = rng(7);
    const logits = [randomSeq(r, 5, 4), randomSeq(r, 5, 4)];
    const labels = [[1, 1], [0, 2, 1]];
    const lens = [5, 3];
    const onCpu = [ctcRows(logits, labels, {}, lens), Array.from(ctcGrad(logits, labels, {}, lens).grad)];
    await useBackend('tfjs-wasm');
    try {
      const onWasm = [ctcRows(logits, labels, {}, lens), Array.from(ctcGrad(logits, labels, {}, lens).grad)];
      expectClose(onWasm[0]!, onCpu[0]!, 1e-5, 1e-5);
      expectClose(onWasm[1]!, onCpu[1]!, 1e-5, 1e-4);
    } finally {
      await useBackend('tfjs-cpu');
    }
  });
});
