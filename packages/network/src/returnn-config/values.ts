import type { ConfigLocation } from './errors.js';

/**
 * A Python value of a config as Strata holds it: numbers (Python `int` and
 * `float` alike; an integral float such as `10.` is the number 10), strings,
 * booleans, `null` for `None`, arrays for lists, tuples and sets, plain
 * objects for dicts (keys as strings: `{1: 0.5}` has key `"1"`), and
 * {@link OpaqueValue} where the value needs real Python.
 */
export type PyValue = number | string | boolean | null | PyValue[] | PyDict | OpaqueValue;

/** A Python dict (string keys, insertion order as in Python). */
export interface PyDict {
  [key: string]: PyValue;
}

/**
 * A value Strata does not compute because it needs real Python: a call of a
 * function Strata does not know, a lambda, a `def`, a comprehension, an
 * f-string, a name imported from a module, or a name assigned under a
 * condition Strata cannot decide. Reading it is harmless; an option Strata
 * uses that holds one is a {@link ReturnnConfigError} naming its location.
 */
export class OpaqueValue {
  constructor(
    /** The construct, in Python's words: `lambda`, `call of get_login_username()`, `def rel_embed`. */
    readonly construct: string,
    /** Where the construct is. */
    readonly location: ConfigLocation,
  ) {}
}

/** Names bound by `import` statements: a module Strata knows a few pure functions of (`os`, `os.path`). */
export class ModuleValue {
  constructor(readonly module: string) {}
}

/** A non-null object that is a Python dict. */
export function isPyDict(v: unknown): v is PyDict {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof OpaqueValue);
}

/**
 * The first {@link OpaqueValue} inside `value` (depth first), with its key
 * path from `value` (`['output', 'unit', 'att', 'eval']`), or undefined if
 * `value` is fully known.
 */
export function findOpaque(value: PyValue, path: (string | number)[] = []): { opaque: OpaqueValue; path: (string | number)[] } | undefined {
  if (value instanceof OpaqueValue) return { opaque: value, path };
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const r = findOpaque(value[i]!, [...path, i]);
      if (r) return r;
    }
  } else if (isPyDict(value)) {
    for (const [k, v] of Object.entries(value)) {
      const r = findOpaque(v, [...path, k]);
      if (r) return r;
    }
  }
  return undefined;
}

/** Python's `repr()` of a value (numbers as JavaScript prints them: `1.0` shows as `1`). */
export function pyRepr(v: PyValue): string {
  if (v === null) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') return Number.isNaN(v) ? 'nan' : v === Infinity ? 'inf' : v === -Infinity ? '-inf' : String(v);
  if (typeof v === 'string') return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'`;
  if (v instanceof OpaqueValue) return `<${v.construct}>`;
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`;
  return `{${Object.entries(v)
    .map(([k, x]) => `${pyRepr(k)}: ${pyRepr(x)}`)
    .join(', ')}}`;
}

/** Python's `str()`: strings as they are, everything else as {@link pyRepr}. */
export function pyStr(v: PyValue): string {
  return typeof v === 'string' ? v : pyRepr(v);
}

/** Python's truth value (`bool(v)`); undefined for an opaque value. */
export function pyTruth(v: PyValue): boolean | undefined {
  if (v instanceof OpaqueValue) return undefined;
  if (v === null) return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return Boolean(v);
}

/** A shallow copy (Python's `dict.copy()`, `list.copy()`, `dict(d)`, `list(l)`). */
export function shallowCopy(v: PyValue): PyValue {
  if (Array.isArray(v)) return [...v];
  if (isPyDict(v)) return Object.assign(Object.create(null) as PyDict, v);
  return v;
}

/** A new empty dict (no prototype, so keys like `constructor` are plain keys). */
export function newDict(): PyDict {
  return Object.create(null) as PyDict;
}

/**
 * A deep copy of a fully known value as plain JSON-like data (dicts become
 * ordinary objects). Opaque values are kept as they are.
 */
export function toPlain(v: PyValue): unknown {
  if (Array.isArray(v)) return v.map(toPlain);
  if (isPyDict(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toPlain(x)]));
  return v;
}
