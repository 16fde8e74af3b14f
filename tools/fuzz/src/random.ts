import { hashString, Rng } from '@strata/core';

/** A seeded source of choices; case `i` of seed `s` draws from `hashString('case:i', s)`, so any case replays alone. */
export class Choices {
  private readonly rng: Rng;
  constructor(seed: number) {
    this.rng = new Rng(seed);
  }
  static forCase(seed: number, index: number): Choices {
    return new Choices(hashString(`case:${index}`, seed));
  }
  /** An integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + this.rng.int(hi - lo + 1);
  }
  chance(p: number): boolean {
    return this.rng.uniform() < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.rng.int(xs.length)]!;
  }
  normal(): number {
    return this.rng.normal();
  }
  uniform(): number {
    return this.rng.uniform();
  }
}

/** Values of every JSON type and then some (what a config file or a JS config can hold by mistake). */
export const WRONG_VALUES: readonly unknown[] = [
  'sixteen',
  '16',
  '',
  null,
  true,
  false,
  [],
  [1, 2],
  {},
  { value: 3 },
  -1,
  0,
  1.5,
  -0.5,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  2 ** 53 + 2,
  1e308,
];

/** Sizes no network should try to allocate. */
export const ABSURD_SIZES: readonly number[] = [1e9, 2 ** 31, 2 ** 32 + 1, 1e12, 1e308, 2 ** 53];

/** Names that break naive object handling or variable paths. */
export const NASTY_NAMES: readonly string[] = ['', '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'a/b', 'data', 'data:data', 'prev:x', ' ', 'ü🙂', 'x'.repeat(300)];
