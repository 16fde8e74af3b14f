import type { Tensor } from '@strata/backend';
import { Layer } from '@strata/core';
import { NetDictError } from '../errors.js';
import type { LayerGraph } from './graph.js';
import type { LayerDescription, NetDict } from './schema.js';

/** A net-dict key `extra.<prefix>:<layer>` (RETURNN's `_extra_layer_name_prefix_pattern`): `[prefix, layer]`, else undefined. */
export function extraKey(name: string): [prefix: string, layer: string] | undefined {
  const m = /^extra\.([^:/]+):(.+)$/.exec(name);
  return m ? [m[1]!, m[2]!] : undefined;
}

/** The layers an extra net `prefix` builds from its own entries `extra.<prefix>:<layer>` of the dict (RETURNN `construct_layer` in an extra net), by layer. */
export function extraOverrides(netDict: NetDict, prefix: string): Record<string, LayerDescription> {
  const out: Record<string, LayerDescription> = {};
  for (const [k, desc] of Object.entries(netDict)) {
    const e = extraKey(k);
    if (e && e[0] === prefix) out[e[1]] = desc;
  }
  return out;
}

const overridden = new WeakMap<LayerGraph, Set<string>>();

/** Marks layers of extra graph `g` as built from their own `extra.<prefix>:` entries (not the base's layer objects). */
export function markOverridden(g: LayerGraph, names: Iterable<string>): void {
  const set = overridden.get(g) ?? new Set<string>();
  for (const n of names) set.add(n);
  overridden.set(g, set);
}

/** Whether layer `name` of graph `g` is built from an `extra.<prefix>:<name>` entry of its own. */
export function isOverridden(g: LayerGraph, name: string): boolean {
  return overridden.get(g)?.has(name) ?? false;
}

/** Holds an extra net's own layers (tracked under `extra.<prefix>`) in the base network's scope, so that they are named as the base's layers. */
class ExtraNetScope extends Layer {
  static override readonly className: string = 'ExtraNetScope';
  private readonly base: Layer;
  constructor(name: string, base: Layer) {
    super({ name });
    // The base network encloses this holder: a reference, not a sub-layer.
    this.base = this.untracked(base);
  }
  override get scopeName(): string {
    return this.base.scopeName;
  }
  override call(): Tensor {
    throw new NetDictError(`'${this.name}' only holds an extra net's layers; it is not applied.`);
  }
}

const holders = new WeakMap<LayerGraph, ExtraNetScope>();

/**
 * Tracks an extra net's own layer `layer` (from `extra.<prefix>:<name>`; a
 * layer object of its own) so that its params are named as the base layer's
 * (`<name>/W`): as in RETURNN, where the extra net's layer has the name without
 * the prefix, params of the same name and shape are the base layer's (TF
 * variable reuse, see `applyParamScope`); others are the extra layer's own,
 * listed with the network's params.
 */
export function trackOverridden(g: LayerGraph, layer: Layer): void {
  let holder = holders.get(g);
  if (!holder) {
    holder = new ExtraNetScope(g.absoluteNamePrefix.replace(/:$/, ''), g.owner);
    g.owner.trackLayer(holder);
    holders.set(g, holder);
  }
  holder.trackLayer(layer);
}
