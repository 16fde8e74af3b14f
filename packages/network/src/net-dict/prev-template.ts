import type { Data } from '@strata/core';
import { NetDictError } from '../errors.js';
import type { LayerGraph } from './graph.js';
import type { SourceRef } from './net-dict-node.js';

/**
 * The output template entry `name` of a graph would have when its sources
 * have the templates `resolve` gives (a `from` source it gives none of is
 * left out, as RETURNN's still uninitialized template of a `prev:` layer
 * adds nothing to the output's shape); undefined when it cannot be computed.
 * No layer is tracked or built.
 */
export type DryOutput = (net: LayerGraph, name: string, resolve: (s: SourceRef) => Data | undefined) => Data | undefined;

/** The templates each graph's `prev:` layers were given before the layer itself was constructed. */
const assumedTemplates = new WeakMap<LayerGraph, Map<string, Data>>();

const MAX_ROUNDS = 6;

const sameTemplate = (a: Data, b: Data) =>
  a.dtype === b.dtype && a.shape.length === b.shape.length && a.shape.every((d, i) => d === b.shape[i]) && a.sparse === b.sparse && a.dim === b.dim;

/**
 * The template of `prev:<name>` inside a rec unit when `name` is still being
 * constructed (it depends on its own previous frame), as RETURNN's
 * `_SubnetworkRecCell._construct_template` finds it: the layer's output
 * computed from its sources, where a `prev:` layer whose template is not
 * known yet contributes nothing at first, then, iterating, the template the
 * previous round found, until the templates no longer change.
 *
 * @param known the templates of sources that are not layers of this unit (`data:`, `base:`, `extra.`), and of `prev:` layers
 *   whose shape the entry gives (`n_out`, a `choice`'s target); undefined if none.
 * @returns the template, or undefined when no round could compute it.
 */
export function inferPrevTemplate(net: LayerGraph, name: string, dry: DryOutput, known: (s: SourceRef) => Data | undefined): Data | undefined {
  const assumed = new Map<string, Data>();
  let result: Data | undefined;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const memo = new Map<string, Data | undefined>();
    const visiting = new Set<string>();
    const pending = new Set<string>();
    const layerTemplate = (n: string): Data | undefined => {
      const node = net.nodes.get(n) ?? (n.includes('/') ? net.subLayerNode(n) : undefined);
      if (node) return node.output;
      if (memo.has(n)) return memo.get(n);
      if (visiting.has(n)) return undefined;
      visiting.add(n);
      const d = dry(net, n, resolve);
      visiting.delete(n);
      memo.set(n, d);
      return d;
    };
    const resolve = (s: SourceRef): Data | undefined => {
      if (s.kind === 'layer') return layerTemplate(s.name);
      if (s.kind !== 'prev') return known(s);
      const given = net.nodes.get(s.name)?.output ?? known(s) ?? assumed.get(s.name);
      if (!given) pending.add(s.name);
      return given;
    };
    const next = layerTemplate(name);
    let changed = next === undefined || result === undefined || !sameTemplate(next, result);
    result = next;
    for (const p of pending) {
      const d = layerTemplate(p);
      if (d && !(assumed.get(p) && sameTemplate(assumed.get(p)!, d))) {
        assumed.set(p, d);
        changed = true;
      }
    }
    if (result && !changed) break;
  }
  if (result) {
    let m = assumedTemplates.get(net);
    if (!m) assumedTemplates.set(net, (m = new Map()));
    m.set(name, result);
  }
  return result;
}

/**
 * Checks that layer `name`, now constructed, has the template its `prev:`
 * references were given before (see {@link inferPrevTemplate}).
 * @throws NetDictError naming both shapes and asking for `n_out` when they differ.
 */
export function checkPrevTemplate(net: LayerGraph, name: string, output: Data): void {
  const given = assumedTemplates.get(net)?.get(name);
  if (!given || sameTemplate(given, output)) return;
  throw new NetDictError(
    `Layer '${name}' is used as "prev:${name}" in a recurrent dependency; its shape was inferred as ${given.toString()}, ` +
      `but the layer gives ${output.toString()}. Give it "n_out" so that its shape is known in advance.`,
  );
}
