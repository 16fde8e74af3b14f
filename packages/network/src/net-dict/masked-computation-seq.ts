import type { Tensor } from '@strata/backend';
import { type CallContext, type Data, Dim, Layer, type SymbolicShape } from '@strata/core';
import { NetDictError } from '../errors.js';
import { addLayer, constructLayer } from './construct.js';
import type { LayerGraph } from './graph.js';
import { packMasked } from './masked-pack.js';
import { MaskedUnitLayer } from './masked-unit-layer.js';
import type { EvalEnv, EvalResult, LayerCreateContext, NetDictLayerClass, NetDictNode } from './net-dict-node.js';
import type { LayerDescription } from './schema.js';

/** The time axis of `d` the mask runs along: the mask's own Dim when `d` has it, else `d`'s time axis. */
function inSpatialAxis(d: Data, maskDim: Dim): number {
  const own = d.dims.indexOf(maskDim);
  if (own >= 0) return own;
  return d.timeDim ? d.dims.indexOf(d.timeDim) : -1;
}

/** The hidden packing node's layer: its evaluation packs (see {@link packClass}); never applied as a layer. */
class MaskedPack extends Layer {
  static override readonly className: string = 'MaskedPack';
  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    return (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as SymbolicShape;
  }
  override call(_inputs: Tensor | Tensor[], _ctx: CallContext): Tensor {
    throw new NetDictError(`masked_computation's packing '${this.name}' runs in the network's forward pass, not through apply().`);
  }
}

/**
 * The hidden node `<name>(masked:<source>)`: its `from` is `[source, mask]`;
 * its output is the source with the mask's time axis replaced by the packed
 * axis `<name>:masked:time` (RETURNN's `out_spatial_dim`), whose lengths it
 * sets when it runs.
 */
function packClass(outDim: Dim): NetDictLayerClass {
  return {
    sources: 'list',
    acceptsSparse: true,
    create: (c) => new MaskedPack({ name: c.name }),
    outputData: (c) => {
      const [src, mask] = c.sources as [Data, Data];
      const axis = inSpatialAxis(src, mask.timeDim!);
      return src.copy({ name: c.name, dims: src.dims.map((d, i) => (i === axis ? outDim : d)) });
    },
    evaluate: (env: EvalEnv): EvalResult => {
      const [src, mask] = env.node.sourceData as [Data, Data];
      const maskDim = mask.timeDim!;
      const axis = inSpatialAxis(src, maskDim) + 1;
      return packMasked(env.sources[0]!.value, env.sources[1]!.value, maskDim.dynSize ?? src.timeDim?.dynSize, axis);
    },
  };
}

/**
 * RETURNN's `MaskedComputationLayer` (`class: "masked_computation"`,
 * returnn/tf/layers/rec.py) outside a rec unit: the frames of the source
 * where `mask` (bool `[B, T]`) holds, within each sequence's length, are
 * packed onto a new time axis `<name>:masked:time` (RETURNN's
 * `out_spatial_dim`; lengths: the kept frames per sequence, `T'` their
 * maximum), and the `unit` layer runs on that packed sequence (its `"data"`).
 * The result keeps the packed axis (RETURNN does not unmask; `unmask` would).
 *
 * The unit is built as the hidden node `<name>(unit)` with its params under
 * this layer's name, as RETURNN creates it under the layer's name scope:
 * `<name>/W` for a `linear` unit, `<name>/rec/W` for a `rec` LSTM unit,
 * `<name>/<layer>/W` for a `subnetwork` unit's layers. Each `from` of the
 * unit that has the mask's time axis is packed (RETURNN's `get_masked_layer`),
 * one hidden node `<name>(masked:<source>)` each.
 *
 * With `masked_from` (a sequence masked already, e.g. extern data), the unit
 * runs on that sequence instead: nothing is packed.
 *
 * Shapes: the unit's output on the packed sequence, e.g. source `[B, T, F]`
 * → `[B, T', n_out]`.
 */
export class MaskedSequenceComputation extends MaskedUnitLayer {
  static override readonly className: string = 'MaskedSequenceComputation';

  constructor(name: string, unitNode: NetDictNode) {
    super(name, unitNode, "in the network's forward pass");
  }

  /** The unit's output (its node runs before this one), with the packed axis' lengths. */
  run(env: EvalEnv): EvalResult {
    const out = env.outs.get(this.unitNode.name);
    if (!out) throw new NetDictError(`masked_computation layer '${this.name}': its unit '${this.unitNode.name}' has no output in this pass.`);
    const lens = this.frame.timeDim?.dynSize;
    return { ...out, ...(lens ? { seqLens: lens } : {}) };
  }
}

/** A unit's `from` names as a list (RETURNN's default `"data"`). */
const fromList = (v: unknown): unknown[] => (v === undefined ? ['data'] : Array.isArray(v) ? v : [v]);

/**
 * Creates the layer of a `masked_computation` entry outside a rec unit (see
 * {@link MaskedSequenceComputation}): the packing nodes, then the unit.
 * @throws NetDictError for a mask that is not bool `[B, T]` (one dynamic axis), or a source without the mask's time axis.
 */
export function createMaskedSequence(c: LayerCreateContext, graph: LayerGraph, where: string): MaskedSequenceComputation {
  const unit = c.entry.unit as Record<string, unknown>;
  const maskedFrom = c.entry.masked_from as string | undefined;
  if (maskedFrom !== undefined) return createOnMaskedFrom(c, graph, where, maskedFrom, unit);
  if (typeof c.entry.mask !== 'string') throw new NetDictError(`${where}: needs "mask" (bool [B, T]: the frames to keep), or "masked_from" (a sequence masked already).`);
  const from = fromList(c.entry.from === undefined ? [] : c.entry.from) as string[];
  const mask = c.sources[c.sources.length - 1]!;
  const maskDim = mask.timeDim;
  if (mask.dtype !== 'bool' || !mask.hasBatch || mask.dims.length !== 1 || !maskDim) {
    throw new NetDictError(`${where}: "mask" must be bool [B, T] outside a rec unit (one flag per frame; RETURNN asserts shape (None,)); '${c.entry.mask}' is ${mask}.`);
  }
  const outDim = new Dim({ description: `${c.name}:masked:time`, derivedFrom: maskDim });
  const cls = packClass(outDim);
  const pack = (ref: string, data: Data): string => {
    if (inSpatialAxis(data, maskDim) < 0) {
      throw new NetDictError(`${where}: source '${ref}' (${data}) has no time axis for the mask '${c.entry.mask}' (${mask}) to select frames of.`);
    }
    const hidden = `${c.name}(masked:${ref})`;
    if (!graph.nodes.has(hidden)) addLayer(graph, hidden, cls, { class: 'masked_computation', from: [ref, c.entry.mask as string] } as LayerDescription);
    return hidden;
  };
  // The unit's "data" is the packed source; other layers it reads are packed when they have the mask's time axis.
  const unitFrom = fromList(unit.from).map((f) => {
    if (typeof f !== 'string') return f;
    if (f === 'data' || f === 'data:data') {
      if (from[0] === undefined) throw new NetDictError(`${where}: the unit reads "data" but the layer has no "from" source.`);
      return pack(from[0], c.sources[0]!);
    }
    const node = graph.nodes.get(f) ?? (f in graph.netDict ? constructLayer(graph, undefined, f) : undefined);
    return node && node.output.dims.includes(maskDim) ? pack(f, node.output) : f;
  });
  return unitLayer(c, graph, { ...unit, from: unitFrom });
}

/** The unit as the hidden node `<name>(unit)`, its params under this layer's name (RETURNN's name scope): `<name>/...`. */
function unitLayer(c: LayerCreateContext, graph: LayerGraph, unit: Record<string, unknown>): MaskedSequenceComputation {
  const hidden = `${c.name}(unit)`;
  const node = graph.nodes.get(hidden) ?? constructLayer(graph, { [hidden]: unit as LayerDescription }, hidden);
  const layer = new MaskedSequenceComputation(c.name, node);
  Object.defineProperty(node.layer, 'scopeName', { configurable: true, get: () => layer.scopeName });
  return layer;
}

/**
 * RETURNN's `masked_from` outside a rec unit: the unit's `"data"` is that
 * layer (or extern data), a sequence masked already (its time axis is the
 * output's, RETURNN's `out_spatial_dim`); `from` and `mask` are not used
 * (RETURNN drops them as dependencies).
 * @throws NetDictError when the unit reads another layer with a time axis (RETURNN would pack it with the mask onto `masked_from`'s axis; not built).
 */
function createOnMaskedFrom(c: LayerCreateContext, graph: LayerGraph, where: string, maskedFrom: string, unit: Record<string, unknown>): MaskedSequenceComputation {
  const unitFrom = fromList(unit.from).map((f) => {
    if (f === 'data' || f === 'data:data') return maskedFrom;
    const node = typeof f === 'string' ? (graph.nodes.get(f) ?? (f in graph.netDict ? constructLayer(graph, undefined, f) : undefined)) : undefined;
    if (node?.output.timeDim) {
      throw new NetDictError(`${where}: with "masked_from", the unit reads '${String(f)}' (${node.output}), which has a time axis; RETURNN would pack it with the mask onto masked_from's axis, which Strata does not build. Read it through "data" or without a time axis.`);
    }
    return f;
  });
  return unitLayer(c, graph, { ...unit, from: unitFrom });
}
