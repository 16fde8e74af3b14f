// The `from` references of a net-dict entry (RETURNN's `LayerBase.transform_config_dict` source names): `data`,
// `data:<key>`, `prev:`/`base:` layers, `extra.<net>:` layers, `<layer>/<sub>` and the layers of the dict.
import { LayerNotFoundError, NetDictError } from '../errors.js';
import { baseDataName } from './base-data.js';
import type { LayerGraph } from './graph.js';
import type { SourceRef } from './net-dict-node.js';
import { addRecStepInfoEntry } from './rec-step-info.js';
import type { NetDictLayerClass } from './registry.js';
import { splitSubLayerRef } from './sub-layer.js';

const EXTRA_REF = /^extra\.([^:]+):(.+)$/;

/** Parses one `from` reference of layer `owner` (see {@link SourceRef}). @throws LayerNotFoundError, NetDictError */
export function parseSource(net: LayerGraph, ref: string, owner: string): SourceRef {
  if (ref === 'data') return { kind: 'data', key: net.externData.defaultInput };
  if (ref.startsWith('data:')) return { kind: 'data', key: ref.slice(5) };
  if (addRecStepInfoEntry(net, ref)) return { kind: 'layer', name: ref };
  const extra = EXTRA_REF.exec(ref);
  if (extra) {
    if (!(extra[2]! in net.netDict) && !(extra[2]!.split('/')[0]! in net.netDict) && !(`extra.${extra[1]}:${extra[2]!.split('/')[0]}` in net.netDict)) {
      throw new LayerNotFoundError(`Layer '${owner}' takes "from": "${ref}", but the net dict has no layer '${extra[2]}' to create in the extra net. Layers: ${Object.keys(net.netDict).join(', ')}.`);
    }
    return { kind: 'extra', net: extra[1]!, name: extra[2]! };
  }
  if (ref.startsWith('prev:') || ref.startsWith('base:')) {
    const kind = ref.slice(0, 4) as 'prev' | 'base';
    const name = ref.slice(5);
    const baseData = kind === 'base' ? baseDataName(net, name, owner) : undefined;
    if (baseData) return { kind, name: baseData };
    // `base:prev:<layer>` from a subnetwork inside a rec unit: the unit's layer at the previous frame.
    if (kind === 'base' && name.startsWith('prev:') && net.parent?.enclosing && name.slice(5) in net.parent.netDict) return { kind, name };
    const scope = kind === 'prev' ? (net.enclosing ? net.netDict : undefined) : net.parent?.netDict;
    if (!scope) {
      throw new NetDictError(`Layer '${owner}' takes "from": "${ref}", but "${kind}:" references exist only inside the "unit" of a "rec" layer.`);
    }
    if (!(name in scope)) {
      throw new LayerNotFoundError(`Layer '${owner}' takes "from": "${ref}", but there is no layer '${name}' ${kind === 'prev' ? 'in the unit' : 'in the enclosing network'}. Layers: ${Object.keys(scope).join(', ')}.`);
    }
    return { kind, name };
  }
  const sub = splitSubLayerRef(ref);
  if (!(ref in net.netDict) && !(sub && sub[0] in net.netDict)) {
    throw new LayerNotFoundError(
      `Layer '${owner}' takes "from": "${ref}", but there is no such layer. Layers: ${Object.keys(net.netDict).join(', ')}; ` +
        `extern data: ${net.externData.keys.map((k) => `"data:${k}"`).join(', ')} ("data" is "data:${net.externData.defaultInput}").`,
    );
  }
  return { kind: 'layer', name: ref };
}

/** The layer names of `from`: `(layer, axis)` pairs only for a class with `fromAxes` (RETURNN's `concat`), which reads the axes from the entry. */
export function fromNames(list: readonly (string | readonly [string, string | number])[], name: string, cls: NetDictLayerClass): string[] {
  return list.map((f) => {
    if (typeof f === 'string') {
      if (cls.fromAxes) throw new NetDictError(`Layer '${name}': "from" entries of this class are (layer, axis) pairs, as RETURNN's concat takes, e.g. [["a", "F"], ["b", "F"]]. Received: "${f}".`);
      return f;
    }
    if (!cls.fromAxes) throw new NetDictError(`Layer '${name}': "from" takes layer names; (layer, axis) pairs are for class "concat". Received: ${JSON.stringify(f)}.`);
    return f[0];
  });
}
