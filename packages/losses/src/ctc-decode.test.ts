import { describe, expect, it } from 'vitest';
import { ctcBeamSearchDecode, ctcGreedyDecode, type CtcDecodeInput } from './ctc-decode.js';
import { editDistance } from './edit-distance.js';
import { LossArgumentError, LossShapeError } from './errors.js';
import fixture from './fixtures/ctc-decode.json' with { type: 'json' };

/** One fixture case: random logits decoded by TensorFlow (tools/loss-fixtures/make_ctc_fixtures.py). */
interface Case {
  logits: number[][][];
  seqLens: number[];
  labels: number[][];
  labelLens: number[];
  decoded: Record<string, { paths: number[][]; logProbs?: number[]; errors: number[] }>;
}
const cases = (fixture as { cases: Case[] }).cases;

function inputOf(c: Case): CtcDecodeInput {
  const [B, T, C] = [c.logits.length, c.logits[0]!.length, c.logits[0]![0]!.length];
  return { logits: Float32Array.from(c.logits.flat(2)), shape: [B, T, C], seqLens: c.seqLens };
}

const errorsOf = (c: Case, paths: number[][]): number[] => paths.map((p, b) => editDistance(c.labels[b]!.slice(0, c.labelLens[b]), p));

describe('ctcBeamSearchDecode against tf.nn.ctc_beam_search_decoder', () => {
  for (const beamWidth of [1, 4, 100]) {
    for (const merge of [false, true]) {
      it(`beam_width=${beamWidth}, merge_repeated=${merge}: TF's top paths, log-probabilities and label errors`, () => {
        for (const c of cases) {
          const ref = c.decoded[`beam${beamWidth}${merge ? '_merge' : ''}`]!;
          const got = ctcBeamSearchDecode(inputOf(c), { beamWidth, mergeRepeated: merge });
          expect(got.paths).toEqual(ref.paths);
          got.logProbs.forEach((lp, b) => expect(lp).toBeCloseTo(ref.logProbs![b]!, 3));
          expect(errorsOf(c, got.paths)).toEqual(ref.errors);
        }
      });
    }
  }

  it('the fixture is not trivial: beam search and greedy decoding differ on some cases', () => {
    const differ = cases.filter((c) => JSON.stringify(c.decoded.beam100!.paths) !== JSON.stringify(c.decoded.greedy!.paths));
    expect(differ.length).toBeGreaterThan(0);
    for (const c of differ) expect(ctcBeamSearchDecode(inputOf(c)).paths).not.toEqual(ctcGreedyDecode(inputOf(c)).paths);
  });

  it('rejects a beam width below 1 and mismatched shapes', () => {
    const input = inputOf(cases[0]!);
    expect(() => ctcBeamSearchDecode(input, { beamWidth: 0 })).toThrow(LossArgumentError);
    expect(() => ctcBeamSearchDecode({ ...input, seqLens: [1] })).toThrow(LossShapeError);
  });
});

describe('ctcGreedyDecode against tf.nn.ctc_greedy_decoder', () => {
  it('gives TF\'s paths and label errors', () => {
    for (const c of cases) {
      const got = ctcGreedyDecode(inputOf(c));
      expect(got.paths).toEqual(c.decoded.greedy!.paths);
      expect(errorsOf(c, got.paths)).toEqual(c.decoded.greedy!.errors);
    }
  });
});
