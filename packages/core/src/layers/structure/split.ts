import { ops, type Tensor } from '@strata/backend';
import { z } from 'zod';
import { Dim } from '../../data.js';
import { InputShapeError, LayerArgumentError } from '../../errors.js';
import { type CallContext, Layer, type LayerArgs, type LayerConfig, type SymbolicShape } from '../../layer.js';
import { type LayerBuildContext, type LayerOptions, type LayerSpec, option, resolveArgs, schemas } from '../../layer-spec.js';
import { axisDescSchema, inputOf } from '../shape/axis-ops.js';
import { axesInData } from '../shape/axis-in-data.js';
import type { SubOutputLayer } from './sub-outputs.js';

/** Arguments of {@link Split}. */
export interface SplitArgs extends LayerArgs {
  /** The split axis, an index >= 1 counted with the batch axis (a static axis). */
  axis: number;
  /** The parts' sizes along `axis`, in order; they add up to the axis' size. */
  sizeSplits: number[];
}

const AXIS = 'must be an axis index >= 1 (counted with the batch axis)';
const SPLIT_OPTIONS = {
  axis: option(z.number({ error: AXIS }).int({ error: AXIS }).min(1, { error: AXIS }), { returnn: 'axis', returnnSchema: axisDescSchema, returnnDefault: 'F' }),
  sizeSplits: option(z.array(schemas.positiveInt(), { error: 'must be a list of positive integers' }).min(1, { error: 'must name at least one part' }), { returnn: 'size_splits' }),
  numSplits: option(schemas.positiveInt().optional(), { returnn: 'num_splits' }),
} satisfies LayerOptions;

/**
 * Splits one static axis into parts (RETURNN `SplitLayer`, `tf.split`). As
 * in RETURNN the layer's own output is its input unchanged; the parts are
 * its sub-layers `"0"`, `"1"`, ... (net dicts: `"<layer>/0"`), each the
 * input with the axis cut to its part.
 *
 * Inputs: `x` `[batch, ...]`. Shape: as `x`; part `i`: `x`'s with `sizeSplits[i]` on the axis. No weights.
 * @throws LayerArgumentError for a bad `axis` or `sizeSplits`.
 * @throws InputShapeError if the axis is not an axis of `x` or its size is not the sum of `sizeSplits`.
 */
export class Split extends Layer implements SubOutputLayer {
  static override readonly className: string = 'Split';
  readonly axis: number;
  readonly sizeSplits: number[];

  constructor(args: SplitArgs) {
    super(args);
    const a = resolveArgs('Split', SPLIT_OPTIONS, args);
    this.axis = a.axis;
    this.sizeSplits = a.sizeSplits;
  }

  private check(shape: SymbolicShape): void {
    const total = this.sizeSplits.reduce((s, n) => s + n, 0);
    if (this.axis >= shape.length || shape[this.axis] !== total) {
      throw new InputShapeError({ layer: this.name, expected: `axis ${this.axis} of size ${total} (the sum of sizeSplits ${JSON.stringify(this.sizeSplits)})`, received: shape as number[] });
    }
  }

  override call(inputs: Tensor | Tensor[], _ctx: CallContext): Tensor {
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    this.check(x.shape);
    return x;
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as SymbolicShape;
    this.check(shape);
    return shape;
  }

  subOutputNames(): string[] {
    return this.sizeSplits.map((_, i) => String(i));
  }

  subOutputs(x: Tensor, _ctx: CallContext): Record<string, Tensor> {
    this.check(x.shape);
    const out: Record<string, Tensor> = {};
    let start = 0;
    this.sizeSplits.forEach((n, i) => {
      const begin = x.shape.map((_, k) => (k === this.axis ? start : 0));
      const size = x.shape.map((d, k) => (k === this.axis ? n : d));
      out[String(i)] = ops.slice(x, begin, size);
      start += n;
    });
    return out;
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), axis: this.axis, sizeSplits: this.sizeSplits };
  }
}

/** Net dicts: `axis` resolved on the input (a static axis), `num_splits` turned into equal `size_splits`. */
function deriveSplit(c: LayerBuildContext, a: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const d = inputOf(c);
  if (!d) return {};
  const found = axesInData(d, a.axis);
  if (found.length !== 1 || !d.hasBatch || found[0] === 0) {
    throw new LayerArgumentError(`axis ${JSON.stringify(a.axis)} must name one non-batch axis of ${d}. Received: axis=${JSON.stringify(a.axis)}.`);
  }
  const axis = found[0]!;
  const dim = d.dims[axis - 1]!.size;
  if (dim === null) throw new LayerArgumentError(`split needs a static axis (RETURNN asserts it); axis ${JSON.stringify(a.axis)} of ${d} is dynamic. Received: axis=${JSON.stringify(a.axis)}.`);
  const num = a.numSplits as number | undefined;
  if (num !== undefined && a.sizeSplits !== undefined) throw new LayerArgumentError(`give num_splits or size_splits, not both. Received: num_splits=${num}, size_splits=${JSON.stringify(a.sizeSplits)}.`);
  if (num === undefined) {
    if (a.sizeSplits === undefined) throw new LayerArgumentError(`give num_splits or size_splits (RETURNN's out_dims are Dim objects a net dict cannot write here). Received: neither.`);
    return { axis };
  }
  if (dim % num !== 0) throw new LayerArgumentError(`num_splits ${num} does not divide the size ${dim} of axis ${JSON.stringify(a.axis)} of ${d}. Received: num_splits=${num}.`);
  return { axis, sizeSplits: Array.from({ length: num }, () => dim / num) };
}

/**
 * RETURNN's `split`: `axis` (any RETURNN description, default the feature
 * axis), `num_splits` or `size_splits`; `out_dims` is an unknown key. The
 * output is the input; sub-layers `"<layer>/<i>"` are the parts, each with a
 * new Dim of its size on the split axis (the other axes, a time axis with its
 * lengths, are the input's).
 */
export const splitLayer: LayerSpec = {
  cls: Split,
  options: SPLIT_OPTIONS,
  netDict: {
    names: ['split'],
    sources: 'concat',
    derive: deriveSplit,
    outputData: (c) => inputOf(c)?.copy({ name: c.name }),
    subOutputData: (layer, input, name, sub) => {
      const l = layer as Split;
      const i = /^\d+$/.test(sub) ? Number(sub) : -1;
      const size = l.sizeSplits[i];
      if (size === undefined) return undefined;
      const k = l.axis - 1;
      return input.copy({ name, dims: input.dims.map((d, j) => (j === k ? new Dim({ description: `${name}:split${i}`, size, kind: d.kind }) : d)) });
    },
  },
};
