import { ops, type Tensor } from '@strata/backend';
import type { CallContext } from '@strata/core';
import { NetDictError } from '../errors.js';
import { applyInputDropout } from './input-dropout.js';
import type { EvalEnv, LayerNode, LayerOutput, SourceRef } from './layer-node.js';

/** True if the template has a dynamic (time) axis after the batch axis. */
export const hasTimeAxis = (node: LayerNode): boolean => node.output.shape.includes(null);

/**
 * Brings sources of different rank to a common rank for elementwise
 * combination, aligning by axes as RETURNN aligns dim tags: a source without
 * the time axis of another (a per-frame `[batch, F]` next to `base:enc_ctx`
 * `[batch, time, F]`) gets a size-1 axis at position 1 and broadcasts over time.
 */
export function alignRanks(xs: Tensor[]): Tensor[] {
  const rank = Math.max(...xs.map((x) => x.shape.length));
  return xs.map((x) => {
    if (x.shape.length === rank) return x;
    if (x.shape.length === rank - 1) return ops.reshape(x, [x.shape[0]!, 1, ...x.shape.slice(1)]);
    return x;
  });
}

/**
 * Evaluates one node on its sources' outputs (the default when the class has
 * no `evaluate`): joins the sources (concatenated along the feature axis, or
 * a list), applies input dropout, appends the sequence lengths for classes
 * that take them, runs the layer and derives the output's lengths.
 *
 * @throws NetDictError if sources of different rank are concatenated.
 */
export function evaluateDefault(env: EvalEnv): LayerOutput {
  const { node, sources, ctx } = env;
  const xs = sources.map((s) => s.value);
  const seqLens = sources.find((s) => s.seqLens)?.seqLens;
  let input: Tensor | Tensor[];
  if (node.cls.sources === 'list' || xs.length === 0) input = alignRanks(xs);
  else if (xs.length === 1) input = xs[0]!;
  else {
    const ranks = new Set(xs.map((x) => x.shape.length));
    if (ranks.size > 1) {
      throw new NetDictError(
        `Layer '${node.name}': its sources have different ranks (${xs.map((x) => `[${x.shape.join(', ')}]`).join(', ')}) and cannot be concatenated along the feature axis.`,
      );
    }
    input = ops.concat(xs, -1);
  }
  if (node.dropout > 0) input = applyInputDropout(input, node.dropout, ctx);
  const wantsLens = typeof node.cls.seqLens === 'function' ? node.cls.seqLens(node.layer) : node.cls.seqLens === 'input';
  if (wantsLens && seqLens) input = [...(Array.isArray(input) ? input : [input]), seqLens];
  const out = node.layer.applyWithLogits(input, ctx);
  return hasTimeAxis(node) && seqLens ? { ...out, seqLens: node.layer.outputSeqLens(seqLens) } : out;
}

/**
 * Evaluates `nodes` in order (construction order is dependency order),
 * resolving sources with `resolve`, into `outs`. In training, nodes marked
 * `only_on_eval` are skipped.
 */
export function runNodes(
  nodes: Iterable<LayerNode>,
  resolve: (s: SourceRef, outs: Map<string, LayerOutput>) => LayerOutput,
  inputs: Readonly<Record<string, Tensor>>,
  ctx: CallContext,
  outs: Map<string, LayerOutput> = new Map(),
): Map<string, LayerOutput> {
  for (const node of nodes) {
    // RETURNN's only_on_eval: not computed (and its loss not taken) in training.
    if (ctx.training && node.entry.only_on_eval) continue;
    const sources = node.sources.map((s) => resolve(s, outs));
    const env: EvalEnv = { node, sources, outs, inputs, ctx };
    outs.set(node.name, node.cls.evaluate ? node.cls.evaluate(env) : evaluateDefault(env));
  }
  return outs;
}
