import { type DType, ops, type Tensor } from '@strata/backend';
import { z } from 'zod';
import { Data, Dim } from '../../data.js';
import { InputShapeError } from '../../errors.js';
import { type CallContext, Layer, type LayerArgs, type LayerConfig, type SymbolicShape } from '../../layer.js';
import { type LayerOptions, type LayerSpec, option, resolveArgs, schemas } from '../../layer-spec.js';
import { type ReturnnAxes, returnnAxis, returnnAxesSchema } from './returnn-axes.js';

/** Arguments of {@link UnflattenNd}. */
export interface UnflattenNdArgs extends LayerArgs {
  /** How many axes the flat axis becomes (RETURNN `num_axes`). */
  numAxes: number;
  /** The flat axis (RETURNN `in_dim`): the time axis `"T"` (the default). */
  inDim?: ReturnnAxes;
}

const UNFLATTEN_ND_OPTIONS = {
  numAxes: option(schemas.positiveInt(), { returnn: 'num_axes' }),
  inDim: option(returnnAxesSchema(), { default: 'T', returnn: 'in_dim' }),
} satisfies LayerOptions;

/**
 * Unflattens the time axis into `numAxes` axes with per-sequence sizes
 * (RETURNN `UnflattenNdLayer`, TF util `unflatten_nd`): with `sizes[b] =
 * (t_1, ..., t_N)`, `y[b, i_1, ..., i_N] = x[b, row-major index of (i_1, ..., i_N) in (t_1, ..., t_N)]`
 * for `i_k < t_k`; other positions are zero (RETURNN repeats `x[b, 0]` there). Each new axis
 * is dynamic, its lengths `sizes[:, k]`; in a net dict the output's Dims carry them.
 *
 * The output size `max_b t_k` depends on the sizes' values: they are read
 * from the backend (`ops.readSync`), so a traced graph backend cannot run the layer.
 * Inputs: `[x, sizes]`, `x` `[batch, time, ...]`, `sizes` int32 `[batch, numAxes]`.
 * Shape: `[batch, max t_1, ..., max t_N, ...]`. Any dtype.
 * @throws InputShapeError if `sizes` is not int32 `[batch, numAxes]`, or `inDim` is not axis 1.
 */
export class UnflattenNd extends Layer {
  static override readonly className: string = 'UnflattenNd';
  readonly numAxes: number;
  readonly inDim: ReturnnAxes;
  /** The new axes of the net-dict template (see {@link UnflattenNd.outputTemplate}); their sizes are set by `call`. */
  private outDims: Dim[] = [];
  private lastSizes: Tensor[] = [];

  constructor(args: UnflattenNdArgs) {
    super(args);
    const a = resolveArgs('UnflattenNd', UNFLATTEN_ND_OPTIONS, args) as Required<UnflattenNdArgs>;
    this.numAxes = a.numAxes;
    this.inDim = a.inDim;
  }

  override call(inputs: Tensor | Tensor[], _ctx: CallContext): Tensor {
    const [x, sizes] = inputs as Tensor[];
    if (!x || !sizes || sizes.dtype !== 'int32' || sizes.shape.length !== 2 || sizes.shape[0] !== x.shape[0] || sizes.shape[1] !== this.numAxes) {
      throw new InputShapeError({ layer: this.name, expected: `expected [x, sizes] with sizes int32 [batch, ${this.numAxes}]; sizes is ${sizes?.dtype} [${sizes?.shape ?? ''}], x`, received: x?.shape ?? [] });
    }
    const [batch, time, ...rest] = x.shape as number[];
    const s = Array.from(ops.readSync(sizes), Number);
    const per = (b: number) => s.slice(b * this.numAxes, (b + 1) * this.numAxes);
    const maxes = Array.from({ length: this.numAxes }, (_, k) => Math.max(0, ...Array.from({ length: batch! }, (_, b) => per(b)[k]!)));
    const cells = maxes.reduce((a, b) => a * b, 1);
    const idx = new Int32Array(batch! * cells);
    const valid = new Float32Array(batch! * cells);
    for (let b = 0; b < batch!; b++) {
      const t = per(b);
      for (let c = 0; c < cells; c++) {
        // c's coordinates in the max grid, then its row-major index in sequence b's own grid.
        let rem = c;
        let flat = 0;
        let ok = true;
        for (let k = this.numAxes - 1, stride = 1; k >= 0; k--) {
          const i = rem % maxes[k]!;
          rem = Math.floor(rem / maxes[k]!);
          if (i >= t[k]!) ok = false;
          flat += i * stride;
          stride *= t[k]!;
        }
        ok = ok && flat < time!;
        idx[b * cells + c] = b * time! + (ok ? flat : 0);
        valid[b * cells + c] = ok ? 1 : 0;
      }
    }
    const picked = ops.gather(ops.reshape(x, [batch! * time!, ...rest]), ops.tensor(idx, [idx.length], 'int32'), 0);
    const mask = ops.reshape(ops.tensor(valid, [valid.length]), [valid.length, ...rest.map(() => 1)]);
    const y = ops.reshape(x.dtype === 'float32' ? ops.mul(picked, mask) : ops.where(ops.greater(mask, 0), picked, ops.cast(ops.zeros([1]), x.dtype as DType)), [batch!, ...maxes, ...rest]);
    this.lastSizes = Array.from({ length: this.numAxes }, (_, k) => ops.reshape(ops.slice(sizes, [0, k], [-1, 1]), [-1]));
    this.outDims.forEach((d, k) => (d.dynSize = this.lastSizes[k]));
    return y;
  }

  /** The lengths of the first new axis (`sizes[:, 0]` of the last call). */
  override outputSeqLens(seqLens: Tensor): Tensor {
    return this.lastSizes[0] ?? seqLens;
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const [x] = inputShape as SymbolicShape[];
    const a = x!.slice(1).includes(null) ? returnnAxis(this.inDim, x!, this.name) : 1;
    if (a !== 1) throw new InputShapeError({ layer: this.name, expected: `in_dim ${JSON.stringify(this.inDim)} must be the time axis (axis 1)`, received: x! });
    return [x![0]!, ...new Array<null>(this.numAxes).fill(null), ...x!.slice(2)];
  }

  /** The net-dict template: `numAxes` new dynamic Dims (their lengths set when the layer runs), then `x`'s axes after time. */
  outputTemplate(name: string, x: Data): Data {
    this.outDims = Array.from({ length: this.numAxes }, (_, k) => new Dim({ description: `${name}:unflatten-nd:${k}`, derivedFrom: x.timeDim }));
    return new Data({ name, dims: [...this.outDims, ...x.dims.slice(1)], dtype: x.dtype, sparseDim: x.sparseDim });
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), numAxes: this.numAxes, inDim: this.inDim };
  }
}

/** RETURNN's `unflatten_nd`: `sizes` (a layer, int32 `[B, num_axes]`), `num_axes`, `in_dim`. `out_dims`, `declare_same_sizes_as` are not read. */
export const unflattenNdLayer: LayerSpec = {
  cls: UnflattenNd,
  options: { ...UNFLATTEN_ND_OPTIONS, sizes: option(z.string({ error: 'must name a layer (int32 [batch, num_axes])' }), { returnn: 'sizes' }) },
  netDict: {
    names: ['unflatten_nd'],
    sources: 'concat',
    refKeys: ['sizes'],
    acceptsSparse: true,
    outputData: ({ layer, sources, name }) => (layer as UnflattenNd).outputTemplate(name, sources[0]!),
  },
};
