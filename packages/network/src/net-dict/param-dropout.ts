// RETURNN's weight dropout (LayerBase `param_dropout`, `param_dropout_min_ndim`; returnn/tf/layers/base.py
// `LayerBase.var_creation_scope`'s custom getter): in training each float param the layer uses is dropped out,
// in evaluation it is used as it is.
import { applyDropout, type CallContext } from '@strata/core';
import { NetDictError } from '../errors.js';
import type { NetDictNode } from './net-dict-node.js';

/**
 * Runs `run` (the node's evaluation) with RETURNN's weight dropout: in
 * training, every float32 weight of the node's layer whose rank is at least
 * `param_dropout_min_ndim` reads as `dropout(w, param_dropout)` (each element
 * kept with probability `1 - rate` and scaled by `1 / (1 - rate)`, a fresh
 * mask per forward pass; the gradient reaches `w` through the mask) while
 * the layer runs, and as `w` again afterwards. Params shared through
 * `reuse_params` get their own mask in each layer that asks for it, as in
 * RETURNN, whose custom getter applies it per layer. In evaluation, or
 * without `param_dropout`, `run` runs as it is.
 *
 * @param insideRec whether the node is a layer of a rec unit (run per frame).
 * @throws NetDictError in training inside a rec unit: RETURNN draws one mask
 *   for the whole loop (outside its control flow), while Strata runs the unit
 *   once per frame and cannot keep one mask over the frames yet.
 */
export function withParamDropout<T>(node: NetDictNode, ctx: CallContext, insideRec: boolean, run: () => T): T {
  const rate = node.entry.param_dropout ?? 0;
  if (!ctx.training || !rate) return run();
  if (insideRec) {
    throw new NetDictError(
      `Net dict entry '${node.name}': param_dropout=${rate} inside a rec unit is not supported in training: RETURNN draws one weight mask for the whole loop, ` +
        'Strata runs the unit once per frame. Put the layer outside the rec unit, or drop param_dropout for training.',
    );
  }
  const minNdim = node.entry.param_dropout_min_ndim ?? 0;
  const saved = node.layer.weights.filter((w) => w.dtype === 'float32' && w.shape.length >= minNdim).map((w) => [w, w.value] as const);
  for (const [w, value] of saved) w.value = applyDropout(value, rate, ctx);
  try {
    return run();
  } finally {
    for (const [w, value] of saved) w.value = value;
  }
}
