import { ops, type Tensor } from '@strata/backend';
import { z } from 'zod';
import { InputShapeError, LayerArgumentError } from '../../errors.js';
import { type CallContext, Layer, type LayerArgs, type LayerConfig, type SymbolicShape } from '../../layer.js';
import { type LayerBuildContext, type LayerOptions, type LayerSpec, option, resolveArgs } from '../../layer-spec.js';
import { axisDescSchema, inputOf } from '../shape/axis-ops.js';
import { axesInData } from '../shape/axis-in-data.js';

/** Arguments of {@link SwapAxes}. */
export interface SwapAxesArgs extends LayerArgs {
  /** One axis, an index >= 1 counted with the batch axis. */
  axis1: number;
  /** The other axis, an index >= 1, not `axis1`. */
  axis2: number;
}

const AXIS = 'must be an axis index >= 1 (counted with the batch axis; Strata keeps the batch axis first)';
const axisOption = (returnn: string) => option(z.number({ error: AXIS }).int({ error: AXIS }).min(1, { error: AXIS }), { returnn, returnnSchema: axisDescSchema });
const SWAP_AXES_OPTIONS = { axis1: axisOption('axis1'), axis2: axisOption('axis2') } satisfies LayerOptions;

/**
 * Swaps two axes (RETURNN `SwapAxesLayer`, `tf_util.swapaxes`, a transpose).
 *
 * Inputs: `x` `[batch, ...]`. Shape: `x`'s with the two axes exchanged. No weights.
 * @throws LayerArgumentError for a bad axis or `axis1 == axis2` (RETURNN: "would be no-op").
 * @throws InputShapeError if an axis is not an axis of `x`.
 */
export class SwapAxes extends Layer {
  static override readonly className: string = 'SwapAxes';
  readonly axis1: number;
  readonly axis2: number;

  constructor(args: SwapAxesArgs) {
    super(args);
    const a = resolveArgs('SwapAxes', SWAP_AXES_OPTIONS, args);
    if (a.axis1 === a.axis2) throw new LayerArgumentError(`SwapAxes: axis1 and axis2 name the same axis (RETURNN: would be no-op). Received: axis1=${a.axis1}, axis2=${a.axis2}.`);
    this.axis1 = a.axis1;
    this.axis2 = a.axis2;
  }

  /** The permutation of a rank-`rank` input. */
  perm(rank: number): number[] {
    if (this.axis1 >= rank || this.axis2 >= rank) throw new InputShapeError({ layer: this.name, expected: `axes ${this.axis1} and ${this.axis2} within rank ${rank}`, received: [rank] });
    return [...Array(rank).keys()].map((i) => (i === this.axis1 ? this.axis2 : i === this.axis2 ? this.axis1 : i));
  }

  override call(inputs: Tensor | Tensor[], _ctx: CallContext): Tensor {
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    return ops.transpose(x, this.perm(x.shape.length));
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as SymbolicShape;
    return this.perm(shape.length).map((i) => shape[i]!);
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), axis1: this.axis1, axis2: this.axis2 };
  }
}

/** One non-batch axis of the input named by a RETURNN description. */
export function oneAxis(c: LayerBuildContext, desc: unknown, key: string): number {
  const d = inputOf(c)!;
  const found = axesInData(d, desc);
  if (found.length !== 1 || !d.hasBatch || found[0] === 0) {
    throw new LayerArgumentError(`${key} ${JSON.stringify(desc)} must name one non-batch axis of ${d} (Strata keeps the batch axis first). Received: ${key}=${JSON.stringify(desc)}.`);
  }
  return found[0]!;
}

/**
 * RETURNN's `swap_axes`: `axis1`, `axis2` (RETURNN descriptions). The output
 * has the input's Dims in the swapped order (a time axis keeps its lengths).
 */
export const swapAxesLayer: LayerSpec = {
  cls: SwapAxes,
  options: SWAP_AXES_OPTIONS,
  netDict: {
    names: ['swap_axes'],
    sources: 'concat',
    acceptsSparse: true,
    derive: (c, a) => (inputOf(c) ? { axis1: oneAxis(c, a.axis1, 'axis1'), axis2: oneAxis(c, a.axis2, 'axis2') } : {}),
    outputData: (c) => {
      const d = inputOf(c);
      if (!d) return undefined;
      const perm = (c.layer as SwapAxes).perm(d.dims.length + 1);
      return d.copy({ name: c.name, dims: perm.slice(1).map((i) => d.dims[i - 1]!) });
    },
  },
};
