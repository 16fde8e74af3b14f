import { ops, type Tensor } from '@strata/backend';
import { z } from 'zod';
import { Data, Dim } from '../../data.js';
import { InputShapeError, LayerArgumentError } from '../../errors.js';
import { type CallContext, Layer, type LayerArgs, type LayerConfig, type SymbolicShape } from '../../layer.js';
import { type LayerBuildContext, type LayerOptions, type LayerSpec, option, resolveArgs, schemas } from '../../layer-spec.js';
import { axesInData } from '../shape/axis-in-data.js';
import { seqInput, xShapeOf } from './seq-inputs.js';

/** Arguments of {@link Length}. */
export interface LengthArgs extends Omit<LayerArgs, 'dtype'> {
  /**
   * The axis whose length is output (RETURNN `axis`): `"T"` (the time axis,
   * default: its lengths, `[batch]`) or `"B"` (the batch size, a scalar); any
   * letter case, `"time"`/`"batch"` too. Net dicts also take any RETURNN axis
   * description, resolved on the input (a static axis gives its size).
   */
  axis?: string | number;
  /** Set by net dicts for a static axis: its size, output as a scalar. */
  staticSize?: number;
  /** `int32` (default, RETURNN's) or `float32` (RETURNN `dtype`); for the batch size and static sizes only (the time axis' lengths are int32). */
  dtype?: 'int32' | 'float32';
  /** Mark the batch size or a static size as sparse, class indices of unknown count (RETURNN `sparse`; not for the time axis). Default false. */
  sparse?: boolean;
}

const LENGTH_OPTIONS = {
  axis: option(z.union([z.string({ error: 'must be a RETURNN axis description ("T", "B", "F", "stag:name", ...) or an axis index' }).min(1), z.number().int()]), { default: 'T', returnn: 'axis' }),
  staticSize: option(schemas.positiveInt().optional()),
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
  readonly axis: string | number;
  readonly staticSize: number | undefined;
  readonly outDType: 'int32' | 'float32';
  readonly sparse: boolean;
  /** Which length: the time axis' lengths, the batch size, or a static size. */
  readonly kind: LengthKind;

  constructor(args: LengthArgs = {}) {
    super({ ...args, dtype: undefined });
    const a = resolveArgs('Length', LENGTH_OPTIONS, args) as Required<Omit<LengthArgs, 'staticSize'>> & { staticSize?: number };
    this.axis = a.axis;
    this.staticSize = a.staticSize;
    this.outDType = a.dtype;
    this.sparse = a.sparse;
    const s = String(a.axis).toLowerCase();
    this.kind = a.staticSize !== undefined ? 'static' : s === 'b' || s === 'batch' ? 'batch' : s === 't' || s === 'time' ? 'time' : (undefined as never);
    if (this.kind === undefined) {
      throw new LayerArgumentError(`Length: axis must be "T" (the time axis) or "B" (the batch axis), or give staticSize. Received: axis=${JSON.stringify(a.axis)}.`);
    }
  }

  override call(inputs: Tensor | Tensor[], _ctx: CallContext): Tensor {
    if (this.kind === 'time') {
      const { seqLens } = seqInput(inputs, this.name, { requireLens: true });
      // A copy, so that disposing the output leaves the input alive. int32 whatever `dtype` says (RETURNN: the Dim's own lengths).
      return ops.cast(seqLens!, 'int32');
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
    return { ...super.getConfig(), axis: this.axis, staticSize: this.staticSize, dtype: this.outDType, sparse: this.sparse };
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
