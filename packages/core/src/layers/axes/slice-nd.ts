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
  /**
   * Frames per slice (RETURNN `size`): a static size, or `null` for RETURNN's `None`: each slice runs to
   * the end of its sequence (`len_b - start_b` frames, at least `minSize`), a dynamic axis of `max_b` of those.
   */
  size: number | null;
  /** With `size: null`, the least length of a slice (RETURNN `min_size`; RETURNN reads it only then). Default 0. */
  minSize?: number;
  /** A fixed start frame (RETURNN `start` as an int); without it, the start comes as an input (a layer). Default: an input. */
  start?: number;
  /** The sliced axis (RETURNN `axis`): the time axis `"T"` (the default). */
  axis?: ReturnnAxes;
}

const SLICE_ND_OPTIONS = {
  size: option(schemas.positiveInt().nullable(), { returnn: 'size' }),
  minSize: option(schemas.nonNegativeInt(), { default: 0, returnn: 'min_size' }),
  start: option(schemas.nonNegativeInt().optional()),
  axis: option(returnnAxesSchema(), { default: 'T', returnn: 'axis' }),
} satisfies LayerOptions;

/**
 * `x[b, start_b : start_b + size]` along time with a start per sequence
 * (RETURNN `SliceNdLayer`): output frame `i` of
 * sequence `b` is `x[b, start_b + i]` where `0 <= start_b + i < len_b`, else 0
 * (RETURNN's pad mask). `start` is a scalar or one per sequence (an input),
 * or a fixed int: then, as RETURNN, a plain slice `x[:, start:start + size]` without the pad mask.
 *
 * With `size: null` (RETURNN's `None`) each slice runs to its sequence's end: its length is
 * `max(len_b - start_b, minSize)` (`len_b` itself for a fixed start 0, as RETURNN), the output axis
 * is dynamic with `max_b` of those frames (read from the backend, so a traced graph backend cannot run it,
 * except for a fixed start without lengths: `time - start` frames),
 * and {@link SliceNd.outputSeqLens} gives the lengths (without `seqLens`, `len_b` is the axis size).
 *
 * Inputs: `[x, start]` or `[x, start, seqLens]` (`start` int32 `[]` or `[batch]`), or with a fixed `start`: `x` or `[x, seqLens]`.
 * Shape: `[batch, size, ...]` (a static axis; dynamic with `size: null`). Any float dtype; gradient to `x`.
 * @throws LayerArgumentError for a non-positive `size`.
 * @throws InputShapeError if `start` is not int32 `[]`/`[batch]` (RETURNN's `[batch, time]` starts are not supported) or `axis` is not the time axis.
 */
export class SliceNd extends Layer {
  static override readonly className: string = 'SliceNd';
  readonly size: number | null;
  readonly minSize: number;
  readonly start: number | undefined;
  readonly axis: ReturnnAxes;
  /** With `size: null`: the net-dict template's dynamic axis, and the slice lengths of the last call. */
  private outDim: Dim | undefined;
  private lastSizes: Tensor | undefined;

  constructor(args: SliceNdArgs) {
    super(args);
    const a = resolveArgs('SliceNd', SLICE_ND_OPTIONS, args) as SliceNdArgs & { axis: ReturnnAxes };
    this.size = a.size;
    this.minSize = a.minSize ?? 0;
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
    const lens1 = seqLens ?? ops.fill([batch!], time!, 'int32');
    let size = this.size;
    if (size === null) {
      // RETURNN: len for a fixed start 0, else max(len - start, min_size); the axis is their maximum.
      const sizes = this.start === 0 ? lens1 : ops.maximum(ops.sub(lens1, startT ? ops.reshape(startT, [-1]) : int(this.start!)), int(this.minSize));
      this.lastSizes = ops.reshape(sizes, [batch!]);
      if (this.outDim) this.outDim.dynSize = this.lastSizes;
      // The axis: the longest slice, from the lengths and starts read from the backend (the inputs, not the result
      // above, so a compiled gradient of x still runs), or the static rest of the axis.
      const read = (t: Tensor): number[] => Array.from(ops.readSync(t), Number);
      const hostLens = seqLens ? read(seqLens) : new Array<number>(batch!).fill(time!);
      const hostStart = startT ? read(startT) : [this.start!];
      const sizeOf = (len: number, b: number) => (this.start === 0 ? len : Math.max(len - hostStart[hostStart.length === 1 ? 0 : b]!, this.minSize));
      size = Math.max(0, ...hostLens.map(sizeOf));
    }
    if (this.start !== undefined) {
      // RETURNN slices a fixed start plainly (x[:, start:start + size]), with no pad mask.
      if (this.start + size > time!) throw new InputShapeError({ layer: this.name, expected: `the slice [${this.start}:${this.start + size}] does not fit in ${time} frames`, received: x.shape });
      return ops.slice(x, x.shape.map((_, i) => (i === 1 ? this.start! : 0)), x.shape.map((_, i) => (i === 1 ? size : -1)));
    }
    const start = ops.reshape(startT!, [-1, 1]); // [batch|1, 1]
    const range = ops.tensor(Int32Array.from({ length: size }, (_, i) => i), [1, size], 'int32');
    const pos = ops.add(start, range); // [batch|1, size]
    const lens = ops.reshape(lens1, [-1, 1]);
    // (With size null, start + size >= len: the end of the sequence is the end of the slice.)
    const valid = ops.mul(ops.cast(ops.greater(pos, int(-1)), 'float32'), ops.cast(ops.less(pos, lens), 'float32')); // [batch, size]
    const clipped = ops.maximum(ops.minimum(pos, ops.sub(lens, int(1))), int(0));
    const offsets = ops.tensor(Int32Array.from({ length: batch! }, (_, b) => b * time!), [batch!, 1], 'int32');
    const idx = ops.reshape(ops.add(clipped, offsets), [-1]);
    const picked = ops.reshape(ops.gather(ops.reshape(x, [batch! * time!, ...rest]), idx, 0), [batch!, size, ...rest]);
    const mask = ops.reshape(valid, [batch!, size, ...rest.map(() => 1)]);
    return ops.mul(picked, mask);
  }

  /** With `size: null`, the slice lengths of the last call (int32 `[batch]`); else `seqLens` as it is (a static axis has none). */
  override outputSeqLens(seqLens: Tensor): Tensor {
    return (this.size === null ? this.lastSizes : undefined) ?? seqLens;
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const x = (Array.isArray(inputShape[0]) ? (inputShape as SymbolicShape[])[0] : (inputShape as SymbolicShape))!;
    const a = x.slice(1).includes(null) ? returnnAxis(this.axis, x, this.name) : 1;
    if (a !== 1) throw new InputShapeError({ layer: this.name, expected: `axis ${JSON.stringify(this.axis)} must be the time axis (axis 1)`, received: x });
    return [x[0]!, this.size, ...x.slice(2)];
  }

  /** The net-dict template: a `sliced-time` axis of `size` (dynamic for `size: null`, its lengths set when the layer runs), then `x`'s axes after time. */
  outputTemplate(name: string, x: Data): Data {
    const dim = this.size === null ? new Dim({ description: `sliced-time:${name}`, derivedFrom: x.timeDim }) : new Dim({ description: `sliced-time:${name}`, size: this.size });
    if (this.size === null) this.outDim = dim;
    return new Data({ name, dims: [dim, ...x.dims.slice(1)], dtype: x.dtype });
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), size: this.size, ...(this.minSize ? { minSize: this.minSize } : {}), start: this.start, axis: this.axis };
  }
}

/**
 * RETURNN's `slice_nd`: `start` (a layer, int32 scalar or `[B]`, or an int),
 * `size` (a static int, or `None`: to each sequence's end, a dynamic axis; a
 * layer or Dim size is an error here), `min_size` (with `size: None`), `axis`.
 * `out_spatial_dim` is not read (an unknown key).
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
