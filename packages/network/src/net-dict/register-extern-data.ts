import type { Tensor } from '@strata/backend';
import type { Data } from '@strata/core';
import { NetDictError } from '../errors.js';
import type { LayerGraph } from './graph.js';
import type { LayerOutput, NetDictNode } from './net-dict-node.js';
import type { NetDict } from './schema.js';

// RETURNN's LayerBase option `register_as_extern_data` (returnn/tf/layers/base.py `LayerBase.post_init`,
// returnn/tf/network.py `TFNetwork.construct_from_dict`): the layer's output becomes extern data.

/** The key entry `raw` registers its output under, if any. */
export const registeredKey = (raw: unknown): string | undefined => {
  const key = (raw as { register_as_extern_data?: unknown } | undefined)?.register_as_extern_data;
  return typeof key === 'string' && key !== '' ? key : undefined;
};

/**
 * The entry names of `netDict` in RETURNN's construction order for
 * `register_as_extern_data`: the entries that register extern data first
 * (sorted by name, as `construct_from_dict` constructs them before all
 * others), then the rest in dict order.
 */
export function registeringFirst(netDict: NetDict): string[] {
  const names = Object.keys(netDict);
  const first = names.filter((n) => registeredKey(netDict[n]) !== undefined).sort();
  return [...first, ...names.filter((n) => !first.includes(n))];
}

/**
 * Registers the output template of `name` as extern data `key` of the graph
 * (RETURNN `LayerBase.post_init`: `network.extern_data.data[key] = self.output`,
 * the key added to `extra_added_keys`): other layers of the network then read
 * it as `"data:<key>"` or take it as `"target"`, with the layer's axes (its
 * time Dim, whose lengths the layer sets when it runs). It replaces a dataset
 * key of that name, as in RETURNN.
 *
 * @throws NetDictError if another layer of the graph already registers `key`.
 */
export function registerAsExternData(net: LayerGraph, name: string, key: string, output: Data): void {
  const other = net.registeredExternData.get(key);
  if (other !== undefined && other !== name) {
    throw new NetDictError(`Layers '${other}' and '${name}' both have "register_as_extern_data": "${key}"; give each its own key.`);
  }
  net.registeredExternData.set(key, name);
  net.externData.registerData(output.copy({ name: key }), { replace: true });
  net.externData.extraAddedKeys.add(key);
}

/**
 * After node `node` ran: if it registers extern data, its value becomes the
 * input `key` of the rest of the pass (`data:<key>` sources, targets).
 */
export function feedRegistered(node: NetDictNode, out: LayerOutput, inputs: Record<string, Tensor>): void {
  const key = registeredKey(node.entry);
  if (key !== undefined) inputs[key] = out.value;
}

/** The value of extern data `key` a layer of `net` registered in this pass (`outs`), if any: it replaces the batch's. */
export function registeredValue(net: LayerGraph, key: string, outs: ReadonlyMap<string, LayerOutput>): Tensor | undefined {
  const layer = net.registeredExternData.get(key);
  return layer === undefined ? undefined : outs.get(layer)?.value;
}
