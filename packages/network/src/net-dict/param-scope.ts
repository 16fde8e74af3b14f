import type { AddWeightOptions, Layer, Variable } from '@strata/core';
import { NetDictError } from '../errors.js';
import type { LayerGraph } from './graph.js';


/** The RETURNN param names Strata's local weight names stand for (returnn/tf/layers/basic.py, rec.py, base.py). */
const RETURNN_PARAM_NAMES: Readonly<Record<string, readonly string[]>> = {
  kernel: ['W', 'kernel'],
  bias: ['b', 'bias'],
  recurrent_kernel: ['W_re', 'recurrent_kernel'],
};

/** A param of the layer taken from another layer (by scope) or created by the layer itself (`own`). */
type ParamSource = { readonly reuseLayer: string } | 'own';

/** `reuse_params` parsed: a whole layer, and/or a map per RETURNN param name. */
interface ReuseSpec {
  readonly reuseLayer?: string;
  readonly map?: ReadonlyMap<string, ParamSource>;
  readonly autoCreateMissing: boolean;
}

function parseReuse(name: string, v: unknown): ReuseSpec | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'string') return { reuseLayer: v, autoCreateMissing: false };
  const o = v as Record<string, unknown>;
  const bad = (what: string): never => {
    throw new NetDictError(`Net dict entry '${name}': reuse_params ${what}. Received: reuse_params=${JSON.stringify(v)}.`);
  };
  for (const k of Object.keys(o)) {
    if (k === 'custom' || k === 'layer_output' || k === 'shape') bad(`key '${k}' (a Python function or a layer output as the param) cannot be given in a Strata net dict; use "reuse_layer" or "map"`);
    if (!['reuse_layer', 'map', 'auto_create_missing'].includes(k)) bad(`has an unknown key '${k}'; RETURNN's keys are reuse_layer, map, auto_create_missing`);
  }
  if (o.reuse_layer !== undefined && typeof o.reuse_layer !== 'string') bad('"reuse_layer" must be a layer name');
  let map: Map<string, ParamSource> | undefined;
  if (o.map !== undefined) {
    if (typeof o.map !== 'object' || o.map === null || Array.isArray(o.map)) bad('"map" must be an object of RETURNN param name -> layer name, {"reuse_layer": ...} or null');
    map = new Map();
    for (const [param, src] of Object.entries(o.map as Record<string, unknown>)) {
      if (src === null) map.set(param, 'own');
      else if (typeof src === 'string') map.set(param, { reuseLayer: src });
      else if (typeof src === 'object' && typeof (src as { reuse_layer?: unknown }).reuse_layer === 'string') {
        const extra = Object.keys(src as object).filter((k) => k !== 'reuse_layer' && k !== 'auto_create_missing');
        if (extra.length) bad(`map['${param}'] has key(s) ${extra.join(', ')}: only "reuse_layer" (and "auto_create_missing") are supported`);
        map.set(param, { reuseLayer: (src as { reuse_layer: string }).reuse_layer });
      } else if (typeof src === 'object' && (src as { auto_create_missing?: unknown }).auto_create_missing === true && Object.keys(src as object).length === 1) map.set(param, 'own');
      else bad(`map['${param}'] must be a layer name, {"reuse_layer": <layer name>} or null`);
    }
  }
  return { reuseLayer: o.reuse_layer as string | undefined, map, autoCreateMissing: o.auto_create_missing === true };
}

/** The absolute scope of the params of layer `ref` (`l1`, `base:l1`, `sub/l1`) named in graph `g`, as it is when asked (scopes of untracked owners change once tracked). */
function scopeOfRef(g: LayerGraph, ref: string, owner: string): string {
  if (ref.startsWith('base:')) {
    if (!g.parent) throw new NetDictError(`Net dict entry '${owner}': reuse_params names "${ref}", but "base:" works only inside a subnetwork or rec unit.`);
    return scopeOfRef(g.parent, ref.slice(5), owner);
  }
  const node = g.nodes.get(ref);
  if (node) return node.layer.scopeName;
  const first = ref.split('/')[0]!;
  if (!(first in g.netDict)) throw new NetDictError(`Net dict entry '${owner}': reuse_params names layer '${ref}', which the network does not have. Layers: ${Object.keys(g.netDict).join(', ')}.`);
  const ns = (g.netDict[first] as { name_scope?: unknown }).name_scope;
  return typeof ns === 'string' && first === ref ? scopeOfNameScope(g, ns) : `${g.owner.scopeName}/${ref}`;
}

/** The absolute scope `name_scope` gives a layer of graph `g` (RETURNN `get_base_absolute_name_scope_prefix` without the trailing `/`). */
function scopeOfNameScope(g: LayerGraph, ns: string): string {
  if (ns === '') return g.owner.scopeName;
  if (ns.startsWith('/')) return ns === '/' ? g.root.owner.scopeName : `${g.root.owner.scopeName}/${ns.slice(1)}`;
  return `${g.owner.scopeName}/${ns}`;
}

/** Whether any entry of the dict (nested units and subnetworks included) has `name_scope` or `reuse_params`: only then are params shared by scope. */
const usesScopes = new WeakMap<LayerGraph, boolean>();
function sharesByScope(g: LayerGraph): boolean {
  const root = g.root;
  let v = usesScopes.get(root);
  if (v === undefined) {
    // `extra.<prefix>:<layer>` entries: the extra net's layer shares the base layer's params by name (RETURNN).
    v = /"(name_scope|reuse_params|extra\.[^":/]+:[^"]+)":/.test(JSON.stringify(root.netDict));
    usesScopes.set(root, v);
  }
  return v || /"(name_scope|reuse_params)":/.test(JSON.stringify(g.netDict));
}

/** The variables that exist now under graph `g` and every graph enclosing it (an untracked rec unit's layers are not under the root yet). */
function findVariable(g: LayerGraph, path: string): Variable | undefined {
  // Paths relative to the root network's scope: a layer still being constructed (a sub-network's, a rec unit's) is not under it yet.
  const root = `${g.root.owner.scopeName}/`;
  const rel = (p: string) => (p.startsWith(root) ? p.slice(root.length) : p);
  const want = rel(path);
  for (let h: LayerGraph | undefined = g; h; h = h.parent ?? h.extraParent) {
    const v = h.owner.weights.find((w) => rel(w.path) === want);
    if (v) return v;
  }
  return undefined;
}

/** The layers whose params layer `name` reuses (to be constructed first, as RETURNN's `get_layer` does), with `base:` kept. */
export function reuseDependencies(entry: Record<string, unknown>, name: string): string[] {
  const spec = parseReuse(name, entry.reuse_params);
  if (!spec) return [];
  const refs = new Set<string>();
  if (spec.reuseLayer) refs.add(spec.reuseLayer);
  for (const s of spec.map?.values() ?? []) if (s !== 'own') refs.add(s.reuseLayer);
  return [...refs];
}

/**
 * Places the params of layer `name` (created, not yet built) of graph `g` as
 * RETURNN does for `name_scope` and `reuse_params`: the layer's scope becomes
 * the one `name_scope` names, or the reused layer's (string form), so its
 * params get RETURNN's names (`custom_name/W`, `l1/W`); and when the net
 * dict uses either key, every layer's new weight whose full name already
 * exists is that variable (TF's `get_variable` with reuse): layers with the
 * same scope share their params, whichever is built first. With a
 * `reuse_params` map, each mapped param is the named layer's.
 * @throws NetDictError for a malformed `name_scope`/`reuse_params`, a shared
 *   param of another shape, or a mapped param the other layer does not have.
 */
export function applyParamScope(g: LayerGraph, name: string, entry: Record<string, unknown>, layer: Layer): void {
  const ns = entry.name_scope as string | undefined;
  if (ns !== undefined && ns.length > 1 && ns.endsWith('/')) {
    throw new NetDictError(`Net dict entry '${name}': name_scope must not end with "/" (RETURNN asserts it). Received: name_scope=${JSON.stringify(ns)}.`);
  }
  const spec = parseReuse(name, entry.reuse_params);
  const whole = spec && !spec.map ? spec.reuseLayer : undefined;
  if (whole !== undefined) {
    scopeOfRef(g, whole, name);
    Object.defineProperty(layer, 'scopeName', { configurable: true, get: () => scopeOfRef(g, whole, name) });
  } else if (ns !== undefined) {
    Object.defineProperty(layer, 'scopeName', { configurable: true, get: () => scopeOfNameScope(g, ns) });
  }
  if (!sharesByScope(g)) return;
  const own = layer.addWeight.bind(layer);
  layer.addWeight = (local: string, options: AddWeightOptions): Variable => {
    const source = paramSource(spec, local, name);
    const path = source === 'own' ? `${layer.scopeName}/${local}` : `${scopeOfRef(g, source.reuseLayer, name)}/${local}`;
    const found = findVariable(g, path);
    if (found) {
      if (found.shape.join() !== options.shape.join()) {
        throw new NetDictError(
          `Net dict entry '${name}': its param '${local}' [${options.shape.join(', ')}] is shared with '${path}' (name_scope/reuse_params), which has shape [${found.shape.join(', ')}]. Shared params need the same shape.`,
        );
      }
      return found;
    }
    if (source !== 'own' && spec?.map) {
      throw new NetDictError(`Net dict entry '${name}': reuse_params maps its param '${local}' to layer '${source.reuseLayer}', which has no param '${path}'.`);
    }
    return own(local, options);
  };
}

/** Where the weight `local` of the layer comes from under `spec` (RETURNN `ReuseParams.variable_custom_getter`). */
function paramSource(spec: ReuseSpec | undefined, local: string, name: string): ParamSource {
  if (!spec?.map) return 'own';
  const aliases = RETURNN_PARAM_NAMES[local] ?? [local];
  const key = aliases.find((a) => spec.map!.has(a));
  if (key !== undefined) return spec.map.get(key)!;
  if (spec.reuseLayer !== undefined) return { reuseLayer: spec.reuseLayer };
  if (spec.autoCreateMissing) return 'own';
  throw new NetDictError(
    `Net dict entry '${name}': reuse_params has a "map" without its param '${aliases[0]}' (Strata '${local}'). Map it, or add "auto_create_missing": true (RETURNN asserts the same).`,
  );
}
