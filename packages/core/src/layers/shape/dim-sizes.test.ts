// The sizes of derived RETURNN Dims, against RETURNN's rules in closed form (Dim.complete_dyn_size: add, a relu
// when an operand is negative; mul; floordiv and truediv as floor division; ceildiv as -(-a // b)).
import { ops, type Tensor } from '@strata/backend';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DimJson } from '../../dim-json.js';
import { LayerArgumentError } from '../../errors.js';
import { useBackend } from '../../test-utils/setup.js';
import { derivedDimBase, derivedDimSizes } from './dim-sizes.js';

const TIME: DimJson = { dim: 'time', kind: 'spatial', size: null };
const FEAT: DimJson = { dim: 'feat', kind: 'feature', size: 3 };
const der = (op: NonNullable<DimJson['derived']>['op'], a: DimJson | number, b: DimJson | number): DimJson => ({ dim: 'x', kind: 'spatial', size: null, derived: { op, inputs: [a, b] } });

beforeAll(() => useBackend('tfjs-cpu'));

describe('derivedDimSizes', () => {
  const lens = [7, 4, 1, 0];
  const cases: [string, DimJson, (n: number) => number][] = [
    ['time+2', der('add', TIME, 2), (n) => n + 2],
    ['time+-3 (relu)', der('add', TIME, -3), (n) => Math.max(n - 3, 0)],
    ['time*2', der('mul', TIME, 2), (n) => n * 2],
    ['time//2', der('floordiv', TIME, 2), (n) => Math.floor(n / 2)],
    ['time/2 (truediv: floor)', der('truediv', TIME, 2), (n) => Math.floor(n / 2)],
    ['⌈time/3⌉', der('ceildiv', TIME, 3), (n) => Math.ceil(n / 3)],
    ['(time+1)*feat', der('mul', der('add', TIME, 1), FEAT), (n) => (n + 1) * 3],
  ];
  for (const [name, j, f] of cases) {
    it(`${name}: lengths and the padded size`, () => {
      const t = derivedDimSizes(j, 'time', ops.tensor(Int32Array.from(lens), [lens.length], 'int32')) as Tensor;
      expect(t.dtype).toBe('int32');
      expect(Array.from(ops.readSync(t))).toEqual(lens.map(f));
      expect(derivedDimSizes(j, 'time', 7)).toBe(f(7));
    });
  }

  it('names the dynamic Dim whose sizes are unknown', () => {
    const other: DimJson = { dim: 'other', kind: 'spatial', size: null };
    expect(() => derivedDimSizes(der('add', other, 1), 'time', 5)).toThrow(LayerArgumentError);
    expect(() => derivedDimSizes(der('add', other, 1), 'time', 5)).toThrow(/'other'/);
  });
});

describe('derivedDimBase', () => {
  it('is the one dynamic leaf', () => {
    expect(derivedDimBase(der('mul', der('add', TIME, 1), FEAT))).toBe('time');
    expect(derivedDimBase(TIME)).toBe('time');
    expect(derivedDimBase(FEAT)).toBeUndefined();
    expect(derivedDimBase(der('mul', TIME, { dim: 'other', kind: 'spatial', size: null }))).toBeUndefined();
  });
});
