import { z } from 'zod';
import { isReturnnActivation } from './activation-expression.js';
import { ACTIVATION_NAMES } from './activations.js';
import type { Data } from './data.js';
import { LayerArgumentError } from './errors.js';
import { getInitializer } from './initializers/index.js';
import type { Layer, LayerConfig } from './layer.js';

/**
 * One argument of a layer class, in both vocabularies: the constructor's
 * (camelCase, the key in {@link LayerSpec.options}) and RETURNN's net dicts
 * (`returnn`, e.g. `n_out`). The schema checks the value and its messages are
 * the errors both vocabularies print ("must be a positive integer").
 */
export interface LayerOption {
  /** Checks a value (zod). Its issue messages say what is expected: `must be a positive integer`. */
  readonly schema: z.ZodType;
  /** The value when the argument is absent (in both vocabularies, unless `returnnDefault`). */
  readonly default?: unknown;
  /** The key of this argument in a net-dict entry (RETURNN's option name). Absent: a net dict cannot set it. */
  readonly returnn?: string;
  /** The value when a net-dict entry leaves the key out, where RETURNN's default differs from the class's. */
  readonly returnnDefault?: unknown;
  /**
   * RETURNN's default when it depends on the net's `behavior_version`
   * (RETURNN `BehaviorVersion.get()`, 0 when unset): the value for that
   * version, or `undefined` for none. Takes precedence over `returnnDefault`.
   */
  readonly returnnDefaultFor?: (behaviorVersion: number) => unknown;
  /** Maps a net-dict value to the argument (after checking it with `returnnSchema` or `schema`), e.g. RETURNN's `"SAME"` to `"same"`. */
  readonly fromReturnn?: (value: unknown) => unknown;
  /** Checks the net-dict value when RETURNN writes it differently from the argument (before `fromReturnn`). Default `schema`. */
  readonly returnnSchema?: z.ZodType;
}

/** A layer's arguments beyond the common ones of every layer (`name`, `trainable`, `dtype`, `seed`, `activityRegularizer`). */
export type LayerOptions = Readonly<Record<string, LayerOption>>;

/**
 * A check across arguments: returns what is wrong, or `undefined`. `name`
 * gives an argument's name in the caller's vocabulary (`resetAfter` in
 * TypeScript, `reset_after` in a net dict), so one check serves both.
 */
export type LayerCheck = (args: Readonly<Record<string, unknown>>, name: (arg: string) => string) => string | undefined;

/** A layer class a spec describes: constructed with an args object; its static `className` names it in configs. */
export interface SpecLayerClass {
  // The args are checked by the constructor (resolveArgs); `any` lets every layer's own args type fit.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  new (args: any): Layer;
  readonly className: string;
  fromConfig?(config: LayerConfig): Layer;
}

/** What a net dict knows when it creates a layer: the entry, its sources' and its target's templates. */
export interface LayerBuildContext {
  /** The entry's name (the layer's name). */
  readonly name: string;
  /** The whole entry, as written (common keys included). */
  readonly entry: Readonly<Record<string, unknown>>;
  /** Templates of the sources, in `from` order (class keys naming layers, `refKeys`, appended). */
  readonly sources: readonly Data[];
  /** The template of the entry's target (or the default target when it has a loss). */
  readonly target?: Data;
  /** The network being constructed (typed loosely: core does not know networks). */
  readonly network: unknown;
  /** The net's RETURNN `behavior_version` (0 when unset, RETURNN's default). */
  readonly behaviorVersion?: number;
}

/** How a net dict makes a layer of this class (RETURNN's layer class). */
export interface NetDictSpec {
  /** RETURNN class names, e.g. `['linear']`. */
  readonly names: readonly string[];
  /** When several specs share a name (RETURNN `conv` is a 1-D or 2-D convolution), whether this one takes the entry. */
  readonly when?: (entry: Readonly<Record<string, unknown>>) => boolean;
  /**
   * How several `from` entries reach the layer: joined along the feature axis
   * into one input (`concat`, RETURNN's default), as a list (`list`), or the layer takes none (`none`).
   */
  readonly sources: 'concat' | 'list' | 'none';
  /** Takes sparse (class-index, int32) sources, e.g. `linear` as an embedding. */
  readonly acceptsSparse?: boolean;
  /**
   * With `sources: 'list'`: each source is brought to the sources' common
   * axes before the layer runs (RETURNN `Tensor.get_common_data` and
   * `copy_compatible_to`, see `commonData`): transposed and expanded by its
   * dims, so `[batch, time1, F]` and `[batch, time2, F]` broadcast to `[batch, time1, time2, F]`.
   */
  readonly broadcastSources?: boolean;
  /** May have no sources though it takes some (a `rec` unit stepping over its target). */
  readonly optionalSources?: boolean;
  /**
   * Option keys whose values name layers (`position`, `base`): resolved like
   * `from`, and given to the layer as inputs of their own after the joined
   * `from` input, in this order: `[x, ...refs]` (`[...refs]` with sources
   * `none`; a `list` layer gets its `from` inputs spread first). Its
   * `build`/`computeOutputShape` get the matching list of shapes.
   */
  readonly refKeys?: readonly string[];
  /** The layer a `refKeys` key names when the entry leaves it out (RETURNN's `split_batch_time` `base`: `"data"`). */
  readonly refDefaults?: Readonly<Record<string, string>>;
  /** Takes its input's sequence lengths as a last input (`[x, seqLens]`), for masking. */
  readonly seqLens?: boolean | ((layer: Layer) => boolean);
  /**
   * With `seqLens`: the `refKeys` key whose layer's time-axis lengths the layer
   * takes (`base`: an attention masks the frames of what it attends over).
   * Default: the lengths of the first source with a time axis.
   */
  readonly seqLensFrom?: string;
  /**
   * Arguments a net dict derives from the context (after the entry's own):
   * e.g. `sparseInputDim` from a sparse source. The option whose `returnn` key
   * is `n_out` defaults to the target's class count without this.
   */
  readonly derive?: (ctx: LayerBuildContext, args: Readonly<Record<string, unknown>>) => Record<string, unknown>;
  /** The output template, where `computeOutputShape` is not enough (a sparse or int32 output). */
  readonly outputData?: (ctx: LayerBuildContext & { layer: Layer }) => Data | undefined;
  /**
   * `from` entries may be `(layer, axis)` pairs (RETURNN's `ConcatLayer`): the
   * layer names are the sources, the axes reach `derive`/`create` as `entry.from`.
   */
  readonly fromAxes?: boolean;
  /**
   * Sub-layers `<layer>/<sub>` (RETURNN's `get_sub_layer`, e.g. `split`'s `"0"`,
   * `top_k`'s `"indices"`): the template of sub-layer `sub` named `name`, given
   * the layer and its (joined) input's template; undefined if there is none.
   * The values come from the layer's `subOutputs` (see `SubOutputLayer`).
   */
  readonly subOutputData?: (layer: Layer, input: Data, name: string, sub: string) => Data | undefined;
}

/**
 * The one vocabulary of a layer class: its class, its arguments (schemas,
 * defaults, RETURNN names), its cross-argument checks, and how net dicts make
 * it. The class's constructor checks its args with {@link resolveArgs}; the
 * layer registry (`layerFromConfig`) and the net-dict registry derive from
 * registered specs (`registerLayer`), and so do their error texts.
 */
export interface LayerSpec {
  readonly cls: SpecLayerClass;
  readonly options: LayerOptions;
  readonly checks?: readonly LayerCheck[];
  /** Absent: the class is made in code only (or by another spec). */
  readonly netDict?: NetDictSpec;
}

/** A {@link LayerOption} from its schema and the rest. */
export function option(schema: z.ZodType, more: Omit<LayerOption, 'schema'> = {}): LayerOption {
  return { schema, ...more };
}

const show = (v: unknown): string =>
  v === undefined ? 'undefined' : typeof v === 'function' ? 'a function' : typeof v === 'number' && !Number.isFinite(v) ? String(v) : (JSON.stringify(v) ?? String(v));

/** `key: message. Received: key=value.` for the first issue of a failed check, the key with its path (`filter_size[1]`). */
function issueText(key: string, value: unknown, error: z.ZodError): string {
  const issue = error.issues[0]!;
  const at = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
  const got = issue.path.reduce<unknown>((o, p) => (o !== null && typeof o === 'object' ? (o as Record<PropertyKey, unknown>)[p as PropertyKey] : undefined), value);
  return `${key}${at} ${issue.message}. Received: ${key}${at}=${show(got)}.`;
}

const undefinedOk = new WeakMap<z.ZodType, boolean>();
/** Whether `schema` accepts `undefined` (an optional argument), computed once per schema. */
function acceptsUndefined(schema: z.ZodType): boolean {
  let ok = undefinedOk.get(schema);
  if (ok === undefined) undefinedOk.set(schema, (ok = schema.safeParse(undefined).success));
  return ok;
}

/**
 * The constructor's arguments, checked against `options` (and `checks`) with
 * the defaults filled in: what a layer's constructor calls first. Keys not in
 * `options` (the common `name`, `trainable`, ...) pass through unchecked.
 * @throws LayerArgumentError naming the layer, the argument, what it must be and what was received,
 *   e.g. `Linear: units must be a positive integer. Received: units=0.`
 */
export function resolveArgs<A extends object>(layer: string, options: LayerOptions, args: A, checks: readonly LayerCheck[] = []): A {
  const given = (args ?? {}) as Record<string, unknown>;
  const out: Record<string, unknown> = { ...given };
  for (const key in options) {
    const opt = options[key]!;
    const value = given[key];
    if (value === undefined) {
      // Defaults are valid by construction (registerLayer checks them once per spec); a missing required argument is an error.
      if (opt.default !== undefined) out[key] = opt.default;
      else if (!acceptsUndefined(opt.schema)) throw new LayerArgumentError(`${layer}: ${issueText(key, undefined, opt.schema.safeParse(undefined).error!)}`);
      continue;
    }
    const r = opt.schema.safeParse(value);
    if (!r.success) throw new LayerArgumentError(`${layer}: ${issueText(key, value, r.error)}`);
  }
  for (const check of checks) {
    const problem = check(out, (k) => k);
    if (problem) throw new LayerArgumentError(`${layer}: ${problem}`);
  }
  return out as A;
}

/**
 * The constructor arguments of a net-dict entry's own keys (the keys beyond
 * the common ones), in RETURNN's vocabulary: each key is checked with its
 * option's schema and mapped to the argument; RETURNN's defaults filled in.
 * Returns the args and the RETURNN keys the spec knows. `behaviorVersion`
 * (RETURNN's `behavior_version`, default 0 as in RETURNN) picks the defaults
 * that depend on it (`returnnDefaultFor`).
 * @throws LayerArgumentError naming the key in RETURNN's spelling: `where` + `n_out must be a positive integer. Received: n_out=0.`,
 *   or an unknown key with the keys the class takes.
 */
export function argsFromEntry(
  spec: Pick<LayerSpec, 'options'>,
  own: Readonly<Record<string, unknown>>,
  where: string,
  commonKeys: readonly string[],
  behaviorVersion = 0,
): Record<string, unknown> {
  const byKey = new Map(Object.entries(spec.options).flatMap(([arg, o]) => (o.returnn ? [[o.returnn, [arg, o] as const]] : [])));
  const unknown = Object.keys(own).filter((k) => !byKey.has(k));
  if (unknown.length) {
    throw new LayerArgumentError(
      `${where}unknown key(s) ${unknown.map((k) => `'${k}'`).join(', ')}; this class takes ${[...commonKeys, ...byKey.keys()].join(', ')}.`,
    );
  }
  const args: Record<string, unknown> = {};
  for (const [key, [arg, o]] of byKey) {
    const value = own[key] !== undefined ? own[key] : o.returnnDefaultFor ? o.returnnDefaultFor(behaviorVersion) : o.returnnDefault;
    if (value === undefined) continue;
    const r = (o.returnnSchema ?? o.schema).safeParse(value);
    if (!r.success) throw new LayerArgumentError(`${where}${issueText(key, value, r.error)}`);
    args[arg] = o.fromReturnn ? o.fromReturnn(value) : value;
  }
  return args;
}

/**
 * Checks net-dict args after the derived ones are in: every required
 * argument with a RETURNN key is there, and the spec's cross-argument checks
 * pass, arguments named by their RETURNN keys.
 * @throws LayerArgumentError `where` + what is wrong (`filter_size is required. Received: no filter_size.`).
 */
export function checkEntryArgs(spec: LayerSpec, args: Readonly<Record<string, unknown>>, where: string): void {
  const names = new Map(Object.entries(spec.options).map(([arg, o]) => [arg, o.returnn ?? arg]));
  for (const [arg, o] of Object.entries(spec.options)) {
    if (o.returnn === undefined || args[arg] !== undefined || o.default !== undefined || o.schema.safeParse(undefined).success) continue;
    throw new LayerArgumentError(`${where}${o.returnn} is required. Received: no ${o.returnn}.`);
  }
  for (const check of spec.checks ?? []) {
    const problem = check(args, (k) => names.get(k) ?? k);
    if (problem) throw new LayerArgumentError(`${where}${problem}`);
  }
}

/** Schemas with the messages layers use (Keras' form: what is expected). */
export const schemas = {
  positiveInt: () => z.number({ error: 'must be a positive integer' }).int({ error: 'must be a positive integer' }).positive({ error: 'must be a positive integer' }),
  nonNegativeInt: () => z.number({ error: 'must be a non-negative integer' }).int({ error: 'must be a non-negative integer' }).min(0, { error: 'must be a non-negative integer' }),
  boolean: () => z.boolean({ error: 'must be true or false' }),
  number: () => z.number({ error: 'must be a number' }).refine(Number.isFinite, { error: 'must be a finite number' }),
  positive: () => z.number({ error: 'must be a positive number' }).positive({ error: 'must be a positive number' }),
  /** One of `values`. */
  oneOf: <T extends string>(values: readonly [T, ...T[]]) => z.enum(values, { error: `must be one of ${values.map((v) => `'${v}'`).join(', ')}` }),
  /**
   * One of `values` in any letter case, for RETURNN's spellings (`"SAME"`, `"MAX"`): a net-dict
   * `returnnSchema`, with `fromReturnn` lower-casing the value.
   */
  oneOfAnyCase: (values: readonly [string, ...string[]]) => {
    const error = `must be one of ${values.map((v) => `'${v}'`).join(', ')} (in any letter case)`;
    return z.string({ error }).refine((v) => values.includes(v.toLowerCase()), { error });
  },
  /** A positive integer or a pair `[height, width]` of them (Keras' `normalize_tuple`), e.g. a 2-D window. */
  pair: () => {
    const error = 'must be a positive integer or a pair [height, width] of them';
    return z.union([z.number({ error }).int({ error }).positive({ error }), z.tuple([schemas.positiveInt(), schemas.positiveInt()])], { error });
  },
  /** A probability of dropping: `[0, 1)`. */
  rate: () => z.number({ error: 'must be a number in [0, 1)' }).min(0, { error: 'must be a number in [0, 1)' }).lt(1, { error: 'must be a number in [0, 1)' }),
  /** An activation name (`relu`, `tanh`, ...), or null for none. */
  activation: () =>
    z
      .string({ error: `must be an activation name (${ACTIVATION_NAMES.join(', ')}) or null` })
      .nullable()
      // RETURNN's activation expressions ("tf.nn.relu(x) * 2", "2 * sigmoid", "selu") are checked where they are made (getActivation).
      .refine((a) => a === null || ACTIVATION_NAMES.includes(a) || a === 'none' || isReturnnActivation(a), {
        error: `must be one of ${ACTIVATION_NAMES.join(', ')} (or null), or a RETURNN activation expression such as 'tf.nn.relu(x) * 2'`,
      }),
  /** An initializer: a name (`glorot_uniform`, `zeros`, ...), its JSON form, or an Initializer. */
  initializer: () =>
    z.custom((v) => {
      try {
        getInitializer(v as never);
        return true;
      } catch {
        return false;
      }
    }, { error: 'must be an initializer name such as glorot_uniform, zeros, ones, orthogonal, or an initializer' }),
};
