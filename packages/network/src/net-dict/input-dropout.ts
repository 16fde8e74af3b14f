import type { Tensor } from '@strata/backend';
import { applyDropout, type CallContext } from '@strata/core';

/** RETURNN's `dropout` entry option: dropout on the layer's input(s), in training only. */
export function applyInputDropout(input: Tensor | Tensor[], rate: number, ctx: CallContext): Tensor | Tensor[] {
  return Array.isArray(input) ? input.map((x) => applyDropout(x, rate, ctx)) : applyDropout(input, rate, ctx);
}
