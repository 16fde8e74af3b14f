import { getBackend, ops, type Tensor } from '@strata/backend';
import { type CallContext, INFERENCE, type Variable } from '@strata/core';
import { objectiveParts } from '@strata/losses';
import type { LayerNode, LayerOutput, NetDictNetwork } from '@strata/network';
import { seqLensKey } from './batching.js';
import type { Optimizer } from './optimizers/optimizer.js';

/** Sums over one batch, per loss: what the epoch summary accumulates. */
export interface StepMetrics {
  /** The objective the optimizer minimised on this batch (normalised, scaled, plus constraints). */
  objective: number;
  /** Per loss name: summed loss, summed errors, frames. */
  losses: Record<string, { sum: number; error: number; frames: number }>;
}

/**
 * Computes every loss of the network on one batch: forward pass, then each
 * LossHolder on its layer's output (logits, sequence lengths) and target,
 * with the target's lengths `batch[seqLensKey(target)]` for sequence data
 * (absent for fixed-shape data). Returns the objective and, as auxiliary
 * outputs in a fixed order, each loss's sum, error and frame count.
 */
function lossesOf(net: NetDictNetwork, nodes: LayerNode[], batch: Record<string, Tensor>, ctx: CallContext) {
  const outs = net.forward(batch, ctx);
  const holders = nodes.map((n) => {
    const h = n.lossHolder!;
    // seqLens is typed here too, so this compiles whether or not LayerOutput declares it.
    const out: LayerOutput & { seqLens?: Tensor } = outs.get(n.name)!;
    h.compute({ output: out.value, logits: out.logits, seqLens: out.seqLens }, batch[n.target!]!, batch[seqLensKey(n.target!)]);
    return h;
  });
  const parts = objectiveParts(holders, { regularization: net.losses });
  const aux: Tensor[] = holders.flatMap((h) => [h.values.sum, h.values.error ?? ops.scalar(0), h.values.numFrames]);
  return { objective: parts.total, aux };
}

function readMetrics(nodes: LayerNode[], objective: Tensor, aux: Tensor[]): StepMetrics {
  const losses: StepMetrics['losses'] = {};
  nodes.forEach((n, i) => {
    losses[n.lossHolder!.name] = {
      sum: ops.item(aux[3 * i]!),
      error: ops.item(aux[3 * i + 1]!),
      frames: ops.item(aux[3 * i + 2]!),
    };
  });
  return { objective: ops.item(objective), losses };
}

/**
 * One training step (forward, losses, backward, optimizer update, state
 * updates such as batch-norm statistics), written once against the backend
 * contract. On a graph backend `backend.compile` turns it into one graph.
 */
export function trainStep(
  net: NetDictNetwork,
  optimizer: Optimizer,
  batch: Record<string, Tensor>,
  ctx: CallContext & { updates: [Variable, Tensor][] },
): StepMetrics {
  const backend = getBackend();
  const nodes = net.lossNodes('train');
  const trainable = net.trainableWeights;
  let nAux = 0;
  const { value, grads, aux } = backend.valueAndGrads(() => {
    const r = lossesOf(net, nodes, batch, ctx);
    nAux = r.aux.length;
    // State updates are extra outputs of the step; they are applied after the gradient step.
    return { value: r.objective, aux: [...r.aux, ...ctx.updates.map(([, t]) => t)] };
  }, trainable.map((v) => v.value));
  const metrics = readMetrics(nodes, value, aux);
  optimizer.apply(trainable, grads);
  ctx.updates.forEach(([v], i) => v.assign(aux[nAux + i]!));
  backend.dispose([value, ...grads, ...aux]);
  ctx.updates.length = 0;
  return metrics;
}

/** A compiled evaluation step: losses and errors of one batch in inference mode. */
export type EvalStepFn = (batch: Record<string, Tensor>) => StepMetrics;

/**
 * Compiles the inference pass and the losses of `net` with the active
 * backend (`backend.compile`: one ONNX graph per batch shape on onnxruntime,
 * the plain function on tfjs) and returns a function that evaluates one
 * batch (no dropout, moving statistics). Batch keys are passed in sorted
 * order so the compiled signature is stable.
 */
export function makeEvalStep(net: NetDictNetwork): EvalStepFn {
  const nodes = net.lossNodes('eval');
  let keys: string[] = [];
  const compiled = getBackend().compile((...tensors: Tensor[]) => {
    const batch = Object.fromEntries(keys.map((k, i) => [k, tensors[i]!]));
    const r = lossesOf(net, nodes, batch, INFERENCE);
    return [r.objective, ...r.aux];
  });
  return (batch) => {
    keys = Object.keys(batch).sort();
    return ops.tidy(() => {
      const [objective, ...aux] = compiled(...keys.map((k) => batch[k]!));
      return readMetrics(nodes, objective!, aux);
    });
  };
}
