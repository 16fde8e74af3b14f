import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NumpyRandomState } from './numpy-random-state.js';

interface Fixture {
  numpy: { seed: number | number[]; draws: (['randint', number, number, number] | ['uniform', number] | ['choice', number, number])[] }[];
}
const fixture = JSON.parse(readFileSync(join(__dirname, '../fixtures/returnn-generated.json'), 'utf8')) as Fixture;

describe("NumpyRandomState: NumPy's legacy RandomState draws (fixture from numpy, tools/returnn-datasets)", () => {
  it.each(fixture.numpy.map((c) => [JSON.stringify(c.seed), c] as const))('seed %s: randint, uniform and choice equal numpy bit for bit', (_, c) => {
    const r = new NumpyRandomState(c.seed);
    expect(c.draws.length).toBe(160);
    for (const d of c.draws) {
      if (d[0] === 'randint') expect(r.randint(d[1], d[2])).toBe(d[3]);
      else if (d[0] === 'uniform') expect(r.uniform()).toBe(d[1]);
      else expect(r.choice([...Array(d[1]).keys()])).toBe(d[2]);
    }
  });

  it('reseeding restarts the stream; bad seeds and ranges are RangeErrors', () => {
    const r = new NumpyRandomState([3, 17]);
    const a = [r.uniform(), r.randint(0, 5)];
    r.seed([3, 17]);
    expect([r.uniform(), r.randint(0, 5)]).toEqual(a);
    expect(() => r.seed(-1)).toThrow(RangeError);
    expect(() => r.seed([])).toThrow(RangeError);
    expect(() => r.randint(3, 3)).toThrow(RangeError);
    expect(r.randint(4, 5)).toBe(4);
  });
});
