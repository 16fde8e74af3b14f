import { formatShape, ShapeError } from '@strata/backend';

/**
 * Symbolic axis sizes of a traced graph.
 *
 * While a function is traced, every value has a concrete shape (the sizes of
 * the example the trace ran with) and, per axis, a {@link SymDim}: a static
 * size, a product of named symbols (`batch`, `time`, `batch*time`) times a
 * constant, or `unknown` (e.g. a concatenation along a dynamic axis). Graph
 * inputs declared with dynamic axes carry symbols; ops propagate them, and
 * ops that need a size at run time (a reshape target) compute it from the
 * graph inputs' `Shape` when it is symbolic. Compiled sessions
 * (onnxruntime) trace with static sizes only; symbols matter for export.
 */
export interface SymExpr {
  /** Constant factor. */
  readonly coef: number;
  /** Symbol names, sorted; repeated names are powers. Never empty. */
  readonly syms: readonly string[];
}

/** A static size, a symbolic product, or a size the graph knows only at run time. */
export type SymDim = number | SymExpr | 'unknown';

/** True if the axis size is the same for every run. */
export const isStatic = (d: SymDim): d is number => typeof d === 'number';

/** The symbolic dim of a named symbol. */
export const sym = (name: string): SymExpr => ({ coef: 1, syms: [name] });

/** Product of two dims (`unknown` if either is). */
export function mulDims(a: SymDim, b: SymDim): SymDim {
  if (a === 'unknown' || b === 'unknown') return 'unknown';
  if (typeof a === 'number' && typeof b === 'number') return a * b;
  if (typeof a === 'number') return a === 0 ? 0 : { coef: a * (b as SymExpr).coef, syms: (b as SymExpr).syms };
  if (typeof b === 'number') return b === 0 ? 0 : { coef: b * a.coef, syms: a.syms };
  return { coef: a.coef * b.coef, syms: [...a.syms, ...b.syms].sort() };
}

/** Product of a list of dims (1 for none). */
export const prodDims = (ds: readonly SymDim[]): SymDim => ds.reduce<SymDim>((p, d) => mulDims(p, d), 1);

/** Structural equality of two dims (`unknown` equals nothing). */
export function dimsEqual(a: SymDim, b: SymDim): boolean {
  if (a === 'unknown' || b === 'unknown') return false;
  if (typeof a === 'number' || typeof b === 'number') return a === b;
  return a.coef === b.coef && a.syms.length === b.syms.length && a.syms.every((s, i) => s === b.syms[i]);
}

/** Readable form for messages and ONNX `dim_param`s: `batch`, `2*batch*time`, `?`. */
export function formatDim(d: SymDim): string {
  if (d === 'unknown') return '?';
  if (typeof d === 'number') return String(d);
  return [...(d.coef === 1 ? [] : [String(d.coef)]), ...d.syms].join('*');
}

/**
 * The dims of a broadcast of two operands (numpy rules), given their concrete
 * shapes and dims. An axis of size 1 takes the other operand's dim.
 */
export function broadcastDims(
  sa: readonly number[],
  da: readonly SymDim[],
  sb: readonly number[],
  db: readonly SymDim[],
): { shape: number[]; dims: SymDim[] } {
  const rank = Math.max(sa.length, sb.length);
  const shape: number[] = [];
  const dims: SymDim[] = [];
  for (let i = 0; i < rank; i++) {
    const ia = sa.length - rank + i;
    const ib = sb.length - rank + i;
    const xa = ia >= 0 ? sa[ia]! : 1;
    const xb = ib >= 0 ? sb[ib]! : 1;
    const ya: SymDim = ia >= 0 ? da[ia]! : 1;
    const yb: SymDim = ib >= 0 ? db[ib]! : 1;
    if (xa !== xb && xa !== 1 && xb !== 1) {
      throw new ShapeError(`Shapes ${formatShape(sa)} and ${formatShape(sb)} do not broadcast (axis ${i}: ${xa} vs ${xb}).`);
    }
    if (xa === 1 && ya === 1) {
      shape.push(xb);
      dims.push(yb);
    } else {
      shape.push(xa === 1 ? xb : xa);
      dims.push(xb === 1 && yb === 1 ? ya : dimsEqual(ya, yb) || isStatic(yb) ? ya : isStatic(ya) ? yb : 'unknown');
    }
  }
  return { shape, dims };
}

/**
 * `a / b` for monomials when exact (integer coefficient, `b`'s symbols all in
 * `a`), otherwise `undefined`.
 */
export function divDims(a: SymDim, b: SymDim): SymDim | undefined {
  if (a === 'unknown' || b === 'unknown') return undefined;
  const ea = typeof a === 'number' ? { coef: a, syms: [] as string[] } : a;
  const eb = typeof b === 'number' ? { coef: b, syms: [] as string[] } : b;
  if (eb.coef === 0 || ea.coef % eb.coef !== 0) return undefined;
  const rest = [...ea.syms];
  for (const s of eb.syms) {
    const i = rest.indexOf(s);
    if (i < 0) return undefined;
    rest.splice(i, 1);
  }
  const coef = ea.coef / eb.coef;
  return rest.length === 0 ? coef : { coef, syms: rest };
}
