import { ops, type Tensor } from '@strata/backend';
import { z } from 'zod';
import { Data } from '../../data.js';
import { InputShapeError } from '../../errors.js';
import { type CallContext, Layer, type LayerArgs, type LayerConfig, type SymbolicShape } from '../../layer.js';
import { type LayerOptions, type LayerSpec, option, resolveArgs, schemas } from '../../layer-spec.js';
import { maskFrames } from '../../sequence-mask.js';
import { checkSeqLens, int } from '../seq/seq-inputs.js';

/** Arguments of {@link ScatterNd}. */
export interface ScatterNdArgs extends LayerArgs {
  /** The output's number of frames when no template input gives it. In a net dict: the time length of `output_dim_via_time_from`. */
  outTime?: number;
  /** Drop updates whose position is outside `[0, outTime)` (RETURNN `filter_invalid_indices`). Default false (they are dropped too: see the class). */
  filterInvalidIndices?: boolean;
}

const TIME = ['T', 't', 'time'] as const;
const SCATTER_ND_OPTIONS = {
  outTime: option(schemas.positiveInt().optional()),
  filterInvalidIndices: option(schemas.boolean(), { default: false, returnn: 'filter_invalid_indices' }),
} satisfies LayerOptions;

/**
 * Scatters the frames of `x` to new time positions (RETURNN `ScatterNdLayer`
 * over the time axis, `tf.scatter_nd`): `y[b, o] = sum_t [position[b, t] == o] * x[b, t]`,
 * so updates to one position add up. Positions outside `[0, outTime)` are
 * dropped (RETURNN drops them with `filter_invalid_indices`; without it TF
 * fails there). Computed as a one-hot matrix product, so `x` gets gradients.
 *
 * Inputs: `[x, position]`, `[x, position, timeFrom]` or `[x, position, timeFrom, seqLens]`:
 * `x` `[batch, time, ...]`, `position` int32 `[time]` or `[batch, time]`, `timeFrom` any `[batch, outTime, ...]`
 * (only its time length is read), `seqLens` int32 `[batch]` its lengths (output frames past them are zero).
 * Shape: `[batch, outTime, ...]`, float32.
 * @throws InputShapeError if `position` is not int32 `[time]`/`[batch, time]` of x's time, or no `outTime` is known.
 */
export class ScatterNd extends Layer {
  static override readonly className: string = 'ScatterNd';
  readonly outTime: number | undefined;
  readonly filterInvalidIndices: boolean;

  constructor(args: ScatterNdArgs = {}) {
    super(args);
    const a = resolveArgs('ScatterNd', SCATTER_ND_OPTIONS, args);
    this.outTime = a.outTime;
    this.filterInvalidIndices = a.filterInvalidIndices!;
  }

  override call(inputs: Tensor | Tensor[], _ctx: CallContext): Tensor {
    const [x, position, timeFrom, seqLens] = inputs as Tensor[];
    const [batch, time, ...rest] = x!.shape as number[];
    if (!position || position.dtype !== 'int32' || position.shape[position.shape.length - 1] !== time || position.shape.length > 2 || (position.shape.length === 2 && position.shape[0] !== batch)) {
      throw new InputShapeError({ layer: this.name, expected: `expected position int32 [${time}] or [${batch}, ${time}]; it is ${position?.dtype} [${position?.shape ?? ''}], x`, received: x!.shape });
    }
    const outTime = timeFrom?.shape[1] ?? this.outTime;
    if (outTime === undefined) throw new InputShapeError({ layer: this.name, expected: 'the output length is unknown: give outTime or a timeFrom input', received: x!.shape });
    const pos = ops.reshape(position, [-1, time!]); // [batch|1, time]
    const valid = ops.mul(ops.cast(ops.greater(pos, int(-1)), 'float32'), ops.cast(ops.less(pos, int(outTime)), 'float32'));
    const safe = ops.maximum(ops.minimum(pos, int(outTime - 1)), int(0));
    // onehot[b, t, o] = [position[b, t] == o] for valid positions.
    const onehot = ops.mul(ops.oneHot(safe, outTime), ops.reshape(valid, [-1, time!, 1]));
    const full = onehot.shape[0] === batch ? onehot : ops.mul(onehot, ops.ones([batch!, 1, 1]));
    const flat = ops.reshape(x!, [batch!, time!, -1]);
    const y = ops.reshape(ops.matMul(full, flat, true, false), [batch!, outTime, ...rest]);
    if (seqLens) checkSeqLens(seqLens, batch!, this.name);
    return seqLens ? maskFrames(y, seqLens) : y;
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const [x, , timeFrom] = inputShape as SymbolicShape[];
    return [x![0]!, timeFrom ? timeFrom[1]! : (this.outTime ?? null), ...x!.slice(2)];
  }

  /** The net-dict template: `timeFrom`'s time Dim (with its lengths), then `x`'s axes after time. */
  outputTemplate(name: string, x: Data, timeFrom: Data): Data {
    return new Data({ name, dims: [timeFrom.timeDim!, ...x.dims.slice(1)], dtype: 'float32' });
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), outTime: this.outTime, filterInvalidIndices: this.filterInvalidIndices };
  }
}

const layerName = (what: string) => z.string({ error: `must name a layer (${what})` });

/**
 * RETURNN's `scatter_nd` over the time axis: `position` (a layer, int32 `[T]`
 * or `[B, T]`), `position_axis` (the time axis: `"T"`), `output_dim_via_time_from`
 * (a layer whose time axis the output takes), `filter_invalid_indices`.
 * `out_spatial_dim` is not read (an unknown-key error).
 */
export const scatterNdLayer: LayerSpec = {
  cls: ScatterNd,
  options: {
    ...SCATTER_ND_OPTIONS,
    position: option(layerName('int32 indices into the output time axis'), { returnn: 'position' }),
    positionAxis: option(z.string({ error: "must be the time axis 'T'" }).refine((v) => (TIME as readonly string[]).includes(v), { error: "must be the time axis 'T' (Strata scatters over time only)" }), { returnn: 'position_axis' }),
    outputDimViaTimeFrom: option(layerName('whose time axis the output takes'), { returnn: 'output_dim_via_time_from' }),
  },
  netDict: {
    names: ['scatter_nd'],
    sources: 'concat',
    refKeys: ['position', 'output_dim_via_time_from'],
    seqLens: true,
    seqLensFrom: 'output_dim_via_time_from',
    outputData: ({ layer, sources, name }) => (layer as ScatterNd).outputTemplate(name, sources[0]!, sources[2]!),
  },
};
