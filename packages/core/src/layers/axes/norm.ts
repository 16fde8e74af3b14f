import { ops, type Tensor } from '@strata/backend';
import { z } from 'zod';
import { InputShapeError } from '../../errors.js';
import { getInitializer } from '../../initializers/index.js';
import { type CallContext, Layer, type LayerArgs, type LayerConfig, type SymbolicShape } from '../../layer.js';
import { type LayerCheck, type LayerOptions, type LayerSpec, option, resolveArgs, schemas } from '../../layer-spec.js';
import { maskFrames } from '../../sequence-mask.js';
import type { Variable } from '../../variable.js';
import { seqInput, xShapeOf } from '../seq/seq-inputs.js';
import { type ReturnnAxes, returnnAxes, returnnAxesSchema } from './returnn-axes.js';

/** Arguments of {@link Norm}. */
export interface NormArgs extends LayerArgs {
  /** The axes the mean and variance are taken over (RETURNN `axes`, or `axis`): e.g. `"F"`, `"TF"`, `"except_batch"`. */
  axes?: ReturnnAxes;
  /** RETURNN's other name of `axes`; give one of the two. */
  axis?: ReturnnAxes;
  /** The static axes `scale` and `bias` span (RETURNN `param_shape`). Default `"F"`. */
  paramShape?: ReturnnAxes;
  /** A trainable `scale` (ones). Default true. */
  scale?: boolean;
  /** A trainable `bias` (zeros). Default true. */
  bias?: boolean;
  /** Added to the variance. Default 1e-6. */
  epsilon?: number;
}

const EPSILON = 'must be a non-negative number';
const NORM_OPTIONS = {
  axes: option(returnnAxesSchema().optional(), { returnn: 'axes' }),
  axis: option(returnnAxesSchema().optional(), { returnn: 'axis' }),
  paramShape: option(returnnAxesSchema(), { default: 'F', returnn: 'param_shape' }),
  scale: option(schemas.boolean(), { default: true, returnn: 'scale' }),
  bias: option(schemas.boolean(), { default: true, returnn: 'bias' }),
  epsilon: option(z.number({ error: EPSILON }).min(0, { error: EPSILON }), { default: 1e-6, returnn: 'epsilon' }),
} satisfies LayerOptions;

const NORM_CHECKS: readonly LayerCheck[] = [
  (a, name) =>
    (a.axes === undefined) === (a.axis === undefined)
      ? `give exactly one of ${name('axes')} and ${name('axis')} (the axes to normalise over, e.g. "F"). Received: ${name('axes')}=${JSON.stringify(a.axes)}, ${name('axis')}=${JSON.stringify(a.axis)}.`
      : undefined,
];

/**
 * Normalises over `axes` (RETURNN `NormLayer`; layer norm with `"F"`, group
 * norm with G=1 with `"TF"`/`"except_batch"`):
 * `y = (x - mean) * rsqrt(var + epsilon) * scale + bias`, mean and (biased)
 * variance over `axes`, as RETURNN computes them: over every frame of the
 * tensor, padded frames included when `axes` holds the time axis. `scale`
 * and `bias` have the shape of the `paramShape` axes and broadcast over the others.
 *
 * Inputs: `x` float32 `[batch, ...]`, or `[x, seqLens]` (padded frames of the output are zero).
 * Shape: as `x`. Weights: `scale`, `bias` (RETURNN's names), shape of the `paramShape` axes.
 * @throws LayerArgumentError for both or neither of `axes`/`axis`, a negative `epsilon`.
 * @throws InputShapeError if an axis does not exist, or a `paramShape` axis is dynamic.
 */
export class Norm extends Layer {
  static override readonly className: string = 'Norm';
  readonly axes: ReturnnAxes;
  readonly paramShape: ReturnnAxes;
  readonly withScale: boolean;
  readonly withBias: boolean;
  readonly epsilon: number;
  private reduceAxes: number[] = [];
  private paramAxes: number[] = [];
  scale: Variable | undefined;
  bias: Variable | undefined;

  constructor(args: NormArgs) {
    super(args);
    const a = resolveArgs('Norm', NORM_OPTIONS, args, NORM_CHECKS);
    this.axes = (a.axes ?? a.axis)!;
    this.paramShape = a.paramShape!;
    this.withScale = a.scale!;
    this.withBias = a.bias!;
    this.epsilon = a.epsilon!;
  }

  override build(inputShape: SymbolicShape | SymbolicShape[]): void {
    const shape = xShapeOf(inputShape);
    this.reduceAxes = returnnAxes(this.axes, shape, this.name);
    if (this.withScale || this.withBias) {
      this.paramAxes = returnnAxes(this.paramShape, shape, this.name);
      const dims = this.paramAxes.map((i) => shape[i]);
      if (dims.some((d) => d === null || d === undefined) || this.paramAxes.includes(0)) {
        throw new InputShapeError({ layer: this.name, expected: `param_shape ${JSON.stringify(this.paramShape)} must name static axes (not batch or time)`, received: shape });
      }
      if (this.withScale) this.scale = this.addWeight('scale', { shape: dims as number[], initializer: getInitializer('ones') });
      if (this.withBias) this.bias = this.addWeight('bias', { shape: dims as number[], initializer: getInitializer('zeros') });
    }
    super.build(inputShape);
  }

  /** A param `[paramAxes sizes]` reshaped to broadcast against x of `rank` (ascending axis order as RETURNN's copy_compatible_to). */
  private broadcast(p: Tensor, rank: number): Tensor {
    const order = [...this.paramAxes].map((a, i) => [a, i] as const).sort((u, v) => u[0] - v[0]);
    const t = ops.transpose(p, order.map(([, i]) => i));
    return ops.reshape(t, Array.from({ length: rank }, (_, i) => (this.paramAxes.includes(i) ? p.shape[this.paramAxes.indexOf(i)]! : 1)));
  }

  override call(inputs: Tensor | Tensor[], _ctx: CallContext): Tensor {
    const { x, seqLens } = seqInput(inputs, this.name, { minRank: 1 });
    const mean = ops.mean(x, this.reduceAxes, true);
    const centred = ops.sub(x, mean);
    const variance = ops.mean(ops.square(centred), this.reduceAxes, true);
    let y = ops.div(centred, ops.sqrt(ops.add(variance, this.epsilon)));
    if (this.scale) y = ops.mul(y, this.broadcast(this.scale.value, x.shape.length));
    if (this.bias) y = ops.add(y, this.broadcast(this.bias.value, x.shape.length));
    return seqLens ? maskFrames(y, seqLens) : y;
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const shape = xShapeOf(inputShape);
    returnnAxes(this.axes, shape, this.name);
    return shape;
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), axes: this.axes, paramShape: this.paramShape, scale: this.withScale, bias: this.withBias, epsilon: this.epsilon };
  }
}

/** RETURNN's `norm` (`NormLayer`): `axes`/`axis`, `param_shape`, `scale`, `bias`, `epsilon`. */
export const normLayer: LayerSpec = {
  cls: Norm,
  options: NORM_OPTIONS,
  checks: NORM_CHECKS,
  netDict: { names: ['norm'], sources: 'concat', seqLens: true },
};
