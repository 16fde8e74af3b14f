/**
 * RETURNN's initializer strings (`forward_weights_init`, `bias_init`, ...:
 * returnn/tf/util/basic.py `get_initializer`), read without running them:
 * a TF 1 initializer name, with or without `_initializer`
 * (`"glorot_uniform"`, `"zeros_initializer"`), or a call of one with literal
 * arguments (`"random_normal_initializer(stddev=0.1)"`,
 * `"variance_scaling_initializer(scale=2.0, mode='fan_in', distribution='uniform')"`).
 * RETURNN `eval`s such strings in TF's namespace; Strata parses only this
 * form (numbers, quoted strings, `True`/`False`/`None`, positional or
 * keyword) and maps it onto its own initializers with TF 1's defaults
 * (tensorflow/python/ops/init_ops.py). `seed=` is accepted and ignored: the
 * layer's seed draws the values.
 */
import { LayerArgumentError } from '../errors.js';
import type { Initializer } from './initializer.js';
import {
  Constant,
  glorotNormal,
  glorotUniform,
  heNormal,
  heUniform,
  lecunNormal,
  lecunUniform,
  Ones,
  RandomNormal,
  RandomUniform,
  type FanMode,
  VarianceScaling,
  type VarianceScalingDistribution,
  Zeros,
} from './standard.js';

/** A parsed initializer string: the TF 1 name without `_initializer`, lower snake case, and its arguments by name. */
export interface ReturnnInitializerCall {
  readonly name: string;
  readonly args: Readonly<Record<string, number | string | boolean | null>>;
}

/** A RETURNN initializer string Strata cannot read, with what it reads. */
export class ReturnnInitializerError extends LayerArgumentError {
  override name = 'ReturnnInitializerError';
  constructor(spec: string, problem: string) {
    super(
      `RETURNN initializer ${JSON.stringify(spec)}: ${problem} Strata reads a TF 1 initializer name or a call of one with literal arguments, ` +
        `e.g. "random_normal_initializer(stddev=0.1)", "variance_scaling_initializer(scale=2.0, mode='fan_in', distribution='uniform')" ` +
        `(known: ${Object.keys(PARAMS).join(', ')}).`,
    );
  }
}

/** Each known initializer's parameters in TF 1's positional order, with TF 1's defaults. */
const PARAMS: Readonly<Record<string, readonly (readonly [string, number | string | null])[]>> = {
  zeros: [],
  ones: [],
  constant: [['value', 0]],
  random_normal: [['mean', 0], ['stddev', 1]],
  truncated_normal: [['mean', 0], ['stddev', 1]],
  random_uniform: [['minval', 0], ['maxval', null]],
  variance_scaling: [['scale', 1], ['mode', 'fan_in'], ['distribution', 'truncated_normal']],
  orthogonal: [['gain', 1]],
  glorot_uniform: [],
  glorot_normal: [],
  he_uniform: [],
  he_normal: [],
  lecun_uniform: [],
  lecun_normal: [],
};

const CALL = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:\((.*)\))?\s*$/s;
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const KEYWORD = /^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/s;

function literal(spec: string, text: string): number | string | boolean | null {
  const t = text.trim();
  if (NUMBER.test(t)) return Number(t);
  const quoted = /^'([^'\\]*)'$|^"([^"\\]*)"$/.exec(t);
  if (quoted) return quoted[1] ?? quoted[2]!;
  if (t === 'True' || t === 'False') return t === 'True';
  if (t === 'None') return null;
  throw new ReturnnInitializerError(spec, `the argument ${JSON.stringify(t)} is not a literal (a number, a quoted string, True, False or None).`);
}

/** `CamelCase` or `snake_case`, with or without `_initializer`: the key of {@link PARAMS}. */
function keyOf(name: string): string {
  const snake = name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
  return snake.endsWith('_initializer') ? snake.slice(0, -'_initializer'.length) : snake;
}

/**
 * Parses a RETURNN initializer string into its name and arguments (defaults
 * filled in). Returns undefined for a string that is not of that form at all.
 * @throws ReturnnInitializerError for an unknown initializer, an argument that is
 *   not a literal, an unknown or repeated keyword, or too many arguments.
 */
export function parseReturnnInitializer(spec: string): ReturnnInitializerCall | undefined {
  const m = CALL.exec(spec);
  if (!m) return undefined;
  const name = keyOf(m[1]!);
  const params = PARAMS[name];
  if (!params) throw new ReturnnInitializerError(spec, `'${m[1]}' is not an initializer Strata knows.`);
  const args: Record<string, number | string | boolean | null> = Object.fromEntries(params);
  const body = m[2]?.trim() ?? '';
  // Literals hold no commas except inside quotes: split on commas outside quotes.
  const parts = body === '' ? [] : (body.match(/(?:'[^']*'|"[^"]*"|[^,'"])+/g) ?? []).map((p) => p.trim());
  const given = new Set<string>();
  parts.forEach((part, i) => {
    const kw = KEYWORD.exec(part);
    const key = kw ? kw[1]! : params[i]?.[0];
    if (key === undefined) throw new ReturnnInitializerError(spec, `${name} takes ${params.length} positional argument(s); got ${parts.length}.`);
    if (key !== 'seed' && key !== 'dtype' && !params.some(([p]) => p === key)) {
      throw new ReturnnInitializerError(spec, `${name} has no argument '${key}' (it takes ${[...params.map(([p]) => p), 'seed'].join(', ')}).`);
    }
    if (given.has(key)) throw new ReturnnInitializerError(spec, `the argument '${key}' is given twice.`);
    given.add(key);
    const value = literal(spec, kw ? kw[2]! : part);
    if (key === 'dtype' && value !== null && value !== 'float32') throw new ReturnnInitializerError(spec, `dtype must be float32 (Strata's weights are float32).`);
    if (key !== 'seed' && key !== 'dtype') args[key] = value;
  });
  return { name, args };
}

function numberArg(spec: string, call: ReturnnInitializerCall, key: string): number {
  const v = call.args[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ReturnnInitializerError(spec, `${key} must be a number. Received: ${key}=${JSON.stringify(v)}.`);
  return v;
}

/**
 * The Strata initializer of a parsed RETURNN initializer string (all but
 * `orthogonal`, which the recurrent layers make: see `recInitializer`).
 * TF 1's meanings: `random_uniform` with `maxval` None is `[minval, 1)`;
 * `variance_scaling` with `distribution` `normal` is the truncated normal.
 * @throws ReturnnInitializerError for a bad argument (a mode or distribution TF does not know).
 */
export function initializerOfReturnnCall(spec: string, call: ReturnnInitializerCall): Initializer {
  const n = (key: string) => numberArg(spec, call, key);
  switch (call.name) {
    case 'zeros':
      return new Zeros();
    case 'ones':
      return new Ones();
    case 'constant':
      return new Constant({ value: n('value') });
    case 'random_normal':
      return new RandomNormal({ mean: n('mean'), stddev: n('stddev') });
    case 'truncated_normal':
      return new RandomNormal({ mean: n('mean'), stddev: n('stddev'), truncated: true });
    case 'random_uniform':
      return new RandomUniform({ minval: n('minval'), maxval: call.args.maxval === null ? 1 : n('maxval') });
    case 'variance_scaling': {
      const mode = call.args.mode as FanMode;
      const dist = call.args.distribution === 'normal' ? 'truncated_normal' : (call.args.distribution as VarianceScalingDistribution);
      if (!['fan_in', 'fan_out', 'fan_avg'].includes(mode)) throw new ReturnnInitializerError(spec, `mode must be 'fan_in', 'fan_out' or 'fan_avg'. Received: mode=${JSON.stringify(mode)}.`);
      if (!['uniform', 'truncated_normal', 'untruncated_normal'].includes(dist)) {
        throw new ReturnnInitializerError(spec, `distribution must be 'normal', 'truncated_normal', 'untruncated_normal' or 'uniform'. Received: distribution=${JSON.stringify(call.args.distribution)}.`);
      }
      return new VarianceScaling({ className: 'variance_scaling', scale: n('scale'), mode, distribution: dist });
    }
    case 'glorot_uniform':
      return glorotUniform();
    case 'glorot_normal':
      return glorotNormal();
    case 'he_uniform':
      return heUniform();
    case 'he_normal':
      return heNormal();
    case 'lecun_uniform':
      return lecunUniform();
    case 'lecun_normal':
      return lecunNormal();
  }
  throw new ReturnnInitializerError(spec, `'${call.name}' is made by the recurrent layers only (forward_weights_init/recurrent_weights_init of a rec layer).`);
}
