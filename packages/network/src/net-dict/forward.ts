import { ops, type Tensor } from '@strata/backend';
import { broadcastToData, type CallContext, commonData, type Data } from '@strata/core';
import { attachLayerFailure, LayerExecutionError, NetDictError, NetworkError, type TensorSummary } from '../errors.js';
import { applyInputDropout } from './input-dropout.js';
import { withParamDropout } from './param-dropout.js';
import { feedRegistered } from './register-extern-data.js';
import { withLayerBatchNorm } from './layer-batch-norm-run.js';
import { type EvalEnv, type EvalResult, firstSourceLens, type NetDictNode, type LayerOutput, refSourceIndex, type SourceRef, sourceLens } from './net-dict-node.js';


/**
 * Brings sources of different rank to a common rank for elementwise
 * combination, aligning by axes as RETURNN aligns dim tags: a source without
 * the time axis of another (a per-frame `[batch, F]` next to `base:enc_ctx`
 * `[batch, time, F]`) gets a size-1 axis at position 1 and broadcasts over time.
 */
export function alignRanks(xs: Tensor[]): Tensor[] {
  const rank = Math.max(...xs.map((x) => x.shape.length));
  return xs.map((x) => {
    // A scalar (a batchless `:i` or constant) broadcasts against any shape as it is.
    if (x.shape.length === rank || x.shape.length === 0) return x;
    if (x.shape.length === rank - 1) return ops.reshape(x, [x.shape[0]!, 1, ...x.shape.slice(1)]);
    return x;
  });
}

/**
 * Sources brought to their common axes by their templates' dims (RETURNN
 * `get_common_data`, then `copy_compatible_to` per source); `undefined` when a
 * source's value does not have its template's rank (then {@link alignRanks}).
 */
function byDims(xs: Tensor[], datas: readonly Data[]): Tensor[] | undefined {
  if (xs.length < 2 || datas.length !== xs.length) return undefined;
  let common: Data | undefined;
  try {
    common = commonData(datas);
  } catch {
    return undefined;
  }
  if (!common) return undefined;
  const out = xs.map((x, i) => broadcastToData(x, datas[i]!, common));
  return out.every((x) => x !== undefined) ? out : undefined;
}

/**
 * Evaluates one node on its sources' outputs (the default when the class has
 * no `evaluate`): joins the `from` sources (concatenated along the feature
 * axis, or a list), applies input dropout, adds the sources its class's
 * `refKeys` name as inputs of their own (`[x, ...refs]`), appends the
 * sequence lengths (the first timed source's Dim sizes, or those of the
 * `seqLensFrom` source) for classes that take them, runs the layer, and gives
 * the lengths of a time axis it makes of its own (`outputSeqLens`).
 *
 * @throws NetDictError if sources of different rank are concatenated.
 */
export function evaluateDefault(env: EvalEnv): EvalResult {
  const { node, sources, ctx } = env;
  const xs = sources.slice(0, node.nFrom).map((s) => s.value);
  const refs = sources.slice(node.nFrom).map((s) => s.value);
  const seqLens = firstSourceLens(env);
  let input: Tensor | Tensor[] | undefined;
  if (node.cls.sources === 'none' && refs.length > 0) input = undefined;
  else if (node.cls.sources === 'list' || xs.length === 0) input = (node.cls.broadcastSources && byDims(xs, node.sourceData.slice(0, node.nFrom))) || alignRanks(xs);
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
  if (input !== undefined && node.dropout > 0) input = applyInputDropout(input, node.dropout, ctx, node);
  const list = (t: Tensor | Tensor[] | undefined): Tensor[] => (t === undefined ? [] : Array.isArray(t) ? t : [t]);
  if (refs.length > 0) input = [...list(input), ...refs];
  const wantsLens = typeof node.cls.seqLens === 'function' ? node.cls.seqLens(node.layer) : node.cls.seqLens === 'input';
  const lensFrom = node.cls.seqLensFrom === undefined ? -1 : refSourceIndex(node, node.cls.seqLensFrom);
  const layerLens = lensFrom < 0 ? seqLens : sourceLens(env, lensFrom);
  if (wantsLens && layerLens) input = [...list(input), layerLens];
  const out = node.layer.applyWithLogits(input!, ctx);
  return ownsTimeDim(node) && seqLens ? { ...out, seqLens: node.layer.outputSeqLens(seqLens) } : out;
}

/** Whether the node's output has a time axis of its own (not one of its sources'): its sizes are set when it runs. */
export const ownsTimeDim = (node: NetDictNode): boolean => {
  const t = node.output.timeDim;
  return t !== undefined && !node.sourceData.some((d) => d.dims.includes(t));
};

/** Shape, dtype and min/max/mean of a tensor; the statistics are `null` when its values cannot be read (a traced graph input). */
export function summarizeTensor(t: Tensor): TensorSummary {
  const summary: TensorSummary = { shape: [...t.shape], dtype: t.dtype, min: null, max: null, mean: null };
  try {
    const v = ops.readSync(t);
    if (v.length === 0) return summary;
    let min = Infinity;
    let max = -Infinity;
    let sum = 0;
    for (const x of v) {
      const n = Number(x);
      if (n < min) min = n;
      if (n > max) max = n;
      sum += n;
    }
    return { ...summary, min, max, mean: sum / v.length };
  } catch {
    return summary;
  }
}

const sourceName = (s: SourceRef): string => (s.kind === 'data' ? `data:${s.key}` : s.kind === 'layer' ? s.name : s.kind === 'extra' ? `extra.${s.net}:${s.name}` : `${s.kind}:${s.name}`);

/**
 * Evaluates `nodes` in order (construction order is dependency order),
 * resolving sources with `resolve`, into `outs`. In training, nodes marked
 * `only_on_eval` are skipped.
 *
 * @param namePrefix the network's absolute name prefix (`dec/` in a rec unit), for error messages.
 * @param insideRec whether the nodes are a rec unit's, run once per frame (see `withParamDropout`).
 * @throws LayerExecutionError wrapping an untyped error a layer threw (a plain
 *   `Error`, `TypeError`, ...), with the layer's name and its inputs' summaries.
 *   Typed errors (`ShapeError`, `BackendCapabilityError`, network errors, ...)
 *   are rethrown as they are, the same facts attached (`layerFailureOf`).
 */
export function runNodes(
  nodes: Iterable<NetDictNode>,
  resolve: (s: SourceRef, outs: Map<string, LayerOutput>) => LayerOutput,
  inputs: Readonly<Record<string, Tensor>>,
  ctx: CallContext,
  outs: Map<string, LayerOutput> = new Map(),
  namePrefix = '',
  insideRec = false,
): Map<string, LayerOutput> {
  for (const node of nodes) {
    // RETURNN's only_on_eval: not computed (and its loss not taken) in training.
    if (ctx.training && node.entry.only_on_eval) continue;
    const sources = node.sources.map((s) => resolve(s, outs));
    const env: EvalEnv = { node, sources, outs, inputs, ctx };
    try {
      const { seqLens, ...out } = withParamDropout(node, ctx, insideRec, () => (node.cls.evaluate ? node.cls.evaluate(env) : evaluateDefault(env)));
      // A time axis the layer makes: its lengths for this batch live in its Dim.
      if (seqLens && ownsTimeDim(node)) node.output.timeDim!.dynSize = seqLens;
      const done = withLayerBatchNorm(node.layer, out, node.output.timeDim?.dynSize, ctx);
      outs.set(node.name, done);
      // runGraph gives a copy of the batch to write into when the graph has such layers.
      feedRegistered(node, done, inputs as Record<string, Tensor>);
    } catch (e) {
      const summaries = node.sources.map((s, i) => ({ source: sourceName(s), summary: summarizeTensor(sources[i]!.value) }));
      if (isUntypedError(e)) throw new LayerExecutionError({ layerName: `${namePrefix}${node.name}`, layerClass: node.entry.class, inputs: summaries, cause: e });
      if (e !== null && typeof e === 'object' && !(e instanceof NetworkError)) {
        attachLayerFailure(e, { layerName: `${namePrefix}${node.name}`, layerClass: node.entry.class, inputs: summaries });
      }
      throw e;
    }
  }
  return outs;
}

const BUILTIN_ERRORS: readonly unknown[] = [Error, TypeError, RangeError, ReferenceError, SyntaxError, EvalError, URIError];

/** True for errors of JavaScript's own classes (bugs, failed assertions) or non-errors, which carry no type of ours. */
function isUntypedError(e: unknown): boolean {
  return !(e instanceof Error) || BUILTIN_ERRORS.includes(Object.getPrototypeOf(e)?.constructor);
}
