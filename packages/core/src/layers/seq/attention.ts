// Masked scaled dot-product attention, shared by SelfAttention and DotAttention
// (Vaswani et al. 2017, eq. 1; RETURNN's `energy` / `weights` / `reduce_att`).
import { ops, type Tensor } from '@strata/backend';
import { sequenceMask } from '../../sequence-mask.js';

// Added to masked energies: exp(-1e9 - max) is exactly 0 in float32, and unlike -inf it never makes NaN.
const MASKED = 1e9;

/**
 * `softmax(q · kᵀ + maskBias) · v` per head, with masked keys getting weight
 * exactly 0 (so they, and the values behind them, get zero gradient).
 * Weights are also multiplied by the mask, so a query with no valid key
 * (an empty key sequence) outputs zeros.
 *
 * Shapes: `q` `[batch, heads, queries, keyDim]` (already scaled), `k`
 * `[batch, heads, keys, keyDim]`, `v` `[batch, heads, keys, valueDim]`,
 * `mask` float32 broadcastable to `[batch, heads, queries, keys]` (1 = attend)
 * → `[batch, heads, queries, valueDim]`. `energyShift` (broadcastable to
 * `[batch, heads, queries, keys]`) is added to `q · kᵀ` before the mask
 * (RETURNN's `key_shift` term).
 */
export function maskedAttention(q: Tensor, k: Tensor, v: Tensor, mask: Tensor | undefined, energyShift?: Tensor): Tensor {
  const qk = ops.matMul(q, k, false, true);
  const energy = energyShift ? ops.add(qk, energyShift) : qk;
  if (!mask) return ops.matMul(ops.softmax(energy, -1), v);
  const weights = ops.mul(ops.softmax(ops.add(energy, ops.mul(ops.sub(mask, 1), MASKED)), -1), mask);
  return ops.matMul(weights, v);
}

/** The key mask `[batch, 1, 1, keys]` of key lengths `seqLens` (int32 `[batch]`). */
export function keyMask(seqLens: Tensor, keys: number): Tensor {
  return ops.reshape(sequenceMask(seqLens, keys), [-1, 1, 1, keys]);
}

/** `[batch, time, heads * dim]` → `[batch, heads, time, dim]`. */
export function splitHeads(x: Tensor, heads: number): Tensor {
  const [batch, time, features] = x.shape;
  return ops.transpose(ops.reshape(x, [batch!, time!, heads, features! / heads]), [0, 2, 1, 3]);
}

/** `[batch, heads, time, dim]` → `[batch, time, heads * dim]`. */
export function mergeHeads(x: Tensor): Tensor {
  const [batch, heads, time, dim] = x.shape;
  return ops.reshape(ops.transpose(x, [0, 2, 1, 3]), [batch!, time!, heads! * dim!]);
}
