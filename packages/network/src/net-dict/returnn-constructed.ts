import type { Layer, Variable } from '@strata/core';
import { extraKey } from './extra-overrides.js';
import { LayerGraph } from './graph.js';
import type { LayerDescription } from './schema.js';
import { splitSubLayerRef } from './sub-layer.js';

/**
 * The layers RETURNN would construct, per graph (the root graph, the units of
 * used rec layers, used sub-networks, extra nets).
 *
 * Strata's `constructFromDict` builds every entry of a net dict, so that a
 * mistake in any entry surfaces. RETURNN (`TFNetwork.construct_from_dict`)
 * constructs only its roots and what they depend on: at the top level and in
 * a sub-network the `register_as_extern_data` layers, `output` (and names
 * ending in `:output`), layers with a `loss` and `is_output_layer` layers;
 * in a rec unit (`_SubnetworkRecCell._construct_template`) `output`, `end`,
 * layers with a `loss`, `is_output_layer` and `need_last` layers. A
 * dependency is every source (`from` and the layers other options name),
 * `prev:x` (x runs each frame), `base:x` (in the enclosing graph),
 * `extra.<net>:x` (not the `from` of a `choice` layer that does not search:
 * RETURNN empties it), `<layer>/<sub>` (the layer, and `sub` in its unit), the
 * layers `reuse_params` names and the hidden parts a layer constructs for
 * itself (`<cond>(true_layer)`, `<masked>(unit)`). Layers constructed on
 * request (`constructLayer`, `addLayer`: `LayerGraph.explicitLayers`) are
 * roots too, as RETURNN's `construct_layer`.
 * Layers nobody needs have no params in RETURNN (not in `get_params_list()`,
 * not in its checkpoints). A loss layer is a root whatever the flags at the
 * top level, inside a rec unit only with `eval_flag` (Strata's default: true),
 * as in RETURNN.
 */
export function returnnConstructedLayers(root: LayerGraph): Map<LayerGraph, Set<string>> {
  const needed = new Map<LayerGraph, Set<string>>();
  const visited = new Set<LayerGraph>();
  const visitGraph = (g: LayerGraph, isRecUnit: boolean) => {
    if (visited.has(g)) return;
    visited.add(g);
    if (!needed.has(g)) needed.set(g, new Set());
    for (const [name, node] of g.nodes) if (isRoot(name, node.entry, isRecUnit, g.evalFlag)) mark(g, name);
    for (const name of g.explicitLayers) mark(g, name);
    for (const extra of g.extraNets.values()) {
      visitGraph(extra, false);
      for (const name of extra.nodes.keys()) mark(extra, name);
    }
  };
  const mark = (g: LayerGraph | undefined, ref: string): void => {
    if (!g) return;
    // A layer's own name first: a top-level entry may be named like a reference ("prev:x" is a legal key).
    if (!g.nodes.has(ref)) {
      if (ref.startsWith('base:')) return mark(g.parent, ref.slice(5));
      if (ref.startsWith('prev:')) return mark(g, ref.slice(5));
      const extra = extraKey(ref);
      if (extra) return mark(g.base.extraNets.get(extra[0]), extra[1]);
      if (g.extraParent && !g.ownsLayer(ref)) return mark(g.extraParent, ref);
      const split = splitSubLayerRef(ref);
      if (!split || !g.nodes.has(split[0])) return;
      mark(g, split[0]);
      const inner = innerGraph(g.nodes.get(split[0])!.layer);
      return inner ? mark(inner.graph, split[1]) : undefined;
    }
    if (!needed.has(g)) needed.set(g, new Set());
    const set = needed.get(g)!;
    if (set.has(ref)) return;
    set.add(ref);
    const node = g.nodes.get(ref)!;
    const skipFrom = choiceWithoutSearch(g, node.entry) ? node.nFrom : 0;
    for (const s of node.sources.slice(skipFrom)) {
      if (s.kind === 'layer' || s.kind === 'prev') mark(g, s.name);
      else if (s.kind === 'base') mark(g.parent, s.name);
      else if (s.kind === 'extra') mark(g.base.extraNets.get(s.net), s.name);
    }
    for (const r of reuseParamsLayers(node.entry.reuse_params)) mark(g, r);
    // The hidden parts a layer constructs for itself (`cond(true_layer)`, `masked(unit)`), under its name in RETURNN.
    for (const part of g.nodes.keys()) if (part.startsWith(`${ref}(`) && part.endsWith(')')) mark(g, part);
    const inner = innerGraph(node.layer);
    if (inner) visitGraph(inner.graph, inner.isRecUnit);
  };
  visitGraph(root, 'unitGraph' in root.owner);
  return needed;
}

/**
 * RETURNN's `get_params_list()`: the variables of the layers RETURNN would
 * construct (see {@link returnnConstructedLayers}), in Strata's order. The
 * variables of layers nobody needs are left out, unless a needed layer shares
 * them. They keep their initial values: no checkpoint saves or loads them,
 * the optimizer does not update them (no gradient reaches them anyway).
 */
export function returnnParamsList(root: LayerGraph, all: readonly Variable[]): Variable[] {
  const needed = returnnConstructedLayers(root);
  const unused = new Set<Variable>();
  const kept = new Set<Variable>();
  for (const [g, names] of needed) {
    for (const [name, node] of g.nodes) {
      if (!names.has(name)) for (const v of node.layer.weights) unused.add(v);
      else if (!innerGraph(node.layer)) for (const v of node.layer.weights) kept.add(v);
    }
  }
  return all.filter((v) => !unused.has(v) || kept.has(v));
}

/**
 * Whether RETURNN constructs entry `name` of `g` whatever else the dict holds: a root of
 * {@link returnnConstructedLayers} (by its entry; a layer constructed on request), or any entry of a rec unit
 * (`constructFromDict` keeps every rec unit entry's error: its templates are built together).
 */
export function isReturnnRoot(g: LayerGraph, name: string): boolean {
  if ('unitGraph' in g.owner || g.explicitLayers.has(name)) return true;
  const entry = g.netDict[name];
  return !entry || typeof entry !== 'object' || isRoot(name, entry, false, g.evalFlag);
}

/** A root of construction: RETURNN `construct_from_dict` (top level, sub-network) or `_construct_template` (rec unit: losses only with `eval_flag`). */
function isRoot(name: string, entry: LayerDescription, isRecUnit: boolean, evalFlag: boolean): boolean {
  if (name === 'output' || name.endsWith(':output') || entry.is_output_layer || entry.register_as_extern_data) return true;
  if (entry.loss) return !isRecUnit || evalFlag;
  return isRecUnit && (name === 'end' || entry.need_last === true);
}

/**
 * A `choice` layer that does not search (RETURNN `ChoiceLayer.transform_config_dict`: without `search`,
 * `add_to_beam_scores` and `scheduled_sampling` its `from` is emptied, it takes the target): its sources
 * are no dependency, so RETURNN does not construct them for it.
 */
function choiceWithoutSearch(g: LayerGraph, entry: LayerDescription): boolean {
  if (entry.class !== 'choice') return false;
  const e = entry as { search?: unknown; add_to_beam_scores?: unknown; scheduled_sampling?: unknown };
  const search = typeof e.search === 'boolean' ? e.search : g.searchFlag;
  const addToBeam = typeof e.add_to_beam_scores === 'boolean' ? e.add_to_beam_scores : search || g.searchFlag;
  return !search && !addToBeam && !e.scheduled_sampling;
}

/** The layers a `reuse_params` value names (RETURNN `ReuseParams.from_config_dict` gets each of them, so they are constructed). */
function reuseParamsLayers(rp: unknown): string[] {
  if (typeof rp === 'string') return [rp];
  if (!rp || typeof rp !== 'object') return [];
  const o = rp as { reuse_layer?: unknown; map?: Record<string, unknown> };
  const out = typeof o.reuse_layer === 'string' ? [o.reuse_layer] : [];
  for (const m of Object.values(o.map ?? {})) {
    if (typeof m === 'string') out.push(m);
    else if (m && typeof m === 'object' && typeof (m as { reuse_layer?: unknown }).reuse_layer === 'string') out.push((m as { reuse_layer: string }).reuse_layer);
  }
  return out;
}

/** The graph inside a rec layer's unit or a sub-network layer, if `layer` has one. */
function innerGraph(layer: Layer): { graph: LayerGraph; isRecUnit: boolean } | undefined {
  const net = (layer as { net?: { graph?: unknown } }).net;
  if (!(net?.graph instanceof LayerGraph)) return undefined;
  return { graph: net.graph, isRecUnit: 'unitGraph' in layer };
}
