import { ops, type Tensor } from '@strata/backend';
import { beforeAll, describe, expect, it } from 'vitest';
import { ctcLoss } from './ctc.js';
import { autoClipTargetLens, collapseRepeatedLabels } from './ctc-labels.js';
import { CtcLoss } from './ctc-loss.js';
import { LossArgumentError } from './errors.js';
import decodeFixture from './fixtures/ctc-decode.json' with { type: 'json' };
import optsFixture from './fixtures/ctc-loss-opts.json' with { type: 'json' };
import { LossHolder } from './loss-holder.js';
import { getLoss } from './registry.js';
import { collapse } from './test-utils/ctc-brute-force.js';
import { expectClose, softmaxRow, useBackend } from './test-utils/setup.js';

beforeAll(() => useBackend());

const ints = (v: number[], shape: number[]): Tensor => ops.tensor(v, shape, 'int32');
const floats = (v: number[][][]): Tensor => ops.tensor(v.flat(2), [v.length, v[0]!.length, v[0]![0]!.length]);
const read = (t: Tensor): number[] => Array.from(ops.readSync(t));

/** tf.compat.v1.nn.ctc_loss with ctc_opts, per sequence (tools/loss-fixtures/make_ctc_fixtures.py). */
const F = optsFixture as {
  logits: number[][][]; seqLens: number[]; labels: number[][]; labelLens: number[];
  cases: { ctc_opts: { preprocess_collapse_repeated: boolean; ctc_merge_repeated: boolean; ignore_longer_outputs_than_inputs: boolean }; loss: number[] }[];
  autoClip: { labelLens: number[]; loss: number[] };
};
const B = F.labels.length;
const L = F.labels[0]!.length;
const input = () => ({ output: ops.softmax(floats(F.logits)), logits: floats(F.logits), seqLens: ints(F.seqLens, [B]) });
const labels = () => ints(F.labels.flat(), [B, L]);
const labelLens = () => ints(F.labelLens, [B]);

describe('CtcLoss ctc_opts (tf.nn.ctc_loss) against TensorFlow', () => {
  for (const c of F.cases) {
    it(`ctc_opts ${JSON.stringify(c.ctc_opts)}: per-sequence losses and the CtcLoss sum`, () => {
      let lab = labels();
      let lens = labelLens();
      if (c.ctc_opts.preprocess_collapse_repeated) ({ labels: lab, labelLens: lens } = collapseRepeatedLabels(lab, lens));
      const perSeq = ctcLoss(floats(F.logits), ints(F.seqLens, [B]), lab, lens, {
        mergeRepeated: c.ctc_opts.ctc_merge_repeated,
        ignoreLongerOutputsThanInputs: c.ctc_opts.ignore_longer_outputs_than_inputs,
      });
      expectClose(read(perSeq), c.loss, 1e-4, 1e-5);
      const sum = ops.item(new CtcLoss({ ctcOpts: c.ctc_opts }).computeSum(input(), labels(), labelLens()));
      expectClose([sum], [c.loss.reduce((a, b) => a + b, 0)], 1e-3, 1e-5);
    });
  }

  it('target_collapse_repeated collapses like preprocess_collapse_repeated (loss), and the error sees the collapsed target', () => {
    const want = F.cases.find((c) => c.ctc_opts.preprocess_collapse_repeated && c.ctc_opts.ctc_merge_repeated)!.loss.reduce((a, b) => a + b, 0);
    const loss = new CtcLoss({ targetCollapseRepeated: true, ctcOpts: { ignore_longer_outputs_than_inputs: true } });
    expectClose([ops.item(loss.computeSum(input(), labels(), labelLens()))], [want], 1e-3, 1e-5);
    // Error: greedy paths against the collapsed labels.
    const collapsed = F.labels.map((l, b) => collapse(l.slice(0, F.labelLens[b]), -1));
    const plain = new CtcLoss({ beamWidth: 1 });
    const relabel = ints(collapsed.map((l) => [...l, ...new Array<number>(L - l.length).fill(0)]).flat(), [B, L]);
    expect(ops.item(new CtcLoss({ beamWidth: 1, targetCollapseRepeated: true }).computeError(input(), labels(), labelLens())))
      .toBe(ops.item(plain.computeError(input(), relabel, ints(collapsed.map((l) => l.length), [B]))));
    // numFrames stays the sum of the original target lengths (RETURNN's loss_norm_factor).
    expect(ops.item(loss.numFrames(labels(), labelLens()))).toBe(F.labelLens.reduce((a, b) => a + b, 0));
  });

  it('collapseRepeatedLabels merges adjacent equal labels within the length only', () => {
    const r = collapseRepeatedLabels(ints([1, 1, 2, 2, 1, 3, 3, 3, 0, 0], [2, 5]), ints([5, 3], [2]));
    expect(read(r.labelLens)).toEqual([3, 1]);
    expect(read(r.labels).slice(0, 3)).toEqual([1, 2, 1]);
    expect(read(r.labels)[5]).toBe(3);
  });

  it('auto_clip_target_len clips target lengths to max(outputLen - 1, 0), as TF computes the clipped loss', () => {
    expect(read(autoClipTargetLens(labelLens(), ints(F.seqLens, [B])))).toEqual(F.autoClip.labelLens);
    const sum = ops.item(new CtcLoss({ autoClipTargetLen: true }).computeSum(input(), labels(), labelLens()));
    expectClose([sum], [F.autoClip.loss.reduce((a, b) => a + b, 0)], 1e-3, 1e-5);
  });

  it('output_in_log_space uses the output as logits; without logits the output is log(max(p, 1e-20))', () => {
    const logSoftmax = ops.logSoftmax(floats(F.logits), -1);
    const opts = { ctcOpts: { ignore_longer_outputs_than_inputs: true } };
    const ref = ops.item(new CtcLoss(opts).computeSum(input(), labels(), labelLens()));
    const logSpace = ops.item(new CtcLoss({ ...opts, outputInLogSpace: true }).computeSum({ output: logSoftmax, seqLens: ints(F.seqLens, [B]) }, labels(), labelLens()));
    const probs = ops.item(new CtcLoss(opts).computeSum({ output: ops.exp(logSoftmax), seqLens: ints(F.seqLens, [B]) }, labels(), labelLens()));
    expectClose([logSpace, probs], [ref, ref], 1e-3, 1e-5);
  });
});

describe('CtcLoss use_viterbi (best path)', () => {
  it('equals -max over all alignments of log p (brute force over 3^5 paths)', () => {
    const T = 5;
    const C = 3;
    const x = Array.from({ length: T }, (_, t) => Array.from({ length: C }, (_, c) => Math.sin(3 * t + 7 * c) * 2));
    const label = [0, 1];
    let best = -Infinity;
    for (let k = 0; k < C ** T; k++) {
      const path = Array.from({ length: T }, (_, t) => Math.floor(k / C ** t) % C);
      if (JSON.stringify(collapse(path, C - 1)) !== JSON.stringify(label)) continue;
      best = Math.max(best, path.reduce((s, c, t) => s + Math.log(softmaxRow(x[t]!)[c]!), 0));
    }
    const z = floats([x]);
    const got = ops.item(new CtcLoss({ useViterbi: true }).computeSum({ output: z, logits: z }, ints(label, [1, 2]), ints([2], [1])));
    expectClose([got], [-best], 1e-4, 1e-5);
    const full = ops.item(new CtcLoss().computeSum({ output: z, logits: z }, ints(label, [1, 2]), ints([2], [1])));
    expect(full).toBeLessThan(got);
  });
});

describe('CtcLoss beam_width: the evaluation error decodes like tf.nn.ctc_beam_search_decoder', () => {
  type Case = { logits: number[][][]; seqLens: number[]; labels: number[][]; labelLens: number[]; decoded: Record<string, { errors: number[] }> };
  const cases = (decodeFixture as { cases: Case[] }).cases;
  const total = (v: number[]) => v.reduce((a, b) => a + b, 0);

  for (const beamWidth of [1, 4, 100]) {
    it(`beam_width=${beamWidth}: LossHolder in evaluation gives TF's error counts; in training the greedy ones`, () => {
      for (const c of cases) {
        const b = c.labels.length;
        const z = floats(c.logits);
        const out = { output: ops.softmax(z), logits: z, seqLens: ints(c.seqLens, [b]) };
        const tgt = ints(c.labels.flat(), [b, c.labels[0]!.length]);
        const tgtLens = ints(c.labelLens, [b]);
        const holder = new LossHolder({ layerName: 'output', loss: getLoss('ctc', { beamWidth }) });
        const evalValues = holder.compute(out, tgt, tgtLens, { training: false });
        const want = beamWidth > 1 ? total(c.decoded[`beam${beamWidth}`]!.errors) : total(c.decoded.greedy!.errors);
        const got = evalValues.hostError ? evalValues.hostError.finish(evalValues.hostError.tensors.map((t) => ops.readSync(t))) : ops.item(evalValues.error!);
        expect(evalValues.hostError === undefined).toBe(beamWidth <= 1);
        expect(got).toBe(want);
        // The holder's error rate finishes the host error too (eager values).
        expect(ops.item(holder.errorRate!)).toBeCloseTo(want / total(c.labelLens), 6);
        const trainValues = holder.compute(out, tgt, tgtLens, { training: true });
        expect(trainValues.hostError).toBeUndefined();
        expect(ops.item(trainValues.error!)).toBe(total(c.decoded.greedy!.errors));
      }
    });
  }
});

describe('CtcLoss options RETURNN rejects or Strata cannot honour', () => {
  it('are typed errors naming the key', () => {
    expect(() => new CtcLoss({ useViterbi: true, ctcOpts: { ctc_merge_repeated: false } })).toThrow(/use_viterbi takes no ctc_opts/);
    expect(() => new CtcLoss({ useNative: true })).toThrow(/use_native needs beam_width <= 1/);
    expect(() => new CtcLoss({ useNative: true, beamWidth: 1, ctcOpts: { ctc_merge_repeated: true } })).toThrow(LossArgumentError);
    expect(() => new CtcLoss({ ctcOpts: { time_major: true } as never })).toThrow(/ctcOpts.*unknown: time_major/);
    expect(() => new CtcLoss({ beamWidth: 2.5 })).toThrow(/beamWidth must be an integer/);
  });

  it('use_native with beam_width 1 is the full-sum loss', () => {
    const a = ops.item(new CtcLoss({ useNative: true, beamWidth: 1, zeroInfinity: true }).computeSum(input(), labels(), labelLens()));
    const b = ops.item(new CtcLoss({ zeroInfinity: true }).computeSum(input(), labels(), labelLens()));
    expect(a).toBe(b);
  });
});
