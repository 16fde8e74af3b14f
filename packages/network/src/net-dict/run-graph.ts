import type { Tensor } from '@strata/backend';
import { type CallContext, INFERENCE } from '@strata/core';
import { LayerNotFoundError } from '../errors.js';
import { type ExtraRuns, runExtraNet } from './extra-net.js';
import { runNodes } from './forward.js';
import type { LayerGraph } from './graph.js';
import type { LayerOutput, SourceRef } from './net-dict-node.js';

/**
 * Computes every layer's output of graph `g` for a batch, in construction
 * (dependency) order, then its extra nets' layers. `inputs`: extern-data key
 * → tensor `[batch, ...shape]`; for data with dynamic axes, `<key>:size<axis>`
 * (int32 `[batch]`, full length if absent) give the lengths, which go into
 * the data's Dims first (`ExternData.assignBatch`); each layer that makes a
 * time axis of its own sets that Dim's sizes as it runs. Inside a rec unit,
 * `prev:<layer>` and `base:<layer>` give those sources. The graph's
 * `trainFlag` and `searchFlag` override `ctx`.
 * @throws LayerExecutionError naming the layer that failed; LayerNotFoundError for a missing input.
 */
export function runGraph(g: LayerGraph, given: Readonly<Record<string, Tensor>>, ctx: CallContext = INFERENCE, outs?: Map<string, LayerOutput>): Map<string, LayerOutput> {
  // The network's own batch comes in the declared layout of its extern data (RETURNN's axis order); inner graphs get it canonical.
  const given_ = g.parent || g.extraParent ? given : g.externData.canonicalBatch(given);
  // Layers with `register_as_extern_data` add their outputs as inputs of the rest of the pass (not to the caller's batch).
  const inputs = g.registeredExternData.size > 0 ? { ...given_ } : given_;
  const search = (ctx as { search?: boolean }).search;
  const c0 = g.trainFlag === undefined && !g.searchFlag ? ctx : ({ ...ctx, training: g.trainFlag ?? ctx.training, search: g.searchFlag || search } as CallContext);
  // Inside a rec unit (or a graph in it): the running frame's index, for eval strings' self.network.get_rec_step_index().
  let stepGraph: LayerGraph | undefined = g;
  while (stepGraph && !stepGraph.recStepInfo) stepGraph = stepGraph.parent;
  const c = stepGraph ? { ...c0, recStepIndex: stepGraph.recStepInfo!.i } : c0;
  g.externData.assignBatch(inputs);
  const runs: ExtraRuns = new Map();
  const resolve = (s: SourceRef, done: Map<string, LayerOutput>): LayerOutput => {
    if (s.kind === 'layer') return done.get(s.name)!;
    if (s.kind === 'extra') {
      runExtraNet(g, s.net, s.name, inputs, c, done, runs, resolve);
      return done.get(`extra.${s.net}:${s.name}`)!;
    }
    const key = s.kind === 'data' ? s.key : `${s.kind}:${s.name}`;
    const value = inputs[key];
    if (!value) throw new LayerNotFoundError(`forward(): no input tensor for '${key}'. Given: ${Object.keys(inputs).join(', ')}.`);
    return { value };
  };
  const result = runNodes(g.nodes.values(), resolve, inputs, c, outs, g.absoluteNamePrefix, g.insideRec);
  for (const prefix of g.extraNets.keys()) runExtraNet(g, prefix, undefined, inputs, c, result, runs, resolve);
  return result;
}
