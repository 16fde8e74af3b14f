import { LayerArgumentError } from '../../errors.js';

/** Where in an eval string something is, and what is wrong there. */
export interface EvalExpressionErrorOptions {
  /** The net-dict key path of the string: `network.output.eval`, `network.c.eval`. */
  entry: string;
  /** The whole expression string. */
  expression: string;
  /** The 0-based offset of the construct in the string. */
  offset: number;
  /** The construct, quoted: `tf.nn.dropout`, `lambda`. */
  construct: string;
  /** What is wrong. */
  problem: string;
  /** How to fix it. */
  fix: string;
}

/**
 * A RETURNN eval string (`eval` of an `eval` layer or of `combine` with
 * `kind: "eval"`, or an activation written as an expression) that Strata
 * cannot evaluate: a syntax error, a function or name outside the allowlist
 * ({@link EVAL_FUNCTIONS}), a construct that needs Python, a source index
 * out of range, arguments of the wrong kind. Strata never runs Python, so an
 * expression is either mapped onto the backend's ops completely or refused
 * with this error, before any number is computed.
 */
export class EvalExpressionError extends LayerArgumentError {
  override name = 'EvalExpressionError';
  readonly entry: string;
  readonly expression: string;
  readonly offset: number;
  readonly construct: string;

  constructor(o: EvalExpressionErrorOptions) {
    super(`${o.entry}: ${o.construct} (column ${o.offset + 1} of ${JSON.stringify(o.expression)}): ${o.problem} Fix: ${o.fix}`);
    this.entry = o.entry;
    this.expression = o.expression;
    this.offset = o.offset;
    this.construct = o.construct;
  }
}
