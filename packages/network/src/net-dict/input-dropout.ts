import type { Tensor } from '@strata/backend';
import { applyDropout, type CallContext, type Data, returnnDropoutNoiseShape } from '@strata/core';
import { NetDictError } from '../errors.js';
import type { NetDictNode } from './net-dict-node.js';

/**
 * The noise shape of dropout on `x` whose template is `d` (RETURNN's rules,
 * `returnnDropoutNoiseShape`). Where the tensor's rank differs from the
 * template's (a rec unit's frame), RETURNN's default on the tensor: every
 * axis but the last (the features) broadcast; explicit keys must then fit.
 */
function noiseShapeOf(x: Tensor, d: Data | undefined, entry: Readonly<Record<string, unknown>>): (1 | null)[] {
  const explicit = entry.dropout_axis != null || entry.dropout_noise_shape != null;
  if (d && d.batchShape.length === x.shape.length) return returnnDropoutNoiseShape(d, entry.dropout_axis, entry.dropout_noise_shape);
  if (explicit) {
    throw new NetDictError(`dropout_axis / dropout_noise_shape: the input [${x.shape.join(', ')}] does not have the axes of its template ${d ?? '(none)'}, so the axes cannot be resolved here.`);
  }
  return x.shape.map((_, i) => (i === x.shape.length - 1 ? null : 1));
}

/**
 * RETURNN's `dropout` entry option: dropout on the layer's input(s), in
 * training only, with RETURNN's noise shape: by default one mask over the
 * features shared by every batch entry and frame; `dropout_axis` /
 * `dropout_noise_shape` choose the axes (see `dropoutEntryKeys` in layer-base-keys.ts).
 * Each of a `list` layer's inputs has its own template, in `from` order.
 */
export function applyInputDropout(input: Tensor | Tensor[], rate: number, ctx: CallContext, node?: NetDictNode): Tensor | Tensor[] {
  const entry = (node?.entry ?? {}) as Readonly<Record<string, unknown>>;
  const drop = (x: Tensor, i: number) => applyDropout(x, rate, ctx, ctx.training ? noiseShapeOf(x, node?.sourceData[i], entry) : undefined);
  return Array.isArray(input) ? input.map(drop) : drop(input, 0);
}
