// The JSON form of a RETURNN `Dim` ("dim tag", returnn/tensor/dim.py, _dim_extra.py), which net dicts,
// `extern_data` and `.config` files use where RETURNN's own configs hold Dim objects.
import { LayerArgumentError } from './errors.js';

/** RETURNN's `Dim.Types` (`DimTypes.Batch`, `Spatial`, `Feature`, `Unspecified`), lower case. */
export type DimJsonKind = 'batch' | 'spatial' | 'feature' | 'unspecified';

/**
 * The math ops RETURNN's `Dim` arithmetic derives dims with (`Dim.Op.kind`,
 * `_dim_extra._BinOps`): `a + b` is `add`, `a * b` `mul`, `a // b`
 * `floordiv`, `a.div_right(b)` (`a / b`) `truediv`, `a.div_left(b)`
 * `truediv_left`, `a.ceildiv_right(b)` `ceildiv`, `a.ceildiv_left(b)`
 * `ceildiv_left`; `a - n` is `a + (-n)`.
 */
export type DimOpKind = 'add' | 'mul' | 'floordiv' | 'truediv' | 'truediv_left' | 'ceildiv' | 'ceildiv_left';

/**
 * A RETURNN `Dim` as JSON. Within one config, `dim` (RETURNN's
 * `description`) is the identity: two places with the same `dim` name the
 * same axis (one sequence-length tensor).
 *
 * * `SpatialDim("time")` → `{"dim": "time", "kind": "spatial", "size": null}`
 * * `FeatureDim("feature", 40)` → `{"dim": "feature", "kind": "feature", "size": 40}`
 * * `Dim(7, name="x")` → `{"dim": "x", "kind": "unspecified", "size": 7}`
 * * `batch_dim` → `{"dim": "global batch", "kind": "batch", "size": null}` (every batch-kind dim is the batch axis, as in RETURNN)
 * * `single_step_dim` → `{"dim": "single-step", "kind": "spatial", "size": 1, "special": true}`
 * * `time_dim * 2` → `{"dim": "time*2", "kind": "spatial", "size": null, "derived": {"op": "mul", "inputs": [<time>, 2]}}`
 *
 * A derived dim's `dim`, `kind` and `size` are what RETURNN gives it
 * (`_math_get_dim_via_bin_op`): `dim` joins the inputs' descriptions with
 * `+`, `*`, `//`, `/`, ` /l ` (bracketed when they hold `+ - / ` or a
 * space; `⌈...⌉` around a ceildiv), `kind` is `feature` if an input is,
 * else `spatial`; `size` is computed when all inputs are static.
 */
export interface DimJson {
  /** RETURNN's `description` (`name`), the identity within one config. */
  dim: string;
  kind: DimJsonKind;
  /** Static size, or `null` for a dynamic axis. */
  size: number | null;
  /** `true` only for `single_step_dim` (RETURNN `special=True`). */
  special?: true;
  /** For a dim RETURNN derives by arithmetic: the op and its two inputs (dims or ints). */
  derived?: { op: DimOpKind; inputs: [DimJson | number, DimJson | number] };
}

/** Options of {@link DimJsonError}. */
export interface DimJsonErrorOptions {
  /** Where the value sits, e.g. `extern_data.data.dim_tags[1]` or `network.conv.out_dim`. */
  path: string;
  /** What is wrong and how to write it. */
  problem: string;
  /** The value received. */
  received: unknown;
}

/** A malformed JSON Dim: names the key path, what is wrong, and the value received. */
export class DimJsonError extends LayerArgumentError {
  override name = 'DimJsonError';
  readonly path: string;
  constructor(options: DimJsonErrorOptions) {
    super(`${options.path}: ${options.problem}. Received: ${JSON.stringify(options.received) ?? String(options.received)}.`);
    this.path = options.path;
  }
}

/** RETURNN's `batch_dim` (returnn/tensor/dim.py: `Dim(kind=Batch, description="global batch")`). */
export const BATCH_DIM_JSON: DimJson = Object.freeze({ dim: 'global batch', kind: 'batch', size: null }) as DimJson;
/** RETURNN's `single_step_dim` (`Dim(description="single-step", kind=Spatial, special=True, dimension=1)`). */
export const SINGLE_STEP_DIM_JSON: DimJson = Object.freeze({ dim: 'single-step', kind: 'spatial', size: 1, special: true }) as DimJson;

const KINDS: readonly string[] = ['batch', 'spatial', 'feature', 'unspecified'];
const OPS: readonly string[] = ['add', 'mul', 'floordiv', 'truediv', 'truediv_left', 'ceildiv', 'ceildiv_left'];
const KEYS: readonly string[] = ['dim', 'kind', 'size', 'special', 'derived'];
const EXAMPLE = '{"dim": "time", "kind": "spatial", "size": null}';
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** True for a value in the JSON Dim form (an object with a string `dim` and a `kind`); {@link parseDimJson} checks the rest. */
export function isDimJson(v: unknown): v is DimJson {
  return isObject(v) && typeof v.dim === 'string' && 'kind' in v;
}

/**
 * Checks a value in the {@link DimJson} form, recursively through `derived`
 * inputs, and returns it typed.
 * @param path the key path for messages (`network.conv.out_dim`).
 * @throws DimJsonError naming the path for an unknown key, a wrong type, a
 *   batch dim with a size, `special` on another dim than `single-step`, or a
 *   derived dim whose `dim`, `kind` or `size` differ from what RETURNN derives.
 */
export function parseDimJson(value: unknown, path: string): DimJson {
  const bad = (p: string, problem: string, got: unknown): never => {
    throw new DimJsonError({ path: p, problem, received: got });
  };
  if (!isObject(value)) return bad(path, `must be a RETURNN Dim in JSON form, e.g. ${EXAMPLE}`, value);
  for (const k of Object.keys(value)) if (!KEYS.includes(k)) bad(`${path}.${k}`, `is not a key of a JSON Dim (keys: ${KEYS.join(', ')})`, value[k]);
  const { dim, kind, size, special, derived } = value;
  if (typeof dim !== 'string' || dim === '') bad(`${path}.dim`, "must be the Dim's description, a non-empty string", dim);
  if (!KINDS.includes(kind as string)) bad(`${path}.kind`, `must be one of ${KINDS.join(', ')}`, kind);
  if (size !== null && !(Number.isSafeInteger(size) && (size as number) >= 0)) bad(`${path}.size`, 'must be a non-negative integer (static) or null (dynamic)', size);
  if (kind === 'batch' && (size !== null || derived !== undefined)) bad(path, 'a batch dim has "size": null and is not derived (RETURNN batch_dim)', value);
  if (special !== undefined && !(special === true && dim === 'single-step' && size === 1)) {
    bad(`${path}.special`, 'is only for single_step_dim: {"dim": "single-step", "kind": "spatial", "size": 1, "special": true}', special);
  }
  const out: DimJson = { dim: dim as string, kind: kind as DimJsonKind, size: size as number | null };
  if (special) out.special = true;
  if (derived !== undefined) {
    const dp = `${path}.derived`;
    if (!isObject(derived)) return bad(dp, 'must be {"op": ..., "inputs": [a, b]}', derived);
    if (!OPS.includes(derived.op as string)) bad(`${dp}.op`, `must be one of ${OPS.join(', ')}`, derived.op);
    const inputs = derived.inputs;
    if (!Array.isArray(inputs) || inputs.length !== 2) return bad(`${dp}.inputs`, 'must be a list of two inputs (JSON Dims or integers)', inputs);
    const ins = inputs.map((x, i) => (Number.isSafeInteger(x) ? (x as number) : parseDimJson(x, `${dp}.inputs[${i}]`))) as [DimJson | number, DimJson | number];
    if (ins.every((x) => typeof x === 'number')) bad(`${dp}.inputs`, 'needs at least one Dim (two integers are a number, not a dim)', inputs);
    const want = derivedDim(derived.op as DimOpKind, ins);
    for (const k of ['dim', 'kind', 'size'] as const) {
      if (want[k] !== out[k]) bad(`${path}.${k}`, `of a derived dim must be what RETURNN derives from its inputs, ${JSON.stringify(want[k])}`, out[k]);
    }
    out.derived = want.derived!;
  }
  return out;
}

const OP_STR: Record<DimOpKind, string> = { add: '+', mul: '*', floordiv: '//', truediv: '/', truediv_left: ' /l ', ceildiv: '/', ceildiv_left: ' /l ' };
const OP_FN: Record<DimOpKind, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  mul: (a, b) => a * b,
  floordiv: (a, b) => Math.floor(a / b),
  truediv: (a, b) => Math.floor(a / b),
  truediv_left: (a, b) => Math.floor(a / b),
  ceildiv: (a, b) => -Math.floor(-a / b),
  ceildiv_left: (a, b) => -Math.floor(-a / b),
};

/** RETURNN `_get_description(dim, brackets=True)`. */
function descriptionOf(x: DimJson | number): string {
  if (typeof x === 'number') return String(x);
  return /[+\-/ ]/.test(x.dim) ? `(${x.dim})` : x.dim;
}

/**
 * The dim RETURNN's `_math_get_dim_via_bin_op([a, b], op)` makes (without
 * its simplifications; see {@link dimMath} for those).
 */
export function derivedDim(op: DimOpKind, inputs: [DimJson | number, DimJson | number]): DimJson {
  const sizes = inputs.map((x) => (typeof x === 'number' ? x : x.size));
  const size = sizes.every((s) => s !== null) ? OP_FN[op](sizes[0]!, sizes[1]!) : null;
  let dim = inputs.map(descriptionOf).join(OP_STR[op]);
  if (op.startsWith('ceildiv')) dim = `⌈${dim}⌉`;
  // RETURNN's _get_merged_dim_kind: a dim made from the batch dim is spatial, not the batch.
  const kind: DimJsonKind = inputs.some((x) => typeof x !== 'number' && x.kind === 'feature') ? 'feature' : 'spatial';
  return { dim, kind, size, derived: { op, inputs } };
}

const sameDim = (a: DimJson | number, b: DimJson | number): boolean =>
  typeof a === 'number' || typeof b === 'number' ? a === b : a.dim === b.dim && a.kind === b.kind;

/** The arithmetic a RETURNN config may do on Dims: `+`, `-` (by an integer), `*`, `//`, `div_left`/`div_right`, `ceildiv_left`/`ceildiv_right`. */
export type DimMathOp = DimOpKind | 'sub';

/**
 * `a <op> b` on Dims as RETURNN's `Dim.__add__`, `__radd__`, `__sub__`,
 * `__mul__`, `__rmul__`, `__floordiv__`, `div_left`, `div_right`,
 * `ceildiv_left`, `ceildiv_right` compute it, with their simplifications:
 * `+ 0`, `* 1`, `/ 1` give the dim itself; `(a + b) - b` gives `a`;
 * `(a * b) / b` (any division by the right factor; `div_left` and
 * `ceildiv_left` by the left one) gives `a`; `(a + n) + m` with integers
 * folds to `a + (n+m)` (RETURNN's `_MathFindMatchingAdditive` on constant
 * terms); `a + a` gives `2*a`. A number on the left (`1 + time`) is
 * RETURNN's `__radd__`/`__rmul__`.
 * @throws DimJsonError when neither side is a Dim, for `Dim - Dim` (RETURNN's
 *   negative dims), or for a division by zero.
 */
export function dimMath(op: DimMathOp, a: DimJson | number, b: DimJson | number, path = 'dim'): DimJson {
  if (typeof a === 'number' && typeof b === 'number') throw new DimJsonError({ path, problem: `${op} of two integers is not a Dim`, received: [a, b] });
  if (op === 'sub') {
    if (typeof b !== 'number') throw new DimJsonError({ path, problem: 'Dim - Dim is not supported (only Dim - integer)', received: [a, b] });
    if (typeof a === 'number') throw new DimJsonError({ path, problem: 'integer - Dim is not supported (only Dim - integer)', received: [a, b] });
    if (b === 0) return a;
    const d = a.derived;
    if (d?.op === 'add' && sameDim(d.inputs[1], b)) return d.inputs[0] as DimJson;
    return dimMath('add', a, -b, path);
  }
  if ((op.endsWith('div') || op.startsWith('truediv') || op.startsWith('ceildiv')) && b === 0) {
    throw new DimJsonError({ path, problem: 'division by zero', received: [a, b] });
  }
  if (op === 'add') {
    if (b === 0) return a as DimJson;
    if (a === 0) return b as DimJson;
    if (typeof b === 'number' && typeof a !== 'number' && a.derived?.op === 'add' && typeof a.derived.inputs[1] === 'number') {
      const n = a.derived.inputs[1] + b;
      return n === 0 ? (a.derived.inputs[0] as DimJson) : derivedDim('add', [a.derived.inputs[0], n]);
    }
    if (typeof a === 'number' && typeof b !== 'number' && b.derived?.op === 'add' && typeof b.derived.inputs[0] === 'number') {
      const n = a + b.derived.inputs[0];
      return n === 0 ? (b.derived.inputs[1] as DimJson) : derivedDim('add', [n, b.derived.inputs[1]]);
    }
    if (sameDim(a, b)) return derivedDim('mul', [2, a]);
    return derivedDim('add', [a, b]);
  }
  if (op === 'mul') {
    if (b === 1) return a as DimJson;
    if (a === 1) return b as DimJson;
    return derivedDim('mul', [a, b]);
  }
  if (typeof a === 'number') throw new DimJsonError({ path, problem: `integer ${op} Dim is not supported (the Dim goes on the left)`, received: [a, b] });
  if (b === 1) return a;
  const m = a.derived;
  const left = op === 'truediv_left' || op === 'ceildiv_left';
  if (m?.op === 'mul' && sameDim(m.inputs[left ? 0 : 1], b)) {
    const rest = m.inputs[left ? 1 : 0];
    if (typeof rest !== 'number') return rest;
  }
  return derivedDim(op, [a, b]);
}

/** The Strata `Dim` kind of a JSON Dim: `unspecified` is `spatial` when dynamic, else `feature` (Strata's dim-tag default). */
export function strataKindOf(d: DimJson): 'batch' | 'spatial' | 'feature' {
  if (d.kind === 'unspecified') return d.size === null ? 'spatial' : 'feature';
  return d.kind;
}

/**
 * An `extern_data` entry with RETURNN Dims in JSON form (`dim_tags` or
 * RETURNN's newer `dims`, `sparse_dim`) in Strata's dim-tag form
 * (`{"kind": "batch"}`, `{"description": "time", "dimension": null}`); an
 * entry without JSON Dims as it is, its dims in the order given (the batch
 * dim anywhere: `canonicalDataConfig` puts it first).
 * @throws DimJsonError naming `extern_data.<key>.dims[i]` for a malformed
 *   Dim, or `dims` (RETURNN's Tensor version 2).
 */
export function dataConfigOfDimJson<C extends { dim_tags?: unknown; sparse_dim?: unknown }>(name: string, c: C): C {
  if (!isObject(c)) return c;
  let raw = c as Record<string, unknown>;
  if (raw.same_dim_tags_as !== undefined) raw = sameDimTagsAs(name, raw);
  const key = raw.dims !== undefined ? 'dims' : 'dim_tags';
  const list = raw[key];
  const hasJson = (Array.isArray(list) && list.some(isDimJson)) || isDimJson(raw.sparse_dim) || raw.dims !== undefined || raw.feature_dim !== undefined;
  if (!hasJson) return raw as C;
  const path = `extern_data.${name}`;
  // RETURNN's Tensor(dims=...) is its version 2: no default dtype and no feature axis (linear without in_dim, conv
  // then compute other things than on dim_tags), which Strata's Data does not model.
  if (raw.dims !== undefined) {
    throw new DimJsonError({
      path: `${path}.dims`,
      problem:
        'is RETURNN\'s Tensor version 2, which has no feature axis (linear without in_dim, conv and other layers compute something else on it); ' +
        'Strata reads the dim_tags form (version 1, the feature axis is the last static dim): write "dim_tags" with the same Dims',
      received: raw.dims,
    });
  }
  if (raw.dims !== undefined && raw.dim_tags !== undefined) throw new DimJsonError({ path, problem: 'give either dims or dim_tags (the same, RETURNN Tensor dims), not both', received: Object.keys(raw) });
  if (!Array.isArray(list)) throw new DimJsonError({ path: `${path}.${key}`, problem: 'must be a list of Dims, batch_dim first', received: list });
  const tag = (v: unknown, p: string) => {
    if (!isDimJson(v)) return v;
    const d = parseDimJson(v, p);
    return d.kind === 'batch' ? { kind: 'batch' } : { description: d.dim, dimension: d.size, kind: strataKindOf(d) };
  };
  // The batch dim may be anywhere (RETURNN's time-major `[time_dim, batch_dim, feat_dim]`): canonicalDataConfig
  // (data-layout.ts) moves it first and the feed transposes the values; a second batch dim is an error there.
  const tags = list.map((v, i) => tag(v, `${path}.${key}[${i}]`));
  const { dims: _dims, feature_dim: featureDim, ...rest } = raw;
  if (featureDim !== undefined) {
    // RETURNN's feature_dim kwarg: which of the dims is the feature axis; Strata's is the last one.
    const f = parseDimJson(featureDim, `${path}.feature_dim`);
    const lastTag = tags[tags.length - 1];
    if (!isObject(lastTag) || lastTag.description !== f.dim) {
      throw new DimJsonError({ path: `${path}.feature_dim`, problem: `must be the last of the dims (Strata keeps the feature axis last); it is not ${JSON.stringify(lastTag)}`, received: featureDim });
    }
  }
  const out: Record<string, unknown> = { ...rest, dim_tags: tags };
  if (raw.sparse_dim !== undefined) out.sparse_dim = tag(raw.sparse_dim, `${path}.sparse_dim`);
  return out as C;
}

/**
 * RETURNN's `same_dim_tags_as` (Data kwarg: axis description → Dim) on an
 * entry of the `dim`/`sparse` form without `shape`: the time axis (`"t"`,
 * `"T"`, `"time"`) is that Dim; the entry in the dims form
 * (`dim_tags: [batch_dim, <time>, <feature of size dim>]`, sparse: `[batch_dim, <time>]` with `sparse_dim`).
 * @throws DimJsonError for other axes or entries with `shape` or axis keys.
 */
function sameDimTagsAs(name: string, raw: Record<string, unknown>): Record<string, unknown> {
  const path = `extern_data.${name}.same_dim_tags_as`;
  const given = raw.same_dim_tags_as;
  if (!isObject(given)) throw new DimJsonError({ path, problem: 'must be an object of axis description -> Dim, e.g. {"t": time_dim}', received: given });
  const keys = Object.keys(given);
  if (keys.length !== 1 || !['t', 'time'].includes(keys[0]!.toLowerCase())) {
    throw new DimJsonError({ path, problem: 'Strata reads only the time axis here ({"t": time_dim}); write the entry with dims: [batch_dim, time_dim, feature_dim]', received: given });
  }
  for (const k of ['shape', 'dim_tags', 'dims', 'batch_dim_axis', 'time_dim_axis', 'feature_dim_axis']) {
    if (raw[k] !== undefined) throw new DimJsonError({ path, problem: `is read only without ${k}; write the entry with dims: [batch_dim, time_dim, feature_dim]`, received: given });
  }
  const time = parseDimJson(given[keys[0]!], `${path}.${keys[0]}`);
  const { same_dim_tags_as: _s, sparse, dim, ...rest } = raw;
  if (!Number.isSafeInteger(dim)) throw new DimJsonError({ path: `extern_data.${name}.dim`, problem: 'must be the feature (or class) count with same_dim_tags_as', received: dim });
  const feat: DimJson = { dim: `${name}:${sparse ? 'classes' : 'feature'}`, kind: 'feature', size: dim as number };
  return sparse ? { ...rest, dim_tags: [BATCH_DIM_JSON, time], sparse_dim: feat } : { ...rest, dim_tags: [BATCH_DIM_JSON, time, feat] };
}
