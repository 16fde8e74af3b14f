import type { Tensor } from '@strata/backend';
import { type CallContext, Layer, type SymbolicShape } from '@strata/core';
import { z } from 'zod';
import { NetDictError } from '../errors.js';
import type { LayerGraph } from './graph.js';
import type { LayerCreateContext } from './net-dict-node.js';
import { registerNetDictClass } from './registry.js';

/**
 * RETURNN's `UnmaskLayer` (`class: "unmask"`, returnn/tf/layers/rec.py)
 * inside a rec unit, on a per-frame source (a `masked_computation` of the
 * unit): the source as it is (RETURNN: "a no-op"; `masked_computation`
 * already repeats its previous output where the mask fails). `mask` names the
 * same bool `[B]` layer as the `masked_computation`'s.
 *
 * Not built: a source with a time axis (a masked sequence `[B, T', D]`,
 * unmasked to `[B, T, D]` by repeating the last masked frame), which only a
 * `masked_computation` outside a rec unit makes, and Strata builds that inside a rec unit only.
 *
 * Shapes: `[B, ...]` → the same.
 */
export class Unmask extends Layer {
  static override readonly className: string = 'Unmask';

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    return (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as SymbolicShape;
  }

  override call(inputs: Tensor | Tensor[], _ctx: CallContext): Tensor {
    return Array.isArray(inputs) ? inputs[0]! : inputs;
  }
}

/** @throws NetDictError outside a rec unit, or for a source with a time axis. */
function create(c: LayerCreateContext): Unmask {
  const where = `Net dict entry '${c.name}' (class 'unmask')`;
  const graph = (c.network as { graph: LayerGraph }).graph;
  const src = c.sources[0];
  if (!graph.insideRec || !src || src.timeDim) {
    throw new NetDictError(
      `${where}: Strata builds unmask inside a rec unit on a per-frame source (a masked_computation there: the identity, as in RETURNN); ` +
        `unmasking a masked sequence [B, T', D] (masked_computation outside a rec unit) is not supported. Source: ${src ?? 'none'}.`,
    );
  }
  return new Unmask({ name: c.name });
}

/** Registers the net-dict class `unmask` ({@link Unmask}). */
export function registerUnmaskClass(): void {
  registerNetDictClass('unmask', {
    sources: 'concat',
    acceptsSparse: true,
    refKeys: ['mask'],
    options: z.strictObject({ mask: z.string({ error: 'must name the bool mask layer of the masked_computation' }) }),
    create,
    outputData: (c) => c.sources[0]!.copy({ name: c.name }),
    evaluate: (env) => ({ value: env.sources[0]!.value }),
  });
}
