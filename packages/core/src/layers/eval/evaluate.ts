import { ops, type Tensor } from '@strata/backend';
import { EvalExpressionError } from './eval-error.js';
import { EVAL_CONSTANTS, EVAL_FUNCTIONS, type EvalFunction, trueDiv } from './functions.js';
import type { EvalNode, EvalSource } from './parse.js';
import { asTensors, cmp, describe, EvalOperandError, type EvalValue, floorDiv, floorMod, isTensor, logical } from './values.js';

/** What an eval string sees: its sources (`source(i)`), `eval_locals`, and the run config (`self.network.get_config()`). */
export interface EvalScope {
  readonly src: EvalSource;
  /** The sources' outputs, in `from` order; empty for the static check. */
  readonly sources: readonly Tensor[];
  readonly nSources: number;
  /** RETURNN's `eval_locals` (and `x` for an activation written as an expression). */
  readonly locals: Readonly<Record<string, EvalValue>>;
  /** The run config's values `typed_value` may read. */
  readonly config: Readonly<Record<string, unknown>>;
  /** Inside a rec layer's frame loop: the frame index (`self.network.get_rec_step_index()`). */
  readonly recStepIndex?: number;
}

/** RETURNN's `TFNetwork.get_rec_step_index()` as eval strings call it: the running frame of the enclosing rec layer, an int32 scalar. */
export const REC_STEP_INDEX = 'self.network.get_rec_step_index';

const CONFIG_GETTERS = new Set(['typed_value', 'value', 'int', 'float', 'bool', 'opt_typed_value']);
const SOURCE_PARAMS = ['i', 'auto_convert', 'enforce_batch_major', 'as_data', 'as_layer'];

/**
 * Why Strata's eval strings do not read attribute `name` of RETURNN's eval scope, for the ones with a reason of their
 * own (`self.network.global_train_step`, RETURNN's train step variable), else undefined.
 */
export function unreadAttribute(name: string | undefined): { problem: string; fix: string } | undefined {
  if (name !== 'self.network.global_train_step') return undefined;
  return {
    problem:
      "it is RETURNN's train step counter (a TF variable its updater increments every step); Strata's eval strings do not read the train step " +
      '(the engine counts steps on the host, and a compiled train step would read it once).',
    fix: 'switch on a fixed value (eval_locals, or the config via self.network.get_config().typed_value(...)).',
  };
}

/** `tf.nn.relu` for a name or attribute chain of names; undefined for anything else. */
export function dottedName(n: EvalNode): string | undefined {
  if (n.k === 'name') return n.id;
  if (n.k === 'attr') {
    const o = dottedName(n.obj);
    return o === undefined ? undefined : `${o}.${n.attr}`;
  }
  return undefined;
}

/** The config key of `self.network.get_config().typed_value("key", ...)`-style calls, else undefined. */
export function configCall(n: EvalNode): { getter: string; call: Extract<EvalNode, { k: 'call' }> } | undefined {
  if (n.k !== 'call' || n.fn.k !== 'attr' || !CONFIG_GETTERS.has(n.fn.attr)) return undefined;
  const inner = n.fn.obj;
  if (inner.k !== 'call' || inner.args.length || inner.kwargs.length || dottedName(inner.fn) !== 'self.network.get_config') return undefined;
  return { getter: n.fn.attr, call: n };
}

/**
 * Evaluates a parsed eval string on tensors, as RETURNN's `_op_kind_eval`
 * does with Python's `eval` (but only over the allowlist
 * {@link EVAL_FUNCTIONS}): `source(i)` is the i-th source (already brought to
 * the output's axes), Python numbers follow TF's conversion rules (they take
 * the tensor's dtype), operators are TF's tensor operators (`/` true
 * division, `//` and `%` floor division and modulo, `**` power, comparisons
 * elementwise, `&`, `|`, `^`, `~` on bools). Records the sources used in `used`.
 * @throws EvalExpressionError naming the construct, with the entry (`network.<layer>.eval`) and column.
 */
export function evaluateEval(node: EvalNode, scope: EvalScope, used: Set<number>): EvalValue {
  const fail = (n: EvalNode, construct: string, problem: string, fix: string): never => {
    throw new EvalExpressionError({ ...scope.src, offset: n.at, construct, problem, fix });
  };
  const operand = <T>(n: EvalNode, f: () => T): T => {
    try {
      return f();
    } catch (e) {
      if (e instanceof EvalOperandError) return fail(n, `\`${n.text.slice(0, 50)}\``, `${e.message}.`, 'change the operands.');
      throw e;
    }
  };
  const ev = (n: EvalNode): EvalValue => {
    switch (n.k) {
      case 'num':
      case 'str':
      case 'const':
        return n.v;
      case 'name': {
        if (Object.hasOwn(scope.locals, n.id)) return scope.locals[n.id]!;
        return fail(n, `name \`${n.id}\``, `'${n.id}' is not defined here (known: source, ${Object.keys(scope.locals).join(', ') || 'no eval_locals'}, tf.*).`, 'give it in "eval_locals", or write its value.');
      }
      case 'attr': {
        const name = dottedName(n);
        const c = name === undefined ? undefined : EVAL_CONSTANTS.get(name);
        if (c !== undefined) return c;
        const known = unreadAttribute(name);
        if (known) return fail(n, `\`${n.text}\``, known.problem, known.fix);
        return fail(n, `\`${n.text}\``, `Strata reads no attribute \`${n.text}\` (it knows ${[...EVAL_CONSTANTS.keys()].filter((k) => k.startsWith('tf.')).join(', ')}, numpy.pi, math.pi).`, 'write the value itself, or pass it in "eval_locals".');
      }
      case 'tuple':
        return n.items.map(ev);
      case 'index': {
        const obj = ev(n.obj);
        const i = ev(n.index);
        if (!Array.isArray(obj) || typeof i !== 'number' || !Number.isInteger(i)) return fail(n, `\`${n.text}\``, `only a tuple can be indexed, by an int (got ${describe(obj)}[${describe(i)}]).`, 'use a slice or gather layer for tensors.');
        const arr = obj as readonly EvalValue[];
        const k = i < 0 ? arr.length + i : i;
        if (k < 0 || k >= arr.length) return fail(n, `\`${n.text}\``, `index ${i} is out of range for a tuple of ${arr.length}.`, 'use an index in range.');
        return arr[k]!;
      }
      case 'cond': {
        const t = ev(n.test);
        if (isTensor(t)) return fail(n.test, `\`${n.test.text}\``, 'the condition of `x if c else y` is a tensor, whose truth Python cannot take.', 'use tf.where(c, x, y).');
        return ev(Array.isArray(t) ? (t.length ? n.then : n.otherwise) : t ? n.then : n.otherwise);
      }
      case 'unary': {
        const x = ev(n.x);
        return operand(n, () => unary(n.op, x));
      }
      case 'bin': {
        if (n.op === 'and' || n.op === 'or') {
          const a = ev(n.a);
          if (isTensor(a)) return fail(n, `\`${n.text.slice(0, 50)}\``, `Python's \`${n.op}\` takes the truth of a tensor, which TF refuses.`, `use tf.logical_${n.op}(a, b).`);
          return (n.op === 'and') === Boolean(a) ? ev(n.b) : a;
        }
        const a = ev(n.a);
        const b = ev(n.b);
        return operand(n, () => binary(n.op, a, b));
      }
      case 'call':
        return call(n);
    }
  };
  const call = (n: Extract<EvalNode, { k: 'call' }>): EvalValue => {
    const cfg = configCall(n);
    if (cfg) {
      const [key, dflt] = bind(n, { params: ['key', 'default'], defaults: { default: null }, fn: () => null }).map(ev);
      if (typeof key !== 'string') return fail(n, `\`${n.text}\``, 'the config key must be a str literal.', "write the key as a literal, e.g. typed_value('x').");
      const v = Object.hasOwn(scope.config, key) ? scope.config[key] : undefined;
      if (v === undefined) return dflt!;
      if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean' || v === null) return v;
      return fail(n, `\`${n.text}\``, `config value ${key} is ${JSON.stringify(v)}; eval strings take numbers, str and bool from the config.`, 'give a number.');
    }
    const name = dottedName(n.fn);
    if (name === REC_STEP_INDEX) {
      if (scope.recStepIndex === undefined) {
        return fail(n, `\`${n.text}\``, "it is the frame index of the enclosing rec layer's loop (RETURNN TFNetwork.get_rec_step_index), and this layer is not inside a rec unit.", 'use it in a layer of a rec unit.');
      }
      return ops.scalar(scope.recStepIndex, 'int32');
    }
    if (name === 'source') {
      const [i, , , asData, asLayer] = bind(n, { params: SOURCE_PARAMS, defaults: { auto_convert: true, enforce_batch_major: false, as_data: false, as_layer: false }, fn: () => null }).map(ev);
      if (typeof i !== 'number' || !Number.isInteger(i) || i < 0 || i >= scope.nSources) {
        return fail(n, `\`${n.text}\``, `source index ${typeof i === 'number' ? i : describe(i!)} is not one of the ${scope.nSources} sources (0 to ${scope.nSources - 1}).`, 'use an index into "from".');
      }
      if (asData === true || asLayer === true) return fail(n, `\`${n.text}\``, "as_data/as_layer give RETURNN's Python Data/layer objects, which Strata has no eval form of.", 'use source(i) (a tensor).');
      used.add(i);
      return scope.sources[i] ?? ops.scalar(0);
    }
    const f = name === undefined ? undefined : EVAL_FUNCTIONS.get(name);
    if (!f) {
      return fail(n.fn, `function \`${name ?? n.fn.text}\``, 'it is not in the allowlist of functions Strata evaluates (EVAL_FUNCTIONS: tf/tf.math/tf.nn elementwise ops, tf.reduce_mean/sum/max/min/prod, tf.shape, comparisons, tf.where, tf.cast, tf.clip_by_value, safe_log, safe_exp, where_bc, py_print).', 'write it with allowed functions, or use a layer class for it.');
    }
    const args = bind(n, f).map(ev);
    return operand(n, () => f.fn(args, name!));
  };
  /** The argument nodes of a call in `f`'s parameter order (missing optional ones as literal defaults). */
  const bind = (n: Extract<EvalNode, { k: 'call' }>, f: EvalFunction): EvalNode[] => {
    const name = dottedName(n.fn) ?? n.fn.text;
    const out: (EvalNode | undefined)[] = [...n.args];
    if (n.args.length > f.params.length) fail(n, `\`${name}\``, `takes at most ${f.params.length} positional arguments (${f.params.join(', ')}), got ${n.args.length}.`, 'remove the extra arguments.');
    for (const [k, v] of n.kwargs) {
      if (k === 'name') continue;
      const i = f.params.indexOf(k);
      if (i < 0) fail(v, `\`${name}(${k}=...)\``, `Strata's ${name} takes ${f.params.join(', ')}, not ${k}.`, 'leave the argument out.');
      if (out[i]) fail(v, `\`${name}(${k}=...)\``, `${k} is given twice.`, 'give it once.');
      out[i] = v;
    }
    return f.params.map((p, i) => {
      if (out[i]) return out[i]!;
      if (f.defaults && p in f.defaults) {
        const d = f.defaults[p]!;
        return { at: n.at, text: String(d), ...(d === null || typeof d === 'boolean' ? { k: 'const', v: d } : typeof d === 'number' ? { k: 'num', v: d, int: Number.isInteger(d) } : { k: 'str', v: String(d) }) } as EvalNode;
      }
      return fail(n, `\`${name}\``, `argument ${p} is missing.`, `give ${p}.`);
    });
  };
  return ev(node);
}

/** Python's (and TF's) unary operators. */
function unary(op: string, x: EvalValue): EvalValue {
  if (op === 'not') {
    if (isTensor(x)) throw new EvalOperandError("Python's `not` takes the truth of a tensor, which TF refuses (use tf.logical_not)");
    return Array.isArray(x) ? x.length === 0 : !x;
  }
  if (typeof x === 'number' || typeof x === 'boolean') {
    const v = Number(x);
    if (op === '-') return -v;
    if (op === '+') return v;
    if (op === '~' && Number.isInteger(v)) return ~v;
  }
  if (isTensor(x)) {
    if (op === '-') return ops.neg(x);
    if (op === '+') return x;
    if (op === '~' && x.dtype === 'bool') return logical.not(x);
  }
  throw new EvalOperandError(`${op} of ${describe(x)} is not defined`);
}

/** Python's remainder and floor division of numbers (the sign of the divisor). */
const pyMod = (a: number, b: number): number => a - Math.floor(a / b) * b;

/** Python's (and TF's) binary operators. */
function binary(op: string, a: EvalValue, b: EvalValue): EvalValue {
  if ((typeof a === 'number' || typeof a === 'boolean') && (typeof b === 'number' || typeof b === 'boolean')) {
    const x = Number(a);
    const y = Number(b);
    if ((op === '/' || op === '//' || op === '%') && y === 0) throw new EvalOperandError('division by zero (Python raises ZeroDivisionError)');
    const r: Record<string, () => EvalValue> = {
      '+': () => x + y, '-': () => x - y, '*': () => x * y, '/': () => x / y, '//': () => Math.floor(x / y), '%': () => pyMod(x, y), '**': () => x ** y,
      '<': () => x < y, '<=': () => x <= y, '>': () => x > y, '>=': () => x >= y, '==': () => x === y, '!=': () => x !== y,
    };
    if (r[op]) return r[op]!();
  }
  if (isTensor(a) || isTensor(b)) {
    if ((op === '&' || op === '|' || op === '^') && [a, b].every((v) => (isTensor(v) && v.dtype === 'bool') || typeof v === 'boolean')) {
      const [x, y] = asTensors(a, b, op);
      return op === '&' ? logical.and(x, y) : op === '|' ? logical.or(x, y) : logical.xor(x, y);
    }
    if (op === '/') return trueDiv(a, b, op);
    const t: Record<string, (x: Tensor, y: Tensor) => Tensor> = {
      '+': ops.add, '-': ops.sub, '*': ops.mul, '//': floorDiv, '%': floorMod, '**': ops.pow,
      '<': cmp.less, '>': cmp.greater, '==': cmp.equal,
      '<=': (x, y) => logical.or(cmp.less(x, y), cmp.equal(x, y)),
      '>=': (x, y) => logical.or(cmp.greater(x, y), cmp.equal(x, y)),
      '!=': (x, y) => logical.not(cmp.equal(x, y)),
    };
    if (t[op]) return t[op]!(...asTensors(a, b, op));
  }
  if (Array.isArray(a) && Array.isArray(b) && op === '+') return [...(a as EvalValue[]), ...(b as EvalValue[])];
  throw new EvalOperandError(`${describe(a)} ${op} ${describe(b)} is not defined`);
}
