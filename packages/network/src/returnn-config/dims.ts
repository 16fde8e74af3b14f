// RETURNN Dims in a `.config` file (returnn/tensor/dim.py, returnn/tf/util/data.py): the constructors and the
// arithmetic a config may use, evaluated to Strata's JSON Dim form (@strata/core `DimJson`) without running Python.
import { BATCH_DIM_JSON, type DimJson, DimJsonError, type DimMathOp, dimMath, isDimJson, SINGLE_STEP_DIM_JSON } from '@strata/core';
import { ModuleValue, newDict, type PyDict, type PyValue, pyRepr } from './values.js';

/** The modules a config imports RETURNN's Dims from. */
const DIM_MODULES: ReadonlySet<string> = new Set(['returnn.tensor', 'returnn.tf.util.data']);
const CONSTRUCTORS: ReadonlySet<string> = new Set(['Dim', 'SpatialDim', 'FeatureDim']);
const KINDS: Record<string, DimJson['kind']> = { Batch: 'batch', Spatial: 'spatial', Feature: 'feature', Unspecified: 'unspecified' };
/** Dim methods a config may call, and the op each is (RETURNN's `Dim.div_left`, ...). */
const METHODS: Record<string, DimMathOp> = { div_left: 'truediv_left', div_right: 'truediv', ceildiv_left: 'ceildiv_left', ceildiv_right: 'ceildiv', sub_right: 'sub' };
const BINARY: Record<string, DimMathOp> = { '+': 'add', '-': 'sub', '*': 'mul', '//': 'floordiv', '/': 'truediv' };

const asDict = (d: DimJson): PyDict => Object.assign(newDict(), JSON.parse(JSON.stringify(d)) as PyDict);

/**
 * What `from <module> import <name>` binds for RETURNN's Dim names (`Dim`,
 * `SpatialDim`, `FeatureDim`, `batch_dim`, `single_step_dim` from
 * `returnn.tensor` or `returnn.tf.util.data`), or undefined for any other
 * import (which binds an opaque name, an error where an option uses it).
 */
export function dimImport(module: string, name: string): ModuleValue | PyDict | undefined {
  if (!DIM_MODULES.has(module)) return undefined;
  if (name === 'batch_dim') return asDict(BATCH_DIM_JSON);
  if (name === 'single_step_dim') return asDict(SINGLE_STEP_DIM_JSON);
  if (CONSTRUCTORS.has(name)) return new ModuleValue(`${module}.${name}`);
  return undefined;
}

/** The constructor (`Dim`, `SpatialDim`, `FeatureDim`) a module binding is, if it is one. */
export function dimConstructorOf(b: unknown): string | undefined {
  if (!(b instanceof ModuleValue)) return undefined;
  const i = b.module.lastIndexOf('.');
  const name = b.module.slice(i + 1);
  return DIM_MODULES.has(b.module.slice(0, i)) && CONSTRUCTORS.has(name) ? name : undefined;
}

/** `Dim.Types.Spatial` (a member of a Dim constructor binding) as the string the constructor's `kind` takes, else undefined. */
export function dimKindMember(module: string): string | undefined {
  const m = /^(returnn\.tensor|returnn\.tf\.util\.data)\.Dim\.Types\.(\w+)$/.exec(module);
  return m && m[2]! in KINDS ? `Dim.Types.${m[2]}` : undefined;
}

/**
 * A constructor call with literal arguments, as RETURNN makes it:
 * `SpatialDim(description, dimension=None)`, `FeatureDim(description, dimension)`,
 * `Dim(dimension, name=..., kind=Dim.Types.X, description=...)` (kind
 * `unspecified` when not given).
 * @param fail throws the config error at the call.
 */
export function constructDim(ctor: string, positional: PyValue[], keywords: PyDict, fail: (problem: string) => never): PyDict {
  const names = ctor === 'Dim' ? ['dimension'] : ['description', 'dimension'];
  if (positional.length > names.length) fail(`${ctor}() takes at most ${names.length} positional argument(s) here (${names.join(', ')})`);
  const kw: Record<string, PyValue> = { ...keywords };
  names.forEach((n, i) => {
    if (i < positional.length) {
      if (n in kw) fail(`${ctor}() got ${n} twice`);
      kw[n] = positional[i]!;
    }
  });
  const { description, name, dimension, kind, ...rest } = kw;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) fail(`${ctor}() with ${unknown.join(', ')}: Strata reads description/name, dimension and kind only`);
  const desc = description ?? name;
  if (typeof desc !== 'string' || desc === '') fail(`${ctor}() needs a description (name), a non-empty string`);
  const size = dimension ?? null;
  if (size !== null && !(typeof size === 'number' && Number.isSafeInteger(size) && size >= 0)) fail(`${ctor}() dimension must be a non-negative integer or None, not ${pyRepr(size)}`);
  let k: DimJson['kind'] = ctor === 'SpatialDim' ? 'spatial' : ctor === 'FeatureDim' ? 'feature' : 'unspecified';
  if (kind !== undefined && kind !== null) {
    const m = typeof kind === 'string' ? /^Dim\.Types\.(\w+)$/.exec(kind) : null;
    if (!m || !(m[1]! in KINDS)) return fail(`${ctor}() kind must be Dim.Types.Batch, Spatial, Feature or Unspecified, not ${pyRepr(kind)}`);
    k = KINDS[m[1]!]!;
  }
  if (k === 'batch') return asDict(BATCH_DIM_JSON);
  return asDict({ dim: desc as string, kind: k, size: size as number | null });
}

const operand = (v: PyValue): DimJson | number | undefined => (isDimJson(v) ? (v as unknown as DimJson) : typeof v === 'number' && Number.isSafeInteger(v) ? v : undefined);

/**
 * `a op b` when a side is a Dim (`time_dim * 2`, `1 + time_dim`,
 * `time_dim - 1`, `feat // 2`, `feat / heads`), RETURNN's Dim arithmetic
 * (@strata/core `dimMath`); undefined when neither side is a Dim.
 * @throws Error (the caller's operator error) for an operand that is neither a Dim nor an int, or arithmetic RETURNN does not define.
 */
export function dimBinaryOp(op: string, a: PyValue, b: PyValue): PyValue | undefined {
  if (!isDimJson(a) && !isDimJson(b)) return undefined;
  const x = operand(a);
  const y = operand(b);
  const kind = BINARY[op];
  if (x === undefined || y === undefined || kind === undefined) throw new Error(`unsupported Dim arithmetic: ${pyRepr(a)} ${op} ${pyRepr(b)}`);
  return asDict(dimMath(kind, x, y, 'dim'));
}

/** `-dim` (RETURNN: `-1 * dim`), or undefined when `v` is not a Dim. */
export function dimNegate(v: PyValue): PyValue | undefined {
  return isDimJson(v) ? asDict(dimMath('mul', -1, v as unknown as DimJson)) : undefined;
}

/**
 * `dim.<method>(other)` for RETURNN's `div_left`, `div_right`,
 * `ceildiv_left`, `ceildiv_right`, `sub_right`, `sub_left`; undefined when
 * `obj` is not a Dim or the method is not one of those.
 */
export function dimMethod(obj: PyValue, method: string, positional: PyValue[], fail: (problem: string) => never): PyValue | undefined {
  if (!isDimJson(obj) || !(method in METHODS || method === 'sub_left')) return undefined;
  const other = positional.length === 1 ? operand(positional[0]!) : undefined;
  if (other === undefined) return fail(`Dim.${method}() takes one Dim or integer`);
  try {
    if (method === 'sub_left') return asDict(dimMath('add', typeof other === 'number' ? -other : dimMath('mul', -1, other), obj as unknown as DimJson));
    return asDict(dimMath(METHODS[method]!, obj as unknown as DimJson, other));
  } catch (e) {
    if (e instanceof DimJsonError) return fail(e.message);
    throw e;
  }
}
