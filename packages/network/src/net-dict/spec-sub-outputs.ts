import { ops } from '@strata/backend';
import { type NetDictSpec, subOutputLayerOf } from '@strata/core';
import { NetDictError } from '../errors.js';
import { evaluateDefault } from './forward.js';
import type { NetDictLayerClass, NetDictNode } from './net-dict-node.js';

/**
 * A spec's net-dict class with RETURNN's sub-layers (`split`'s `"<layer>/0"`,
 * `top_k`'s `"<layer>/indices"`, `LayerBase.get_sub_layer`) and `(layer,
 * axis)` `from` pairs (`concat`): the sub-layer nodes get their templates
 * from the spec's `subOutputData`, and evaluating the layer also sets
 * `<layer>/<sub>` in the pass's outputs from the layer's `subOutputs`
 * (`SubOutputLayer` of @strata/core) on the same input.
 */
export function withSubOutputs(cls: NetDictLayerClass, nd: NetDictSpec): NetDictLayerClass {
  if (!nd.subOutputData) return { ...cls, fromAxes: nd.fromAxes };
  const subData = nd.subOutputData;
  const nodes = new WeakMap<NetDictNode, Map<string, NetDictNode>>();
  return {
    ...cls,
    fromAxes: nd.fromAxes,
    subLayerNode: (node, sub) => {
      let known = nodes.get(node);
      if (!known) nodes.set(node, (known = new Map()));
      let n = known.get(sub);
      if (!n) {
        const name = `${node.name}/${sub}`;
        const input = node.sourceData[0];
        const output = input && subData(node.layer, input, name, sub);
        if (!output) {
          const names = subOutputLayerOf(node.layer)?.subOutputNames() ?? [];
          throw new NetDictError(`Layer '${name}': layer '${node.name}' (class '${node.entry.class}') has no sub-layer '${sub}'. Its sub-layers: ${names.join(', ') || 'none'}.`);
        }
        n = { ...node, name, lossHolder: undefined, isOutputLayer: false, output };
        known.set(sub, n);
      }
      return n;
    },
    evaluate: (env) => {
      const out = evaluateDefault(env);
      const layer = subOutputLayerOf(env.node.layer);
      if (layer) {
        const xs = env.sources.slice(0, env.node.nFrom).map((s) => s.value);
        const x = xs.length === 1 ? xs[0]! : ops.concat(xs, -1);
        for (const [sub, value] of Object.entries(layer.subOutputs(x, env.ctx))) env.outs.set(`${env.node.name}/${sub}`, { value });
      }
      return out;
    },
  };
}
