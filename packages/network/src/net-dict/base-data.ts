import type { Tensor } from '@strata/backend';
import type { Data } from '@strata/core';
import { externDataOf } from './entry-parts.js';
import type { LayerGraph } from './graph.js';

/**
 * `base:data:<key>` (and `base:data`) inside a sub-network or rec unit: the
 * enclosing network's extern data `<key>` as it is (a whole sequence, not the
 * unit's frame), RETURNN's `parent_net.get_layer("data:<key>")`. A `base:`
 * source whose name is `data:<key>` stands for it; this gives `<key>`, or
 * undefined for a layer name.
 */
export function baseDataKey(name: string): string | undefined {
  return name.startsWith('data:') ? name.slice(5) : undefined;
}

/**
 * Normalises the name of a `base:` reference of a layer in `net`: `data` is
 * `data:<the enclosing network's default input>`; `data:<key>` is checked
 * against the enclosing network's extern data.
 * @throws ExternDataKeyError when the enclosing network has no such key.
 */
export function baseDataName(net: LayerGraph, name: string, owner: string): string | undefined {
  const parent = net.parent;
  if (!parent || (name !== 'data' && !name.startsWith('data:'))) return undefined;
  const key = name === 'data' ? parent.externData.defaultInput : name.slice(5);
  externDataOf(parent, key, `Layer '${owner}' takes "from": "base:${name}", but the enclosing network's`);
  return `data:${key}`;
}

/** The template of `base:data:<key>` of a layer in `net`: the enclosing network's extern data. */
export function baseDataTemplate(net: LayerGraph, key: string, owner: string): Data {
  return externDataOf(net.parent!, key, `Layer '${owner}' reads "base:data:${key}", but the enclosing network's`);
}

/** The value of `base:data:<key>` from the enclosing network's inputs (`inputs[<key>]`), or undefined when it is not given. */
export function baseDataValue(name: string, inputs: Readonly<Record<string, Tensor>>): Tensor | undefined {
  const key = baseDataKey(name);
  return key === undefined ? undefined : inputs[key];
}
