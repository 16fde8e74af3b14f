import { ops, type Tensor } from '@strata/backend';
import { z } from 'zod';
import { InputShapeError, LayerArgumentError } from '../../errors.js';
import { type CallContext, Layer, type LayerArgs, type LayerConfig, type SymbolicShape } from '../../layer.js';
import { type LayerBuildContext, type LayerOptions, type LayerSpec, option, resolveArgs } from '../../layer-spec.js';
import { axisDescSchema, inputOf } from '../shape/axis-ops.js';
import { axesInData } from '../shape/axis-in-data.js';

/** Arguments of {@link Transpose}. */
export interface TransposeArgs extends LayerArgs {
  /** Output axis `i` is input axis `perm[i]`, batch axis included; `perm[0]` is 0 (the batch axis stays first). */
  perm: number[];
}

const PERM = 'must be a permutation of the axes (batch axis included, first: perm[0] = 0)';
const TRANSPOSE_OPTIONS = {
  perm: option(
    z.array(z.number({ error: PERM }).int({ error: PERM }), { error: PERM }).refine((p) => p[0] === 0 && [...p].sort((a, b) => a - b).every((v, i) => v === i), { error: PERM }),
    {
      returnn: 'perm',
      returnnSchema: z.union([z.array(axisDescSchema), z.record(z.string(), axisDescSchema)], {
        error: 'must be a list of RETURNN axis descriptions (one per axis, batch included) or a dict target axis -> source axis',
      }),
    },
  ),
} satisfies LayerOptions;

/**
 * Permutes the axes (RETURNN `TransposeLayer`, `tf.transpose`).
 *
 * Inputs: `x` `[batch, ...]`. Shape: `[x.shape[perm[0]], x.shape[perm[1]], ...]`. No weights.
 * @throws LayerArgumentError if `perm` is not a permutation that keeps the batch axis first.
 * @throws InputShapeError if `perm`'s length is not `x`'s rank.
 */
export class Transpose extends Layer {
  static override readonly className: string = 'Transpose';
  readonly perm: number[];

  constructor(args: TransposeArgs) {
    super(args);
    this.perm = resolveArgs('Transpose', TRANSPOSE_OPTIONS, args).perm;
  }

  private check(rank: number): void {
    if (rank !== this.perm.length) throw new InputShapeError({ layer: this.name, expected: `rank ${this.perm.length} (the length of perm)`, received: [rank] });
  }

  override call(inputs: Tensor | Tensor[], _ctx: CallContext): Tensor {
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    this.check(x.shape.length);
    return ops.transpose(x, this.perm);
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as SymbolicShape;
    this.check(shape.length);
    return this.perm.map((i) => shape[i]!);
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), perm: this.perm };
  }
}

/**
 * RETURNN's `get_perm_int`: a list (target axis i <- source axis perm[i]) or
 * a dict target -> source (targets may be ints), the axes not named filled
 * in order.
 */
function derivePerm(c: LayerBuildContext, a: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const d = inputOf(c);
  if (!d) return {};
  const rank = d.dims.length + (d.hasBatch ? 1 : 0);
  const one = (desc: unknown, allowInt: boolean): number => {
    if (typeof desc === 'number' && !allowInt) throw new LayerArgumentError(`perm: a source axis must be a RETURNN description, not an int (RETURNN: allow_int=False). Received: ${desc}.`);
    const v = typeof desc === 'string' && allowInt && /^-?\d+$/.test(desc) ? Number(desc) : desc;
    const found = axesInData(d, v);
    if (found.length !== 1) throw new LayerArgumentError(`perm: ${JSON.stringify(desc)} names ${found.length} axes of ${d}; name one. Received: ${JSON.stringify(desc)}.`);
    return found[0]!;
  };
  const raw = a.perm as unknown[] | Record<string, unknown>;
  const pairs: [number, number][] = Array.isArray(raw) ? raw.map((j, i) => [one(i, true), one(j, false)]) : Object.entries(raw).map(([i, j]) => [one(i, true), one(j, false)]);
  if (Array.isArray(raw) && raw.length !== rank) throw new LayerArgumentError(`perm has ${raw.length} entries but ${d} has ${rank} axes (batch included). Received: perm=${JSON.stringify(raw)}.`);
  const map = new Map(pairs);
  if (map.size !== pairs.length || new Set(map.values()).size !== pairs.length) throw new LayerArgumentError(`perm names an axis twice. Received: perm=${JSON.stringify(raw)}.`);
  const remTargets = [...Array(rank).keys()].filter((i) => !map.has(i));
  const used = new Set(map.values());
  const remSources = [...Array(rank).keys()].filter((i) => !used.has(i));
  remTargets.forEach((t, k) => map.set(t, remSources[k]!));
  const full = [...Array(rank).keys()].map((i) => map.get(i)!);
  // A perm that moves the batch axis: Strata keeps the batch axis first and the other axes in RETURNN's order. The values
  // and every axis named by description (dim tags) are RETURNN's; only an int axis counted in RETURNN's moved layout would differ.
  const perm = d.hasBatch && full[0] !== 0 ? [0, ...full.filter((i) => i !== 0)] : full;
  if (!d.hasBatch) throw new LayerArgumentError(`transpose of data without a batch axis (${d}) is not supported. Received: perm=${JSON.stringify(raw)}.`);
  return { perm };
}

/**
 * RETURNN's `transpose`: `perm` as a list or a dict of RETURNN axis
 * descriptions. The output has the input's Dims in the new order (a time
 * axis keeps its lengths). A perm that moves the batch axis (`{"B": "T", "T":
 * "B"}`) keeps it first: the other axes take RETURNN's order, so layers that
 * name axes by description see RETURNN's axes (RETURNN's own layers align by
 * dim tags); an int axis counted in RETURNN's moved layout would not match.
 */
export const transposeLayer: LayerSpec = {
  cls: Transpose,
  options: TRANSPOSE_OPTIONS,
  netDict: {
    names: ['transpose'],
    sources: 'concat',
    acceptsSparse: true,
    derive: derivePerm,
    outputData: (c) => {
      const d = inputOf(c);
      return d?.copy({ name: c.name, dims: (c.layer as Transpose).perm.slice(1).map((i) => d.dims[i - 1]!) });
    },
  },
};
