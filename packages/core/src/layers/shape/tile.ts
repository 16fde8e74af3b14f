import { ops, type Tensor } from '@strata/backend';
import { z } from 'zod';
import { LayerArgumentError } from '../../errors.js';
import { type CallContext, Layer, type LayerArgs, type LayerConfig, type SymbolicShape } from '../../layer.js';
import { type LayerBuildContext, type LayerOptions, type LayerSpec, option, resolveArgs, schemas } from '../../layer-spec.js';
import { xShapeOf } from '../seq/seq-inputs.js';
import { axisIndex, inputOf } from './axis-ops.js';
import { axisInData } from './axis-in-data.js';

/** Arguments of {@link Tile}. */
export interface TileArgs extends LayerArgs {
  /**
   * Multiples per axis: `[axis, multiple]` pairs, the axis `'F'` or an index
   * >= 1 counted with the batch axis (RETURNN `multiples`, a dict axis →
   * int). Static axes only, as RETURNN.
   */
  multiples: [string | number, number][];
}

const MULTIPLES = "must be pairs [axis, multiple] ('F' or an axis index >= 1, a positive integer)";
const TILE_OPTIONS = {
  multiples: option(z.array(z.tuple([z.union([z.literal('F'), z.number().int().min(1)]), schemas.positiveInt()]), { error: MULTIPLES }), {
    returnn: 'multiples',
    returnnSchema: z.record(z.string(), schemas.positiveInt(), { error: 'must be a dict axis description -> positive integer, e.g. {"F": 3}' }),
    fromReturnn: (v) => Object.entries(v as Record<string, number>),
  }),
} satisfies LayerOptions;

/**
 * Repeats the whole of static axes (RETURNN `TileLayer`, `tf.tile`):
 * axis `a` with multiple `m` becomes `m` copies of itself, one after the other.
 *
 * Inputs: `x` `[batch, ...]`. Shape: `x` with each tiled axis `m` times longer. No weights.
 * @throws LayerArgumentError for bad `multiples`.
 * @throws InputShapeError if an axis is not a non-batch axis of `x`.
 */
export class Tile extends Layer {
  static override readonly className: string = 'Tile';
  readonly multiples: [string | number, number][];

  constructor(args: TileArgs) {
    super(args);
    this.multiples = resolveArgs('Tile', TILE_OPTIONS, args).multiples;
  }

  private resolved(rank: number): [number, number][] {
    return this.multiples.map(([ax, m]) => [axisIndex(ax as 'F' | number, rank, this.name), m]);
  }

  override call(inputs: Tensor | Tensor[], _ctx: CallContext): Tensor {
    let y = Array.isArray(inputs) ? inputs[0]! : inputs;
    for (const [a, m] of this.resolved(y.shape.length)) if (m !== 1) y = ops.concat(new Array<Tensor>(m).fill(y), a);
    return y;
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const shape = [...xShapeOf(inputShape)];
    for (const [a, m] of this.resolved(shape.length)) shape[a] = shape[a] === null || shape[a] === undefined ? null : shape[a]! * m;
    return shape;
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), multiples: this.multiples };
  }
}

/** Net dicts: each axis description resolved against the input (counted with the batch axis); dynamic or batch axes are refused as in RETURNN. */
function deriveTile(c: LayerBuildContext, a: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const d = inputOf(c);
  if (!d) return {};
  const multiples = (a.multiples as [string, number][]).map(([desc, m]): [number, number] => {
    const ax = axisInData(d, desc);
    const dim = d.hasBatch ? (ax === 0 ? undefined : d.dims[ax - 1]) : d.dims[ax];
    if (m !== 1 && (!dim || dim.isDynamic)) {
      throw new LayerArgumentError(`multiples: axis ${JSON.stringify(desc)} of ${d} is the batch or a dynamic axis, which RETURNN does not tile. Received: multiples=${JSON.stringify(a.multiples)}.`);
    }
    return [ax, m];
  });
  return { multiples };
}

/** RETURNN's `tile`: `multiples` (a dict RETURNN axis description → int, static axes only). */
export const tileLayer: LayerSpec = {
  cls: Tile,
  options: TILE_OPTIONS,
  netDict: { names: ['tile'], sources: 'concat', derive: deriveTile },
};
