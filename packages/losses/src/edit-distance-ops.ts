import { formatShape, ops, type Tensor } from '@strata/backend';
import { LossShapeError } from './errors.js';
import { sequenceMask } from '@strata/core';

/** Larger than any distance; pads the prefix-minimum scan. */
const FAR = 1e9;

/**
 * Levenshtein distances of a batch of label sequences, with backend ops only,
 * so it runs inside compiled graphs (the host version is `editDistance`).
 *
 * The Wagner–Fischer table is filled one hypothesis frame at a time (a
 * JavaScript loop over the static time axis), vectorised over the batch and
 * over the reference positions. Row `D[b, j]` is the distance between the
 * hypothesis labels kept so far and `ref[b, 0:j)`; a kept label `h` turns it into
 *
 * `D'[j] = min(D[j-1] + [ref[j-1] != h], D[j] + 1, D'[j-1] + 1)`.
 *
 * The last term runs along `j`; it is a prefix minimum,
 * `D'[j] = j + min_{k <= j} (c[k] - k)` with `c` the first two terms
 * (`c[0] = D[0] + 1`), computed by `ceil(log2(refTime + 1))` shift-and-minimum
 * steps (there is no cumulative op in the backend contract). A frame that is
 * not kept (`hypKept` false, or `t >= hypLens[b]`) leaves the row unchanged,
 * so a CTC best path is scored by passing its collapse as `hypKept` instead
 * of compacting the labels. About `12 + 2·log2(refTime)` ops per frame.
 *
 * Reference positions `>= refLens[b]` never influence `D[refLens[b]]`, so
 * their values are ignored. Not differentiable (integers only).
 *
 * Shape:
 * - `hyp`: int32 `[batch, time]`, hypothesis labels, one per frame
 * - `hypLens`: int32 `[batch]`, valid frames of `hyp`
 * - `ref`: int32 `[batch, refTime]`, reference labels, padded with any value
 * - `refLens`: int32 `[batch]`, in `[0, refTime]`
 * - `hypKept`: bool or float32 (nonzero = kept) `[batch, time]`, optional
 *   (default: every valid frame is a label)
 * - returns: float32 `[batch]`, integer edit distances
 *
 * @throws LossShapeError if ranks or batch sizes do not match.
 */
export function editDistanceOps(hyp: Tensor, hypLens: Tensor, ref: Tensor, refLens: Tensor, hypKept?: Tensor): Tensor {
  checkShapes(hyp, hypLens, ref, refLens, hypKept);
  const [batch, time] = hyp.shape as [number, number];
  const refTime = ref.shape[1]!;
  let kept = sequenceMask(hypLens, time);
  if (hypKept) kept = ops.mul(kept, ops.cast(ops.greater(ops.cast(hypKept, 'float32'), 0), 'float32'));
  // With an empty reference, every kept label is an insertion.
  if (refTime === 0) return ops.sum(kept, [1]);
  const keep = ops.greater(kept, 0.5);
  const hypI = asInt32(hyp);
  const refI = asInt32(ref);
  const cols = ops.tensor(Array.from({ length: refTime + 1 }, (_, j) => j), [1, refTime + 1]); // float32 j
  let row = ops.add(ops.fill([batch, 1], 0), cols); // D[j] = j: j deletions before any label
  for (let t = 0; t < time; t++) {
    const h = ops.slice(hypI, [0, t], [batch, 1]);
    const mismatch = ops.sub(1, ops.cast(ops.equal(refI, h), 'float32')); // [batch, refTime]
    const diagonal = ops.add(ops.slice(row, [0, 0], [batch, refTime]), mismatch);
    const above = ops.add(ops.slice(row, [0, 1], [batch, refTime]), 1);
    const first = ops.add(ops.slice(row, [0, 0], [batch, 1]), 1);
    const c = ops.concat([first, ops.minimum(diagonal, above)], 1);
    const next = ops.add(prefixMin(ops.sub(c, cols)), cols);
    row = ops.where(ops.slice(keep, [0, t], [batch, 1]), next, row);
  }
  const end = ops.oneHot(ops.minimum(asInt32(refLens), ops.scalar(refTime, 'int32')), refTime + 1);
  return ops.sum(ops.mul(row, end), [1]);
}

/** `out[b, j] = min_{k <= j} x[b, k]`, by doubling shifts. */
function prefixMin(x: Tensor): Tensor {
  const [batch, n] = x.shape as [number, number];
  let y = x;
  for (let s = 1; s < n; s *= 2) {
    y = ops.minimum(y, ops.slice(ops.pad(y, [[0, 0], [s, 0]], FAR), [0, 0], [batch, n]));
  }
  return y;
}

const asInt32 = (x: Tensor): Tensor => (x.dtype === 'int32' ? x : ops.cast(x, 'int32'));

function checkShapes(hyp: Tensor, hypLens: Tensor, ref: Tensor, refLens: Tensor, hypKept?: Tensor): void {
  const fail = (expected: string): never => {
    throw new LossShapeError({ lossName: 'edit_distance', outputShape: hyp.shape, targetShape: ref.shape, expected });
  };
  if (hyp.shape.length !== 2) fail('the hypothesis is int32 labels [batch, time]; take argMax over the class axis of scores first');
  const batch = hyp.shape[0]!;
  if (ref.shape.length !== 2 || ref.shape[0] !== batch) fail(`the reference is int32 labels [batch, refTime] with batch ${batch}`);
  for (const [name, lens] of [['hypLens', hypLens], ['refLens', refLens]] as const) {
    if (lens.shape.length !== 1 || lens.shape[0] !== batch) fail(`${name} is int32 [batch] = [${batch}]. Received: ${name}.shape=${formatShape(lens.shape)}`);
  }
  if (hypKept && (hypKept.shape.length !== 2 || hypKept.shape[0] !== batch || hypKept.shape[1] !== hyp.shape[1])) {
    fail(`hypKept has the hypothesis shape ${formatShape(hyp.shape)}. Received: hypKept.shape=${formatShape(hypKept.shape)}`);
  }
}
