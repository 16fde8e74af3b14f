import type { Tensor } from '@strata/backend';
import type { CallContext } from '@strata/core';
import { NetDictError } from '../errors.js';
import { runNodes } from './forward.js';
import type { LayerOutput, SourceRef } from './net-dict-node.js';
import type { LayerGraph } from './graph.js';

/** Options of `constructExtraNet` (seed 003 `construct_extra_net`). */
export interface ExtraNetOptions {
  /** The extra net's search flag; default from `prefixName` (`search` → true, `no_search` → false), else the base's. */
  searchFlag?: boolean;
  /** Layers not in the list that do not exist yet are created in the extra net, not in the base (default false). */
  depLayersInExtra?: boolean;
  /** The extra net's name (default `extra.<prefixName>`). */
  netName?: string;
  /** The prefix of references to its layers: `search` for `extra.search:output` (default from `searchFlag`). */
  prefixName?: string;
}

/** The prefix and search flag of an extra net, as RETURNN derives one from the other. */
export function extraNetIdentity(opts: ExtraNetOptions): { prefix: string; searchFlag: boolean | undefined } {
  const fromPrefix = opts.prefixName === 'search' ? true : opts.prefixName === 'no_search' ? false : undefined;
  const searchFlag = opts.searchFlag ?? fromPrefix;
  const prefix = opts.prefixName ?? (searchFlag === true ? 'search' : searchFlag === false ? 'no_search' : (opts.netName ?? 'extra'));
  return { prefix, searchFlag };
}

/**
 * The outputs an extra net sees: its own layers' outputs over those of its
 * base network (a layer it does not re-create is the base's).
 */
export class OverlayOutputs extends Map<string, LayerOutput> {
  constructor(readonly base: Map<string, LayerOutput>) {
    super();
  }
  override get(key: string): LayerOutput | undefined {
    return super.get(key) ?? this.base.get(key);
  }
  override has(key: string): boolean {
    return super.has(key) || this.base.has(key);
  }
}

/** Per forward pass: how far each extra net has run. */
export type ExtraRuns = Map<string, { outs: OverlayOutputs; done: number }>;

/**
 * Runs the layers of the extra net `prefix` (in construction order) up to
 * `upTo` (all when absent) within a forward pass of its base network, with the
 * extra net's flags; their outputs go into `baseOuts` as `extra.<prefix>:<layer>`.
 *
 * @throws NetDictError when a layer of the extra net needs a base layer not computed yet.
 */
export function runExtraNet(
  base: LayerGraph,
  prefix: string,
  upTo: string | undefined,
  inputs: Readonly<Record<string, Tensor>>,
  ctx: CallContext,
  baseOuts: Map<string, LayerOutput>,
  runs: ExtraRuns,
  resolveOther: (s: SourceRef, outs: Map<string, LayerOutput>) => LayerOutput,
): void {
  const extra = base.extraNets.get(prefix)!;
  let run = runs.get(prefix);
  if (!run) runs.set(prefix, (run = { outs: new OverlayOutputs(baseOuts), done: 0 }));
  const nodes = [...extra.nodes.values()];
  // `<layer>/<sub>`: the layer that makes the sub-layer.
  const end = upTo === undefined ? nodes.length : nodes.findIndex((n) => n.name === upTo) + 1 || nodes.findIndex((n) => n.name === upTo.split('/')[0]) + 1;
  if (end <= run.done) return;
  const resolve = (s: SourceRef, outs: Map<string, LayerOutput>): LayerOutput => {
    if (s.kind !== 'layer') return resolveOther(s, outs);
    const o = outs.get(s.name);
    if (!o) throw new NetDictError(`Extra net '${extra.name}': layer '${s.name}' has no output yet; construct it before the layers that use it.`);
    return o;
  };
  const extraCtx = { ...ctx, search: extra.searchFlag } as CallContext;
  runNodes(nodes.slice(run.done, end), resolve, inputs, extraCtx, run.outs, `extra.${prefix}:`, extra.insideRec);
  run.done = end;
  for (const [k, v] of run.outs.entries()) baseOuts.set(`extra.${prefix}:${k}`, v);
}
