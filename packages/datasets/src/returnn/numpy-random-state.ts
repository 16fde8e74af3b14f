import MersenneTwister from 'mersenne-twister';

/**
 * The draws of NumPy's legacy `numpy.random.RandomState` that RETURNN's
 * generated datasets use, bit for bit: MT19937 (the `mersenne-twister` npm
 * package: the reference `init_genrand`, `init_by_array`, `genrand_int32`,
 * `genrand_res53`) plus NumPy's algorithms on top of it
 * (numpy/random/mtrand.pyx, numpy/random/src/distributions/distributions.c):
 *
 * - `seed(n)`: `init_genrand(n)`; `seed([a, b, ...])` (a tuple/array): `init_by_array`.
 * - `randint(low, high)`: the legacy masked rejection sampler
 *   (`random_bounded_uint64_fill` with `use_masked`): draw 32-bit words,
 *   AND with the smallest all-ones mask ≥ `high-1-low`, reject above it.
 * - `uniform()`: `genrand_res53` (53-bit double in [0, 1)).
 * - `choice(n)`: `randint(0, n)` (RandomState.choice without `p`, with replacement).
 *
 * Ranges above 2^32 are not needed by RETURNN's datasets and are refused.
 */
export class NumpyRandomState {
  private mt: MersenneTwister;

  constructor(seed: number | readonly number[] = 0) {
    this.mt = new MersenneTwister(0);
    this.seed(seed);
  }

  /**
   * Reseeds as `RandomState.seed(seed)`: an integer in [0, 2^32) or a sequence of them.
   * @throws RangeError for a value outside [0, 2^32) or an empty sequence.
   */
  seed(seed: number | readonly number[]): void {
    const check = (v: number) => {
      if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new RangeError(`NumpyRandomState.seed: ${v} is not an integer in [0, 2**32) (numpy: "Seed must be between 0 and 2**32 - 1").`);
    };
    if (typeof seed === 'number') {
      check(seed);
      this.mt.init_seed(seed);
    } else {
      if (seed.length === 0) throw new RangeError('NumpyRandomState.seed: an empty seed sequence (numpy: "Seed must be non-empty").');
      seed.forEach(check);
      this.mt.init_by_array([...seed], seed.length);
    }
  }

  /** The next 32-bit word of MT19937 (`genrand_int32`), in [0, 2^32). */
  nextUint32(): number {
    return this.mt.random_int();
  }

  /** `RandomState.uniform()`: a double in [0, 1) from two words (`genrand_res53`). */
  uniform(): number {
    return this.mt.random_long();
  }

  /**
   * `RandomState.randint(low, high)`: an integer in [low, high).
   * @throws RangeError if `high <= low` or the range exceeds 2^32.
   */
  randint(low: number, high: number): number {
    if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low) throw new RangeError(`NumpyRandomState.randint(${low}, ${high}): need integers with low < high (numpy: "low >= high").`);
    const rng = high - 1 - low;
    if (rng === 0) return low;
    if (rng > 0xffffffff) throw new RangeError(`NumpyRandomState.randint(${low}, ${high}): ranges above 2**32 are not implemented.`);
    if (rng === 0xffffffff) return low + this.nextUint32();
    let mask = rng;
    mask |= mask >>> 1;
    mask |= mask >>> 2;
    mask |= mask >>> 4;
    mask |= mask >>> 8;
    mask |= mask >>> 16;
    mask >>>= 0;
    for (;;) {
      const v = (this.nextUint32() & mask) >>> 0;
      if (v <= rng) return low + v;
    }
  }

  /** `RandomState.choice(a)` for a sequence `a` (uniform, with replacement): `a[randint(0, len(a))]`. */
  choice<T>(a: readonly T[]): T {
    return a[this.randint(0, a.length)]!;
  }
}
