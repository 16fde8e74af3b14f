import { ops, type Tensor } from '@strata/backend';
import { LayerArgumentError } from '../errors.js';
import { type CallContext, Layer, type LayerArgs, type LayerConfig } from '../layer.js';
import { z } from 'zod';
import { type LayerOptions, type LayerSpec, option, resolveArgs, schemas } from '../layer-spec.js';
import { single } from './util.js';

/** Arguments of {@link Dropout}. */
export interface DropoutArgs extends LayerArgs {
  /** Probability of zeroing an element, in `[0, 1)` (RETURNN `dropout`, Keras `rate`). */
  rate: number;
  /**
   * The mask's shape (Keras/TF `noise_shape`), one entry per axis of `x` with
   * the batch axis: `1` shares one draw along that axis (broadcast), `null`
   * (or the axis' size) draws per element. Default: `x`'s shape.
   */
  noiseShape?: (number | null)[];
}

/** @throws LayerArgumentError unless `0 <= rate < 1`. */
function checkRate(rate: number, where: string): void {
  if (typeof rate !== 'number' || !(rate >= 0 && rate < 1)) {
    throw new LayerArgumentError(`${where}: rate must be a number in [0, 1). Received: rate=${String(rate)}.`);
  }
}

/**
 * Inverted dropout (Srivastava et al. 2014) of `x`: in training, each element
 * is kept with probability `1 - rate` and scaled by `1 / (1 - rate)`, so the
 * expected value is unchanged and inference needs no rescaling; otherwise
 * (or with `rate = 0`) `x` itself is returned.
 *
 * The mask is drawn with `ops.randomUniform(x.shape, 0, 1, ctx.nextSeed())`:
 * element `i` is dropped when its sample is `< rate`. The same seed gives the
 * same mask on every backend. Other layers use this to apply their `dropout`
 * option to their input, as RETURNN does. With `noiseShape` (TF's
 * `noise_shape`), the mask is drawn in that shape (`null` entries: `x`'s size)
 * and broadcast: an axis of size 1 shares one draw (RETURNN's
 * `dropout_noise_shape`, `dropout_axis`).
 *
 * Shape: any `[batch, ...]` → the same shape, float32.
 * @throws LayerArgumentError unless `0 <= rate < 1`, or if `noiseShape` does not fit `x` (rank, or a size that is neither 1 nor `x`'s).
 */
export function applyDropout(x: Tensor, rate: number, ctx: CallContext, noiseShape?: readonly (number | null)[]): Tensor {
  checkRate(rate, 'applyDropout');
  if (!ctx.training || rate === 0) return x;
  const shape = noiseShape ? noiseShape.map((s, i) => (s === null ? x.shape[i]! : s)) : x.shape;
  if (noiseShape && (noiseShape.length !== x.shape.length || shape.some((s, i) => s !== 1 && s !== x.shape[i]))) {
    throw new LayerArgumentError(`applyDropout: noiseShape must have one entry per axis of x, each 1, null or the axis' size. Received: noiseShape=${JSON.stringify(noiseShape)} for x of shape [${x.shape.join(', ')}].`);
  }
  const dropped = ops.cast(ops.less(ops.randomUniform(shape, 0, 1, ctx.nextSeed()), rate), 'float32');
  return ops.mul(x, ops.mul(ops.sub(1, dropped), 1 / (1 - rate)));
}

const NOISE = 'must be a list with one entry per axis (the batch axis first): 1 (one draw shared along the axis) or null (a draw per element)';
const DROPOUT_OPTIONS = {
  rate: option(schemas.rate()),
  noiseShape: option(z.array(z.union([schemas.positiveInt(), z.null()]), { error: NOISE }).optional()),
} satisfies LayerOptions;

/**
 * Dropout layer (RETURNN `dropout` layer class, Keras `Dropout`): see
 * {@link applyDropout}. Active only when `ctx.training`; the identity in
 * inference. No weights.
 *
 * Shape: `[batch, ...]` → the same shape, float32.
 * @throws LayerArgumentError unless `0 <= rate < 1`.
 */
export class Dropout extends Layer {
  static override readonly className: string = 'Dropout';
  /** Acts on each frame alone, so an input mask passes through unchanged (seed `compute_mask`). */
  override readonly supportsMasking: boolean = true;
  readonly rate: number;
  readonly noiseShape: (number | null)[] | undefined;

  constructor(args: DropoutArgs) {
    super(args);
    const a = resolveArgs('Dropout', DROPOUT_OPTIONS, args);
    this.rate = a.rate;
    this.noiseShape = a.noiseShape ? [...a.noiseShape] : undefined;
  }

  override call(inputs: Tensor | Tensor[], ctx: CallContext): Tensor {
    return applyDropout(single(inputs), this.rate, ctx, this.noiseShape);
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), rate: this.rate, ...(this.noiseShape ? { noiseShape: [...this.noiseShape] } : {}) };
  }
}

/** The class in code; RETURNN's `dropout` entries are copies with the common `dropout` key (see `dropoutCopyLayer`). */
export const dropoutLayer: LayerSpec = { cls: Dropout, options: DROPOUT_OPTIONS };
