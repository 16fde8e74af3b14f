import { ops, type Tensor } from '@strata/backend';
import { z } from 'zod';
import { NetDictError } from '../errors.js';
import { constructLayer } from './construct.js';
import { createMaskedSequence, MaskedSequenceComputation } from './masked-computation-seq.js';
import type { LayerGraph } from './graph.js';
import type { EvalEnv, EvalResult, LayerCreateContext, MaskedStateOutput, NetDictNode } from './net-dict-node.js';
import { MaskedUnitLayer } from './masked-unit-layer.js';
import { registerNetDictClass } from './registry.js';
import { type HasSubLayers, subLayersOf } from './sub-layer.js';
import type { LayerDescription } from './schema.js';

/**
 * RETURNN's `MaskedComputationLayer` (`class: "masked_computation"`,
 * returnn/tf/layers/rec.py) inside a rec unit: per sequence, where `mask`
 * (bool `[B]`) holds, the `unit` layer runs on this frame; where it does not,
 * the layer gives its previous output and the unit's state (an `rnn_cell`'s)
 * stays as it was, as RETURNN's `where(mask, new, prev)` on the output and
 * the rec state (also of a subnetwork unit's cells); a state with its own transform
 * ({@link MaskedStateOutput}: a `self_attention`'s keys, values and mask history) takes that. At the first frame the previous output is zeros (the unit's
 * `initial_output` if a number).
 *
 * The unit is a layer dict whose `"data"` is this layer's `from` source
 * (RETURNN's masked source); other names resolve in the unit. It is built as
 * the hidden node `<name>(unit)`, its params under this layer's name
 * (`<rec>/rec/<name>/rec/lstm_cell/kernel` in RETURNN's checkpoint). The
 * unit runs on every frame and its result is selected (a compiled graph
 * cannot skip work per sequence), which gives RETURNN's values and gradients.
 *
 * Outside a rec unit the class builds {@link MaskedSequenceComputation} (the
 * masked frames packed onto a new time axis, or `masked_from`'s sequence).
 * `masked_from` inside a rec unit is not built.
 *
 * Shapes: the unit's frame output `[B, ...]`.
 * @throws NetDictError (when built) for a mask that is not bool `[B]`, or more than one source.
 */
export class MaskedComputation extends MaskedUnitLayer implements HasSubLayers {
  static override readonly className: string = 'MaskedComputation';
  /** The nodes `<name>/<sub>` of the unit's sub-layers others read (see {@link subLayerNode}). */
  private readonly subNodes = new Map<string, NetDictNode>();

  constructor(name: string, unitNode: NetDictNode) {
    super(name, unitNode, "inside a rec unit's forward pass");
  }

  /**
   * Sub-layer `sub` of a subnetwork unit, read as `<name>/<sub>` (RETURNN's
   * `MaskedComputationLayer.get_sub_layer` inside a rec loop): like the
   * layer's own output, the sub-layer's frame where the mask holds, else its
   * previous value (zeros, or the sub-entry's `initial_output` number, before the first frame).
   * See `HasSubLayers`.
   */
  subLayerNode(sub: string): NetDictNode | undefined {
    let node = this.subNodes.get(sub);
    if (node) return node;
    const n = subLayersOf(this.unitNode.layer)?.subLayerNode(sub);
    if (!n) return undefined;
    const name = `${this.name}/${sub}`;
    node = { ...n, name, lossHolder: undefined, output: n.output.copy({ name }) };
    this.subNodes.set(sub, node);
    return node;
  }

  /** `where(mask, unit output, previous output)`, and the same on the unit's rec state (`state:<unit>:<i>`) and the sub-layers read as `<name>/<sub>`. */
  run(env: EvalEnv): EvalResult {
    const mask = env.sources[env.sources.length - 1]!.value;
    const fresh = env.outs.get(this.unitNode.name)?.value;
    if (!fresh) throw new NetDictError(`masked_computation layer '${this.name}': its unit has no output yet in this frame.`);
    const b = fresh.shape[0]!;
    const select = (x: Tensor, prev: Tensor) => ops.where(ops.reshape(mask, [b, ...x.shape.slice(1).map(() => 1)]), x, prev);
    const outKey = `state:${this.name}:out`;
    const masked = (x: Tensor, key: string, init: unknown, what: string): Tensor => {
      if (typeof init === 'string' && init.startsWith('base:')) throw new NetDictError(`masked_computation layer '${this.name}': ${what} initial_output "${init}" (a layer) is not supported; give a number.`);
      const y = select(x, env.inputs[key] ?? ops.fill(x.shape, typeof init === 'number' ? init : 0, x.dtype as never));
      env.outs.set(key, { value: y });
      return y;
    };
    const value = masked(fresh, outKey, (this.unitNode.entry as { initial_output?: unknown }).initial_output, "its unit's");
    for (const [sub, node] of this.subNodes) {
      const x = env.outs.get(`${this.unitNode.name}/${sub}`)?.value;
      if (!x) throw new NetDictError(`masked_computation layer '${this.name}': its unit's layer '${sub}' has no output in this frame.`);
      env.outs.set(node.name, { value: masked(x, `state:${this.name}/${sub}:out`, (node.entry as { initial_output?: unknown }).initial_output, `unit layer '${sub}' with`) });
    }
    // The unit's own state, and that of the layers of a subnetwork unit (`state:<unit>/<layer>:<i>`); zeros before the first frame (RETURNN's default initial state).
    const own = (key: string) => key.startsWith(`state:${this.unitNode.name}:`) || key.startsWith(`state:${this.unitNode.name}/`);
    // A state with its own transform (self_attention's growing keys, values and mask history) takes that instead.
    for (const [key, o] of [...env.outs]) {
      if (!own(key)) continue;
      const transform = (o as MaskedStateOutput).maskedTransform;
      if (transform) {
        env.outs.set(key, { value: transform(o.value, env.inputs[key], mask) });
        continue;
      }
      const prev = env.inputs[key] ?? ops.fill(o.value.shape, 0, o.value.dtype as never);
      env.outs.set(key, { value: select(o.value, prev) });
    }
    return { value };
  }
}

/** The unit dict with `"data"` in its `from` replaced by the masked source (RETURNN's `sub_layers["data"]`). */
function unitDesc(unit: Record<string, unknown>, source: string | undefined): LayerDescription {
  if (source === undefined) return unit as LayerDescription;
  const from = unit.from === undefined ? ['data'] : Array.isArray(unit.from) ? unit.from : [unit.from];
  return { ...unit, from: from.map((f) => (f === 'data' || f === 'data:data' ? source : f)) } as LayerDescription;
}

function create(c: LayerCreateContext): MaskedComputation | MaskedSequenceComputation {
  const where = `Net dict entry '${c.name}' (class 'masked_computation')`;
  const graph = (c.network as { graph: LayerGraph }).graph;
  const from = c.entry.from === undefined ? [] : Array.isArray(c.entry.from) ? c.entry.from : [c.entry.from];
  if (from.length > 1) throw new NetDictError(`${where}: takes at most one source (RETURNN asserts len(sources) == 1); "from" gives ${from.length}.`);
  if (!graph.insideRec) return createMaskedSequence(c, graph, where);
  if (c.entry.masked_from !== undefined) throw new NetDictError(`${where}: "masked_from" inside a rec unit (a masked sequence read frame by frame) is not supported; give the source in "from".`);
  if (typeof c.entry.mask !== 'string') throw new NetDictError(`${where}: needs "mask", a bool [B] layer of the unit.`);
  const mask = c.sources[c.sources.length - 1]!;
  if (mask.dtype !== 'bool' || !mask.hasBatch || mask.dims.length > 0) {
    throw new NetDictError(`${where}: "mask" must be bool [B] inside a rec unit (one flag per sequence and frame); '${c.entry.mask}' is ${mask}.`);
  }
  const hidden = `${c.name}(unit)`;
  const node = graph.nodes.get(hidden) ?? constructLayer(graph, { [hidden]: unitDesc(c.entry.unit as Record<string, unknown>, from[0] as string | undefined) }, hidden);
  const layer = new MaskedComputation(c.name, node);
  // RETURNN creates the unit under this layer's name: its params are `<name>/...`.
  Object.defineProperty(node.layer, 'scopeName', { configurable: true, get: () => layer.scopeName });
  return layer;
}

/** Registers the net-dict class `masked_computation` ({@link MaskedComputation}). */
export function registerMaskedComputationClass(): void {
  registerNetDictClass('masked_computation', {
    sources: 'none',
    optionalSources: true,
    acceptsSparse: true,
    refKeys: ['mask'],
    options: z.strictObject({
      mask: z.string({ error: 'must name a bool layer (one flag per sequence inside a rec unit, per frame outside)' }).optional(),
      unit: z.record(z.string(), z.unknown()).refine((d) => typeof d.class === 'string', { error: 'must be a layer dict with a "class"' }),
      masked_from: z.string().optional(),
    }),
    create,
    outputData: (c) => (c.layer as MaskedComputation | MaskedSequenceComputation).frame.copy({ name: c.name }),
    evaluate: (env) => (env.node.layer as MaskedComputation | MaskedSequenceComputation).run(env),
  });
}
