import { hashString } from '@strata/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { CMUDICT_GRAPHEMES, CMUDICT_PHONEMES, type CmudictSplit, type CmudictSplits, cmudictSplitOf, loadCmudict } from './cmudict.js';
import { scoreG2p } from './g2p-score.js';

let c: CmudictSplits;
/** Per split: word → index of its first example. */
const firstIndex: Record<'train' | 'dev' | 'test', Map<string, number>> = { train: new Map(), dev: new Map(), test: new Map() };

beforeAll(() => {
  const t0 = performance.now();
  c = loadCmudict();
  // The one load of the package in this file; printed so its cost is visible in the test log.
  console.log(`loadCmudict: ${(performance.now() - t0).toFixed(0)} ms`);
  for (const split of ['train', 'dev', 'test'] as const) {
    const d = c[split];
    for (let i = 0; i < d.size; i++) if (!firstIndex[split].has(d.word(i))) firstIndex[split].set(d.word(i), i);
  }
});

const phones = (s: string): number[] => s.split(' ').map((p) => c.phonemes.id(p));
const refsOf = (split: CmudictSplit, i: number): number[][] => split.references(i).map((r) => [...r]);

describe('loadCmudict: sizes and vocabularies', () => {
  it('has the documented split sizes (words and examples)', () => {
    expect([c.train.name, c.dev.name, c.test.name]).toEqual(['cmudict/train', 'cmudict/dev', 'cmudict/test']);
    expect([c.train.size, c.dev.size, c.test.size]).toEqual([120_250, 6_320, 6_203]);
    expect([firstIndex.train.size, firstIndex.dev.size, firstIndex.test.size]).toEqual([112_397, 6_320, 6_203]);
    // 124,920 kept words, 133,659 pronunciations after stress stripping, 8,113 words with several.
    let prons = 0;
    let multi = 0;
    for (const split of ['train', 'dev', 'test'] as const) {
      for (const i of firstIndex[split].values()) {
        const n = c[split].references(i).length;
        prons += n;
        if (n > 1) multi++;
      }
    }
    expect([firstIndex.train.size + firstIndex.dev.size + firstIndex.test.size, prons, multi]).toEqual([124_920, 133_659, 8_113]);
  });

  it('has fixed vocabularies: 27 graphemes (apostrophe first) and 39 phonemes (alphabetical)', () => {
    expect(c.graphemes.size).toBe(27);
    expect(c.graphemes.symbols).toEqual(CMUDICT_GRAPHEMES);
    expect([c.graphemes.id("'"), c.graphemes.id('a'), c.graphemes.id('z')]).toEqual([0, 1, 26]);
    expect(c.phonemes.size).toBe(39);
    expect(c.phonemes.symbols).toEqual(CMUDICT_PHONEMES);
    expect([c.phonemes.id('AA'), c.phonemes.id('HH'), c.phonemes.id('ZH')]).toEqual([0, 15, 38]);
    expect([...c.graphemes.encode("o'k")]).toEqual([15, 0, 11]);
    expect(c.phonemes.decode([10, 22])).toEqual(['EH', 'N']);
    expect(() => c.phonemes.id('AH0')).toThrow(RangeError);
    expect(() => c.graphemes.symbol(27)).toThrow(/outside \[0, 27\)/);
  });

  it('describes sequences in extern', () => {
    expect(c.train.extern).toEqual({
      data: { dim: 27, sparse: true, shape: [null] },
      classes: { dim: 39, sparse: true, shape: [null] },
    });
  });
});

describe('loadCmudict: words and pronunciations', () => {
  it('strips stress and keeps alternates in counter order ("the", "a", "read")', () => {
    const i = firstIndex.train.get('the')!;
    // DH AH0, DH AH1, DH IY0: the first two coincide without stress.
    expect(refsOf(c.train, i)).toEqual([phones('DH AH'), phones('DH IY')]);
    expect([...c.train.example(i).data]).toEqual([...c.graphemes.encode('the')]);
    expect([...c.train.example(i).classes]).toEqual(phones('DH AH'));
    expect([...c.train.example(i + 1).classes]).toEqual(phones('DH IY'));
    expect(c.train.word(i + 1)).toBe('the');
    expect(refsOf(c.train, firstIndex.train.get('a')!)).toEqual([phones('AH'), phones('EY')]);
    expect(refsOf(c.train, firstIndex.train.get('read')!)).toEqual([phones('R EH D'), phones('R IY D')]);
  });

  it('removes "# comments" from pronunciations ("aalborg")', () => {
    expect(refsOf(c.train, firstIndex.train.get('aalborg')!)).toEqual([phones('AO L B AO R G'), phones('AA L B AO R G')]);
  });

  it('gives dev/test one example per word, classes = first pronunciation ("tomato", "alcatraz")', () => {
    const t = firstIndex.test.get('tomato')!;
    expect(c.test.word(t)).toBe('tomato');
    expect([...c.test.example(t).classes]).toEqual(phones('T AH M EY T OW'));
    expect(refsOf(c.test, t)).toEqual([phones('T AH M EY T OW'), phones('T AH M AA T OW')]);
    expect(c.test.word(t + 1)).not.toBe('tomato');
    expect(refsOf(c.dev, firstIndex.dev.get('alcatraz')!)).toEqual([phones('AE L K AH T R AE Z')]);
  });

  it("keeps apostrophes ('bout) and drops words with periods or hyphens", () => {
    expect([...c.train.example(firstIndex.train.get("'bout")!).data]).toEqual([0, 2, 15, 21, 20]);
    for (const w of ['a.', 'a.d.', 'ad-hoc', 'african-american']) {
      expect(firstIndex.train.has(w) || firstIndex.dev.has(w) || firstIndex.test.has(w)).toBe(false);
    }
  });

  it('has in-range, non-empty sequences; words sorted; train examples enumerate all references', () => {
    // Plain checks in the loop (133,659 examples), one expect at the end: expect() per example takes seconds.
    const bad: string[] = [];
    for (const split of ['train', 'dev', 'test'] as const) {
      const d = c[split];
      let prev = '';
      for (let i = 0; i < d.size; i++) {
        const { data, classes } = d.example(i);
        const w = d.word(i);
        if (data.length !== w.length || classes.length === 0 || w < prev) bad.push(`${d.name} ${i}: lengths or order`);
        if (data.some((g) => g < 0 || g >= 27) || classes.some((p) => p < 0 || p >= 39)) bad.push(`${d.name} ${i}: id out of range`);
        if (w !== prev && split === 'train') {
          const refs = d.references(i);
          if (refs.some((r, k) => d.word(i + k) !== w || d.example(i + k).classes.join() !== r.join())) bad.push(`${d.name} ${i}: examples differ from references`);
          if (i + refs.length < d.size && d.word(i + refs.length) === w) bad.push(`${d.name} ${i}: more examples than references`);
        }
        prev = w;
      }
    }
    expect(bad).toEqual([]);
  });

  it('throws a RangeError for an example index out of range', () => {
    expect(() => c.dev.example(6_320)).toThrow(/cmudict\/dev: example index 6320 out of range \[0, 6320\)/);
    expect(() => c.train.word(-1)).toThrow(RangeError);
  });
});

describe('loadCmudict: the split', () => {
  it('uses FNV-1a 32-bit (published test vectors) mod 100', () => {
    expect([hashString(''), hashString('a'), hashString('foobar')]).toEqual([0x811c9dc5, 0xe40c292c, 0xbf9cf968]);
    expect(cmudictSplitOf('a')).toBe(0xe40c292c % 100 < 90 ? 'train' : 'other');
  });

  it('puts every word in exactly the split its hash says', () => {
    for (const split of ['train', 'dev', 'test'] as const) {
      for (const w of firstIndex[split].keys()) {
        if (cmudictSplitOf(w) !== split) throw new Error(`'${w}' is in ${split}, its hash says ${cmudictSplitOf(w)}`);
      }
    }
    const overlap = [...firstIndex.dev.keys(), ...firstIndex.test.keys()].filter((w) => firstIndex.train.has(w));
    expect(overlap).toEqual([]);
    expect([...firstIndex.dev.keys()].filter((w) => firstIndex.test.has(w))).toEqual([]);
  });

  it('is the same on a second load, and scores references as perfect', () => {
    const again = loadCmudict();
    expect(again.dev.size).toBe(c.dev.size);
    expect(again.dev.word(100)).toBe(c.dev.word(100));
    const hyps = Array.from({ length: c.dev.size }, (_, i) => c.dev.example(i).classes);
    const refs = Array.from({ length: c.dev.size }, (_, i) => c.dev.references(i));
    const s = scoreG2p(hyps, refs);
    expect([s.wer, s.per, s.words, s.wordErrors, s.phonemeErrors]).toEqual([0, 0, 6_320, 0, 0]);
  });
});
