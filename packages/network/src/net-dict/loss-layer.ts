import type { Tensor } from '@strata/backend';
import { type CallContext, Data, Layer, type SymbolicShape } from '@strata/core';
import type { Loss } from '@strata/losses';
import { z } from 'zod';
import { NetDictError } from '../errors.js';
import { lossOf } from './entry-parts.js';
import type { EvalEnv, EvalResult, LayerCreateContext, NetDictNode } from './net-dict-node.js';
import type { NetDictNetwork } from './net-dict-network.js';
import { registerNetDictClass } from './registry.js';

/**
 * RETURNN's `LossLayer` (`class: "loss"`, returnn/tf/layers/basic.py): the
 * loss `loss_` (with `loss_opts_`) of its one source against the target
 * `target_` (an extern-data key; default: the loss's default target,
 * `classes`), per frame, not reduced (`reduce_func` identity, no flattening):
 * float32, the source's axes without its feature axis. `use_error` gives the
 * error instead (the frame error of `ce`: 1 where the argmax is not the
 * target). Sub-layers `<name>/loss` and `<name>/error` give both. As in
 * RETURNN the value is not a training loss of its own (use `"loss": "as_is"`
 * on it for that). Padded frames are 0.
 */
export class LossLayer extends Layer {
  static override readonly className: string = 'LossLayer';
  readonly loss: Loss;
  /** The extern-data key of the target. */
  readonly targetKey: string;
  readonly useError: boolean;

  constructor(args: { name: string; loss: Loss; targetKey: string; useError: boolean }) {
    super({ name: args.name });
    this.loss = args.loss;
    this.targetKey = args.targetKey;
    this.useError = args.useError;
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    return (inputShape as SymbolicShape).slice(0, -1);
  }

  override call(_inputs: Tensor | Tensor[], _ctx: CallContext): Tensor {
    throw new NetDictError(`loss layer '${this.name}' reads its target inside a net dict's forward pass, not through apply().`);
  }

  /** The per-frame loss and error of `source` (value and logits) against `target` with lengths `lens`. */
  values(source: { value: Tensor; logits?: Tensor }, target: Tensor, lens: Tensor | undefined): { loss: Tensor | null; error: Tensor | null } {
    const input = { output: source.value, logits: this.loss.checkOutputBeforeSoftmax ? source.logits : undefined };
    return { loss: this.loss.computeFrameValues(input, target, lens), error: this.loss.computeFrameErrors(input, target, lens) };
  }
}

function createLayer(c: LayerCreateContext): LossLayer {
  const where = `Net dict entry '${c.name}' (class 'loss')`;
  if (c.sources.length !== 1) throw new NetDictError(`${where}: takes exactly one source (RETURNN asserts len(sources) == 1). Received: ${c.sources.length}.`);
  const target = (c.entry.target_ as string | null | undefined) ?? (c.network as NetDictNetwork).graph.externData.defaultTarget;
  if (target.startsWith('layer:')) throw new NetDictError(`${where}: target_ ${JSON.stringify(target)}: Strata's loss layer takes an extern-data key as target_ (a layer as target is not supported yet).`);
  if (!(c.network as NetDictNetwork).graph.externData.hasData(target)) {
    throw new NetDictError(`${where}: target_ '${target}' is not an extern-data key (keys: ${(c.network as NetDictNetwork).graph.externData.keys.join(', ')}).`);
  }
  const loss = lossOf(c.name, c.entry.loss_ as string, c.entry.loss_opts_ as Record<string, unknown> | undefined);
  return new LossLayer({ name: c.name, loss, targetKey: target, useError: (c.entry.use_error as boolean | undefined) ?? false });
}

function evaluate({ node, sources, inputs, outs }: EvalEnv): EvalResult {
  const layer = node.layer as LossLayer;
  const target = inputs[layer.targetKey];
  if (!target) throw new NetDictError(`loss layer '${node.name}': the forward pass has no value for its target_ '${layer.targetKey}'. Given: ${Object.keys(inputs).join(', ')}.`);
  const { loss, error } = layer.values(sources[0]!, target, node.sourceData[0]?.timeDim?.dynSize);
  if (loss) outs.set(`${node.name}/loss`, { value: loss });
  if (error) outs.set(`${node.name}/error`, { value: error });
  const value = layer.useError ? error : loss;
  if (!value) throw new NetDictError(`loss layer '${node.name}': loss '${node.entry.loss_}' has no per-frame ${layer.useError ? 'error' : 'value'} (it scores whole sequences).`);
  return { value };
}

/** Registers the net-dict class `loss` ({@link LossLayer}). */
export function registerLossLayerClass(): void {
  const subNodes = new WeakMap<NetDictNode, Map<string, NetDictNode>>();
  registerNetDictClass('loss', {
    sources: 'concat',
    options: z.strictObject({
      loss_: z.string({ error: 'is required: the loss name, e.g. "ce"' }),
      target_: z.string().nullable().optional(),
      loss_opts_: z.record(z.string(), z.unknown()).optional(),
      use_error: z.boolean().optional(),
    }),
    create: createLayer,
    // RETURNN: the source's template without its feature axis, float32.
    outputData: ({ name, sources }) => {
      const s = sources[0]!;
      return new Data({ name, dims: s.sparse ? s.dims : s.dims.slice(0, -1), dtype: 'float32' }).copy({ hasBatch: s.hasBatch });
    },
    subLayerNode: (node, sub) => {
      if (sub !== 'loss' && sub !== 'error') throw new NetDictError(`Layer '${node.name}/${sub}': a loss layer has the sub-layers 'loss' and 'error' only (RETURNN LossLayer.get_sub_layer).`);
      let known = subNodes.get(node);
      if (!known) subNodes.set(node, (known = new Map()));
      let n = known.get(sub);
      if (!n) known.set(sub, (n = { ...node, name: `${node.name}/${sub}`, lossHolder: undefined, isOutputLayer: false, output: node.output.copy({ name: `${node.name}/${sub}` }) }));
      return n;
    },
    evaluate,
  });
}
