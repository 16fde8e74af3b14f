import { ops, type Tensor } from '@strata/backend';
import { type CallContext, Data, Layer, type SymbolicShape } from '@strata/core';
import { z } from 'zod';
import { NetDictError } from '../errors.js';
import type { LayerGraph } from './graph.js';
import { registerNetDictClass } from './registry.js';

/** The layer name (and class) of the step index inside a rec unit, as RETURNN writes it: `"from": ":i"`. */
export const REC_STEP_INFO = ':i';

/**
 * RETURNN's `RecStepInfoLayer` (`layer_class = ":i"`, returnn/tf/layers/rec.py):
 * inside the unit of a `rec` layer, the index of the running frame, an int32
 * scalar without a batch axis (RETURNN: `Data(shape=(), batch_dim_axis=None,
 * dtype="int32")`), 0 at the first frame. The unit's `output` copying it is
 * `[T]` int32, the frame indices.
 *
 * It is made on first use of `":i"` in a unit (RETURNN's subnetwork cell
 * resolves the name the same way); it takes no sources.
 * @throws NetDictError when run while no frame loop is running.
 */
export class RecStepInfoLayer extends Layer {
  static override readonly className: string = 'RecStepInfoLayer';
  /** The graph whose rec step gives the frame (the unit's, or a graph inside it). */
  readonly stepGraph: LayerGraph;

  constructor(name: string, stepGraph: LayerGraph) {
    super({ name });
    this.stepGraph = this.untracked(stepGraph);
  }

  override computeOutputShape(_inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    return [];
  }

  /** The running frame's index: int32 scalar. */
  step(): Tensor {
    let g: LayerGraph | undefined = this.stepGraph;
    while (g && !g.recStepInfo) g = g.parent;
    const t = g?.recStepInfo?.i;
    if (t === undefined) throw new NetDictError(`Layer '${this.name}' (":i", RETURNN's RecStepInfoLayer) is the frame index of a rec unit's frame loop, which is not running.`);
    return ops.scalar(t, 'int32');
  }

  override call(_inputs: Tensor | Tensor[], _ctx: CallContext): Tensor {
    return this.step();
  }
}

/**
 * Adds the `":i"` entry to the net dict of `net` when `ref` is `":i"` inside a rec unit and the
 * dict has no layer of that name; returns whether `ref` now names it.
 */
export function addRecStepInfoEntry(net: LayerGraph, ref: string): boolean {
  if (ref !== REC_STEP_INFO || !net.insideRec) return false;
  if (!(ref in net.netDict)) net.netDict[ref] = { class: REC_STEP_INFO, from: [] } as never;
  return true;
}

/** Registers the net-dict class `":i"` ({@link RecStepInfoLayer}). */
export function registerRecStepInfoClass(): void {
  registerNetDictClass(REC_STEP_INFO, {
    sources: 'none',
    options: z.strictObject({}),
    create: (c) => {
      const graph = (c.network as { graph: LayerGraph }).graph;
      if (!graph.insideRec) throw new NetDictError(`Layer '${c.name}' (":i", the frame index) exists only inside the unit of a "rec" layer.`);
      return new RecStepInfoLayer(c.name, graph);
    },
    outputData: (c) => new Data({ name: c.name, dims: [], dtype: 'int32', hasBatch: false }),
    evaluate: ({ node }) => ({ value: (node.layer as RecStepInfoLayer).step() }),
  });
}
