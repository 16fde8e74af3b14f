import { ops, type Tensor } from '@strata/backend';
import { z } from 'zod';
import { Dim } from '../../data.js';
import { InputShapeError } from '../../errors.js';
import { type CallContext, Layer, type LayerArgs, type LayerConfig, type SymbolicShape } from '../../layer.js';
import { type LayerBuildContext, type LayerOptions, type LayerSpec, option, resolveArgs, schemas } from '../../layer-spec.js';
import { xShapeOf } from '../seq/seq-inputs.js';
import { inputOf } from './axis-ops.js';

/** Where {@link ExpandDims} inserts its axis: after the feature axis (`'F'`), before it (`'spatial'`), or at an index >= 1 counted with the batch axis. */
export type ExpandDimsAxis = 'F' | 'spatial' | number;

/** Arguments of {@link ExpandDims}. */
export interface ExpandDimsArgs extends LayerArgs {
  /** RETURNN `axis`: `'F'` (a new last axis), `'spatial'` (before the last axis), or the new axis' index counted with the batch axis. */
  axis: ExpandDimsAxis;
  /** Size of the new axis; the input is repeated along it (RETURNN `dim`, `expand_dims_unbroadcast`). Default 1. */
  dim?: number;
}

const AXIS = "must be 'F', 'spatial' (RETURNN also writes 'T'/'time') or an index >= 1 counted with the batch axis";
const axisSchema = z.union([z.literal('F'), z.literal('spatial'), z.number().int().min(1)], { error: AXIS });
const EXPAND_OPTIONS = {
  axis: option(axisSchema, {
    returnn: 'axis',
    returnnSchema: z.union([z.string().refine((s) => ['f', 'feature', 'spatial', 'time', 't'].includes(s.toLowerCase())), z.number().int().min(1)], {
      error: "must be 'F'/'feature', 'spatial'/'time'/'T' (any letter case) or an index >= 1 counted with the batch axis",
    }),
    fromReturnn: (v) => (typeof v === 'number' ? v : ['f', 'feature'].includes((v as string).toLowerCase()) ? 'F' : 'spatial'),
  }),
  dim: option(schemas.positiveInt(), { default: 1, returnn: 'dim', returnnSchema: z.number({ error: 'must be a positive integer (a Dim is not supported)' }).int().positive() }),
} satisfies LayerOptions;

/**
 * Adds an axis (RETURNN `ExpandDimsLayer`): of size `dim`, the input
 * repeated along it. `'F'` puts it after the feature axis (last), `'spatial'`
 * before the last axis of dense input (RETURNN: after sparse input's last
 * axis; a net dict resolves that from the source), an int at that index.
 *
 * Inputs: `x` `[batch, ...]`. Shape: `x` with a new axis of size `dim`. No weights.
 * @throws LayerArgumentError for a bad `axis` or `dim`.
 * @throws InputShapeError if an int axis is past the end of `x`.
 */
export class ExpandDims extends Layer {
  static override readonly className: string = 'ExpandDims';
  readonly axis: ExpandDimsAxis;
  readonly dim: number;

  constructor(args: ExpandDimsArgs) {
    super(args);
    const a = resolveArgs('ExpandDims', EXPAND_OPTIONS, args) as Required<ExpandDimsArgs>;
    this.axis = a.axis;
    this.dim = a.dim;
  }

  /** The index of the new axis in the output, for an input of `rank` (with the batch axis). */
  position(rank: number): number {
    const p = this.axis === 'F' ? rank : this.axis === 'spatial' ? Math.max(1, rank - 1) : this.axis;
    if (p > rank) throw new InputShapeError({ layer: this.name, expected: `axis ${p} is past the end of x (rank ${rank})`, received: new Array<number>(rank).fill(0) });
    return p;
  }

  override call(inputs: Tensor | Tensor[], _ctx: CallContext): Tensor {
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    const p = this.position(x.shape.length);
    const y = ops.reshape(x, [...x.shape.slice(0, p), 1, ...x.shape.slice(p)]);
    return this.dim === 1 ? y : ops.concat(new Array<Tensor>(this.dim).fill(y), p);
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const shape = xShapeOf(inputShape);
    const p = this.position(shape.length);
    return [...shape.slice(0, p), this.dim, ...shape.slice(p)];
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), axis: this.axis, dim: this.dim };
  }
}

/** Net dicts: `'spatial'` on sparse input is after its last axis (RETURNN `_get_axis`). */
function deriveExpand(c: LayerBuildContext, a: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const d = inputOf(c);
  return d?.sparse && a.axis === 'spatial' ? { axis: 'F' } : {};
}

/**
 * RETURNN's `expand_dims`: `axis` (`"F"`, `"spatial"`/`"T"`, or an int
 * counted with the batch axis) and `dim` (an int). The other axes keep their
 * Dims (and a time axis its lengths).
 */
export const expandDimsLayer: LayerSpec = {
  cls: ExpandDims,
  options: EXPAND_OPTIONS,
  netDict: {
    names: ['expand_dims'],
    sources: 'concat',
    acceptsSparse: true,
    derive: deriveExpand,
    outputData: (c) => {
      const d = inputOf(c);
      if (!d) return undefined;
      const p = (c.layer as ExpandDims).position(d.batchShape.length) - (d.hasBatch ? 1 : 0);
      const dims = [...d.dims.slice(0, p), new Dim({ description: `${c.name}_expand_dims`, size: (c.layer as ExpandDims).dim }), ...d.dims.slice(p)];
      return d.copy({ name: c.name, dims });
    },
  },
};
