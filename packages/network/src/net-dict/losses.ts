import { ops, type Tensor } from '@strata/backend';
import { type CallContext, INFERENCE, sizeKey } from '@strata/core';
import { type LossHolder, objectiveParts } from '@strata/losses';
import { LossesNotComputedError } from '../errors.js';
import type { ComputedLosses } from '../model.js';
import type { LayerGraph } from './graph.js';
import { registeredValue } from './register-extern-data.js';
import { runGraph } from './run-graph.js';

export type { ComputedLosses } from '../model.js';

/**
 * Runs the network on `batch` and computes every loss: in training
 * (`ctx.training`) the `lossNodes('train')`, else `lossNodes('eval')`. The
 * lengths of outputs and targets are the sizes of their time Dims, which the
 * forward pass set (targets' from the batch's `<target>:size1`).
 */
export function computeLosses(net: LayerGraph, batch: Readonly<Record<string, Tensor>>, ctx: CallContext = INFERENCE): ComputedLosses {
  const nodes = net.lossNodes(ctx.training ? 'train' : 'eval');
  batch = net.externData.canonicalBatch(batch);
  const outputs = runGraph(net, batch, ctx);
  const losses = new Map<string, LossHolder>();
  for (const n of nodes) {
    const h = n.lossHolder!;
    const out = outputs.get(n.name)!;
    try {
      const seqLens = n.output.timeDim?.dynSize;
      if (n.target === undefined) {
        // A loss without a target (RETURNN need_target False: as_is): the output in the target's place, its own lengths; without a batch axis, a batch of one.
        const value = n.output.hasBatch ? out.value : ops.reshape(out.value, [1, ...out.value.shape]);
        h.compute({ output: value, seqLens }, value, seqLens, { training: ctx.training });
      } else {
        const targetLens = net.externData.getData(n.target).timeDim?.dynSize;
        const target = registeredValue(net, n.target, outputs) ?? batch[n.target]!;
        h.compute({ output: out.value, logits: out.logits, seqLens }, target, targetLens, { training: ctx.training });
      }
    } catch (e) {
      // Typed loss errors keep their class; the message gains the layer and target they came from.
      if (e instanceof Error && !e.message.startsWith('Loss of layer')) e.message = `Loss of layer '${n.name}' (target '${n.target}'): ${e.message}`;
      throw e;
    }
    losses.set(h.name, h);
  }
  // The layers' own losses (L2, activity penalties) are collected by the layer that tracks them.
  const parts = objectiveParts([...losses.values()], { regularization: net.owner.losses });
  return { outputs, losses, totalLoss: parts.loss, totalConstraints: parts.constraints, objective: parts.total };
}

/** Options of `NetDictNetwork.getFetchesDict`. */
export interface FetchesOptions {
  /** Call context of the step (training flag, seeds); default inference. */
  ctx?: CallContext;
  /** Include the losses (seed `should_eval`; default the network's `evalFlag`). */
  shouldEval?: boolean;
  /** Include `<key>:size<axis>`, the lengths of each dynamic axis of the used data keys (seed `with_size`; `sizeKey`'s names). */
  withSize?: boolean;
}

/**
 * What one step computes, as named scalars (seed 003 `get_fetches_dict`):
 * `loss` (the objective), and per loss `cost:<name>` (normalised, unscaled),
 * `error:<name>` (error rate, if the loss has one), `loss_norm_factor:<name>`
 * (1 / frames); with `withSize`, `<key>:size<axis>` int32 `[batch]` (the Dims' sizes).
 */
export function fetchesDict(net: LayerGraph, batch: Readonly<Record<string, Tensor>>, opts: FetchesOptions = {}): Record<string, Tensor> {
  const fetches: Record<string, Tensor> = {};
  if (opts.shouldEval ?? net.evalFlag) {
    const c = computeLosses(net, batch, opts.ctx);
    fetches.loss = c.objective;
    for (const [name, h] of c.losses) {
      fetches[`cost:${name}`] = h.lossForReport;
      const err = h.errorRate;
      if (err) fetches[`error:${name}`] = err;
      fetches[`loss_norm_factor:${name}`] = ops.div(ops.scalar(1), h.values.numFrames);
    }
  }
  if (opts.withSize) {
    batch = net.externData.canonicalBatch(batch);
    if (!(opts.shouldEval ?? net.evalFlag)) net.externData.assignBatch(batch);
    for (const key of net.usedDataKeys()) {
      if (!batch[key]) continue;
      net.externData.getData(key).dims.forEach((d, i) => {
        if (d.dynSize) fetches[sizeKey(key, i + 1)] = d.dynSize;
      });
    }
  }
  return fetches;
}

/** The last computed losses, or a typed error naming the call to make first. */
export function lastLosses(last: ComputedLosses | undefined, what: string): ComputedLosses {
  if (!last) {
    throw new LossesNotComputedError(`${what}: no losses computed yet. Call network.computeLosses(batch, ctx) (or getFetchesDict) first.`);
  }
  return last;
}
