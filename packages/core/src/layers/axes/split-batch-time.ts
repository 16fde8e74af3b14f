import { ops, type Tensor } from '@strata/backend';
import { z } from 'zod';
import type { Data } from '../../data.js';
import { InputShapeError } from '../../errors.js';
import { type CallContext, Layer, type LayerArgs, type LayerConfig, type SymbolicShape } from '../../layer.js';
import { type LayerOptions, type LayerSpec, option, resolveArgs, schemas } from '../../layer-spec.js';
import { mergedBatchDimOrigin } from '../merge-batch-dims.js';

/** Arguments of {@link SplitBatchTime}. */
export interface SplitBatchTimeArgs extends LayerArgs {
  /** The time axis of `base` (counted with its batch axis, which is 0). Default 1. */
  baseTimeAxis?: number;
}

const SPLIT_BATCH_TIME_OPTIONS = {
  baseTimeAxis: option(schemas.positiveInt(), { default: 1 }),
} satisfies LayerOptions;

/**
 * Splits a batch axis of `batch * time` entries back into `[batch, time]`
 * (RETURNN `SplitBatchTimeLayer`): `y[b, t, ...] = x[b * time + t, ...]`,
 * with `batch` and `time` the sizes of `base`'s batch and time axes (a
 * `merge_dims` of `["B", "T"]` merged them). In a net dict the output's axes
 * are `base`'s time axis, then `x`'s axes, a dynamic axis that `merge_dims`
 * kept being its input axis again (RETURNN keeps one dim tag for it). No weights.
 *
 * Inputs: `[x, base]`, `x` `[batch * time, ...]`, `base` `[batch, ...]` with `time` at `baseTimeAxis`.
 * Shape: `[batch, time, ...x.shape[1:]]`, `x`'s dtype; gradient to `x`.
 * @throws InputShapeError if `x`'s first axis is not `batch * time` of `base`.
 */
export class SplitBatchTime extends Layer {
  static override readonly className: string = 'SplitBatchTime';
  readonly baseTimeAxis: number;

  constructor(args: SplitBatchTimeArgs = {}) {
    super(args);
    this.baseTimeAxis = resolveArgs('SplitBatchTime', SPLIT_BATCH_TIME_OPTIONS, args).baseTimeAxis!;
  }

  override call(inputs: Tensor | Tensor[], _ctx: CallContext): Tensor {
    const [x, base] = inputs as Tensor[];
    const [batch, time] = [base?.shape[0], base?.shape[this.baseTimeAxis]];
    if (!x || batch === undefined || time === undefined || x.shape[0] !== batch * time) {
      throw new InputShapeError({ layer: this.name, expected: `expected [x, base] with x [batch * time, ...] of base's batch ${batch} and time ${time} (axis ${this.baseTimeAxis}); x`, received: x?.shape ?? [] });
    }
    return ops.reshape(x, [batch, time, ...x.shape.slice(1)]);
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const [x, base] = inputShape as SymbolicShape[];
    return [base?.[0] ?? null, base?.[this.baseTimeAxis] ?? null, ...(x ?? []).slice(1)];
  }

  /** The net-dict template: `base`'s time axis, then `x`'s axes (a kept dynamic axis of a merge as its input axis). */
  static outputTemplate(name: string, x: Data, base: Data): Data {
    const time = base.dims[base.dims.indexOf(base.timeDim!)]!;
    return x.copy({ name, dims: [time, ...x.dims.map((d) => mergedBatchDimOrigin.get(d) ?? d)] });
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), baseTimeAxis: this.baseTimeAxis };
  }
}

const BASE = 'must name a layer (its batch and time axes give the split; RETURNN\'s default "data")';

/**
 * RETURNN's `split_batch_time`: `base` (a layer with a time axis, default
 * `"data"`), whose batch and time sizes split the source's batch axis.
 */
export const splitBatchTimeLayer: LayerSpec = {
  cls: SplitBatchTime,
  options: {
    ...SPLIT_BATCH_TIME_OPTIONS,
    // The layer it names becomes an input of its own (refKeys).
    base: option(z.string({ error: BASE }).optional(), { returnn: 'base', fromReturnn: () => undefined }),
  },
  netDict: {
    names: ['split_batch_time'],
    sources: 'concat',
    acceptsSparse: true,
    refKeys: ['base'],
    refDefaults: { base: 'data' },
    derive: (c) => {
      const base = c.sources[c.sources.length - 1]!;
      if (!base.timeDim) throw new InputShapeError({ layer: c.name, expected: `base ${base} must have a time axis`, received: [] });
      return { baseTimeAxis: base.dims.indexOf(base.timeDim) + 1 };
    },
    outputData: (c) => SplitBatchTime.outputTemplate(c.name, c.sources[0]!, c.sources[c.sources.length - 1]!),
  },
};
