import { formatShape, ops, type Shape, type Tensor } from '@strata/backend';
import { type Activation, getActivation } from '../activations.js';
import { InputShapeError, LayerArgumentError } from '../errors.js';
import { type CallContext, Layer, type LayerArgs, type LayerConfig, type SymbolicShape } from '../layer.js';
import { type LayerBuildContext, type LayerOptions, type LayerSpec, option, resolveArgs, schemas } from '../layer-spec.js';
import { Data } from '../data.js';
import { Dim } from '../dim.js';
import { commonData } from '../data-common.js';
import { z } from 'zod';
import { EvalExpressionError } from './eval/eval-error.js';
import { floorDiv, floorMod, logical } from './eval/values.js';
import { type EvalLocal, EvalProgram } from './eval/program.js';
import { many } from './util.js';

/** The kinds of {@link Combine} (RETURNN's `CombineLayer` kinds; `eval` evaluates the `eval` string). */
export const COMBINE_KINDS = [
  'add', 'sub', 'mul', 'truediv', 'maximum', 'minimum', 'average', 'squared_difference', 'floordiv', 'mod', 'pow', 'logical_and', 'logical_or', 'eval',
] as const;
/** One of {@link COMBINE_KINDS}. */
export type CombineKind = (typeof COMBINE_KINDS)[number];

/** Arguments of {@link Combine}. */
export interface CombineArgs extends LayerArgs {
  /** How the inputs are combined; `sub` and `truediv` take exactly two inputs (`a - b`, `a / b`). */
  kind: CombineKind;
  /** Activation name applied to the result (default linear). */
  activation?: string | null;
  /** With `kind: 'eval'`: the RETURNN eval string, e.g. `"source(0) * 2 + source(1)"` ({@link EvalProgram}). */
  eval?: string;
  /** RETURNN's `eval_locals`: names the eval string reads. */
  evalLocals?: Record<string, EvalLocal>;
  /** RETURNN's `out_type` (partial): `dtype`, `dim` (a new feature size), `shape` (without batch), when the result differs from the sources. */
  outType?: CombineOutType;
  /** Run-config values the eval string reads (`self.network.get_config().typed_value(k)`); a net dict fills these in. */
  evalConfig?: Record<string, unknown>;
  /** Where the eval string is, for errors; a net dict gives `network.<prefix><layer>.eval` (`network.dec/c.eval` in rec unit `dec`). Default `network.<name>.eval`. */
  evalEntry?: string;
}

/** The part of RETURNN's `out_type` Strata takes. */
export interface CombineOutType {
  dtype?: 'float32' | 'int32' | 'bool';
  dim?: number;
  shape?: (number | null)[];
  /** Where the output's batch axis is (0) or `null` for none: a check against the template, not a transpose; with `shape`, `null` makes the output batchless. */
  batch_dim_axis?: 0 | null;
  /** Where the output's time axis is (counted with the batch axis) or `null` for none: a check against the template. */
  time_dim_axis?: number | null;
}

const binary: Record<Exclude<CombineKind, 'average' | 'eval'>, (a: Tensor, b: Tensor) => Tensor> = {
  add: ops.add,
  sub: ops.sub,
  mul: ops.mul,
  truediv: ops.div,
  maximum: ops.maximum,
  minimum: ops.minimum,
  squared_difference: (a, b) => ops.square(ops.sub(a, b)),
  floordiv: floorDiv,
  mod: floorMod,
  pow: ops.pow,
  logical_and: logical.and,
  logical_or: logical.or,
};

/** The eval options of `combine` and `eval` (RETURNN `eval`, `eval_locals`, `out_type`). */
export const EVAL_OPTIONS = {
  eval: option(z.string({ error: 'must be a Python expression string' }).optional(), { returnn: 'eval' }),
  evalLocals: option(z.record(z.string(), z.union([z.number(), z.string(), z.boolean(), z.null()]), { error: 'must be a dict of numbers, str, bool or None' }).optional(), { returnn: 'eval_locals' }),
  outType: option(
    z.strictObject(
      {
        dtype: z.enum(['float32', 'int32', 'bool']).optional(),
        dim: z.number().int().positive().optional(),
        shape: z.array(z.number().int().positive().nullable()).optional(),
        // RETURNN Data kwargs that place axes; checked against the template (see combineOutput), not applied.
        batch_dim_axis: z.union([z.literal(0), z.null()]).optional(),
        time_dim_axis: z.number().int().nonnegative().nullable().optional(),
      },
      {
        error:
          "must be a dict with dtype ('float32', 'int32', 'bool'), dim (a positive int), shape (a list of sizes without batch), batch_dim_axis (0 or None), time_dim_axis (an int or None); other out_type keys are not supported",
      },
    ).optional(),
    { returnn: 'out_type' },
  ),
  evalConfig: option(z.record(z.string(), z.unknown()).optional()),
  evalEntry: option(z.string().optional()),
} satisfies LayerOptions;

/**
 * RETURNN's `allow_broadcast_all_sources` (combine, compare): whether every source may need broadcasting
 * (`[B,T1,F] + [B,T2,F]` → `[B,T1,T2,F]`). Unset: allowed before `behavior_version` 4, or with `out_shape`
 * or `out_type.shape` (RETURNN `validate_broadcast_all_sources`); the template check reads it from the entry.
 */
export const ALLOW_BROADCAST_ALL_SOURCES = {
  allowBroadcastAllSources: option(z.boolean({ error: 'must be True or False' }).optional(), { returnn: 'allow_broadcast_all_sources' }),
} satisfies LayerOptions;

/**
 * The sources' common template (RETURNN `Tensor.get_common_data`, see {@link commonData}) of a combine, eval or
 * compare entry, with RETURNN's `allow_broadcast_all_sources` rule (given, else true with `out_shape` or
 * `out_type.shape`, else by `behavior_version`).
 * @throws LayerArgumentError when every source needs broadcasting and that is not allowed.
 */
export function commonSourcesData(c: LayerBuildContext): Data | undefined {
  const e = c.entry as { allow_broadcast_all_sources?: unknown; out_shape?: unknown; out_type?: { shape?: unknown; dim_tags?: unknown } };
  const given = typeof e.allow_broadcast_all_sources === 'boolean' ? e.allow_broadcast_all_sources : undefined;
  const implied = e.out_shape != null || (typeof e.out_type === 'object' && e.out_type !== null && (e.out_type.shape !== undefined || e.out_type.dim_tags !== undefined));
  try {
    return commonData(c.sources, { name: c.name, allowBroadcastAllSources: given ?? (implied ? true : undefined), behaviorVersion: c.behaviorVersion });
  } catch (err) {
    if (err instanceof LayerArgumentError) throw new LayerArgumentError(`'${c.name}': ${err.message}`);
    throw err;
  }
}

const COMBINE_OPTIONS = {
  kind: option(schemas.oneOf(COMBINE_KINDS), { returnn: 'kind' }),
  ...ALLOW_BROADCAST_ALL_SOURCES,
  activation: option(schemas.activation(), { default: null, returnn: 'activation' }),
  ...EVAL_OPTIONS,
} satisfies LayerOptions;

/** numpy's broadcast of two shapes (`null`: unknown size), or `undefined` if they do not broadcast. */
export function broadcastShape(a: SymbolicShape, b: SymbolicShape): (number | null)[] | undefined {
  const n = Math.max(a.length, b.length);
  const out: (number | null)[] = [];
  for (let i = 0; i < n; i++) {
    const x = i < n - a.length ? 1 : a[i - (n - a.length)]!;
    const y = i < n - b.length ? 1 : b[i - (n - b.length)]!;
    if (x === 1) out.push(y);
    else if (y === 1) out.push(x);
    else if (x === null || y === null) out.push(x ?? y);
    else if (x === y) out.push(x);
    else return undefined;
  }
  return out;
}

/**
 * Elementwise combination of several inputs with numpy broadcasting (RETURNN
 * `combine` with `kind`; Keras `Add`, `Multiply`, `Maximum`, `Minimum`,
 * `Average`; `sub` and `truediv` as RETURNN), then an optional activation.
 * `add`, `mul`, `maximum`, `minimum` fold left over the inputs; `average` is
 * their sum divided by their count. No weights.
 *
 * Shape: `[batch, ..., f]` each (broadcastable, e.g. `[batch, time, f]` and
 * `[batch, 1, f]`) → the broadcast shape, float32.
 * @throws LayerArgumentError for an unknown `kind` or activation, or a wrong number of inputs
 *   (`sub`/`truediv`: exactly 2; others: at least 1).
 * @throws InputShapeError if the input shapes do not broadcast.
 */
export class Combine extends Layer {
  static override readonly className: string = 'Combine';
  readonly kind: CombineKind;
  readonly activationName: string | null;
  readonly evalLocals: Record<string, EvalLocal> | undefined;
  readonly outType: CombineOutType | undefined;
  /** The parsed eval string (kind `eval`). */
  readonly program: EvalProgram | undefined;
  private readonly activationFn: Activation;

  constructor(args: CombineArgs) {
    super(args);
    const a = resolveArgs('Combine', COMBINE_OPTIONS, args);
    this.kind = a.kind;
    this.activationName = a.activation ?? null;
    this.activationFn = getActivation(this.activationName);
    this.evalLocals = a.evalLocals;
    this.outType = a.outType;
    if ((a.kind === 'eval') !== (a.eval !== undefined)) {
      throw new LayerArgumentError(`Combine '${this.name}': kind='eval' and eval go together (RETURNN's assertion). Received: kind='${a.kind}', eval=${JSON.stringify(a.eval)}.`);
    }
    this.program = a.eval === undefined ? undefined : new EvalProgram({ expression: a.eval, entry: a.evalEntry ?? `network.${this.name}.eval`, locals: a.evalLocals, config: a.evalConfig });
  }

  override build(inputShape: SymbolicShape | SymbolicShape[]): void {
    this.computeOutputShape(inputShape);
    this.program?.checkSources(Array.isArray(inputShape[0]) ? inputShape.length : 1);
    super.build(inputShape);
  }

  override call(inputs: Tensor | Tensor[], ctx: CallContext): Tensor {
    const xs = many(inputs);
    this.computeOutputShape(xs.map((x) => x.shape));
    let y: Tensor;
    if (this.program) y = this.evalOn(xs, ctx.recStepIndex);
    else if (this.kind === 'average') y = xs.length === 1 ? xs[0]! : ops.div(xs.slice(1).reduce(ops.add, xs[0]!), xs.length);
    else y = xs.slice(1).reduce(binary[this.kind as keyof typeof binary], xs[0]!);
    return this.activationFn(y);
  }

  private evalOn(xs: Tensor[], recStepIndex: number | undefined): Tensor {
    const y = this.program!.run(xs, recStepIndex);
    const want = this.outType?.dtype ?? xs[0]?.dtype;
    if (want !== undefined && y.dtype !== want) {
      throw new EvalExpressionError({
        entry: this.program!.entry, expression: this.program!.expression, offset: 0, construct: 'the result',
        problem: `it is ${y.dtype}, but the output template (RETURNN's: the sources' dtype, or out_type) is ${want}.`,
        fix: `give "out_type": {"dtype": "${y.dtype}"}, or tf.cast the result.`,
      });
    }
    return y;
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const shapes = Array.isArray(inputShape[0]) ? (inputShape as SymbolicShape[]) : [inputShape as SymbolicShape];
    const two = this.kind === 'sub' || this.kind === 'truediv';
    if (two ? shapes.length !== 2 : shapes.length < 1) {
      throw new LayerArgumentError(
        `Combine '${this.name}' with kind='${this.kind}' needs ${two ? 'exactly 2 inputs' : 'at least 1 input'}. ` +
          `Received: ${shapes.length} inputs with shapes ${shapes.map((s) => formatShape(s as Shape)).join(', ')}.`,
      );
    }
    let out: (number | null)[] | undefined = [...shapes[0]!];
    for (const s of shapes.slice(1)) {
      const next = broadcastShape(out, s);
      if (!next) {
        throw new InputShapeError({ layer: this.name, expected: `input shapes do not broadcast; the inputs before it broadcast to ${formatShape(out as Shape)}`, received: s });
      }
      out = next;
    }
    if (this.outType?.shape) return batchlessOutType(this.outType) ? [...this.outType.shape] : [out[0] ?? null, ...this.outType.shape];
    if (this.outType?.dim !== undefined) return [...out.slice(0, -1), this.outType.dim];
    return out;
  }

  override getConfig(): LayerConfig {
    const evalArgs = this.program ? { eval: this.program.expression, evalLocals: this.evalLocals, outType: this.outType } : {};
    return { ...super.getConfig(), kind: this.kind, activation: this.activationName, ...evalArgs };
  }
}

/**
 * The template of a combine/eval entry (RETURNN's `Data.get_common_data` of the sources, then `out_type`):
 * the widest source's axes and dtype, with `out_type`'s dtype, feature `dim` or `shape`.
 */
export function combineOutput(c: LayerBuildContext & { layer: unknown }): Data | undefined {
  // RETURNN's get_common_data: a batchless source (`:i`, a `constant`) broadcasts over the batch like any other axis.
  const widest = commonSourcesData(c);
  const o = (c.layer as Combine).outType;
  if (!widest) return undefined;
  const dtype = o?.dtype ?? widest.dtype;
  if (o?.shape) {
    // A new shape: fresh axes, except a dynamic one where the source has its time axis (so its lengths carry over).
    const fresh = new Data({ name: c.name, dims: [], dtype }).withShape(c.name, o.shape, dtype).copy({ hasBatch: !batchlessOutType(o) });
    const t = widest.timeDim === undefined ? -1 : widest.dims.indexOf(widest.timeDim);
    return checkAxisPlacement(c.name, t >= 0 && fresh.dims[t]?.isDynamic ? fresh.copy({ dims: fresh.dims.map((d, i) => (i === t ? widest.timeDim! : d)) }) : fresh, o);
  }
  let out = widest.copy({ name: c.name, dtype, sparseDim: undefined });
  if (o?.dim !== undefined) out = out.copy({ dims: [...out.dims.slice(0, -1), new Dim({ description: `${c.name}:feature`, size: o.dim, kind: 'feature' })] });
  return checkAxisPlacement(c.name, out, o);
}

/**
 * Whether `out_type` makes a batchless output: a `shape` with `batch_dim_axis: None` (RETURNN's
 * `CombineLayer.get_out_data_from_opts` drops the sources' axes for a `shape`, then `Data(**out_type)`
 * has no batch axis), e.g. the scalar of `tf.reduce_mean(source(0))`.
 */
function batchlessOutType(o: CombineOutType): boolean {
  return o.shape !== undefined && o.batch_dim_axis === null;
}

/**
 * `out_type`'s `batch_dim_axis` / `time_dim_axis` (RETURNN Data kwargs, counted with the batch axis) must state where
 * the template has its batch and time axes (`None`: no such axis); Strata derives the axes from the sources and `shape`.
 * @throws LayerArgumentError when they say otherwise, naming the key and the template's axes.
 */
function checkAxisPlacement(name: string, out: Data, o: CombineOutType | undefined): Data {
  if (!o) return out;
  const axes = `the output is ${formatShape(out.batchShape as Shape)} (${out.hasBatch ? 'batch axis 0' : 'no batch axis'}, ${out.timeDim ? 'time axis ' + ((out.hasBatch ? 1 : 0) + out.dims.indexOf(out.timeDim)) : 'no time axis'})`;
  const fix = 'drop the key, or give the sources / out_type "shape" that make those axes.';
  if (o.batch_dim_axis !== undefined && (o.batch_dim_axis === null) === out.hasBatch) {
    throw new LayerArgumentError(`eval '${name}': out_type.batch_dim_axis=${o.batch_dim_axis === null ? 'None' : 0}, but ${axes}; Strata's eval output has the batch axis when a source has one (none with out_type "shape" and batch_dim_axis None). ${fix}`);
  }
  if (o.time_dim_axis !== undefined) {
    const t = out.timeDim ? (out.hasBatch ? 1 : 0) + out.dims.indexOf(out.timeDim) : null;
    if (o.time_dim_axis !== t) throw new LayerArgumentError(`eval '${name}': out_type.time_dim_axis=${o.time_dim_axis ?? 'None'}, but ${axes} (the first dynamic axis is the time axis). ${fix}`);
  }
  return out;
}

/**
 * What a net dict derives for an eval string: the run-config values it reads, from the network under construction
 * (`getRunConfig`, RETURNN's `get_config`), and its entry path with the network's prefix (`getAbsoluteNamePrefix`).
 */
export function evalArgsOf(c: LayerBuildContext, expression: unknown): { evalConfig?: Record<string, unknown>; evalEntry?: string } {
  if (typeof expression !== 'string') return {};
  const net = c.network as { getRunConfig?: () => Readonly<Record<string, unknown>> | undefined; getAbsoluteNamePrefix?: () => string } | undefined;
  const keys = EvalProgram.configKeys(expression);
  const config = keys.length ? net?.getRunConfig?.() : undefined;
  return {
    evalConfig: config ? Object.fromEntries(keys.filter((k) => Object.hasOwn(config, k)).map((k) => [k, config[k]])) : undefined,
    evalEntry: `network.${net?.getAbsoluteNamePrefix?.() ?? ''}${c.name}.eval`,
  };
}

/** RETURNN's `combine`: `kind` (and `eval`, `eval_locals`, `out_type` for `kind: "eval"`), `activation`. */
export const combineLayer: LayerSpec = {
  cls: Combine,
  options: COMBINE_OPTIONS,
  netDict: { names: ['combine'], sources: 'list', broadcastSources: true, outputData: combineOutput, derive: (c) => evalArgsOf(c, c.entry.eval) },
};
