import { ops, type Tensor } from '@strata/backend';
import { NetDictError } from '../errors.js';

/** Where each packed frame comes from (see {@link maskedPackPlan}). */
export interface MaskedPackPlan {
  /** Per sequence, how many frames the mask keeps (its new length). */
  newLens: Int32Array;
  /** The packed time axis' size: the largest new length (RETURNN's `T'`). */
  newTime: number;
  /** Row-major `[batch, newTime]`: the flat frame `b * time + t` packed frame `t'` of sequence `b` reads, `batch * time` (a zero frame) past its new length. */
  rows: Int32Array;
}

/**
 * The frames `RETURNN`'s `MaskedComputationLayer` keeps outside a rec loop
 * (returnn/tf/layers/rec.py): a frame counts where the mask holds and the
 * frame is within its sequence (`where(mask, seq_mask, False)`); packed frame
 * `t'` of sequence `b` is its `t'`-th counted frame, in order.
 *
 * @param mask `[batch, time]` truthy where the frame is kept (row-major).
 * @param lens the sequences' lengths along `time` (all `time` when undefined).
 */
export function maskedPackPlan(mask: ArrayLike<number | boolean>, batch: number, time: number, lens?: ArrayLike<number>): MaskedPackPlan {
  const newLens = new Int32Array(batch);
  for (let b = 0; b < batch; b++) {
    const len = lens ? Math.min(Number(lens[b]), time) : time;
    for (let t = 0; t < len; t++) if (mask[b * time + t]) newLens[b]!++;
  }
  const newTime = newLens.reduce((a, n) => Math.max(a, n), 0);
  const rows = new Int32Array(batch * newTime).fill(batch * time);
  for (let b = 0; b < batch; b++) {
    const len = lens ? Math.min(Number(lens[b]), time) : time;
    let k = 0;
    for (let t = 0; t < len; t++) if (mask[b * time + t]) rows[b * newTime + k++] = b * time + t;
  }
  return { newLens, newTime, rows };
}

/**
 * Packs the frames of `x` where `mask` holds onto a new time axis (RETURNN's
 * `MaskedComputationLayer` outside a rec loop, which scatters them with
 * `tf.scatter_nd`): `[B, ..., T, ...]` (time at `axis`) → `[B, ..., T', ...]`,
 * `T'` the largest number of kept frames of a sequence; frames past a
 * sequence's new length are zeros. A gather of the flat frames (and a zero
 * frame), so the gradient flows back to the kept frames (the others get 0).
 * `T'` and the gather rows depend on the mask's values: they are read from the
 * backend (`ops.readSync`), so a traced graph backend cannot run it (as `flatten_batch`).
 *
 * @param x any dtype, batch first, `axis >= 1` its time axis.
 * @param mask bool `[B, T]`.
 * @param lens int32 `[B]`: frames at or past a sequence's length are not kept; undefined: all `T`.
 * @returns the packed value and its new lengths (int32 `[B]`).
 * @throws NetDictError if `mask` is not `[B, T]` for `x`'s batch and time sizes.
 */
export function packMasked(x: Tensor, mask: Tensor, lens: Tensor | undefined, axis: number): { value: Tensor; seqLens: Tensor } {
  const [batch, time] = [x.shape[0]!, x.shape[axis]!];
  if (mask.shape.length !== 2 || mask.shape[0] !== batch || mask.shape[1] !== time) {
    throw new NetDictError(`masked_computation: the mask is [${mask.shape.join(', ')}] but the source [${x.shape.join(', ')}] has batch ${batch} and time ${time} (axis ${axis}); they must share the batch and time axes.`);
  }
  const plan = maskedPackPlan(ops.readSync(mask) as ArrayLike<number>, batch, time, lens ? (ops.readSync(lens) as ArrayLike<number>) : undefined);
  // Time next to the batch axis, the rest flattened: [B * T, R].
  const perm = [0, axis, ...x.shape.map((_, i) => i).filter((i) => i !== 0 && i !== axis)];
  const moved = axis === 1 ? x : ops.transpose(x, perm);
  const rest = moved.shape.slice(2);
  const size = rest.reduce((a, n) => a * n, 1);
  const flat = ops.reshape(moved, [batch * time, size]);
  const padded = ops.concat([flat, ops.zeros([1, size], x.dtype as never)], 0);
  const packed = ops.reshape(ops.gather(padded, ops.tensor(plan.rows, [plan.rows.length], 'int32')), [batch, plan.newTime, ...rest]);
  const back = perm.map((_, i) => perm.indexOf(i));
  const value = axis === 1 ? packed : ops.transpose(packed, back);
  return { value, seqLens: ops.tensor(plan.newLens, [batch], 'int32') };
}

/**
 * RETURNN's `UnmaskLayer` outside a rec loop (returnn/tf/layers/rec.py): a
 * packed sequence `[B, T', ...]` (time at `axis`) back on the mask's time
 * axis `[B, T, ...]`: frame `t` is packed frame `c - 1`, `c` the number of
 * kept frames up to and including `t` (`cumsum(mask)`), so frames the mask
 * skipped repeat the last kept one, and frames before the first kept one are
 * `initial` (RETURNN: the source's initial output, zeros by default). Counts
 * stop at each sequence's length (RETURNN counts on; those padding frames
 * would index past `T'`). A gather: the gradient sums back onto the packed frames.
 * The rows are computed from the mask's values (`ops.readSync`): not for a traced graph backend.
 *
 * @param x any dtype, batch first, `axis >= 1` its packed time axis.
 * @param mask bool `[B, T]`.
 * @param lens int32 `[B]` along `T`; undefined: all `T`.
 * @throws NetDictError if `mask` is not `[B, T]` for `x`'s batch.
 */
export function unpackMasked(x: Tensor, mask: Tensor, lens: Tensor | undefined, axis: number, initial = 0): Tensor {
  const [batch, packedTime] = [x.shape[0]!, x.shape[axis]!];
  if (mask.shape.length !== 2 || mask.shape[0] !== batch) {
    throw new NetDictError(`unmask: the mask is [${mask.shape.join(', ')}] but the source [${x.shape.join(', ')}] has batch ${batch}; the mask must be bool [B, T].`);
  }
  const time = mask.shape[1]!;
  const m = ops.readSync(mask) as ArrayLike<number>;
  const l = lens ? (ops.readSync(lens) as ArrayLike<number>) : undefined;
  const rows = new Int32Array(batch * time);
  for (let b = 0; b < batch; b++) {
    const len = l ? Math.min(Number(l[b]), time) : time;
    let c = 0;
    for (let t = 0; t < time; t++) {
      if (t < len && m[b * time + t]) c = Math.min(c + 1, packedTime);
      rows[b * time + t] = b * (packedTime + 1) + c;
    }
  }
  const perm = [0, axis, ...x.shape.map((_, i) => i).filter((i) => i !== 0 && i !== axis)];
  const moved = axis === 1 ? x : ops.transpose(x, perm);
  const rest = moved.shape.slice(2);
  const size = rest.reduce((a, n) => a * n, 1);
  // Packed frame 0 is the initial frame: [B, T' + 1, R].
  const withInitial = ops.concat([ops.fill([batch, 1, size], initial, x.dtype as never), ops.reshape(moved, [batch, packedTime, size])], 1);
  const flat = ops.reshape(withInitial, [batch * (packedTime + 1), size]);
  const out = ops.reshape(ops.gather(flat, ops.tensor(rows, [rows.length], 'int32')), [batch, time, ...rest]);
  return axis === 1 ? out : ops.transpose(out, perm.map((_, i) => perm.indexOf(i)));
}
