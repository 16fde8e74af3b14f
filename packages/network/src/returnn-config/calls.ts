import type { SyntaxNode } from '@lezer/common';
import { type EvalEnv, errorAt, opaqueAt, quote } from './eval-env.js';
import { constructDim, dimConstructorOf, dimMethod } from './dims.js';
import { children } from './tree.js';
import { isPyDict, ModuleValue, newDict, OpaqueValue, type PyDict, type PyValue, pyRepr, pyStr, pyTruth, shallowCopy } from './values.js';

/** The evaluated arguments of a call. */
interface Args {
  positional: PyValue[];
  keywords: PyDict;
}

/** Arguments of an ArgList node, or the first opaque value among them. */
function argsOf(env: EvalEnv, argList: SyntaxNode): Args | OpaqueValue {
  const cs = children(argList).slice(1, -1);
  const positional: PyValue[] = [];
  const keywords = newDict();
  for (let i = 0; i < cs.length; i++) {
    const n = cs[i]!;
    if (n.name === ',') continue;
    if (n.name === '*' || n.name === '**') {
      const v = env.evaluate(env, cs[++i]!);
      if (v instanceof OpaqueValue) return v;
      if (n.name === '*' && Array.isArray(v)) positional.push(...v);
      else if (n.name === '**' && isPyDict(v)) Object.assign(keywords, v);
      else throw errorAt(env, n, `${n.name}${quote(env, cs[i]!)}`, `cannot spread ${pyRepr(v)} here.`, 'spread a list with * or a dict with **.');
    } else if (cs[i + 1]?.name === 'AssignOp') {
      keywords[env.tree.text(n)] = env.evaluate(env, cs[i + 2]!);
      i += 2;
    } else positional.push(env.evaluate(env, n));
  }
  const opaque = [...positional, ...Object.values(keywords)].find((v) => v instanceof OpaqueValue);
  return opaque instanceof OpaqueValue ? opaque : { positional, keywords };
}

type Builtin = (a: Args, fail: (problem: string) => never) => PyValue;

const numberOf = (v: PyValue, fail: (p: string) => never): number => {
  if (typeof v === 'number' || typeof v === 'boolean') return Number(v);
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return fail(`${pyRepr(v)} is not a number`);
};
const iterable = (v: PyValue | undefined, fail: (p: string) => never): PyValue[] => {
  if (v === undefined) return [];
  if (Array.isArray(v)) return v;
  if (typeof v === 'string') return [...v];
  if (isPyDict(v)) return Object.keys(v);
  return fail(`${pyRepr(v)} is not iterable`);
};

/** The builtins a config may call; each is pure and computes what Python's does. */
const BUILTINS: Record<string, Builtin> = {
  dict: ({ positional, keywords }, fail) => {
    const base = positional[0];
    if (base !== undefined && !isPyDict(base)) fail('dict() takes a dict and keyword arguments here');
    return Object.assign(newDict(), base ?? {}, keywords);
  },
  list: ({ positional }, fail) => [...iterable(positional[0], fail)],
  tuple: ({ positional }, fail) => [...iterable(positional[0], fail)],
  int: ({ positional }, fail) => Math.trunc(numberOf(positional[0] ?? 0, fail)),
  float: ({ positional }, fail) => numberOf(positional[0] ?? 0, fail),
  str: ({ positional }) => (positional[0] === undefined ? '' : pyStr(positional[0])),
  bool: ({ positional }) => (positional[0] === undefined ? false : pyTruth(positional[0])!),
  len: ({ positional }, fail) => iterable(positional[0], fail).length,
  abs: ({ positional }, fail) => Math.abs(numberOf(positional[0]!, fail)),
  min: ({ positional }, fail) => Math.min(...(positional.length === 1 ? iterable(positional[0], fail) : positional).map((v) => numberOf(v, fail))),
  max: ({ positional }, fail) => Math.max(...(positional.length === 1 ? iterable(positional[0], fail) : positional).map((v) => numberOf(v, fail))),
  range: ({ positional }, fail) => {
    const [a, b, s] = positional.map((v) => numberOf(v, fail));
    const [start, stop, step] = b === undefined ? [0, a!, 1] : [a!, b, s ?? 1];
    if (step === 0) fail('range() step must not be zero');
    const out: number[] = [];
    for (let i = start; step > 0 ? i < stop : i > stop; i += step) out.push(i);
    return out;
  },
};

/** `os.path` functions: pure string functions of POSIX paths. */
const OS_PATH: Record<string, (p: PyValue[]) => PyValue> = {
  splitext: ([p]) => {
    const s = pyStr(p!);
    const m = /^(.*?)(\.[^./]*)?$/.exec(s)!;
    const base = s.slice(s.lastIndexOf('/') + 1);
    return base.startsWith('.') && base.indexOf('.', 1) < 0 ? [s, ''] : [m[1]!, m[2] ?? ''];
  },
  basename: ([p]) => pyStr(p!).slice(pyStr(p!).lastIndexOf('/') + 1),
  dirname: ([p]) => pyStr(p!).slice(0, Math.max(0, pyStr(p!).lastIndexOf('/'))),
  join: (ps) => ps.map(pyStr).reduce((a, b) => (b.startsWith('/') ? b : a === '' || a.endsWith('/') ? a + b : `${a}/${b}`), ''),
};

/**
 * RETURNN's `config` object inside a config (`Config` of returnn/config.py):
 * during `exec` its typed getters see the names assigned so far (the file runs in
 * the config's own dict) and otherwise give the default.
 */
function configMethod(env: EvalEnv, method: string, a: Args, fail: (p: string) => never): PyValue {
  const key = a.positional[0];
  if (typeof key !== 'string') return fail(`config.${method}() needs the option name as its first argument`);
  const b = env.scope.get(key);
  const has = b !== undefined && !(b instanceof ModuleValue);
  const dflt = a.positional[1] ?? a.keywords.default ?? null;
  switch (method) {
    case 'has':
      return has;
    case 'is_true':
      return has ? pyTruth(b as PyValue)! : (a.positional[1] ?? false);
    case 'typed_value':
    case 'opt_typed_value':
    case 'int':
    case 'float':
    case 'bool':
      return has ? (b as PyValue) : dflt;
    case 'value':
      return has && b !== null ? (Array.isArray(b) ? b.map(pyStr).join(',') : pyStr(b as PyValue)) : dflt;
    default:
      return fail(`config.${method}() is not one of the getters Strata knows (value, typed_value, opt_typed_value, int, float, bool, is_true, has)`);
  }
}

/** Methods of dicts and lists that return a value and change nothing. */
function valueMethod(obj: PyValue, method: string, a: Args, fail: (p: string) => never): PyValue | undefined {
  if (method === 'copy' && (isPyDict(obj) || Array.isArray(obj))) return shallowCopy(obj);
  if (isPyDict(obj)) {
    const k = a.positional[0];
    if (method === 'get') return typeof k === 'string' && k in obj ? obj[k]! : (a.positional[1] ?? null);
    if (method === 'keys') return Object.keys(obj);
    if (method === 'values') return Object.values(obj);
    if (method === 'items') return Object.entries(obj);
  }
  if (typeof obj === 'string') {
    if (method === 'lower') return obj.toLowerCase();
    if (method === 'upper') return obj.toUpperCase();
    if (method === 'strip') return obj.trim();
    if (method === 'split') return a.positional[0] === undefined ? obj.trim().split(/\s+/) : obj.split(pyStr(a.positional[0]!));
    if (method === 'join') return iterable(a.positional[0], fail).map(pyStr).join(obj);
  }
  return undefined;
}

/**
 * A call in a config: RETURNN's Dim constructors and methods (dims.ts: `SpatialDim("time")`,
 * `feat_dim.ceildiv_right(2)`), the pure builtins (`dict(...)`, `list`, `tuple`, `int`,
 * `float`, `str`, `bool`, `len`, `abs`, `min`, `max`, `range`), `os.path`'s
 * `splitext`/`basename`/`dirname`/`join`, RETURNN's `config.int("x", 5)`-style
 * getters, and value methods (`d.copy()`, `d.get(k, v)`, `s.lower()`...).
 * Any other call (own functions, imported functions, anything reading the
 * environment) is an {@link OpaqueValue}.
 */
export function callExpression(env: EvalEnv, node: SyntaxNode): PyValue {
  const [callee, argList] = children(node);
  const fail = (problem: string): never => {
    throw errorAt(env, node, `call \`${quote(env, node)}\``, `${problem}.`, 'write the value as a literal.');
  };
  if (callee!.name === 'VariableName') {
    const id = env.tree.text(callee!);
    const bound = env.scope.get(id);
    const ctor = dimConstructorOf(bound);
    if (ctor !== undefined) {
      const a = argsOf(env, argList!);
      return a instanceof OpaqueValue ? a : constructDim(ctor, a.positional, a.keywords, fail);
    }
    if (bound === undefined && id in BUILTINS) {
      const a = argsOf(env, argList!);
      return a instanceof OpaqueValue ? a : BUILTINS[id]!(a, fail);
    }
    return opaqueAt(env, node, `call of ${id}()`);
  }
  if (callee!.name === 'MemberExpression') {
    const parts = children(callee!);
    if (parts[1]?.name === '.') {
      const method = env.tree.text(parts[2]!);
      const objNode = parts[0]!;
      const module = moduleOf(env, objNode);
      if (module === 'returnn.config.Config') {
        const a = argsOf(env, argList!);
        return a instanceof OpaqueValue ? a : configMethod(env, method, a, fail);
      }
      if (module === 'os.path' && method in OS_PATH) {
        const a = argsOf(env, argList!);
        return a instanceof OpaqueValue ? a : OS_PATH[method]!(a.positional);
      }
      if (module !== undefined) return opaqueAt(env, node, `call of ${module}.${method}()`);
      const obj = env.evaluate(env, objNode);
      if (obj instanceof OpaqueValue) return obj;
      const a = argsOf(env, argList!);
      if (a instanceof OpaqueValue) return a;
      const v = dimMethod(obj, method, a.positional, fail) ?? valueMethod(obj, method, a, fail);
      if (v !== undefined) return v;
    }
  }
  return opaqueAt(env, node, `call \`${quote(env, node)}\``);
}

/** The module a dotted name refers to (`os.path` for `os.path`, `returnn.config.Config` for `config`), if it is one. */
export function moduleOf(env: EvalEnv, node: SyntaxNode): string | undefined {
  if (node.name === 'VariableName') {
    const b = env.scope.get(env.tree.text(node));
    return b instanceof ModuleValue ? b.module : undefined;
  }
  if (node.name === 'MemberExpression') {
    const [obj, dot, prop] = children(node);
    if (dot?.name !== '.') return undefined;
    const m = moduleOf(env, obj!);
    return m === undefined ? undefined : `${m}.${env.tree.text(prop!)}`;
  }
  return undefined;
}
