import { dimBinaryOp, dimNegate } from './dims.js';
import { isPyDict, OpaqueValue, type PyValue, pyRepr, pyStr, pyTruth } from './values.js';

/** An operator Strata cannot apply to these operands: the caller turns it into a config error (Python's TypeError). */
export class OperatorError extends Error {}

const num = (v: PyValue): number | undefined => (typeof v === 'number' ? v : typeof v === 'boolean' ? Number(v) : undefined);

/** Python's `a op b` for the arithmetic operators on numbers, strings and lists. */
export function binaryOp(op: string, a: PyValue, b: PyValue): PyValue {
  if (a instanceof OpaqueValue) return a;
  if (b instanceof OpaqueValue) return b;
  if (op === '%' && typeof a === 'string') return percentFormat(a, b);
  let dim: PyValue | undefined;
  try {
    dim = dimBinaryOp(op, a, b);
  } catch (e) {
    throw new OperatorError((e as Error).message);
  }
  if (dim !== undefined) return dim;
  const x = num(a);
  const y = num(b);
  if (x !== undefined && y !== undefined) {
    switch (op) {
      case '+':
        return x + y;
      case '-':
        return x - y;
      case '*':
        return x * y;
      case '/':
        if (y === 0) throw new OperatorError('division by zero');
        return x / y;
      case '//':
        if (y === 0) throw new OperatorError('division by zero');
        return Math.floor(x / y);
      case '%':
        if (y === 0) throw new OperatorError('modulo by zero');
        return x - y * Math.floor(x / y);
      case '**':
        return x ** y;
    }
  }
  if (op === '+' && typeof a === 'string' && typeof b === 'string') return a + b;
  if (op === '+' && Array.isArray(a) && Array.isArray(b)) return [...a, ...b];
  if (op === '*') {
    const [seq, n] = typeof a === 'string' || Array.isArray(a) ? [a, y] : [b, x];
    if (n !== undefined && Number.isInteger(n) && (typeof seq === 'string' || Array.isArray(seq))) {
      if (typeof seq === 'string') return seq.repeat(Math.max(0, n));
      return Array.from({ length: Math.max(0, n) }, () => seq).flat();
    }
  }
  if (op === '|' && isPyDict(a) && isPyDict(b)) return Object.assign(Object.create(null), a, b) as PyValue;
  throw new OperatorError(`unsupported operand types for ${op}: ${pyRepr(a)} and ${pyRepr(b)}`);
}

/** Python's unary `-x`, `+x`, `not x`. */
export function unaryOp(op: string, v: PyValue): PyValue {
  if (v instanceof OpaqueValue) return v;
  if (op === 'not') return !pyTruth(v);
  const negated = op === '-' ? dimNegate(v) : undefined;
  if (negated !== undefined) return negated;
  const x = num(v);
  if (x === undefined) throw new OperatorError(`bad operand type for unary ${op}: ${pyRepr(v)}`);
  if (op === '-') return -x;
  if (op === '+') return x;
  if (op === '~' && Number.isInteger(x)) return -x - 1;
  throw new OperatorError(`bad operand type for unary ${op}: ${pyRepr(v)}`);
}

/** Python's `==` (deep, for lists and dicts). */
export function pyEquals(a: PyValue, b: PyValue): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => pyEquals(x, b[i]!));
  if (isPyDict(a) && isPyDict(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => k in b && pyEquals(a[k]!, b[k]!));
  }
  const x = num(a);
  const y = num(b);
  if (x !== undefined && y !== undefined) return x === y;
  return a === b;
}

/** Python's comparison `a op b` (`==`, `!=`, `<`, `<=`, `>`, `>=`, `in`, `not in`, `is`, `is not`). */
export function compareOp(op: string, a: PyValue, b: PyValue): PyValue {
  if (a instanceof OpaqueValue) return a;
  if (b instanceof OpaqueValue) return b;
  switch (op) {
    case '==':
      return pyEquals(a, b);
    case '!=':
      return !pyEquals(a, b);
    case 'is':
      return (a === null && b === null) || (typeof a !== 'object' && a === b);
    case 'is not':
      return !((a === null && b === null) || (typeof a !== 'object' && a === b));
    case 'in':
    case 'not in': {
      let r: boolean;
      if (typeof b === 'string' && typeof a === 'string') r = b.includes(a);
      else if (Array.isArray(b)) r = b.some((x) => pyEquals(x, a));
      else if (isPyDict(b)) r = typeof a === 'string' || typeof a === 'number' ? String(a) in b : false;
      else throw new OperatorError(`argument of type ${pyRepr(b)} is not iterable`);
      return op === 'in' ? r : !r;
    }
  }
  const x = num(a);
  const y = num(b);
  const [p, q] = x !== undefined && y !== undefined ? [x, y] : typeof a === 'string' && typeof b === 'string' ? [a, b] : [undefined, undefined];
  if (p === undefined || q === undefined) throw new OperatorError(`'${op}' not supported between ${pyRepr(a)} and ${pyRepr(b)}`);
  if (op === '<') return p < q;
  if (op === '<=') return p <= q;
  if (op === '>') return p > q;
  if (op === '>=') return p >= q;
  throw new OperatorError(`unknown comparison ${op}`);
}

/**
 * Python's `"fmt" % args` for the conversions configs use: `%s`, `%r`,
 * `%d`/`%i`, `%f`/`%.Nf`, `%e`, `%%`, and `%(name)s` with a dict.
 */
export function percentFormat(fmt: string, args: PyValue): PyValue {
  if (args instanceof OpaqueValue) return args;
  const positional = Array.isArray(args) ? args : [args];
  let next = 0;
  let usedNamed = false;
  let out: string;
  try {
    out = fmt.replace(/%(\(([^)]*)\))?([-+ 0#]*)(\d+)?(?:\.(\d+))?([sdirfeEgx%])/g, (_, named, name: string | undefined, flags: string, width: string | undefined, prec: string | undefined, conv: string) => {
    if (conv === '%') return '%';
    let v: PyValue;
    if (named !== undefined) {
      usedNamed = true;
      if (!isPyDict(args) || !(name! in args)) throw new OperatorError(`format requires a dict with key '${name}'`);
      v = args[name!]!;
    } else {
      if (next >= positional.length) throw new OperatorError('not enough arguments for format string');
      v = positional[next++]!;
    }
    if (v instanceof OpaqueValue) throw new OpaqueFormatArg(v);
    let s: string;
    const x = num(v);
    if (conv === 's') s = pyStr(v);
    else if (conv === 'r') s = pyRepr(v);
    else if (x === undefined) throw new OperatorError(`%${conv} format: a number is required, not ${pyRepr(v)}`);
    else if (conv === 'd' || conv === 'i') s = String(Math.trunc(x));
    else if (conv === 'f') s = x.toFixed(prec === undefined ? 6 : Number(prec));
    else if (conv === 'e' || conv === 'E') {
      const [m, e] = x.toExponential(prec === undefined ? 6 : Number(prec)).split('e');
      const exp = `${e!.startsWith('-') ? '-' : '+'}${e!.replace(/^[+-]/, '').padStart(2, '0')}`;
      s = `${m}${conv}${exp}`;
    } else if (conv === 'x') s = Math.trunc(x).toString(16);
    else throw new OperatorError(`the %${conv} conversion is not supported; use %s`);
    const w = width === undefined ? 0 : Number(width);
    return flags.includes('-') ? s.padEnd(w) : s.padStart(w, flags.includes('0') && conv !== 's' ? '0' : ' ');
  });
  } catch (e) {
    if (e instanceof OpaqueFormatArg) return e.opaque;
    throw e;
  }
  if (!usedNamed && !isPyDict(args) && next < positional.length) throw new OperatorError('not all arguments converted during string formatting');
  return out;
}

/** Thrown inside {@link percentFormat} when an argument is opaque; percentFormat returns that opaque value. */
class OpaqueFormatArg extends Error {
  constructor(readonly opaque: OpaqueValue) {
    super(opaque.construct);
  }
}
