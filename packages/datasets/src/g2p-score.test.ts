import { describe, expect, it } from 'vitest';
import { scoreG2p } from './g2p-score.js';

const I = (...ids: number[]) => Int32Array.from(ids);

describe('scoreG2p', () => {
  it('counts a word correct when the hypothesis equals ANY reference', () => {
    const s = scoreG2p([I(1, 2)], [[I(1, 2, 3), I(1, 2)]]);
    // Closest reference is the exact match [1, 2]: 0 errors over its 2 phonemes.
    expect(s).toEqual({ wer: 0, per: 0, words: 1, phonemes: 2, wordErrors: 0, phonemeErrors: 0 });
  });

  it('uses the closest reference for PER, the first one on ties', () => {
    // d([1,2,4], [1,2,3]) = 1, d([1,2,4], [9,9,9,9]) = 4 → errors 1 over 3.
    expect(scoreG2p([I(1, 2, 4)], [[I(9, 9, 9, 9), I(1, 2, 3)]])).toMatchObject({ phonemeErrors: 1, phonemes: 3, wordErrors: 1 });
    // d([1,3], [1,2]) = 1 = d([1,3], [1,3,4]): the first listed ([1,2], length 2) is used.
    expect(scoreG2p([I(1, 3)], [[I(1, 2), I(1, 3, 4)]])).toMatchObject({ phonemeErrors: 1, phonemes: 2 });
    expect(scoreG2p([I(1, 3)], [[I(1, 3, 4), I(1, 2)]])).toMatchObject({ phonemeErrors: 1, phonemes: 3 });
  });

  it('sums counts over words before dividing (hand-computed corpus)', () => {
    const s = scoreG2p(
      [I(5, 6, 7), I(1), I(), I(2, 2, 2, 2)],
      [
        [I(5, 6, 7)], // correct: 0 errors / 3
        [I(1, 2), I(3)], // d=1 to [1,2] and to [3]: first → 1 error / 2
        [I(4, 4)], // empty hypothesis: 2 deletions / 2
        [I(2, 2)], // 2 insertions / 2
      ],
    );
    expect(s).toEqual({ wer: 3 / 4, per: 5 / 9, words: 4, phonemes: 9, wordErrors: 3, phonemeErrors: 5 });
  });

  it('rejects mismatched lists and words without references; no words gives NaN', () => {
    expect(() => scoreG2p([I(1)], [])).toThrow(/one hypothesis per word/);
    expect(() => scoreG2p([I(1)], [[]])).toThrow(/word 0 has no reference/);
    const s = scoreG2p([], []);
    expect(s.wer).toBeNaN();
    expect(s.per).toBeNaN();
  });
});
