import { ShapeError } from '@strata/backend';
import { describe, expect, it } from 'vitest';
import { broadcastDims, dimsEqual, divDims, formatDim, isStatic, mulDims, prodDims, type SymDim, sym } from './dims.js';

const batch = sym('batch');
const time = sym('time');

describe('sym, isStatic, formatDim', () => {
  it('builds named symbols and formats dims', () => {
    expect(batch).toEqual({ coef: 1, syms: ['batch'] });
    expect(isStatic(3)).toBe(true);
    expect(isStatic(batch)).toBe(false);
    expect(isStatic('unknown')).toBe(false);
    expect(formatDim(7)).toBe('7');
    expect(formatDim(batch)).toBe('batch');
    expect(formatDim({ coef: 2, syms: ['batch', 'time'] })).toBe('2*batch*time');
    expect(formatDim('unknown')).toBe('?');
  });
});

describe('mulDims and prodDims', () => {
  it('multiplies static, symbolic and unknown dims', () => {
    expect(mulDims(3, 4)).toBe(12);
    expect(mulDims(3, batch)).toEqual({ coef: 3, syms: ['batch'] });
    expect(mulDims(batch, 5)).toEqual({ coef: 5, syms: ['batch'] });
    expect(mulDims(0, batch)).toBe(0);
    expect(mulDims(batch, 0)).toBe(0);
    // symbols are kept sorted, so products commute
    expect(mulDims(time, batch)).toEqual({ coef: 1, syms: ['batch', 'time'] });
    expect(mulDims(batch, time)).toEqual(mulDims(time, batch));
    expect(mulDims(batch, batch)).toEqual({ coef: 1, syms: ['batch', 'batch'] });
    expect(mulDims('unknown', 3)).toBe('unknown');
    expect(mulDims(batch, 'unknown')).toBe('unknown');
  });

  it('prodDims of a list', () => {
    expect(prodDims([])).toBe(1);
    expect(prodDims([2, 3, 4])).toBe(24);
    expect(prodDims([batch, 2, time, 3])).toEqual({ coef: 6, syms: ['batch', 'time'] });
    expect(prodDims([batch, 'unknown'])).toBe('unknown');
  });
});

describe('dimsEqual', () => {
  it('compares structurally; unknown equals nothing', () => {
    expect(dimsEqual(3, 3)).toBe(true);
    expect(dimsEqual(3, 4)).toBe(false);
    expect(dimsEqual(batch, sym('batch'))).toBe(true);
    expect(dimsEqual(batch, time)).toBe(false);
    expect(dimsEqual(batch, 11)).toBe(false);
    expect(dimsEqual(mulDims(2, batch), mulDims(batch, 2))).toBe(true);
    expect(dimsEqual(mulDims(2, batch), batch)).toBe(false);
    expect(dimsEqual(mulDims(batch, time), batch)).toBe(false);
    expect(dimsEqual('unknown', 'unknown')).toBe(false);
  });
});

describe('divDims', () => {
  it('divides monomials when exact', () => {
    expect(divDims(12, 4)).toBe(3);
    expect(divDims(mulDims(batch, time), time)).toEqual(batch);
    expect(divDims(prodDims([6, batch, time]), prodDims([3, batch]))).toEqual({ coef: 2, syms: ['time'] });
    expect(divDims(prodDims([batch, 4]), 4)).toEqual(batch);
    expect(divDims(batch, batch)).toBe(1);
  });

  it('is undefined when not exact', () => {
    expect(divDims(12, 5)).toBeUndefined();
    expect(divDims(batch, time)).toBeUndefined();
    expect(divDims(3, batch)).toBeUndefined();
    expect(divDims(mulDims(3, batch), 2)).toBeUndefined();
    expect(divDims(batch, 0)).toBeUndefined();
    expect(divDims('unknown', 1)).toBeUndefined();
    expect(divDims(batch, 'unknown')).toBeUndefined();
  });
});

describe('broadcastDims', () => {
  const bd = (sa: number[], da: SymDim[], sb: number[], db: SymDim[]) => broadcastDims(sa, da, sb, db);

  it('broadcasts static shapes like numpy', () => {
    expect(bd([2, 3], [2, 3], [3], [3])).toEqual({ shape: [2, 3], dims: [2, 3] });
    expect(bd([2, 1], [2, 1], [1, 3], [1, 3])).toEqual({ shape: [2, 3], dims: [2, 3] });
    expect(bd([], [], [4, 5], [4, 5])).toEqual({ shape: [4, 5], dims: [4, 5] });
  });

  it('keeps the symbolic dim of the operand that has it', () => {
    // [batch, 3] + [3]
    expect(bd([11, 3], [batch, 3], [3], [3])).toEqual({ shape: [11, 3], dims: [batch, 3] });
    // [1, 3] + [batch, 1]
    expect(bd([1, 3], [1, 3], [11, 1], [batch, 1])).toEqual({ shape: [11, 3], dims: [batch, 3] });
    // [batch, time, 4] + [batch, 1, 4]
    expect(bd([11, 13, 4], [batch, time, 4], [11, 1, 4], [batch, 1, 4])).toEqual({ shape: [11, 13, 4], dims: [batch, time, 4] });
  });

  it('a symbol against a static size keeps the symbol; two different symbols give unknown', () => {
    expect(bd([11], [batch], [11], [time]).dims).toEqual(['unknown']);
    expect(bd([11], [batch], [11], [11]).dims).toEqual([batch]);
    expect(bd([11], [11], [11], [batch]).dims).toEqual([batch]);
  });

  it('throws ShapeError naming both shapes when sizes differ', () => {
    expect(() => bd([2, 3], [2, 3], [4], [4])).toThrow(ShapeError);
    expect(() => bd([2, 3], [2, 3], [4], [4])).toThrow('[2, 3] and [4]');
  });
});
