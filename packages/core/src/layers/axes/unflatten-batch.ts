import { type DType, ops, type Tensor } from '@strata/backend';
import type { Data, Dim } from '../../data.js';
import { InputShapeError } from '../../errors.js';
import { type CallContext, Layer, type LayerArgs, type LayerConfig, type SymbolicShape } from '../../layer.js';
import { type LayerOptions, type LayerSpec, option, resolveArgs, schemas } from '../../layer-spec.js';
import { checkSeqLens } from '../seq/seq-inputs.js';

/** How a `flatten_batch` output was packed: the time axis merged into the batch axis, and the order. */
export interface PackedBatch {
  /** The time axis merged into the batch (its lengths, `dynSize`, say how many frames each sequence gave). */
  readonly timeDim: Dim;
  /** Sequence after sequence (true) or frame index after frame index (false). */
  readonly batchMajor: boolean;
}

const packed = new WeakMap<Data, PackedBatch>();
/** Records that `d` (a `flatten_batch` output) has a packed batch axis (RETURNN's `BatchInfo.PackedDim`). */
export const markPackedBatch = (d: Data, p: PackedBatch): void => void packed.set(d, p);
/** The packing of `d`'s batch axis if `d` is a `flatten_batch` output, else undefined. */
export const packedBatchOf = (d: Data): PackedBatch | undefined => packed.get(d);

/** Arguments of {@link UnflattenBatch}. */
export interface UnflattenBatchArgs extends LayerArgs {
  /** The packing order of the input (as `flatten_batch`'s `batch_major`): `(b, t)` (true, default) or `(t, b)`. */
  batchMajor?: boolean;
}

const UNFLATTEN_BATCH_OPTIONS = { batchMajor: option(schemas.boolean(), { default: true }) } satisfies LayerOptions;

/**
 * Recovers the time axis that `flatten_batch` merged into the batch axis
 * (RETURNN `UnflattenBatchLayer`, TF util `unflatten_with_seq_len_mask`):
 * packed frame `(b, t)` goes back to `[b, t]`; frames `t >= len[b]` are 0.
 * The inverse of {@link FlattenBatch} with the same `batchMajor`.
 *
 * The packing depends on the lengths' values: they are read on the host
 * (`ops.readSync`), so a traced graph backend cannot run the layer.
 * Inputs: `[x, seqLens]`, `x` `[sum(len), ...]`, `seqLens` int32 `[batch]`.
 * Shape: `[batch, max(len), ...]`, `x`'s dtype. The gradient flows back to the packed frames.
 * @throws InputShapeError if `seqLens` is missing or not int32 `[batch]`, or `x` does not have `sum(len)` entries.
 */
export class UnflattenBatch extends Layer {
  static override readonly className: string = 'UnflattenBatch';
  readonly batchMajor: boolean;

  constructor(args: UnflattenBatchArgs = {}) {
    super(args);
    this.batchMajor = resolveArgs('UnflattenBatch', UNFLATTEN_BATCH_OPTIONS, args).batchMajor!;
  }

  override call(inputs: Tensor | Tensor[], _ctx: CallContext): Tensor {
    const [x, seqLens] = Array.isArray(inputs) ? inputs : [inputs];
    if (!x || !seqLens) throw new InputShapeError({ layer: this.name, expected: 'inputs [x, seqLens] (x packed [sum(len), ...])', received: x?.shape ?? [] });
    checkSeqLens(seqLens, seqLens.shape[0]!, this.name);
    const lens = Array.from(ops.readSync(seqLens), Number);
    const batch = lens.length;
    const time = Math.max(0, ...lens);
    const total = lens.reduce((a, b) => a + b, 0);
    if (x.shape[0] !== total) throw new InputShapeError({ layer: this.name, expected: `x with sum(len) = ${total} packed frames on axis 0`, received: x.shape });
    // Where each [b, t] comes from in the packing (-1: padding).
    const from = new Int32Array(batch * time).fill(-1);
    let k = 0;
    if (this.batchMajor) lens.forEach((len, b) => { for (let t = 0; t < len; t++) from[b * time + t] = k++; });
    else for (let t = 0; t < time; t++) lens.forEach((len, b) => { if (t < len) from[b * time + t] = k++; });
    const rest = x.shape.slice(1);
    if (total === 0) return ops.zeros([batch, time, ...rest], x.dtype as DType);
    const idx = ops.tensor(from.map((i) => Math.max(i, 0)), [batch * time], 'int32');
    const valid = ops.tensor(Float32Array.from(from, (i) => (i >= 0 ? 1 : 0)), [batch * time, ...rest.map(() => 1)]);
    const gathered = ops.gather(x, idx, 0);
    // Float: a product (its gradient is the mask); other dtypes: a select over the full shape.
    const y = x.dtype === 'float32' ? ops.mul(gathered, valid) : ops.where(ops.greater(ops.add(valid, ops.zeros(gathered.shape)), 0), gathered, ops.zeros(gathered.shape, x.dtype as DType));
    return ops.reshape(y, [batch, time, ...rest]);
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as SymbolicShape;
    return [null, null, ...shape.slice(1)];
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), batchMajor: this.batchMajor };
  }
}

/** The class in code (and in saved configs); RETURNN's `unflatten_batch` entries need the network to find the packing (`@strata/network`). */
export const unflattenBatchLayer: LayerSpec = { cls: UnflattenBatch, options: UNFLATTEN_BATCH_OPTIONS };
