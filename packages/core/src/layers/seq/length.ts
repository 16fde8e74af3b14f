import { ops, type Tensor } from '@strata/backend';
import { z } from 'zod';
import { Data, Dim } from '../../data.js';
import { type DimJson, isDimJson } from '../../dim-json.js';
import { InputShapeError, LayerArgumentError } from '../../errors.js';
import { type CallContext, Layer, type LayerArgs, type LayerConfig, type SymbolicShape } from '../../layer.js';
import { type LayerBuildContext, type LayerOptions, type LayerSpec, option, resolveArgs, schemas } from '../../layer-spec.js';
import { axesInData } from '../shape/axis-in-data.js';
import { derivedDimBase, derivedDimSizes } from '../shape/dim-sizes.js';
import { seqInput, xShapeOf } from './seq-inputs.js';

/** Arguments of {@link Length}. */
export interface LengthArgs extends Omit<LayerArgs, 'dtype'> {
  /**
   * The axis whose length is output (RETURNN `axis`): `"T"` (the time axis,
   * default: its lengths, `[batch]`) or `"B"` (the batch size, a scalar); any
   * letter case, `"time"`/`"batch"` too. Net dicts also take any RETURNN axis
   * description, resolved on the input (a static axis gives its size).
   */
  axis?: string | number | DimJson;
  /** Set by net dicts for a static axis: its size, output as a scalar. */
  staticSize?: number;
  /**
   * Set by net dicts for a RETURNN Dim derived from the time axis (`time + 2`, RETURNN `axis` a Dim the input
   * does not have): the lengths output are this Dim's, computed from the time axis' (RETURNN `Dim.complete_dyn_size`).
   */
  derivedDim?: DimJson;
  /** `int32` (default, RETURNN's) or `float32` (RETURNN `dtype`); for the batch size and static sizes only (the time axis' lengths are int32). */
  dtype?: 'int32' | 'float32';
  /** Mark the batch size or a static size as sparse, class indices of unknown count (RETURNN `sparse`; not for the time axis). Default false. */
  sparse?: boolean;
}

const LENGTH_OPTIONS = {
  axis: option(
    z.union([z.string({ error: 'must be a RETURNN axis description ("T", "B", "F", "stag:name", ...), an axis index or a Dim' }).min(1), z.number().int(), z.custom<DimJson>(isDimJson)]),
    { default: 'T', returnn: 'axis' },
  ),
  staticSize: option(schemas.positiveInt().optional()),
  derivedDim: option(z.custom<DimJson>(isDimJson, { error: 'must be a Dim (JSON form) derived from the time axis' }).optional()),
  dtype: option(z.enum(['int32', 'float32'], { error: "must be 'int32' or 'float32'" }), { default: 'int32', returnn: 'dtype' }),
  sparse: option(schemas.boolean(), { default: false, returnn: 'sparse' }),
} satisfies LayerOptions;

type LengthKind = 'time' | 'batch' | 'static';

/**
 * The length of one axis of its input (RETURNN `LengthLayer`): of the time
 * axis, the sequence lengths `[x, seqLens]` → a copy of `seqLens` `[batch]`;
 * of the batch axis, the batch size `x.shape[0]` as a scalar (after
 * `flatten_batch`, the number of packed frames); of a static axis, its size as
 * a scalar.
 *
 * Inputs: `x` `[batch, ...]` (any dtype), and for the time axis `seqLens` int32 `[batch]`.
 * Shape: `[batch]` int32 (time: RETURNN outputs the axis' own lengths, `dyn_size_ext`, so `dtype` and
 * `sparse` do not apply), or `[]` (batch, static) of `dtype`. Not differentiable.
 * @throws LayerArgumentError for an `axis` other than time or batch without `staticSize`.
 * @throws InputShapeError if the time axis' `seqLens` is missing or not int32 `[batch]`.
 */
export class Length extends Layer {
  static override readonly className: string = 'Length';
  readonly axis: string | number | DimJson;
  readonly staticSize: number | undefined;
  readonly derivedDim: DimJson | undefined;
  readonly outDType: 'int32' | 'float32';
  readonly sparse: boolean;
  /** Which length: the time axis' lengths, the batch size, or a static size. */
  readonly kind: LengthKind;

  constructor(args: LengthArgs = {}) {
    super({ ...args, dtype: undefined });
    const a = resolveArgs('Length', LENGTH_OPTIONS, args) as Required<Omit<LengthArgs, 'staticSize' | 'derivedDim'>> & { staticSize?: number; derivedDim?: DimJson };
    this.axis = a.axis;
    this.staticSize = a.staticSize;
    this.derivedDim = a.derivedDim;
    this.outDType = a.dtype;
    this.sparse = a.sparse;
    const s = String(a.axis).toLowerCase();
    this.kind = a.staticSize !== undefined ? 'static' : s === 'b' || s === 'batch' ? 'batch' : s === 't' || s === 'time' ? 'time' : (undefined as never);
    if (this.derivedDim && (this.kind !== 'time' || !derivedDimBase(this.derivedDim))) {
      throw new LayerArgumentError(`Length: derivedDim '${this.derivedDim.dim}' must be a Dim derived from one dynamic Dim, with axis "T" (the time axis it is derived from).`);
    }
    if (this.kind === undefined) {
      throw new LayerArgumentError(`Length: axis must be "T" (the time axis) or "B" (the batch axis), or give staticSize. Received: axis=${JSON.stringify(a.axis)}.`);
    }
  }

  override call(inputs: Tensor | Tensor[], _ctx: CallContext): Tensor {
    if (this.kind === 'time') {
      const { seqLens } = seqInput(inputs, this.name, { requireLens: true });
      // A copy, so that disposing the output leaves the input alive. int32 whatever `dtype` says (RETURNN: the Dim's own lengths).
      const lens = ops.cast(seqLens!, 'int32');
      return this.derivedDim ? (derivedDimSizes(this.derivedDim, derivedDimBase(this.derivedDim)!, lens) as Tensor) : lens;
    }
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    if (this.kind === 'batch' && x.shape.length < 1) throw new InputShapeError({ layer: this.name, expected: 'x with a batch axis [batch, ...]', received: x.shape });
    const n = this.kind === 'batch' ? x.shape[0]! : this.staticSize!;
    return ops.tensor(this.outDType === 'int32' ? Int32Array.of(n) : Float32Array.of(n), [], this.outDType);
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    return this.kind === 'time' ? [xShapeOf(inputShape)[0]!] : [];
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), axis: this.axis, staticSize: this.staticSize, derivedDim: this.derivedDim, dtype: this.outDType, sparse: this.sparse };
  }
}

/** Data holding a batch size (`length` with `axis: "B"`): `range_from_length` of it runs over the batch axis. */
const batchSizes = new WeakSet<Data>();
/** Whether `d` is the output of `length` over the batch axis (RETURNN: its value is `batch.dim`). */
export const isBatchSizeData = (d: Data): boolean => batchSizes.has(d);

/**
 * Net dicts: `axis` resolved on the input (RETURNN
 * `get_dim_tag_from_description`): the batch axis → `"B"`, the time axis →
 * `"T"`, a static axis → its size; `"sparse_dim"` → the class count.
 * @throws LayerArgumentError for a dynamic axis other than the time axis (its lengths do not reach the layer).
 */
function deriveLength(c: LayerBuildContext, a: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const d = c.sources[0];
  if (!d || a.axis === undefined) return {};
  if (isDimJson(a.axis)) return lengthOfDim(d, a.axis);
  if (a.axis === 'sparse_dim') {
    if (!d.sparseDim?.size) throw new LayerArgumentError(`axis "sparse_dim": ${d} is not sparse with a known class count. Received: axis="sparse_dim".`);
    return { staticSize: d.sparseDim.size };
  }
  const found = axesInData(d, a.axis);
  if (found.length !== 1) throw new LayerArgumentError(`axis ${JSON.stringify(a.axis)} must name exactly one axis of ${d}; it names ${found.length}. Received: axis=${JSON.stringify(a.axis)}.`);
  const off = d.hasBatch ? 1 : 0;
  if (d.hasBatch && found[0] === 0) return { axis: 'B' };
  const dim = d.dims[found[0]! - off]!;
  if (!dim.isDynamic) return { staticSize: dim.size };
  if (dim !== d.timeDim || !d.hasBatch) {
    throw new LayerArgumentError(`axis ${JSON.stringify(a.axis)} names a dynamic axis of ${d} that is not its time axis; Strata's length layer reads the lengths of the time axis only. Received: axis=${JSON.stringify(a.axis)}.`);
  }
  return { axis: 'T' };
}

/**
 * `axis` a RETURNN Dim that is not an axis of the input (dim-options.ts keeps those; RETURNN
 * `LengthLayer.fixup_dim`, then the Dim's own size): a static Dim gives its size, a Dim derived from the
 * input's time axis (`time + 2`) its lengths computed from the time axis' lengths.
 * @throws LayerArgumentError for a dynamic Dim not derived from the input's time axis alone.
 */
function lengthOfDim(d: Data, j: DimJson): Record<string, unknown> {
  if (j.size !== null) return { staticSize: j.size };
  const base = derivedDimBase(j);
  if (j.derived && base !== undefined && d.hasBatch && d.timeDim?.description === base) return { axis: 'T', derivedDim: j };
  throw new LayerArgumentError(
    `axis: Dim '${j.dim}' is not an axis of ${d}${j.derived ? `, and is not derived from its time axis '${d.timeDim?.description ?? '(none)'}' alone` : ''}; Strata's length layer reads the lengths of the input's time axis and Dims derived from it. Received: axis=${JSON.stringify(j)}.`,
  );
}

/**
 * RETURNN's `length` (`LengthLayer`): `axis` (default `"T"`; `"B"` gives the
 * batch size, a static axis its size, as scalars), `dtype`, `sparse` (the
 * output's class count is unknown, RETURNN's `dim=None`; these two only for
 * the scalar sizes: the time axis' lengths are int32 as in RETURNN); `add_time_axis`
 * ("should not be used") is an unknown key. A sparse source is fine: only its
 * lengths are read.
 */
export const lengthLayer: LayerSpec = {
  cls: Length,
  options: LENGTH_OPTIONS,
  netDict: {
    names: ['length'],
    sources: 'concat',
    acceptsSparse: true,
    seqLens: (layer) => (layer as Length).kind === 'time',
    derive: deriveLength,
    outputData: (c) => {
      const l = c.layer as Length;
      // The time axis: RETURNN's `dim.dyn_size_ext.copy()`, int32 [B], neither `dtype` nor `sparse` applied.
      if (l.kind === 'time') return new Data({ name: c.name, dims: [], dtype: 'int32' });
      const sparseDim = l.sparse ? new Dim({ description: `${c.name}:length`, size: null, kind: 'feature' }) : undefined;
      const out = new Data({ name: c.name, dims: [], dtype: l.outDType, sparseDim, hasBatch: false });
      if (l.kind === 'batch') batchSizes.add(out);
      return out;
    },
  },
};
