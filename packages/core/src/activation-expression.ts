import { ops, type Tensor } from '@strata/backend';
import { EvalExpressionError } from './layers/eval/eval-error.js';
import { EVAL_FUNCTIONS } from './layers/eval/functions.js';
import { EvalProgram } from './layers/eval/program.js';

const cache = new Map<string, ((x: Tensor) => Tensor) | undefined>();

/**
 * Whether RETURNN would read `s` as an activation beyond Strata's names: an expression (`"tf.nn.relu(x) * 2"`),
 * an operator form (`"2 * sigmoid"`), or a unary function of the eval allowlist (`"selu"`). Not checked further here.
 */
export function isReturnnActivation(s: string): boolean {
  return s.includes('(') || /[+\-*/]/.test(s) || ['tf.nn', 'tf', 'tf.math'].some((ns) => EVAL_FUNCTIONS.has(`${ns}.${s}`));
}

/**
 * An activation RETURNN's `get_activation_function` (returnn/tf/util/basic.py)
 * finds beyond Strata's named ones, without Python:
 * - a string with `(` is `lambda x: <s>` over `tf` (`"tf.nn.relu(x) * 2"`,
 *   `"tf.minimum(tf.nn.relu(x), 6.)"`): evaluated by {@link EvalProgram} with `x` bound;
 * - an operator form `"a <op> b"` (`"2 * sigmoid"`, `"1 + tanh"`), each side a number or an activation;
 * - a name of a unary function in `tf.nn`, `tf`, `tf.math` (in that order, as RETURNN looks them up) that
 *   the eval allowlist has (`"selu"`, `"relu6"`, `"log_sigmoid"`, `"softsign"`, `"erf"`).
 * Returns undefined for a name it does not find.
 * @throws EvalExpressionError (entry `activation`) for an expression it cannot evaluate.
 */
export function activationFromReturnn(s: string, named: (name: string) => ((x: Tensor) => Tensor) | undefined): ((x: Tensor) => Tensor) | undefined {
  if (cache.has(s)) return cache.get(s);
  let f: ((x: Tensor) => Tensor) | undefined;
  if (s.includes('(')) {
    const program = new EvalProgram({ expression: s, entry: 'activation', sourceNames: ['x'] });
    f = (x) => program.run([x]);
  } else if (/[+\-*/]/.test(s)) {
    // RETURNN splits at the first of + - * / that occurs; each side is a number or an activation name.
    const op = [...'+-*/'].find((k) => s.includes(k))! as '+' | '-' | '*' | '/';
    const sides = s.split(op).map((p) => p.trim());
    const parts = sides.map((p) => {
      if (p !== '' && Number.isFinite(Number(p))) return Number(p);
      const g = named(p);
      if (!g) throw new EvalExpressionError({ entry: 'activation', expression: s, offset: s.indexOf(p), construct: `\`${p}\``, problem: 'it is neither a number nor an activation name.', fix: "write e.g. '2 * sigmoid'." });
      return g;
    });
    if (parts.length !== 2 || parts.every((p) => typeof p === 'number')) {
      throw new EvalExpressionError({ entry: 'activation', expression: s, offset: 0, construct: 'the string', problem: 'RETURNN reads it as `a <op> b` with one operator and at least one activation name.', fix: "write e.g. '2 * sigmoid', or an expression of x such as 'tf.sigmoid(x) * 2'." });
    }
    const apply = { '+': ops.add, '-': ops.sub, '*': ops.mul, '/': ops.div }[op];
    f = (x) => apply(...(parts.map((p) => (typeof p === 'number' ? p : p(x))) as [Tensor | number, Tensor | number]));
  } else {
    const fn = ['tf.nn', 'tf', 'tf.math'].map((ns) => EVAL_FUNCTIONS.get(`${ns}.${s}`)).find((g) => g !== undefined && g.params.length - Object.keys(g.defaults ?? {}).length === 1);
    if (fn) f = (x) => fn.fn([x, ...fn.params.slice(1).map((p) => fn.defaults![p]!)], s) as Tensor;
  }
  cache.set(s, f);
  return f;
}
