/**
 * CMUdict grapheme-to-phoneme data from the `cmu-pronouncing-dictionary` npm
 * package (v3.0.0, github.com/words/cmu-pronouncing-dictionary, crawled from
 * cmusphinx/cmudict), as Strata {@link Dataset}s with a fixed hash split.
 *
 * The package exports `dictionary`, an object of 135,155 entries
 * `"word": "PH1 PH2 ..."`; alternate pronunciations are separate keys
 * `"word(2)"`, `"word(3)"`, `"word(4)"`. The rules, exactly:
 *
 * 1. **Words.** An entry's word is its key without a trailing `(n)`. A word is
 *    kept when it matches `^[a-z']+$` (lowercase letters and apostrophe).
 *    Dropped: 1,126 words (1,193 entries): 114 containing a period
 *    (abbreviations such as `a.`, `a.d.`) and 1,012 containing a hyphen but no
 *    period (compounds such as `ad-hoc`); no other character occurs. 124,920
 *    words are kept.
 * 2. **Phonemes.** A trailing `# comment` (22 entries, e.g. `# place, dutch`)
 *    is removed, the rest is split on single spaces and the stress digit
 *    (0, 1, 2) is stripped from vowels, leaving the 39 ARPAbet phonemes of
 *    {@link CMUDICT_PHONEMES} (as Yao & Zweig 2015 and Rao et al. 2015 do).
 * 3. **Pronunciations.** A word's pronunciations are ordered by their counter
 *    (no counter = 1). Pronunciations that became identical once stress was
 *    stripped are kept once (the first): 303 dropped, 133,659 kept; 8,113
 *    words have more than one.
 * 4. **Split.** Words are split by `b = fnv1a32(word) mod 100`, with FNV-1a
 *    32-bit over the word's UTF-16 code units (offset basis 0x811c9dc5, prime
 *    0x01000193; `@strata/core`'s `hashString(word)`): `b < 90` train,
 *    `90 ≤ b < 95` dev, `b ≥ 95` test. All pronunciations of a word are in the
 *    word's split. Sizes: train 112,397 words (120,250 pronunciations), dev
 *    6,320 words (6,787), test 6,203 words (6,622). (The low bits are used:
 *    the top bits of FNV-1a are measurably uneven on these words, χ² = 142
 *    over 100 buckets against 89 for `mod 100`.)
 * 5. **Order and examples.** Within a split, words are in JavaScript string
 *    order (UTF-16 code units). `train` has one example per (word,
 *    pronunciation), pronunciations in rule-3 order; `dev` and `test` have one
 *    example per word whose `classes` is the word's first pronunciation, and
 *    are scored against all of them (`references(i)`, see `scoreG2p`).
 */
import { createRequire } from 'node:module';
import { hashString } from '@strata/core';
import type { Dataset, Example } from '@strata/engine';

/** Grapheme symbols in id order: apostrophe (id 0), then `a`..`z` (ids 1..26), i.e. code-point order. */
export const CMUDICT_GRAPHEMES: readonly string[] = Object.freeze(["'", ...'abcdefghijklmnopqrstuvwxyz']);

/** The 39 ARPAbet phonemes of CMUdict without stress, in id order (alphabetical, as cmudict's `cmudict.phones`). */
export const CMUDICT_PHONEMES: readonly string[] = Object.freeze(
  'AA AE AH AO AW AY B CH D DH EH ER EY F G HH IH IY JH K L M N NG OW OY P R S SH T TH UH UW V W Y Z ZH'.split(' '),
);

/** Percent buckets (of `fnv1a32(word) mod 100`) below which a word is train, resp. dev; the rest is test. */
export const CMUDICT_SPLIT_BUCKETS = Object.freeze({ train: 90, dev: 95 });

/** A fixed symbol inventory: symbol ↔ id in `[0, size)`. */
export class Vocabulary {
  private readonly ids: ReadonlyMap<string, number>;
  constructor(
    /** Symbols in id order. */
    readonly symbols: readonly string[],
  ) {
    this.ids = new Map(symbols.map((s, i) => [s, i]));
    if (this.ids.size !== symbols.length) throw new Error(`Vocabulary: duplicate symbols in ${JSON.stringify(symbols)}.`);
  }
  /** Number of symbols (the sparse `dim`). */
  get size(): number {
    return this.symbols.length;
  }
  /** Whether `symbol` is in the inventory. */
  has(symbol: string): boolean {
    return this.ids.has(symbol);
  }
  /** The id of `symbol`. @throws RangeError for a symbol outside the inventory. */
  id(symbol: string): number {
    const i = this.ids.get(symbol);
    if (i === undefined) throw new RangeError(`Unknown symbol ${JSON.stringify(symbol)}; the inventory is ${this.symbols.join(' ')}.`);
    return i;
  }
  /** The symbol of `id`. @throws RangeError for an id outside `[0, size)`. */
  symbol(id: number): string {
    const s = this.symbols[id];
    if (s === undefined) throw new RangeError(`Symbol id ${id} is outside [0, ${this.size}).`);
    return s;
  }
  /** Ids of a symbol sequence (a string is read character by character). Shape: `[time]` int32. */
  encode(symbols: Iterable<string>): Int32Array {
    return Int32Array.from(symbols, (s) => this.id(s));
  }
  /** Symbols of an id sequence. */
  decode(ids: ArrayLike<number>): string[] {
    return Array.from(ids, (i) => this.symbol(i));
  }
}

/** One split of CMUdict: a {@link Dataset} of sequences plus the words and all their pronunciations. */
export interface CmudictSplit extends Dataset {
  /**
   * Example `i`: `data`, the word's grapheme ids `[graphemeTime]` int32 in `[0, 27)`;
   * `classes`, one pronunciation's phoneme ids `[phonemeTime]` int32 in `[0, 39)`.
   * Both are views into shared arrays: do not write to them.
   */
  example(index: number): Example & { data: Int32Array; classes: Int32Array };
  /** The word of example `index`, e.g. `"abbey's"`. */
  word(index: number): string;
  /** All pronunciations of the word of example `index` (phoneme ids, rule-3 order); `classes` is one of them. */
  references(index: number): Int32Array[];
}

/** What {@link loadCmudict} returns. */
export interface CmudictSplits {
  /** 120,250 examples (one per pronunciation) of 112,397 words, named `cmudict/train`. */
  readonly train: CmudictSplit;
  /** 6,320 examples (one per word; 6,787 pronunciations as references), named `cmudict/dev`. */
  readonly dev: CmudictSplit;
  /** 6,203 examples (one per word; 6,622 pronunciations as references), named `cmudict/test`. */
  readonly test: CmudictSplit;
  /** 27 graphemes: {@link CMUDICT_GRAPHEMES}. */
  readonly graphemes: Vocabulary;
  /** 39 phonemes: {@link CMUDICT_PHONEMES}. */
  readonly phonemes: Vocabulary;
}

/** All kept words (sorted) with graphemes and pronunciations in flat arrays. */
interface CmudictArrays {
  readonly words: readonly string[];
  /** Word w's graphemes are `graphemes[graphemeStart[w], graphemeStart[w + 1])`. */
  readonly graphemes: Int32Array;
  readonly graphemeStart: Int32Array;
  /** Word w's pronunciations are `p` in `[pronStart[w], pronStart[w + 1])`. */
  readonly pronStart: Int32Array;
  /** Pronunciation p's phonemes are `phonemes[phonemeStart[p], phonemeStart[p + 1])`. */
  readonly phonemes: Int32Array;
  readonly phonemeStart: Int32Array;
}

const GRAPHEMES = new Vocabulary(CMUDICT_GRAPHEMES);
const PHONEMES = new Vocabulary(CMUDICT_PHONEMES);
const KEPT_WORD = /^[a-z']+$/;
/** `AH`, `AH0`, `AH1`, `AH2` → the id of `AH`: stress is stripped by the lookup. */
const STRESSED_PHONEME_IDS: ReadonlyMap<string, number> = new Map(
  CMUDICT_PHONEMES.flatMap((p, i) => [p, `${p}0`, `${p}1`, `${p}2`].map((s) => [s, i] as [string, number])),
);

/** Whether `ids[a, aEnd)` equals `ids[b, ids.length)`. */
function sameIds(ids: readonly number[], a: number, aEnd: number, b: number): boolean {
  if (aEnd - a !== ids.length - b) return false;
  for (let i = 0; i < aEnd - a; i++) if (ids[a + i] !== ids[b + i]) return false;
  return true;
}
let cached: CmudictArrays | undefined;

/** Parses the package once per process (0.4–1.1 s measured on 2 shared cores; a third of it evaluating the 4.7 MB module). */
function cmudictArrays(): CmudictArrays {
  if (cached) return cached;
  const { dictionary } = createRequire(import.meta.url)('cmu-pronouncing-dictionary') as { dictionary: Record<string, string> };
  // Pronunciations as in the package ("K AE1 T"), per word, with their counter.
  const byWord = new Map<string, { n: number; phones: string }[]>();
  const keys = Object.keys(dictionary);
  for (let k = 0; k < keys.length; k++) {
    const key = keys[k]!;
    const open = key.endsWith(')') ? key.lastIndexOf('(') : -1;
    const word = open > 0 ? key.slice(0, open) : key;
    if (!KEPT_WORD.test(word)) continue;
    const value = dictionary[key]!;
    const hash = value.indexOf('#');
    const entry = { n: open > 0 ? Number(key.slice(open + 1, -1)) : 1, phones: hash >= 0 ? value.slice(0, hash).trim() : value };
    const list = byWord.get(word);
    if (list) list.push(entry);
    else byWord.set(word, [entry]);
  }
  const words = [...byWord.keys()].sort();
  const graphemes: number[] = [];
  const graphemeStart = [0];
  const phonemes: number[] = [];
  const phonemeStart = [0];
  const pronStart = [0];
  for (const word of words) {
    for (let i = 0; i < word.length; i++) graphemes.push(GRAPHEMES.id(word[i]!));
    graphemeStart.push(graphemes.length);
    const prons = byWord.get(word)!;
    if (prons.length > 1) prons.sort((a, b) => a.n - b.n);
    const first = pronStart[pronStart.length - 1]!;
    for (const { phones } of prons) {
      const start = phonemes.length;
      for (const token of phones.split(' ')) {
        const id = STRESSED_PHONEME_IDS.get(token);
        if (id === undefined) {
          throw new Error(
            `cmu-pronouncing-dictionary: '${word}' has phoneme ${JSON.stringify(token)}, not one of the 39 of CMUDICT_PHONEMES ` +
              '(with stress 0/1/2). The documented rules are for cmu-pronouncing-dictionary@3.0.0: install that version.',
          );
        }
        phonemes.push(id);
      }
      // Drop a pronunciation equal (without stress) to an earlier one of the same word.
      let duplicate = false;
      for (let p = first; p < phonemeStart.length - 1 && !duplicate; p++) duplicate = sameIds(phonemes, phonemeStart[p]!, phonemeStart[p + 1]!, start);
      if (duplicate) phonemes.length = start;
      else phonemeStart.push(phonemes.length);
    }
    pronStart.push(phonemeStart.length - 1);
  }
  cached = {
    words,
    graphemes: Int32Array.from(graphemes),
    graphemeStart: Int32Array.from(graphemeStart),
    pronStart: Int32Array.from(pronStart),
    phonemes: Int32Array.from(phonemes),
    phonemeStart: Int32Array.from(phonemeStart),
  };
  return cached;
}

/** The split of `word` by rule 4: `fnv1a32(word) mod 100` against {@link CMUDICT_SPLIT_BUCKETS}. */
export function cmudictSplitOf(word: string): 'train' | 'dev' | 'test' {
  const b = hashString(word) % 100;
  return b < CMUDICT_SPLIT_BUCKETS.train ? 'train' : b < CMUDICT_SPLIT_BUCKETS.dev ? 'dev' : 'test';
}

const EXTERN = Object.freeze({
  data: Object.freeze({ dim: CMUDICT_GRAPHEMES.length, sparse: true, shape: [null] }),
  classes: Object.freeze({ dim: CMUDICT_PHONEMES.length, sparse: true, shape: [null] }),
});

class CmudictDataset implements CmudictSplit {
  readonly extern = EXTERN;
  constructor(
    readonly name: string,
    private readonly a: CmudictArrays,
    /** Word index (into `a.words`) of each example. */
    private readonly exampleWord: Int32Array,
    /** Pronunciation index of each example. */
    private readonly examplePron: Int32Array,
  ) {}
  get size(): number {
    return this.exampleWord.length;
  }
  private check(index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.exampleWord.length) {
      throw new RangeError(`${this.name}: example index ${index} out of range [0, ${this.exampleWord.length}).`);
    }
  }
  example(index: number): { data: Int32Array; classes: Int32Array } {
    this.check(index);
    const { a } = this;
    const w = this.exampleWord[index]!;
    const p = this.examplePron[index]!;
    return {
      data: a.graphemes.subarray(a.graphemeStart[w], a.graphemeStart[w + 1]),
      classes: a.phonemes.subarray(a.phonemeStart[p], a.phonemeStart[p + 1]),
    };
  }
  word(index: number): string {
    this.check(index);
    return this.a.words[this.exampleWord[index]!]!;
  }
  references(index: number): Int32Array[] {
    this.check(index);
    const { a } = this;
    const w = this.exampleWord[index]!;
    const out: Int32Array[] = [];
    for (let p = a.pronStart[w]!; p < a.pronStart[w + 1]!; p++) out.push(a.phonemes.subarray(a.phonemeStart[p], a.phonemeStart[p + 1]));
    return out;
  }
}

/**
 * CMUdict for grapheme-to-phoneme conversion, split 90/5/5 by a hash of the
 * word (exact rules in this file's documentation and the package README).
 *
 * Each example is `{ data, classes }`: `data` the grapheme ids `[graphemeTime]`
 * int32 (ids of {@link CMUDICT_GRAPHEMES}), `classes` the phoneme ids
 * `[phonemeTime]` int32 (ids of {@link CMUDICT_PHONEMES}), no padding and no
 * begin/end symbols. `extern` is
 * `{ data: { dim: 27, sparse: true, shape: [null] }, classes: { dim: 39, sparse: true, shape: [null] } }`.
 *
 * The first call reads the package (about 0.5 s; 0.4–1.1 s measured on 2 shared
 * cores); later calls reuse it and only redo the split (about 10 ms).
 * @throws Error if the installed package has a phoneme outside the 39 (it is not v3.0.0's data).
 */
export function loadCmudict(): CmudictSplits {
  const a = cmudictArrays();
  const parts = { train: { w: [] as number[], p: [] as number[] }, dev: { w: [] as number[], p: [] as number[] }, test: { w: [] as number[], p: [] as number[] } };
  for (let w = 0; w < a.words.length; w++) {
    const split = cmudictSplitOf(a.words[w]!);
    const part = parts[split];
    const last = split === 'train' ? a.pronStart[w + 1]! : a.pronStart[w]! + 1;
    for (let p = a.pronStart[w]!; p < last; p++) {
      part.w.push(w);
      part.p.push(p);
    }
  }
  const make = (split: keyof typeof parts) =>
    new CmudictDataset(`cmudict/${split}`, a, Int32Array.from(parts[split].w), Int32Array.from(parts[split].p));
  return { train: make('train'), dev: make('dev'), test: make('test'), graphemes: GRAPHEMES, phonemes: PHONEMES };
}
