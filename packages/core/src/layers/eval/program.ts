import type { Tensor } from '@strata/backend';
import { EvalExpressionError } from './eval-error.js';
import { configCall, dottedName, REC_STEP_INDEX, type EvalScope, evaluateEval, unreadAttribute } from './evaluate.js';
import { EVAL_CONSTANTS, EVAL_FUNCTIONS } from './functions.js';
import { type EvalNode, parseEvalExpression } from './parse.js';
import { describe, type EvalValue, isTensor } from './values.js';

/** A value `eval_locals` may hold: a number, str, bool or None. */
export type EvalLocal = number | string | boolean | null;

/** Options of an {@link EvalProgram}. */
export interface EvalProgramOptions {
  /** The eval string, e.g. `"tf.sigmoid(source(0)) * source(1)"`. */
  expression: string;
  /** Its net-dict key path, for errors: `network.<layer>.eval`. */
  entry: string;
  /** RETURNN's `eval_locals`. */
  locals?: Readonly<Record<string, EvalLocal>>;
  /** Run-config values the string reads with `self.network.get_config().typed_value(key)`. */
  config?: Readonly<Record<string, unknown>>;
  /** Extra names bound to the sources (an activation's `x` is source 0). */
  sourceNames?: readonly string[];
}

/**
 * A parsed and checked RETURNN eval string, ready to run on tensors. Parsing
 * and the check happen once, at construction: every function called is in the
 * allowlist, every name is known, every literal `source(i)` is in range.
 * @throws EvalExpressionError at construction for anything Strata cannot evaluate.
 */
export class EvalProgram {
  readonly expression: string;
  readonly entry: string;
  private readonly ast: EvalNode;
  private readonly locals: Readonly<Record<string, EvalLocal>>;
  private readonly config: Readonly<Record<string, unknown>>;
  private readonly sourceNames: readonly string[];
  /** The source indices the string names with literal ints (RETURNN asserts every source is used). */
  readonly sourcesNamed: ReadonlySet<number>;

  constructor(o: EvalProgramOptions) {
    this.expression = o.expression;
    this.entry = o.entry;
    this.locals = o.locals ?? {};
    this.config = o.config ?? {};
    this.sourceNames = o.sourceNames ?? [];
    this.ast = parseEvalExpression({ entry: o.entry, expression: o.expression });
    this.sourcesNamed = this.check();
  }

  /** The run-config keys the string reads (`typed_value('key')`), for a net dict to hand over their values. */
  static configKeys(expression: string): string[] {
    const keys: string[] = [];
    let ast: EvalNode;
    try {
      ast = parseEvalExpression({ entry: '', expression });
    } catch {
      return keys;
    }
    walk(ast, (n) => {
      const c = configCall(n);
      const k = c?.call.args[0] ?? c?.call.kwargs.find(([name]) => name === 'key')?.[1];
      if (k?.k === 'str') keys.push(k.v);
    });
    return keys;
  }

  /**
   * Runs the string on the sources (in `from` order, already brought to the output's axes).
   * @throws EvalExpressionError when a source is not used (RETURNN's assertion), the result is not a tensor,
   *   or an operation does not apply to its operands.
   */
  run(sources: readonly Tensor[], recStepIndex?: number): Tensor {
    const used = new Set<number>();
    const names = Object.fromEntries(this.sourceNames.map((n, i) => [n, sources[i]!] as const));
    const scope: EvalScope = { src: this, sources, nSources: sources.length, locals: { ...this.locals, ...names }, config: this.config, recStepIndex };
    const y: EvalValue = evaluateEval(this.ast, scope, used);
    for (const n of this.sourceNames.keys()) used.add(n);
    const unused = sources.map((_, i) => i).filter((i) => !used.has(i));
    if (unused.length) this.fail(0, 'the string', `it does not use source(${unused.join('), source(')}) (RETURNN asserts every source is used).`, 'use every source of "from", or drop the unused ones from "from".');
    if (!isTensor(y)) this.fail(0, 'the string', `it gives ${describe(y)}, not a tensor.`, 'make the result depend on a source, e.g. source(0) * 0 + value.');
    return y as Tensor;
  }

  /** Checks that the sources named by literal indices exist (`nSources` known once the layer is built). */
  checkSources(nSources: number): void {
    for (const i of this.sourcesNamed) if (i >= nSources) this.fail(0, `source(${i})`, `there are only ${nSources} sources (0 to ${nSources - 1}).`, 'use an index into "from".');
  }

  private fail(offset: number, construct: string, problem: string, fix: string): never {
    throw new EvalExpressionError({ entry: this.entry, expression: this.expression, offset, construct, problem, fix });
  }

  /** The static check: functions in the allowlist, names known, literal source indices. */
  private check(): Set<number> {
    const named = new Set<number>();
    const fnNodes = new Set<EvalNode>();
    walk(this.ast, (n) => {
      if (n.k === 'call') {
        fnNodes.add(n.fn);
        if (configCall(n)) {
          if (n.fn.k === 'attr') fnNodes.add(n.fn.obj);
          if (n.fn.k === 'attr' && n.fn.obj.k === 'call') fnNodes.add(n.fn.obj.fn);
          return;
        }
        const name = dottedName(n.fn);
        if (name === REC_STEP_INDEX) {
          if (n.args.length || n.kwargs.length) this.fail(n.at, `\`${n.text}\``, 'get_rec_step_index() takes no arguments.', 'write self.network.get_rec_step_index().');
          walkSkip.add(n.fn);
        } else if (name === 'source') {
          const i = n.args[0];
          if (i?.k === 'num' && i.int) named.add(i.v);
        } else if (name === undefined || !EVAL_FUNCTIONS.has(name)) {
          this.fail(n.fn.at, `function \`${name ?? n.fn.text}\``, 'it is not in the allowlist of functions Strata evaluates (EVAL_FUNCTIONS: tf/tf.math/tf.nn elementwise ops, comparisons, tf.where, tf.cast, tf.clip_by_value, safe_log, safe_exp, where_bc).', 'write it with allowed functions, or use a layer class for it.');
        }
      }
      if (fnNodes.has(n)) {
        if (n.k === 'attr') walkSkip.add(n);
        return;
      }
      if (n.k === 'name' && !Object.hasOwn(this.locals, n.id) && !this.sourceNames.includes(n.id)) {
        this.fail(n.at, `name \`${n.id}\``, `'${n.id}' is not defined here (eval_locals: ${Object.keys(this.locals).join(', ') || 'none'}).`, 'give it in "eval_locals", or write its value.');
      }
      if (n.k === 'attr') {
        const name = dottedName(n);
        const known = unreadAttribute(name);
        if (known) this.fail(n.at, `\`${n.text}\``, known.problem, known.fix);
        if (name === undefined || !EVAL_CONSTANTS.has(name)) this.fail(n.at, `\`${n.text}\``, `Strata reads no attribute \`${n.text}\`.`, 'write the value itself, or pass it in "eval_locals".');
        walkSkip.add(n);
      }
    });
    return named;
  }
}

// Attribute chains already judged as a whole (`tf.nn.relu`, `tf.float32`): their inner names are not variables.
const walkSkip = new WeakSet<EvalNode>();

function walk(n: EvalNode, f: (n: EvalNode) => void): void {
  f(n);
  if (walkSkip.has(n)) return;
  const kids: EvalNode[] =
    n.k === 'attr' ? [n.obj]
    : n.k === 'call' ? [n.fn, ...n.args, ...n.kwargs.map(([, v]) => v)]
    : n.k === 'unary' ? [n.x]
    : n.k === 'bin' ? [n.a, n.b]
    : n.k === 'cond' ? [n.test, n.then, n.otherwise]
    : n.k === 'tuple' ? [...n.items]
    : n.k === 'index' ? [n.obj, n.index]
    : [];
  for (const k of kids) walk(k, f);
}
