import { ops, type Tensor } from '@strata/backend';
import { z } from 'zod';
import { Data, Dim } from '../../data.js';
import { InputShapeError } from '../../errors.js';
import { type CallContext, Layer, type LayerArgs, type LayerConfig, type SymbolicShape } from '../../layer.js';
import { type LayerOptions, type LayerSpec, option, resolveArgs, schemas } from '../../layer-spec.js';
import { checkSeqLens, int } from '../seq/seq-inputs.js';
import { type ReturnnAxes, returnnAxis, returnnAxesSchema } from './returnn-axes.js';

/** Arguments of {@link SliceNd}. */
export interface SliceNdArgs extends LayerArgs {
  /** Frames per slice (RETURNN `size`, a static size here). */
  size: number;
  /** A fixed start frame (RETURNN `start` as an int); without it, the start comes as an input (a layer). Default: an input. */
  start?: number;
  /** The sliced axis (RETURNN `axis`): the time axis `"T"` (the default). */
  axis?: ReturnnAxes;
}

const SLICE_ND_OPTIONS = {
  size: option(schemas.positiveInt(), { returnn: 'size' }),
  start: option(schemas.nonNegativeInt().optional()),
  axis: option(returnnAxesSchema(), { default: 'T', returnn: 'axis' }),
} satisfies LayerOptions;

/**
 * `x[b, start_b : start_b + size]` along time with a start per sequence
 * (RETURNN `SliceNdLayer` with a static `size`): output frame `i` of
 * sequence `b` is `x[b, start_b + i]` where `0 <= start_b + i < len_b`, else 0
 * (RETURNN's pad mask). `start` is a scalar or one per sequence (an input),
 * or a fixed int: then, as RETURNN, a plain slice `x[:, start:start + size]` without the pad mask.
 *
 * Inputs: `[x, start]` or `[x, start, seqLens]` (`start` int32 `[]` or `[batch]`), or with a fixed `start`: `x` or `[x, seqLens]`.
 * Shape: `[batch, size, ...]` (a static axis). Any float dtype; gradient to `x`.
 * @throws LayerArgumentError for a non-positive `size`.
 * @throws InputShapeError if `start` is not int32 `[]`/`[batch]` (RETURNN's `[batch, time]` starts are not supported) or `axis` is not the time axis.
 */
export class SliceNd extends Layer {
  static override readonly className: string = 'SliceNd';
  readonly size: number;
  readonly start: number | undefined;
  readonly axis: ReturnnAxes;

  constructor(args: SliceNdArgs) {
    super(args);
    const a = resolveArgs('SliceNd', SLICE_ND_OPTIONS, args) as SliceNdArgs & { axis: ReturnnAxes };
    this.size = a.size;
    this.start = a.start;
    this.axis = a.axis;
  }

  override call(inputs: Tensor | Tensor[], _ctx: CallContext): Tensor {
    const list = Array.isArray(inputs) ? inputs : [inputs];
    const x = list[0]!;
    const startT = this.start === undefined ? list[1] : undefined;
    const seqLens = list[this.start === undefined ? 2 : 1];
    const [batch, time, ...rest] = x.shape as number[];
    if (this.start === undefined && (!startT || startT.dtype !== 'int32' || !(startT.shape.length === 0 || (startT.shape.length === 1 && startT.shape[0] === batch)))) {
      throw new InputShapeError({ layer: this.name, expected: `expected [x, start] with start int32 [] or [${batch}]; start is ${startT?.dtype} [${startT?.shape ?? ''}], x`, received: x.shape });
    }
    if (seqLens) checkSeqLens(seqLens, batch!, this.name);
    if (this.start !== undefined) {
      // RETURNN slices a fixed start plainly (x[:, start:start + size]), with no pad mask.
      if (this.start + this.size > time!) throw new InputShapeError({ layer: this.name, expected: `the slice [${this.start}:${this.start + this.size}] does not fit in ${time} frames`, received: x.shape });
      return ops.slice(x, x.shape.map((_, i) => (i === 1 ? this.start! : 0)), x.shape.map((_, i) => (i === 1 ? this.size : -1)));
    }
    const start = ops.reshape(startT!, [-1, 1]); // [batch|1, 1]
    const range = ops.tensor(Int32Array.from({ length: this.size }, (_, i) => i), [1, this.size], 'int32');
    const pos = ops.add(start, range); // [batch|1, size]
    const lens = ops.reshape(seqLens ?? ops.fill([batch!], time!, 'int32'), [-1, 1]);
    const valid = ops.mul(ops.cast(ops.greater(pos, int(-1)), 'float32'), ops.cast(ops.less(pos, lens), 'float32')); // [batch, size]
    const clipped = ops.maximum(ops.minimum(pos, ops.sub(lens, int(1))), int(0));
    const offsets = ops.tensor(Int32Array.from({ length: batch! }, (_, b) => b * time!), [batch!, 1], 'int32');
    const idx = ops.reshape(ops.add(clipped, offsets), [-1]);
    const picked = ops.reshape(ops.gather(ops.reshape(x, [batch! * time!, ...rest]), idx, 0), [batch!, this.size, ...rest]);
    const mask = ops.reshape(valid, [batch!, this.size, ...rest.map(() => 1)]);
    return ops.mul(picked, mask);
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const x = (Array.isArray(inputShape[0]) ? (inputShape as SymbolicShape[])[0] : (inputShape as SymbolicShape))!;
    const a = x.slice(1).includes(null) ? returnnAxis(this.axis, x, this.name) : 1;
    if (a !== 1) throw new InputShapeError({ layer: this.name, expected: `axis ${JSON.stringify(this.axis)} must be the time axis (axis 1)`, received: x });
    return [x[0]!, this.size, ...x.slice(2)];
  }

  /** The net-dict template: a static `sliced-time` axis of `size`, then `x`'s axes after time. */
  outputTemplate(name: string, x: Data): Data {
    return new Data({ name, dims: [new Dim({ description: `sliced-time:${name}`, size: this.size }), ...x.dims.slice(1)], dtype: x.dtype });
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), size: this.size, start: this.start, axis: this.axis };
  }
}

/**
 * RETURNN's `slice_nd`: `start` (a layer, int32 scalar or `[B]`, or an int),
 * `size` (a static int; RETURNN's `None` or a layer/Dim size is an error
 * here), `axis`. `min_size`, `out_spatial_dim` are not read.
 */
export const sliceNdLayer: LayerSpec = {
  cls: SliceNd,
  options: {
    ...SLICE_ND_OPTIONS,
    start: option(z.union([schemas.nonNegativeInt(), z.string()], { error: 'must be a non-negative int or name a layer' }).optional(), {
      returnn: 'start',
      // A layer name becomes an input (refKeys); an int is the fixed start.
      fromReturnn: (v) => (typeof v === 'string' ? undefined : v),
    }),
  },
  netDict: {
    names: ['slice_nd'],
    sources: 'concat',
    refKeys: ['start'],
    seqLens: true,
    outputData: ({ layer, sources, name }) => (layer as SliceNd).outputTemplate(name, sources[0]!),
  },
};
