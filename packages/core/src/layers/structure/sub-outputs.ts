import type { Tensor } from '@strata/backend';
import type { CallContext } from '../../layer.js';

/**
 * A layer with outputs beside its main one, which net dicts reference as
 * sub-layers `<layer>/<sub>` (RETURNN's `LayerBase.get_sub_layer`): `split`'s
 * parts `"0"`, `"1"`, ...; `top_k`'s `"indices"`. Their templates come from
 * the spec's `netDict.subOutputData`.
 */
export interface SubOutputLayer {
  /** The sub-layer names, e.g. `['0', '1']`. */
  subOutputNames(): string[];
  /** The sub-layers' values for input `x` (the same input `call` gets). */
  subOutputs(x: Tensor, ctx: CallContext): Record<string, Tensor>;
}

/** `layer`'s {@link SubOutputLayer} side, if it has one. */
export const subOutputLayerOf = (layer: unknown): SubOutputLayer | undefined =>
  typeof (layer as Partial<SubOutputLayer>)?.subOutputs === 'function' && typeof (layer as Partial<SubOutputLayer>)?.subOutputNames === 'function'
    ? (layer as SubOutputLayer)
    : undefined;
