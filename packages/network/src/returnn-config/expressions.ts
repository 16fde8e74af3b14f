import type { SyntaxNode } from '@lezer/common';
import { callExpression, moduleOf } from './calls.js';
import { dimKindMember } from './dims.js';
import { type EvalEnv, errorAt, opaqueAt, quote } from './eval-env.js';
import { parseNumber, parseString } from './literals.js';
import { binaryOp, compareOp, OperatorError, unaryOp } from './operators.js';
import { children, type SourceTree } from './tree.js';
import { isPyDict, ModuleValue, newDict, OpaqueValue, type PyValue, pyRepr, pyTruth } from './values.js';

const COMPARE = new Set(['CompareOp', 'in', 'is', 'not']);
const NEEDS_PYTHON: Record<string, string> = {
  ArrayComprehensionExpression: 'list comprehension',
  DictionaryComprehensionExpression: 'dict comprehension',
  SetComprehensionExpression: 'set comprehension',
  ComprehensionExpression: 'generator expression',
  LambdaExpression: 'lambda',
  FormatString: 'f-string',
  AwaitExpression: 'await',
  YieldExpression: 'yield',
};

/**
 * The value of a Python expression node: literals, containers, names
 * assigned earlier, arithmetic, comparisons, `and`/`or`/`not`, `x if c else y`,
 * subscripts, and the calls of {@link callExpression}. Constructs that need
 * Python (lambda, comprehension, f-string, unknown calls) give an
 * {@link OpaqueValue}; what Python itself would reject (an undefined name,
 * a division by zero, a missing key) is a {@link ReturnnConfigError}.
 */
export function evaluate(env: EvalEnv, node: SyntaxNode): PyValue {
  const name = node.name;
  if (name in NEEDS_PYTHON) return opaqueAt(env, node, NEEDS_PYTHON[name]!);
  switch (name) {
    case 'Number': {
      const v = parseNumber(env.tree.text(node));
      if (typeof v !== 'number') throw errorAt(env, node, `number ${quote(env, node)}`, `${v.error}.`, 'write it as an int or float literal.');
      return v;
    }
    case 'String':
      return stringValue(env, node);
    case 'ContinuedString': {
      const parts = children(node).map((c) => (c.name === 'FormatString' ? opaqueAt(env, c, 'f-string') : stringValue(env, c)));
      return parts.find((p) => p instanceof OpaqueValue) ?? parts.join('');
    }
    case 'Boolean':
      return env.tree.text(node) === 'True';
    case 'None':
      return null;
    case 'VariableName':
      return nameValue(env, node);
    case 'ParenthesizedExpression':
      return evaluate(env, children(node)[1]!);
    case 'TupleExpression':
    case 'ArrayExpression':
    case 'SetExpression':
      return sequence(env, children(node).slice(1, -1));
    case 'DictionaryExpression':
      return dictionary(env, node);
    case 'UnaryExpression': {
      const [op, arg] = children(node);
      return withOperatorErrors(env, node, () => unaryOp(env.tree.text(op!), evaluate(env, arg!)));
    }
    case 'BinaryExpression':
      return binary(env, node);
    case 'ConditionalExpression': {
      const [then, , test, , otherwise] = children(node);
      const t = evaluate(env, test!);
      if (t instanceof OpaqueValue) return t;
      return evaluate(env, pyTruth(t) ? then! : otherwise!);
    }
    case 'MemberExpression':
      return member(env, node);
    case 'CallExpression':
      return callExpression(env, node);
    default:
      return opaqueAt(env, node, `${name} \`${quote(env, node)}\``);
  }
}

function stringValue(env: EvalEnv, node: SyntaxNode): PyValue {
  if (node.name === 'FormatString') return opaqueAt(env, node, 'f-string');
  const v = parseString(env.tree.text(node));
  if (typeof v !== 'string') {
    if (v.error.startsWith('f-strings')) return opaqueAt(env, node, 'f-string');
    throw errorAt(env, node, `string ${quote(env, node)}`, `${v.error}.`, 'write it as a plain str literal.');
  }
  return v;
}

function nameValue(env: EvalEnv, node: SyntaxNode): PyValue {
  const id = env.tree.text(node);
  const b = env.scope.get(id);
  if (b instanceof ModuleValue) return opaqueAt(env, node, `module ${b.module}`);
  if (b !== undefined) return b;
  if (BUILTIN_NAMES.has(id)) return opaqueAt(env, node, `builtin ${id}`);
  throw errorAt(
    env,
    node,
    `name ${id}`,
    `'${id}' is not defined at this point (Python would raise NameError).`,
    `assign ${id} before this line, or write the value itself.`,
  );
}

const BUILTIN_NAMES = new Set(['int', 'float', 'str', 'bool', 'dict', 'list', 'tuple', 'set', 'len', 'min', 'max', 'abs', 'range', 'print', 'globals', 'locals', 'open', 'eval', 'exec', '__import__']);

/** Elements of a list, tuple or set display (commas skipped, `*x` spread). */
export function sequence(env: EvalEnv, nodes: SyntaxNode[]): PyValue {
  const out: PyValue[] = [];
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i]!;
    if (n.name === ',') continue;
    if (n.name === '*') {
      const v = evaluate(env, nodes[++i]!);
      if (v instanceof OpaqueValue) return v;
      if (!Array.isArray(v)) throw errorAt(env, n, `*${quote(env, nodes[i]!)}`, `only a list or tuple can be spread here, not ${pyRepr(v)}.`, 'spread a list or tuple.');
      out.push(...v);
    } else out.push(evaluate(env, n));
  }
  return out;
}

function dictionary(env: EvalEnv, node: SyntaxNode): PyValue {
  const items = children(node).slice(1, -1);
  const out = newDict();
  for (let i = 0; i < items.length; i++) {
    const n = items[i]!;
    if (n.name === ',') continue;
    if (n.name === '**') {
      const v = evaluate(env, items[++i]!);
      if (v instanceof OpaqueValue) return v;
      if (!isPyDict(v)) throw errorAt(env, n, `**${quote(env, items[i]!)}`, `only a dict can be spread here, not ${pyRepr(v)}.`, 'spread a dict.');
      Object.assign(out, v);
      continue;
    }
    const key = evaluate(env, n);
    const value = evaluate(env, items[i + 2]!);
    i += 2;
    if (key instanceof OpaqueValue) return key;
    out[dictKey(env, n, key)] = value;
  }
  return out;
}

/** A dict key as Strata stores it: strings as they are, ints and bools as their decimal text. */
export function dictKey(env: EvalEnv, node: SyntaxNode, key: PyValue): string {
  if (typeof key === 'string') {
    if (key === '__proto__') throw errorAt(env, node, `key '__proto__'`, 'this key name is reserved.', 'rename the key.');
    return key;
  }
  if (typeof key === 'number' && Number.isInteger(key)) return String(key);
  if (typeof key === 'boolean') return key ? '1' : '0';
  throw errorAt(env, node, `dict key ${quote(env, node)}`, `dict keys must be str or int here, not ${pyRepr(key)}.`, 'use a str key.');
}

function withOperatorErrors(env: EvalEnv, node: SyntaxNode, f: () => PyValue): PyValue {
  try {
    return f();
  } catch (e) {
    if (e instanceof OperatorError) throw errorAt(env, node, `expression \`${quote(env, node)}\``, `${e.message} (Python would raise here).`, 'fix the expression.');
    throw e;
  }
}

/** The operator of a BinaryExpression (`+`, `//`, `and`, `not in`, `is not`, `<=`) and its operand nodes. */
function splitBinary(env: EvalEnv, node: SyntaxNode): { op: string; left: SyntaxNode; right: SyntaxNode; compare: boolean } {
  const cs = children(node);
  const ops = cs.slice(1, -1);
  return { op: ops.map((o) => env.tree.text(o)).join(' '), left: cs[0]!, right: cs.at(-1)!, compare: ops.some((o) => COMPARE.has(o.name)) };
}

function binary(env: EvalEnv, node: SyntaxNode): PyValue {
  const { op, left, right, compare } = splitBinary(env, node);
  if (op === 'and' || op === 'or') {
    const a = evaluate(env, left);
    const t = pyTruth(a);
    if (t === undefined) return a;
    return (op === 'and') === t ? evaluate(env, right) : a;
  }
  if (!compare) return withOperatorErrors(env, node, () => binaryOp(op, evaluate(env, left), evaluate(env, right)));
  // Python chains comparisons (`a < b <= c` is `a < b and b <= c`); the grammar nests them to the left.
  let first: PyValue = true;
  let a: PyValue;
  if (left.name === 'BinaryExpression' && splitBinary(env, left).compare) {
    first = evaluate(env, left);
    if (first instanceof OpaqueValue || !first) return first;
    a = evaluate(env, splitBinary(env, left).right);
  } else a = evaluate(env, left);
  return withOperatorErrors(env, node, () => compareOp(op, a, evaluate(env, right)));
}

function member(env: EvalEnv, node: SyntaxNode): PyValue {
  const cs = children(node);
  // `Dim.Types.Spatial`: the kind a Dim constructor takes (dims.ts).
  const module = cs[1]?.name === '.' ? moduleOf(env, node) : undefined;
  const kind = module === undefined ? undefined : dimKindMember(module);
  if (kind !== undefined) return kind;
  const obj = evaluate(env, cs[0]!);
  if (cs[1]?.name === '.') {
    if (obj instanceof OpaqueValue) return obj;
    return opaqueAt(env, node, `attribute \`${quote(env, node)}\``);
  }
  const inner = cs.slice(2, -1);
  if (obj instanceof OpaqueValue) return obj;
  if (inner.some((n) => n.name === ':')) return slice(env, node, obj, inner);
  const key = evaluate(env, inner[0]!);
  if (key instanceof OpaqueValue) return key;
  return subscript(env, node, obj, key);
}

/** Python's `obj[key]` on a dict, list, tuple or string. */
export function subscript(env: EvalEnv, node: SyntaxNode, obj: PyValue, key: PyValue): PyValue {
  if (isPyDict(obj)) {
    const k = dictKey(env, node, key);
    if (!(k in obj)) throw errorAt(env, node, `\`${quote(env, node)}\``, `key ${pyRepr(key)} is not in the dict (Python would raise KeyError).`, 'use a key the dict has.');
    return obj[k]!;
  }
  if ((Array.isArray(obj) || typeof obj === 'string') && typeof key === 'number' && Number.isInteger(key)) {
    const i = key < 0 ? obj.length + key : key;
    if (i < 0 || i >= obj.length) throw errorAt(env, node, `\`${quote(env, node)}\``, `index ${key} is out of range (length ${obj.length}).`, 'use an index in range.');
    return obj[i]!;
  }
  throw errorAt(env, node, `\`${quote(env, node)}\``, `${pyRepr(obj)} cannot be indexed by ${pyRepr(key)}.`, 'index a dict by a key or a list by an int.');
}

function slice(env: EvalEnv, node: SyntaxNode, obj: PyValue, inner: SyntaxNode[]): PyValue {
  const parts: (number | undefined)[] = [];
  let cur: number | undefined;
  for (const n of inner) {
    if (n.name === ':') {
      parts.push(cur);
      cur = undefined;
      continue;
    }
    const v = evaluate(env, n);
    if (typeof v !== 'number' && v !== null) throw errorAt(env, n, `slice \`${quote(env, node)}\``, 'slice bounds must be ints.', 'use int bounds.');
    cur = v ?? undefined;
  }
  parts.push(cur);
  if (parts.length > 2 && parts[2] !== undefined && parts[2] !== 1) return opaqueAt(env, node, `slice with a step \`${quote(env, node)}\``);
  if (!(Array.isArray(obj) || typeof obj === 'string')) throw errorAt(env, node, `slice \`${quote(env, node)}\``, `${pyRepr(obj)} cannot be sliced.`, 'slice a list, tuple or str.');
  return obj.slice(parts[0] ?? 0, parts[1] ?? obj.length);
}
