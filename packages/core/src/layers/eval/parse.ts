import type { SyntaxNode } from '@lezer/common';
import { parser } from '@lezer/python';
import { fixTrailingDotFloats } from '../../python-source.js';
import { EvalExpressionError } from './eval-error.js';

/** A node of a parsed eval string (a Python expression; `at` is its offset in the string). */
export type EvalNode = { readonly at: number; readonly text: string } & (
  | { readonly k: 'num'; readonly v: number; readonly int: boolean }
  | { readonly k: 'str'; readonly v: string }
  | { readonly k: 'const'; readonly v: boolean | null }
  | { readonly k: 'name'; readonly id: string }
  | { readonly k: 'attr'; readonly obj: EvalNode; readonly attr: string }
  | { readonly k: 'call'; readonly fn: EvalNode; readonly args: readonly EvalNode[]; readonly kwargs: readonly (readonly [string, EvalNode])[] }
  | { readonly k: 'unary'; readonly op: string; readonly x: EvalNode }
  | { readonly k: 'bin'; readonly op: string; readonly a: EvalNode; readonly b: EvalNode }
  | { readonly k: 'cond'; readonly test: EvalNode; readonly then: EvalNode; readonly otherwise: EvalNode }
  | { readonly k: 'tuple'; readonly items: readonly EvalNode[] }
  | { readonly k: 'index'; readonly obj: EvalNode; readonly index: EvalNode }
);

/** Where an expression comes from, for errors: its net-dict key path and its text. */
export interface EvalSource {
  readonly entry: string;
  readonly expression: string;
}

const NEEDS_PYTHON: Readonly<Record<string, string>> = {
  LambdaExpression: 'a lambda',
  ArrayComprehensionExpression: 'a list comprehension',
  ComprehensionExpression: 'a generator expression',
  DictionaryComprehensionExpression: 'a dict comprehension',
  SetComprehensionExpression: 'a set comprehension',
  FormatString: 'an f-string',
  DictionaryExpression: 'a dict',
  SetExpression: 'a set',
  AwaitExpression: 'await',
  YieldExpression: 'yield',
};

/**
 * Parses a RETURNN eval string (one Python expression) with @lezer/python
 * into {@link EvalNode}s. Nothing is evaluated here.
 * @throws EvalExpressionError for a syntax error, more than one statement, or a construct that needs Python
 *   (lambda, comprehension, f-string, dict, slice, `*args`).
 */
export function parseEvalExpression(src: EvalSource): EvalNode {
  const text = fixTrailingDotFloats(src.expression);
  const tree = parser.parse(text);
  const fail = (n: { from: number }, construct: string, problem: string, fix: string): never => {
    throw new EvalExpressionError({ ...src, offset: n.from, construct, problem, fix });
  };
  const stmts = kids(tree.topNode);
  const bad = firstError(tree.topNode);
  if (bad) fail(bad, `\`${src.expression.slice(bad.from, bad.from + 20) || '(end)'}\``, 'this is not a valid Python expression here.', 'write one Python expression, e.g. "tf.tanh(source(0)) * 2".');
  if (stmts.length !== 1 || stmts[0]!.name !== 'ExpressionStatement') {
    fail(stmts[1] ?? stmts[0] ?? tree.topNode, 'the string', 'an eval string must be exactly one expression.', 'write one expression (no statements, no `;`).');
  }
  const conv = (n: SyntaxNode): EvalNode => {
    const t = text.slice(n.from, n.to);
    const base = { at: n.from, text: src.expression.slice(n.from, n.to) };
    const cs = kids(n);
    if (n.name in NEEDS_PYTHON) return fail(n, `\`${base.text.slice(0, 40)}\``, `${NEEDS_PYTHON[n.name]} needs Python, which Strata never runs.`, 'write the computation with source(i), operators and the tf functions Strata allows.');
    switch (n.name) {
      case 'Number': {
        const s = t.trim().replace(/_/g, '');
        const v = /^0[xX]/.test(s) ? Number.parseInt(s, 16) : Number(s);
        if (!Number.isFinite(v) || /[jJ]$/.test(s)) return fail(n, `number \`${t}\``, 'only int and float literals are supported.', 'write an int or float literal.');
        return { ...base, k: 'num', v, int: /^(0[xX][0-9a-fA-F]+|\d+)$/.test(s) };
      }
      case 'String':
        return { ...base, k: 'str', v: stringLiteral(t) ?? fail(n, `string ${t}`, 'only plain str literals are supported.', "write a plain '...' literal.") };
      case 'Boolean':
        return { ...base, k: 'const', v: t === 'True' };
      case 'None':
        return { ...base, k: 'const', v: null };
      case 'VariableName':
        return { ...base, k: 'name', id: t };
      case 'ParenthesizedExpression':
        return conv(cs[1]!);
      case 'TupleExpression':
      case 'ArrayExpression':
        return { ...base, k: 'tuple', items: cs.slice(1, -1).filter((c) => c.name !== ',').map(conv) };
      case 'UnaryExpression':
        return { ...base, k: 'unary', op: text.slice(cs[0]!.from, cs[0]!.to), x: conv(cs[1]!) };
      case 'BinaryExpression': {
        const op = cs.slice(1, -1).map((c) => text.slice(c.from, c.to)).join(' ');
        return { ...base, k: 'bin', op, a: conv(cs[0]!), b: conv(cs.at(-1)!) };
      }
      case 'ConditionalExpression':
        return { ...base, k: 'cond', then: conv(cs[0]!), test: conv(cs[2]!), otherwise: conv(cs[4]!) };
      case 'MemberExpression': {
        if (cs[1]?.name === '.') return { ...base, k: 'attr', obj: conv(cs[0]!), attr: text.slice(cs[2]!.from, cs[2]!.to) };
        const inner = cs.slice(2, -1);
        if (inner.length !== 1) return fail(n, `\`${base.text}\``, 'slices and multi-axis indexing need shapes Strata does not track in eval strings.', 'use a slice layer, or index a tuple with one int.');
        return { ...base, k: 'index', obj: conv(cs[0]!), index: conv(inner[0]!) };
      }
      case 'CallExpression': {
        const args: EvalNode[] = [];
        const kwargs: [string, EvalNode][] = [];
        const list = kids(cs[1]!).slice(1, -1);
        for (let i = 0; i < list.length; i++) {
          const a = list[i]!;
          if (a.name === ',') continue;
          if (a.name === '*' || a.name === '**') return fail(a, `\`${a.name}\``, 'spreading arguments needs Python.', 'write the arguments out.');
          if (list[i + 1]?.name === 'AssignOp') {
            kwargs.push([text.slice(a.from, a.to), conv(list[i + 2]!)]);
            i += 2;
          } else if (kwargs.length) return fail(a, `\`${text.slice(a.from, a.to)}\``, 'a positional argument follows a keyword argument.', 'put positional arguments first.');
          else args.push(conv(a));
        }
        return { ...base, k: 'call', fn: conv(cs[0]!), args, kwargs };
      }
      default:
        return fail(n, `\`${base.text.slice(0, 40)}\``, `Strata does not evaluate this construct (${n.name}).`, 'write the computation with source(i), operators and the tf functions Strata allows.');
    }
  };
  return conv(kids(stmts[0]!)[0]!);
}

const kids = (n: SyntaxNode): SyntaxNode[] => {
  const out: SyntaxNode[] = [];
  for (let c = n.firstChild; c; c = c.nextSibling) if (c.name !== 'Comment') out.push(c);
  return out;
};

function firstError(n: SyntaxNode): SyntaxNode | undefined {
  if (n.type.isError) return n;
  for (let c = n.firstChild; c; c = c.nextSibling) {
    const e = firstError(c);
    if (e) return e;
  }
  return undefined;
}

/** A plain Python str literal's value (`'a'`, `"b"`, with simple escapes); undefined for prefixed or triple-quoted ones. */
function stringLiteral(t: string): string | undefined {
  const m = /^(['"])(.*)\1$/s.exec(t);
  if (!m || m[2]!.startsWith(m[1]!.repeat(2))) return undefined;
  return m[2]!.replace(/\\(.)/g, (_, c: string) => ({ n: '\n', t: '\t', '\\': '\\', "'": "'", '"': '"' })[c] ?? `\\${c}`);
}

