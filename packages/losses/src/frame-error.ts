import { ops, type Tensor } from '@strata/backend';

/**
 * The number of frames whose highest-scoring class differs from the target
 * class (RETURNN's frame error, summed; divide by the number of frames for the
 * frame error rate).
 *
 * `argmax(softmax(z)) = argmax(z)`, so logits and probabilities give the same
 * count. Ties are broken by the backend's `argMax` (lowest index on tfjs).
 *
 * Shape: `outputOrLogits` float32 `[batch, ..., classes]`; `targetIndices`
 * int32 (or float32 holding integers) `[batch, ...]`; `frameMask` (optional)
 * float32 `[batch, ...]` (or broadcastable to it), 1 for frames to count and 0
 * for padding. Returns a float32 scalar `[]` holding an integer count. No
 * gradient flows through it.
 */
export function frameErrorCount(outputOrLogits: Tensor, targetIndices: Tensor, frameMask?: Tensor): Tensor {
  return ops.sum(frameErrors(outputOrLogits, targetIndices, frameMask));
}

/**
 * {@link frameErrorCount} before summing: float32 `[batch, ...]`, 1 for a
 * wrong frame, 0 for a right or masked one. No gradient flows through it.
 */
export function frameErrors(outputOrLogits: Tensor, targetIndices: Tensor, frameMask?: Tensor): Tensor {
  const predicted = ops.argMax(outputOrLogits, -1);
  const target = targetIndices.dtype === 'int32' ? targetIndices : ops.cast(targetIndices, 'int32');
  const wrong = ops.sub(1, ops.cast(ops.equal(predicted, target), 'float32'));
  return ops.stopGradient(frameMask ? ops.mul(wrong, frameMask) : wrong);
}
