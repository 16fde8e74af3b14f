import { ops, type Tensor } from '@strata/backend';
import { type CallContext, Layer, type SymbolicShape } from '@strata/core';
import { z } from 'zod';
import { NetDictError } from '../errors.js';
import type { LayerGraph } from './graph.js';
import type { LayerCreateContext } from './net-dict-node.js';
import { frameData } from './rec-unit.js';
import { registerNetDictClass } from './registry.js';

/** The names RETURNN's `axis` of `rec_unstack` may take here: the time axis. */
const TIME_AXIS = /^(t|time)$/i;

/**
 * RETURNN's `RecUnstackLayer` (`class: "rec_unstack"`, returnn/tf/layers/rec.py):
 * inside a rec unit, frame `t` of a layer of the enclosing network that has
 * the rec layer's time axis (`"from": "base:x"`), a second input stepped
 * with the rec layer's frames. Outside a rec unit (with `axis`), the source
 * as it is, as RETURNN gives it.
 *
 * Keys: `axis` (the time axis, `"T"`; default: the rec layer's time axis),
 * `declare_rec_time` (RETURNN: the rec layer takes its time axis from this
 * source): a rec layer without `from` sources runs over the frames of this
 * layer's `base:` source, with its lengths (see `RecUnit.declaredTime`);
 * with sources, the rec layer's time is theirs, as it must be the same.
 *
 * Shapes: inside a unit `[B, T, ...]` → `[B, ...]` (frame `t`, the rec's
 * running frame); outside `[B, T, ...]` → the same.
 * @throws NetDictError (when built) for a source without a time axis or an `axis` that is not the time axis; (when run)
 *   when the source has fewer frames than the rec layer runs.
 */
export class RecUnstack extends Layer {
  static override readonly className: string = 'RecUnstack';
  /** The graph whose rec step gives the frame (a rec unit's, or one inside it), or undefined outside a rec unit. */
  readonly stepGraph: LayerGraph | undefined;

  constructor(name: string, stepGraph: LayerGraph | undefined) {
    super({ name });
    this.stepGraph = this.untracked(stepGraph);
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const s = inputShape as SymbolicShape;
    return this.stepGraph ? [s[0] ?? null, ...s.slice(2)] : s;
  }

  override call(inputs: Tensor | Tensor[], _ctx: CallContext): Tensor {
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    if (!this.stepGraph) return x;
    let g: LayerGraph | undefined = this.stepGraph;
    while (g && !g.recStepInfo) g = g.parent;
    const t = g?.recStepInfo?.i;
    if (t === undefined) throw new NetDictError(`rec_unstack layer '${this.name}' runs inside a rec unit's frame loop, which is not running.`);
    const [b, time] = [x.shape[0]!, x.shape[1]!];
    if (t >= time) {
      throw new NetDictError(
        `rec_unstack layer '${this.name}': the rec layer runs frame ${t}, but its source has ${time} frames. Its source must have the rec layer's time axis (RETURNN asserts the same dim tag).`,
      );
    }
    const rest = x.shape.slice(2);
    return ops.reshape(ops.slice(x, [0, t, ...rest.map(() => 0)], [b, 1, ...rest]), [b, ...rest]);
  }
}

function create(c: LayerCreateContext): RecUnstack {
  const where = `Net dict entry '${c.name}' (class 'rec_unstack')`;
  const graph = (c.network as { graph: LayerGraph }).graph;
  if (c.sources.length !== 1) throw new NetDictError(`${where}: takes exactly one source (RETURNN asserts len(sources) == 1); "from" gives ${c.sources.length}.`);
  const src = c.sources[0]!;
  const axis = c.entry.axis as string | undefined;
  if (axis !== undefined && !TIME_AXIS.test(axis)) throw new NetDictError(`${where}: "axis": ${JSON.stringify(axis)} is not supported; the time axis ("T") is.`);
  if (!src.timeDim) throw new NetDictError(`${where}: its source ${src} has no time axis to unstack.`);
  if (!graph.insideRec) {
    if (axis === undefined) throw new NetDictError(`${where}: outside a rec unit it needs "axis" (RETURNN: without it, it must be inside a rec layer).`);
    return new RecUnstack(c.name, undefined);
  }
  return new RecUnstack(c.name, graph);
}

/** Registers the net-dict class `rec_unstack` ({@link RecUnstack}). */
export function registerRecUnstackClass(): void {
  registerNetDictClass('rec_unstack', {
    sources: 'concat',
    acceptsSparse: true,
    options: z.strictObject({ axis: z.string().optional(), declare_rec_time: z.boolean().optional() }),
    create,
    outputData: (c) => ((c.layer as RecUnstack).stepGraph ? frameData(c.sources[0]!).copy({ name: c.name }) : c.sources[0]!.copy({ name: c.name })),
  });
}
