import { ops, type Tensor } from '@strata/backend';
import { type CallContext, Dim, Layer, type SymbolicShape } from '@strata/core';
import { z } from 'zod';
import { NetDictError } from '../errors.js';
import type { LayerGraph } from './graph.js';
import type { EvalEnv, EvalResult, LayerCreateContext } from './net-dict-node.js';
import { registerNetDictClass } from './registry.js';

/** One Dim per `out_spatial_dim` name and unit graph: the cum_concat layers naming the same dim share its axis, as RETURNN's share one dim tag. */
const unitDims = new WeakMap<LayerGraph, Map<string, Dim>>();

function sharedDim(graph: LayerGraph, name: string): Dim {
  let dims = unitDims.get(graph);
  if (!dims) unitDims.set(graph, (dims = new Map()));
  let d = dims.get(name);
  if (!d) dims.set(name, (d = new Dim({ description: name })));
  return d;
}

/**
 * RETURNN's `CumConcatLayer` (`class: "cum_concat"`, returnn/tf/layers/rec.py),
 * inside a rec unit: at frame `t` the layer's input frames `0..t` stacked on
 * a new axis, `[B, t+1, ...]`, the base of auto-regressive self-attention.
 * The new axis is `out_spatial_dim`, here its name (RETURNN: a `Dim`, e.g.
 * `SpatialDim("cum_new")`); later layers name it `"stag:<name>"`
 * (`dot`'s `red1`/`var2`, `softmax_over_spatial`'s `axis`), and its lengths
 * are `t + 1` for every sequence (RETURNN's size inside the loop). Layers of
 * one unit naming the same `out_spatial_dim` share the axis.
 *
 * RETURNN requires the layer inside a rec layer (it asserts so); moved out
 * of the loop it gives the same values in its own layout, which Strata, with
 * no such optimisation, never needs. `axis` (only RETURNN's
 * `single_step_dim`, a Python object) is not taken.
 *
 * Shapes: input `[B, ...]` (one frame) → `[B, t+1, ...]`; its dtype.
 * @throws NetDictError outside a rec unit.
 */
export class CumConcat extends Layer {
  static override readonly className: string = 'CumConcat';

  constructor(
    name: string,
    /** The new axis (RETURNN `out_spatial_dim`). */
    readonly newDim: Dim,
  ) {
    super({ name });
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const s = inputShape as SymbolicShape;
    return [s[0] ?? null, null, ...s.slice(1)];
  }

  override call(_inputs: Tensor | Tensor[], _ctx: CallContext): Tensor {
    throw new NetDictError(`cum_concat layer '${this.name}' keeps its frames from frame to frame inside a rec unit's forward pass, not through apply().`);
  }

  /** This frame's input appended to the frames so far (the state `state:<name>:0` of the rec unit), with lengths `t + 1`. */
  run(env: EvalEnv): EvalResult {
    const xs = env.sources.map((s) => s.value);
    const x = xs.length === 1 ? xs[0]! : ops.concat(xs, -1);
    const frame = ops.reshape(x, [x.shape[0]!, 1, ...x.shape.slice(1)]);
    const key = `state:${env.node.name}:0`;
    const prev = env.inputs[key];
    const value = prev ? ops.concat([prev, frame], 1) : frame;
    env.outs.set(key, { value });
    return { value, seqLens: ops.fill([x.shape[0]!], value.shape[1]!, 'int32') };
  }
}

function create(c: LayerCreateContext): CumConcat {
  const graph = (c.network as { graph: LayerGraph }).graph;
  if (!graph.insideRec) {
    throw new NetDictError(`Net dict entry '${c.name}' (class 'cum_concat') must be inside the unit of a rec layer (RETURNN asserts "CumConcatLayer must be used inside a RecLayer").`);
  }
  return new CumConcat(c.name, sharedDim(graph, c.entry.out_spatial_dim as string));
}

/** Registers the net-dict class `cum_concat` ({@link CumConcat}). */
export function registerCumConcatClass(): void {
  registerNetDictClass('cum_concat', {
    sources: 'concat',
    acceptsSparse: true,
    options: z.strictObject({
      out_spatial_dim: z.string({ error: 'must name the new axis (RETURNN: a Dim such as SpatialDim("cum_new"); here its name, "cum_new")' }),
    }),
    create,
    outputData: (c) => {
      const first = c.sources[0]!;
      const feature = c.sources.reduce((n, s) => n + (s.dim ?? 0), 0);
      const src = c.sources.length === 1 ? first : first.withShape(c.name, [...first.shape.slice(0, -1), feature]);
      return src.copy({ name: c.name, dims: [(c.layer as CumConcat).newDim, ...src.dims] });
    },
    evaluate: (env) => (env.node.layer as CumConcat).run(env),
  });
}
