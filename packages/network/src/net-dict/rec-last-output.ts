import { type DType, ops, type Tensor } from '@strata/backend';
import { type CallContext, type Data, Layer, type SymbolicShape } from '@strata/core';
import { z } from 'zod';
import { NetDictError } from '../errors.js';
import type { LayerGraph } from './graph.js';
import type { EvalEnv, EvalResult, LayerCreateContext, NetDictNode } from './net-dict-node.js';
import { RecUnit } from './rec-unit.js';
import { registerNetDictClass } from './registry.js';

/**
 * RETURNN's `RecLastOutputLayer` (`class: "rec_last_output"`, returnn/tf/layers/rec.py):
 * the last frame of unit layer `sub_layer_name` of rec layer `rec_layer`,
 * per sequence: frame `len - 1` of each sequence (RETURNN keeps a
 * `need_last` layer's value once a sequence has ended, in the loop, and
 * gathers frame `len - 1` when the layer is moved out of it; both are this),
 * the layer's initial output for a sequence of length 0. `rec_layer` may name
 * the rec layer through `copy` layers of one source, as RETURNN resolves it.
 * The unit layer needs `"need_last": true` (RETURNN keeps no last frame otherwise).
 *
 * Shapes: the unit layer's frame, `[B, ...]`, its dtype.
 * @throws NetDictError (when built) for a `rec_layer` that is not a rec layer with a unit, an unknown
 *   `sub_layer_name`, or a unit layer without `need_last`.
 */
export class RecLastOutput extends Layer {
  static override readonly className: string = 'RecLastOutput';

  constructor(
    name: string,
    /** The rec layer's node. */
    readonly recNode: NetDictNode,
    /** The unit layer's name. */
    readonly sub: string,
    /** The unit layer's frame template. */
    readonly frame: Data,
  ) {
    super({ name });
    this.untracked(recNode);
  }

  override computeOutputShape(_inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    return this.frame.batchShape;
  }

  override call(_inputs: Tensor | Tensor[], _ctx: CallContext): Tensor {
    throw new NetDictError(`rec_last_output layer '${this.name}' reads the frames of rec layer '${this.recNode.name}' inside a net dict's forward pass, not through apply().`);
  }

  /** Frame `len - 1` of each sequence of the unit layer's frames `[B, T, ...]` (the initial output where `len` is 0). */
  run(env: EvalEnv): EvalResult {
    const key = `${this.recNode.name}/${this.sub}`;
    const frames = env.outs.get(key)?.value;
    if (!frames) throw new NetDictError(`rec_last_output layer '${this.name}': rec layer '${this.recNode.name}' gave no frames of '${this.sub}' (under search, only its output is collected).`);
    const [b, t] = [frames.shape[0]!, frames.shape[1]!];
    const lens = this.recNode.output.timeDim?.dynSize ?? ops.fill([b], t, 'int32');
    const last = ops.sub(lens, ops.fill([b], 1, 'int32'));
    const pick = ops.reshape(ops.cast(ops.oneHot(last, t), 'float32'), [b, t, ...frames.shape.slice(2).map(() => 1)]);
    const float = frames.dtype === 'float32' ? frames : ops.cast(frames, 'float32');
    let value = ops.sum(ops.mul(float, pick), [1]);
    const unit = this.recNode.layer as RecUnit;
    const init = (unit.unitGraph.node(this.sub).entry as { initial_output?: unknown }).initial_output;
    if (typeof init === 'string' && init.startsWith('base:')) throw new NetDictError(`rec_last_output '${this.name}': '${this.sub}' has initial_output "${init}" (a layer), which an empty sequence would give; not supported here, give a number.`);
    if (typeof init === 'number' && init !== 0) {
      const empty = ops.reshape(ops.equal(lens, ops.fill([b], 0, 'int32')), [b, ...frames.shape.slice(2).map(() => 1)]);
      value = ops.where(empty, ops.fill(value.shape, init, 'float32'), value);
    }
    return { value: frames.dtype === 'float32' ? value : ops.cast(value, frames.dtype as DType) };
  }
}

/** The rec layer `name` names, through `copy` layers of one source (RETURNN's `_resolve_to_rec_layer`). */
function resolveRec(graph: LayerGraph, name: string, where: string): NetDictNode {
  let node = graph.node(name);
  for (;;) {
    if (node.layer instanceof RecUnit) return node;
    const src = node.sources[0];
    if (node.entry.class === 'copy' && node.sources.length === 1 && src?.kind === 'layer') node = graph.node(src.name);
    else throw new NetDictError(`${where}: layer '${node.name}' (class '${node.entry.class}') is not a rec layer with a unit net dict (RETURNN: "is not a RecLayer").`);
  }
}

function create(c: LayerCreateContext): RecLastOutput {
  const where = `Net dict entry '${c.name}' (class 'rec_last_output')`;
  const graph = (c.network as { graph: LayerGraph }).graph;
  const recNode = resolveRec(graph, c.entry.rec_layer as string, where);
  const unit = recNode.layer as RecUnit;
  const sub = c.entry.sub_layer_name as string;
  const n = unit.unitGraph.nodes.get(sub);
  if (!n) throw new NetDictError(`${where}: rec layer '${recNode.name}' has no unit layer '${sub}'. Unit layers: ${[...unit.unitGraph.nodes.keys()].join(', ')}.`);
  if (!n.entry.need_last) throw new NetDictError(`${where}: unit layer '${sub}' of rec layer '${recNode.name}' needs "need_last": true, so that its last frame is kept (as RETURNN requires).`);
  // Makes the rec layer collect the unit layer's frames as '<rec>/<sub>'.
  unit.subLayerNode(sub);
  return new RecLastOutput(c.name, recNode, sub, n.output);
}

/** Registers the net-dict class `rec_last_output` ({@link RecLastOutput}). */
export function registerRecLastOutputClass(): void {
  registerNetDictClass('rec_last_output', {
    sources: 'none',
    optionalSources: true,
    refKeys: ['rec_layer'],
    options: z.strictObject({ rec_layer: z.string(), sub_layer_name: z.string() }),
    create,
    outputData: (c) => (c.layer as RecLastOutput).frame.copy({ name: c.name }),
    evaluate: (env) => (env.node.layer as RecLastOutput).run(env),
  });
}
