import type { Tensor } from '@strata/backend';
import type { BatchNorm, CallContext, Layer } from '@strata/core';
import type { LayerOutput } from './net-dict-node.js';

/** The batch norm a layer's output goes through (RETURNN's LayerBase `batch_norm`), by layer; set by `attachLayerBatchNorm`. */
const attached = new WeakMap<Layer, BatchNorm>();

/** Makes `bn` the batch norm on `layer`'s output (see `attachLayerBatchNorm`). */
export function setLayerBatchNorm(layer: Layer, bn: BatchNorm): void {
  attached.set(layer, bn);
}

/**
 * The output of a layer with a LayerBase batch norm: its value normalised
 * (over the valid frames of `seqLens` when `masked_time`); the logits are
 * dropped, as they no longer give the output. Other layers' outputs unchanged.
 */
export function withLayerBatchNorm(layer: Layer, out: LayerOutput, seqLens: Tensor | undefined, ctx: CallContext): LayerOutput {
  const bn = attached.get(layer);
  if (!bn) return out;
  const value = bn.apply(bn.maskedTime && seqLens ? [out.value, seqLens] : out.value, ctx);
  return { ...out, value, logits: undefined };
}
