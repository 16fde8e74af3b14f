import { ops, type Tensor } from '@strata/backend';

/**
 * Label sequences with repeated adjacent labels merged, in backend ops:
 * RETURNN's `sparse_labels(..., collapse_repeated=True)` (`target_collapse_repeated`)
 * and TF's `preprocess_collapse_repeated` of `tf.nn.ctc_loss` (`a a b a` → `a b a`).
 *
 * Shape: `labels` int32 `[batch, maxLen]` (entries at `>= labelLens[b]` are
 * padding); `labelLens` int32 `[batch]`. Returns labels int32 `[batch, maxLen]`
 * (the kept labels first, then zeros) and their lengths int32 `[batch]`.
 * The compaction is a one-hot product, `O(batch · maxLen²)`.
 */
export function collapseRepeatedLabels(labels: Tensor, labelLens: Tensor): { labels: Tensor; labelLens: Tensor } {
  const [batch, maxLen] = labels.shape as [number, number];
  if (maxLen === 0) return { labels, labelLens };
  const pos = ops.tensor(Array.from({ length: maxLen }, (_, i) => i), [1, maxLen], 'int32');
  const valid = ops.cast(ops.less(pos, ops.reshape(ops.cast(labelLens, 'int32'), [batch, 1])), 'float32');
  // -1 is no label, so the first position is always kept.
  const previous = ops.slice(ops.pad(labels, [[0, 0], [1, 0]], -1), [0, 0], [batch, maxLen]);
  const keep = ops.mul(valid, ops.sub(1, ops.cast(ops.equal(labels, previous), 'float32'))); // [batch, maxLen]
  // New position of each kept label: the inclusive cumulative sum minus one (a product with an upper-triangular matrix).
  const upper = ops.tensor(Array.from({ length: maxLen * maxLen }, (_, k) => (Math.floor(k / maxLen) <= k % maxLen ? 1 : 0)), [maxLen, maxLen]);
  const newPos = ops.sub(ops.matMul(keep, upper), 1);
  const move = ops.mul(ops.oneHot(ops.cast(ops.maximum(newPos, 0), 'int32'), maxLen), ops.reshape(keep, [batch, maxLen, 1])); // [batch, from, to]
  const moved = ops.matMul(ops.reshape(ops.cast(labels, 'float32'), [batch, 1, maxLen]), move);
  return { labels: ops.cast(ops.reshape(moved, [batch, maxLen]), 'int32'), labelLens: ops.cast(ops.sum(keep, [1]), 'int32') };
}

/**
 * RETURNN's `auto_clip_target_len`: target lengths clipped to
 * `max(outputLens - 1, 0)` ("one less to allow for at least one blank"),
 * int32 `[batch]`, so that the CTC of a too-long target is defined.
 */
export function autoClipTargetLens(targetLens: Tensor, outputLens: Tensor): Tensor {
  const one = ops.scalar(1, 'int32');
  return ops.minimum(ops.cast(targetLens, 'int32'), ops.maximum(ops.sub(ops.cast(outputLens, 'int32'), one), ops.scalar(0, 'int32')));
}
