import { ops, type Tensor } from '@strata/backend';
import { InputShapeError } from '../../errors.js';
import { type CallContext, Layer, type LayerArgs, type LayerConfig, type SymbolicShape } from '../../layer.js';
import { type LayerOptions, type LayerSpec, option, resolveArgs, schemas } from '../../layer-spec.js';
import { type ReturnnAxes, returnnAxis, returnnAxesSchema } from './returnn-axes.js';
import { seqInput, xShapeOf } from '../seq/seq-inputs.js';
import { markPackedBatch } from './unflatten-batch.js';

/** Arguments of {@link FlattenBatch}. */
export interface FlattenBatchArgs extends LayerArgs {
  /** The axis merged into the batch axis (RETURNN `axis`): the time axis `"T"` (the default). */
  axis?: ReturnnAxes;
  /** Pack sequence after sequence (true, RETURNN's default) or frame index after frame index (false, time-major) (RETURNN `batch_major`). */
  batchMajor?: boolean;
}

const FLATTEN_BATCH_OPTIONS = {
  axis: option(returnnAxesSchema(), { default: 'T', returnn: 'axis' }),
  batchMajor: option(schemas.boolean(), { default: true, returnn: 'batch_major' }),
} satisfies LayerOptions;

/**
 * Merges the time axis into the batch axis, dropping padded frames (RETURNN
 * `FlattenBatchLayer`, TF util `flatten_with_seq_len_mask`): the valid frames
 * `x[b, t]`, `t < len[b]`, packed into one axis of `sum(len)` entries, ordered
 * by `(b, t)` (`batchMajor`) or by `(t, b)`.
 *
 * The packed size depends on the lengths' values: they are read from the
 * backend (`ops.readSync`), so a traced graph backend cannot run the layer.
 * Inputs: `[x, seqLens]`, `x` `[batch, time, ...]`; or `x` alone (every frame valid: a reshape).
 * Shape: `[sum(len), ...]` (a packed batch axis). Any dtype.
 * @throws InputShapeError if `axis` is not the time axis (axis 1).
 */
export class FlattenBatch extends Layer {
  static override readonly className: string = 'FlattenBatch';
  readonly axis: ReturnnAxes;
  readonly batchMajor: boolean;

  constructor(args: FlattenBatchArgs = {}) {
    super(args);
    const a = resolveArgs('FlattenBatch', FLATTEN_BATCH_OPTIONS, args) as Required<FlattenBatchArgs>;
    this.axis = a.axis;
    this.batchMajor = a.batchMajor;
  }

  /** The flat indices (into `[batch * time]`) of the valid frames, in packing order. */
  packedIndices(lens: readonly number[], time: number): number[] {
    const idx: number[] = [];
    if (this.batchMajor) lens.forEach((len, b) => { for (let t = 0; t < Math.min(len, time); t++) idx.push(b * time + t); });
    else for (let t = 0; t < time; t++) lens.forEach((len, b) => { if (t < len) idx.push(b * time + t); });
    return idx;
  }

  override call(inputs: Tensor | Tensor[], _ctx: CallContext): Tensor {
    const { x, seqLens } = seqInput(inputs, this.name);
    this.computeOutputShape(x.shape);
    const [batch, time, ...rest] = x.shape as number[];
    const lens = seqLens ? Array.from(ops.readSync(seqLens), Number) : new Array<number>(batch!).fill(time!);
    const flat = ops.reshape(x, [batch! * time!, ...rest]);
    return ops.gather(flat, ops.tensor(Int32Array.from(this.packedIndices(lens, time!)), [this.packedIndices(lens, time!).length], 'int32'), 0);
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const shape = xShapeOf(inputShape);
    const a = shape.slice(1).includes(null) ? returnnAxis(this.axis, shape, this.name) : 1;
    if (a !== 1) throw new InputShapeError({ layer: this.name, expected: `axis ${JSON.stringify(this.axis)} must be the time axis (axis 1)`, received: shape });
    return [null, ...shape.slice(2)];
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), axis: this.axis, batchMajor: this.batchMajor };
  }
}

/** RETURNN's `flatten_batch` (`FlattenBatchLayer`): `axis` (the time axis), `batch_major`. */
export const flattenBatchLayer: LayerSpec = {
  cls: FlattenBatch,
  options: FLATTEN_BATCH_OPTIONS,
  netDict: {
    names: ['flatten_batch'],
    sources: 'concat',
    seqLens: true,
    acceptsSparse: true,
    outputData: ({ sources, name, layer }) => {
      const src = sources[0]!;
      const out = src.copy({ name, dims: src.dims.filter((d) => d !== src.timeDim) });
      // The batch axis packs the time axis' frames (RETURNN's BatchInfo.PackedDim), for unflatten_batch.
      if (src.timeDim) markPackedBatch(out, { timeDim: src.timeDim, batchMajor: (layer as FlattenBatch).batchMajor });
      return out;
    },
  },
};
