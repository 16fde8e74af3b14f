import { nodeOrder } from './construct.js';
import type { NetDictNode } from './net-dict-node.js';
import type { LayerGraph } from './graph.js';

/** Options of `NetDictNetwork.getSearchChoices`. */
export interface SearchChoicesOptions {
  /** The layer to start from (its own choices count). */
  src?: string;
  /** Start from these layers instead (seed `sources`). */
  sources?: readonly string[];
  /** Receives one line per visited layer (seed `debug_stream`). */
  debug?: (line: string) => void;
}

/** True if the node makes search choices: its class declares them and its network searches. */
export function hasSearchChoices(net: LayerGraph, node: NetDictNode): boolean {
  const f = node.cls.searchChoices;
  return net.searchFlag && (typeof f === 'function' ? f(node.layer) : f === true);
}

/**
 * Seed 003 `get_search_choices`: follows sources (`prev:` within a unit,
 * `base:` into the parent network, `extra.<name>:` into an extra net) from
 * `src`/`sources` and returns the last constructed layer with search
 * choices, or null. Each layer is visited once (loops through `prev:` end).
 */
export function searchChoices(net: LayerGraph, opts: SearchChoicesOptions): NetDictNode | null {
  const visited = new Set<string>();
  let best: NetDictNode | null = null;
  const visit = (n: LayerGraph, name: string): void => {
    const owner = n.extraParent && !n.nodes.has(name) ? n.extraParent : n;
    const key = `${owner.absoluteNamePrefix}${owner.name}|${name}`;
    if (visited.has(key)) return;
    visited.add(key);
    const node = owner.node(name);
    const has = hasSearchChoices(owner, node);
    opts.debug?.(`${owner.name}: layer '${name}' (${node.entry.class}) search choices: ${has ? 'yes' : 'no'}`);
    if (has) {
      if (!best || (nodeOrder.get(node) ?? 0) > (nodeOrder.get(best) ?? 0)) best = node;
      return;
    }
    for (const s of node.sources) {
      if (s.kind === 'layer' || s.kind === 'prev') visit(owner, s.name);
      else if (s.kind === 'base' && owner.parent && !s.name.startsWith('data:')) visit(owner.parent, s.name.startsWith('prev:') ? s.name.slice(5) : s.name);
      else if (s.kind === 'extra') visit(owner.base.extraNets.get(s.net)!, s.name);
    }
  };
  for (const name of opts.sources ?? (opts.src !== undefined ? [opts.src] : [])) visit(net, name);
  return best;
}
