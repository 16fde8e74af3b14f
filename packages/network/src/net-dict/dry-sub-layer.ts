import type { Data } from '@strata/core';
import type { LayerGraph } from './graph.js';
import type { SourceRef } from './net-dict-node.js';
import type { DryOutput } from './prev-template.js';
import { parseSource } from './source-refs.js';
import { splitSubLayerRef } from './sub-layer.js';
import type { NetDict } from './schema.js';

/**
 * The layer dict of the sub-network whose layers `<owner>/<sub>` names: a
 * `subnetwork`'s `subnetwork`, or that of a `masked_computation` whose
 * `unit` is a `subnetwork` (RETURNN's `get_sub_layer` of both). Undefined
 * for other entries.
 */
function subNetDictOf(entry: unknown): NetDict | undefined {
  const e = entry as { class?: unknown; subnetwork?: unknown; unit?: { class?: unknown; subnetwork?: unknown } } | undefined;
  const dict = e?.class === 'subnetwork' ? e.subnetwork : e?.class === 'masked_computation' && e.unit?.class === 'subnetwork' ? e.unit.subnetwork : undefined;
  return dict && typeof dict === 'object' && !Array.isArray(dict) ? (dict as NetDict) : undefined;
}

/**
 * The template of sub-layer reference `<owner>/<sub>` in `net` while `owner`
 * is not constructed yet (a `prev:` template depends on it), as RETURNN's
 * `_TemplateLayer` of a sub-layer is made: the sub-network entry `sub` dry-run
 * with its sources resolved where the sub-network sees them: `base:<x>` as
 * `<x>` of `net` (`base:prev:<x>` as `prev:<x>`), its own layers `<y>` as
 * `<owner>/<y>`, `"data"` as the owner's single `from` source. Undefined for
 * another name, an owner without a sub-network dict, or what cannot be resolved.
 */
export function drySubLayer(net: LayerGraph, name: string, dry: DryOutput, resolve: (s: SourceRef) => Data | undefined): Data | undefined {
  const split = splitSubLayerRef(name);
  if (!split) return undefined;
  const [owner, sub] = split;
  const ownerEntry = net.netDict[owner] as { from?: unknown } | undefined;
  const dict = subNetDictOf(ownerEntry);
  if (!dict || !(sub in dict)) return undefined;
  const from = ownerEntry!.from === undefined ? ['data'] : Array.isArray(ownerEntry!.from) ? ownerEntry!.from : [ownerEntry!.from];
  // The sub-network as a graph over `dict` whose `base:` is `net` (only for parsing and dry runs; nothing is added to it).
  const view = Object.create(net, { netDict: { value: dict }, enclosing: { value: { graph: net, lossPrefix: '' } } }) as LayerGraph;
  const subResolve = (s: SourceRef): Data | undefined => {
    if (s.kind === 'base') return resolve(parseSource(net, s.name, owner));
    if (s.kind === 'layer') return resolve({ kind: 'layer', name: `${owner}/${s.name}` });
    if (s.kind === 'data' && s.key === net.externData.defaultInput && from.length === 1 && typeof from[0] === 'string') return resolve(parseSource(net, from[0], owner));
    return undefined;
  };
  return dry(view, sub, subResolve)?.copy({ name });
}
