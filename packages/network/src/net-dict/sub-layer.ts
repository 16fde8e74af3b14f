import type { NetDictNode } from './net-dict-node.js';

/**
 * A layer with layers of its own that others reference as `<layer>/<sub>`
 * (RETURNN's `LayerBase.get_sub_layer`): a `subnetwork` (its sub-layer's
 * output) or a `rec` unit (the sub-layer's frames stacked over the rec's
 * time axis, `[B, T, ...]`). The layer's evaluation sets the value
 * `<layer>/<sub>` in the forward pass's outputs.
 */
export interface HasSubLayers {
  /** The node of sub-layer `sub` as the enclosing network sees it, named `<layer>/<sub>`; undefined if there is none. */
  subLayerNode(sub: string): NetDictNode | undefined;
}

/** `layer`'s {@link HasSubLayers} side, if it has one. */
export const subLayersOf = (layer: unknown): HasSubLayers | undefined =>
  typeof (layer as Partial<HasSubLayers>)?.subLayerNode === 'function' ? (layer as HasSubLayers) : undefined;

/** `"dec/output_prob"` as `['dec', 'output_prob']` (split at the first `/`), or undefined for a plain name. */
export function splitSubLayerRef(ref: string): [string, string] | undefined {
  const i = ref.indexOf('/');
  return i > 0 && i < ref.length - 1 ? [ref.slice(0, i), ref.slice(i + 1)] : undefined;
}
