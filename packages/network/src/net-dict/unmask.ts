import type { Tensor } from '@strata/backend';
import { type CallContext, type Data, Layer, type LayerArgs, type SymbolicShape } from '@strata/core';
import { z } from 'zod';
import { NetDictError } from '../errors.js';
import type { LayerGraph } from './graph.js';
import { unpackMasked } from './masked-pack.js';
import type { EvalEnv, EvalResult, LayerCreateContext } from './net-dict-node.js';
import { registerNetDictClass } from './registry.js';

/**
 * RETURNN's `UnmaskLayer` (`class: "unmask"`, returnn/tf/layers/rec.py).
 *
 * Inside a rec unit, on a per-frame source (a `masked_computation` of the
 * unit): the source as it is (RETURNN: "a no-op"; `masked_computation`
 * already repeats its previous output where the mask fails). `mask` names the
 * same bool `[B]` layer as the `masked_computation`'s.
 *
 * Outside a rec unit, on a packed sequence `[B, T', D]` (a `masked_computation`
 * outside a rec unit) and its bool `[B, T]` mask: back on the mask's time
 * axis, `[B, T, D]` with the mask's lengths, each frame the mask skipped
 * repeating the last kept frame and frames before the first kept one the
 * source's initial output (its unit's numeric `initial_output`, else zeros)
 * (see `unpackMasked`). A source already on the mask's time axis is passed as
 * it is (RETURNN does the same).
 *
 * Shapes: `[B, ...]` → the same (in a rec unit); `[B, T', ...]` → `[B, T, ...]` (outside).
 */
export class Unmask extends Layer {
  static override readonly className: string = 'Unmask';

  constructor(
    args: LayerArgs,
    /** Outside a rec unit: the value of frames before the first kept one. */
    readonly initial = 0,
  ) {
    super(args);
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    return (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as SymbolicShape;
  }

  override call(inputs: Tensor | Tensor[], _ctx: CallContext): Tensor {
    return Array.isArray(inputs) ? inputs[0]! : inputs;
  }
}

/** The initial output RETURNN gives frames before the first kept one: the unit's (or source layer's) numeric `initial_output`, else 0. */
function initialOf(graph: LayerGraph, source: string | undefined, where: string): number {
  const node = source === undefined ? undefined : graph.nodes.get(source);
  const entry = node?.entry as { class?: string; unit?: { initial_output?: unknown }; initial_output?: unknown } | undefined;
  const init = entry?.class === 'masked_computation' ? entry.unit?.initial_output : entry?.initial_output;
  if (init === undefined || init === null) return 0;
  if (typeof init !== 'number') {
    throw new NetDictError(`${where}: the source '${source}' has "initial_output": ${JSON.stringify(init)}; unmasking outside a rec unit takes a number there (the value of frames before the first kept one).`);
  }
  return init;
}

/** @throws NetDictError in a rec unit for a source with a time axis; outside, for a source without one or a mask that is not bool [B, T]. */
function create(c: LayerCreateContext): Unmask {
  const where = `Net dict entry '${c.name}' (class 'unmask')`;
  const graph = (c.network as { graph: LayerGraph }).graph;
  const [src, mask] = c.sources;
  if (graph.insideRec) {
    if (!src || src.timeDim) {
      throw new NetDictError(
        `${where}: inside a rec unit Strata unmasks a per-frame source (a masked_computation there: the identity, as in RETURNN); ` +
          `a source with a time axis (a masked_computation moved out of the loop) is not supported. Source: ${src ?? 'none'}.`,
      );
    }
    return new Unmask({ name: c.name });
  }
  if (!src?.timeDim || !mask || mask.dtype !== 'bool' || mask.dims.length !== 1 || !mask.timeDim) {
    throw new NetDictError(
      `${where}: outside a rec unit, unmask takes a packed sequence [B, T', ...] (a masked_computation's output) and its "mask", bool [B, T] (RETURNN asserts both). ` +
        `Source: ${src ?? 'none'}; mask: ${mask ?? 'none'}.`,
    );
  }
  const from = c.entry.from;
  return new Unmask({ name: c.name }, initialOf(graph, typeof from === 'string' ? from : Array.isArray(from) ? (from[0] as string) : undefined, where));
}

/** The output template: in a rec unit (or on a source already on the mask's axis) the source's; else the source with its time axis replaced by the mask's. */
function outputData(c: LayerCreateContext): Data {
  const [src, mask] = c.sources as [Data, Data | undefined];
  const maskDim = mask?.timeDim;
  if (!src.timeDim || !maskDim || src.dims.includes(maskDim)) return src.copy({ name: c.name });
  return src.copy({ name: c.name, dims: src.dims.map((d) => (d === src.timeDim ? maskDim : d)) });
}

function evaluate(env: EvalEnv): EvalResult {
  const [src, mask] = env.node.sourceData as [Data, Data | undefined];
  const maskDim = mask?.timeDim;
  const x = env.sources[0]!.value;
  if (!src.timeDim || !maskDim || src.dims.includes(maskDim)) return { value: x };
  const layer = env.node.layer as Unmask;
  return { value: unpackMasked(x, env.sources[1]!.value, maskDim.dynSize, src.dims.indexOf(src.timeDim) + 1, layer.initial) };
}

/** Registers the net-dict class `unmask` ({@link Unmask}). */
export function registerUnmaskClass(): void {
  registerNetDictClass('unmask', {
    sources: 'concat',
    acceptsSparse: true,
    refKeys: ['mask'],
    options: z.strictObject({ mask: z.string({ error: 'must name the bool mask layer of the masked_computation' }) }),
    create,
    outputData,
    evaluate,
  });
}
