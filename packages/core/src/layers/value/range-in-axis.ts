import { type DType, ops, type Tensor } from '@strata/backend';
import { z } from 'zod';
import { Data, Dim } from '../../data.js';
import { type DimJson, isDimJson } from '../../dim-json.js';
import { LayerArgumentError } from '../../errors.js';
import { type CallContext, Layer, type LayerArgs, type LayerConfig, type SymbolicShape } from '../../layer.js';
import { type LayerOptions, type LayerSpec, option, resolveArgs } from '../../layer-spec.js';
import { axisDescSchema, axisFromSource, axisIndex, inputOf, returnnAxisOption } from '../shape/axis-ops.js';
import { derivedDimBase, derivedDimSizes } from '../shape/dim-sizes.js';
import { axesInData } from '../shape/axis-in-data.js';
import type { SeqAxis } from '../seq/seq-inputs.js';
import { xShapeOf } from '../seq/seq-inputs.js';

/** Arguments of {@link RangeInAxis}. */
export interface RangeInAxisArgs extends LayerArgs {
  /**
   * The axis of the input whose positions are output: `'T'`, `'F'` or an index >= 1 counted with the batch axis,
   * or `'B'`, the batch axis (RETURNN `axis`; a net dict's `"b"` or `"batch"`).
   */
  axis: SeqAxis | 'B';
  /** `int32` or `float32` (RETURNN `dtype`). Default int32. */
  dtype?: DType;
  /**
   * A RETURNN Dim derived from the axis `axis` (`time + 2`; RETURNN `axis` a Dim the input does not have): the
   * positions of that Dim, `0 .. n' - 1` with `n'` computed from the axis' size, and its lengths computed from the
   * axis' lengths (RETURNN `Dim.complete_dyn_size`).
   */
  derivedDim?: DimJson;
}

const AXIS = returnnAxisOption('axis');
const RANGE_IN_AXIS_OPTIONS = {
  axis: option(z.union([AXIS.schema, z.literal('B')], { error: "must be 'T', 'F', 'B' or a non-batch axis index (not 0)" }), {
    returnn: 'axis',
    returnnSchema: z.union([axisDescSchema, z.custom<DimJson>(isDimJson)]),
  }),
  derivedDim: option(z.custom<DimJson>(isDimJson, { error: 'must be a Dim (JSON form) derived from the axis' }).optional()),
  dtype: option(z.enum(['float32', 'int32'], { error: "must be 'float32' or 'int32'" }).optional(), { returnn: 'dtype' }),
  // RETURNN raises for unbroadcast/keepdims set ("do not use"); sparse needs a class dim Strata does not template.
  unbroadcast: option(z.literal(false, { error: 'must be false (RETURNN: deprecated and unsupported)' }).optional(), { returnn: 'unbroadcast' }),
  keepdims: option(z.literal(false, { error: 'must be false (RETURNN: deprecated and unsupported)' }).optional(), { returnn: 'keepdims' }),
  sparse: option(z.literal(false, { error: 'must be false (a sparse range is not supported)' }).optional(), { returnn: 'sparse' }),
} satisfies LayerOptions;

/**
 * The positions `0, 1, ..., n - 1` of one axis of the input (RETURNN
 * `RangeInAxisLayer`), without a batch axis: `[n]`. In a net dict the output
 * axis is the input's axis itself (same Dim), so over time it carries the
 * input's lengths.
 *
 * Inputs: `x` `[batch, ...]`. Shape: `[x.shape[axis]]`, int32 (or float32). No weights.
 * @throws LayerArgumentError for a bad `axis` or `dtype`.
 * @throws InputShapeError if the axis is not a non-batch axis of `x`.
 */
export class RangeInAxis extends Layer {
  static override readonly className: string = 'RangeInAxis';
  readonly axis: SeqAxis | 'B';
  readonly outDType: DType;
  readonly derivedDim: DimJson | undefined;
  /** The description of the Dim {@link derivedDim} is derived from. */
  private readonly base: string | undefined;

  constructor(args: RangeInAxisArgs) {
    super({ ...args, dtype: undefined });
    const a = resolveArgs('RangeInAxis', RANGE_IN_AXIS_OPTIONS, args);
    this.axis = a.axis;
    this.outDType = args.dtype ?? 'int32';
    this.derivedDim = a.derivedDim;
    this.base = a.derivedDim && derivedDimBase(a.derivedDim);
    if (a.derivedDim && (this.base === undefined || a.axis === 'B')) {
      throw new LayerArgumentError(`RangeInAxis: derivedDim '${a.derivedDim.dim}' must be derived from one dynamic Dim, the non-batch axis 'axis'.`);
    }
  }

  override call(inputs: Tensor | Tensor[], _ctx: CallContext): Tensor {
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    let n = x.shape[this.axis === 'B' ? 0 : axisIndex(this.axis, x.shape.length, this.name)]!;
    // RETURNN Dim.get_dim_value of the derived Dim: its op on the axis' (padded) size.
    if (this.derivedDim) n = derivedDimSizes(this.derivedDim, this.base!, n) as number;
    const values = Array.from({ length: n }, (_, i) => i);
    return ops.tensor(this.outDType === 'int32' ? Int32Array.from(values) : Float32Array.from(values), [n], this.outDType);
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const shape = xShapeOf(inputShape);
    if (this.derivedDim) return [null];
    return [shape[this.axis === 'B' ? 0 : axisIndex(this.axis, shape.length, this.name)] ?? null];
  }

  /** With {@link derivedDim}: the derived Dim's lengths from the axis' (`seqLens`, int32 `[batch]`). */
  override outputSeqLens(seqLens: Tensor): Tensor {
    return this.derivedDim ? (derivedDimSizes(this.derivedDim, this.base!, seqLens) as Tensor) : seqLens;
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), axis: this.axis, dtype: this.outDType, derivedDim: this.derivedDim };
  }
}

/**
 * `axis` a RETURNN Dim the input does not have (dim-options.ts keeps those; RETURNN `LengthLayer.fixup_dim`):
 * one derived from the input's time axis (`time + 2`).
 * @throws LayerArgumentError for another Dim (a static Dim the input does not have: RETURNN's range over it
 *   is not read here).
 */
function derivedAxis(d: Data, j: DimJson): Record<string, unknown> {
  const base = derivedDimBase(j);
  if (j.size === null && j.derived && base !== undefined && d.hasBatch && d.timeDim?.description === base) return { axis: 'T', derivedDim: j };
  throw new LayerArgumentError(
    `axis: Dim '${j.dim}' is not an axis of ${d}, and is not a dynamic Dim derived from its time axis '${d.timeDim?.description ?? '(none)'}' alone; give an axis of the input. Received: axis=${JSON.stringify(j)}.`,
  );
}

/**
 * RETURNN's `range_in_axis`: `axis` (any RETURNN description), `dtype`;
 * `unbroadcast`, `keepdims`, `sparse` only False. The output's one axis is
 * the input's (its Dim, with its lengths); no batch axis. Over the batch axis
 * (`"b"`), `0 .. B - 1` on the batch axis itself (RETURNN's output `[B]`).
 */
export const rangeInAxisLayer: LayerSpec = {
  cls: RangeInAxis,
  options: RANGE_IN_AXIS_OPTIONS,
  netDict: {
    names: ['range_in_axis'],
    sources: 'concat',
    acceptsSparse: true,
    derive: (c, a) => {
      const d = inputOf(c);
      if (isDimJson(a.axis)) return d ? derivedAxis(d, a.axis) : {};
      if (d?.hasBatch && a.axis !== undefined && axesInData(d, a.axis).join() === '0') return { axis: 'B' };
      return axisFromSource(c, a, 'axis');
    },
    outputData: (c) => {
      const d = inputOf(c);
      if (!d) return undefined;
      const l = c.layer as RangeInAxis;
      if (l.axis === 'B') return new Data({ name: c.name, dims: [], dtype: l.outDType });
      const a = axisIndex(l.axis, d.batchShape.length, c.name) - (d.hasBatch ? 1 : 0);
      if (l.derivedDim) return new Data({ name: c.name, dims: [new Dim({ description: l.derivedDim.dim, kind: 'spatial', derivedFrom: d.dims[a] })], dtype: l.outDType, hasBatch: false });
      return new Data({ name: c.name, dims: [d.dims[a]!], dtype: l.outDType, hasBatch: false });
    },
  },
};
