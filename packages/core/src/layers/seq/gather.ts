import { ops, type Tensor } from '@strata/backend';
import { z } from 'zod';
import { InputShapeError, LayerArgumentError } from '../../errors.js';
import { type CallContext, Layer, type LayerArgs, type LayerConfig, type SymbolicShape } from '../../layer.js';
import { type LayerOptions, type LayerSpec, option, resolveArgs } from '../../layer-spec.js';
import { type SeqAxis, seqAxisIndex, seqAxisOption } from './seq-inputs.js';

/** Arguments of {@link Gather}. */
export interface GatherArgs extends LayerArgs {
  /** The axis to take positions from: `'T'` (1), `'F'` (the last) or an index >= 1 (negative from the end) (RETURNN `axis`). */
  axis: SeqAxis;
  /**
   * Net dicts only: the layer (or `data:<key>`) whose output holds the
   * positions (RETURNN `position`), made the layer's second input. The layer
   * itself ignores a name: it takes the positions as its second input. An int (RETURNN's int `position`) is
   * the one index taken along the axis, which is removed; the layer then takes only `x`.
   */
  position?: string | number;
}

const POSITION = 'must be the name of a layer (or "data:<key>") giving int32 positions, or a non-negative integer';

/** Gather's arguments in both vocabularies. */
const GATHER_OPTIONS = {
  axis: seqAxisOption('axis'),
  position: option(z.union([z.string(), z.number()], { error: POSITION }).refine((v) => typeof v === 'string' || (Number.isInteger(v) && v >= 0), { error: POSITION }).optional(), { returnn: 'position' }),
} satisfies LayerOptions;

const prod = (xs: readonly number[]): number => xs.reduce((a, b) => a * b, 1);

/**
 * Takes entries along one axis at int32 positions, per batch entry (RETURNN
 * `GatherLayer`, where the batch axis shared by input and positions is a
 * batch axis of the gather: TF `gather(batch_dims=1)`):
 * `out[b, ..., p..., ...] = x[b, ..., positions[b, p...], ...]`, the
 * gathered axis replaced in place by the positions' non-batch axes.
 * E.g. `x` `[B, T, F]`, positions `[B]` → `[B, F]` (one frame per sequence);
 * positions `[B, P]` → `[B, P, F]`.
 *
 * Computed as `oneHot(positions) · x` (a batched matMul), which is exact,
 * needs no batch-size constant in a traced graph (`ops.gather` has no batch
 * axes) and is differentiable on every backend. Positions outside
 * `[0, size)` give zeros (as tfjs' gather). Costs `batch * P * size` floats
 * for the one-hot: meant for time or feature axes, not vocabularies (use
 * `Linear` with `sparseInputDim` for embeddings).
 *
 * Inputs: `[x, positions]`: `x` float32 `[batch, ...]`, `positions` int32 `[batch, ...P]`.
 * Shape: `x.shape[:axis] + P + x.shape[axis+1:]`, float32. Gradient to `x` only.
 * @throws LayerArgumentError for an `axis` that is not `'T'`, `'F'` or a non-batch integer
 *   (`Gather: axis must be 'T' (time), 'F' (feature) or a non-batch axis index (not 0). Received: axis=0.`).
 * @throws InputShapeError if the inputs are not `[x, positions]`, the axis is outside `x`,
 *   or `positions` is not int32 with `x`'s batch size.
 */
export class Gather extends Layer {
  static override readonly className: string = 'Gather';
  readonly axis: SeqAxis;
  /** RETURNN's int `position`: the one index taken along the axis (the layer has then one input, `x`). */
  readonly index: number | undefined;

  constructor(args: GatherArgs) {
    super(args);
    const a = resolveArgs('Gather', GATHER_OPTIONS, args);
    this.axis = a.axis;
    this.index = typeof a.position === 'number' ? a.position : undefined;
  }

  /** The gathered axis as an index into `x`'s axes. */
  axisIndex(rank: number): number {
    return seqAxisIndex(this.axis, rank, this.name);
  }

  override call(inputs: Tensor | Tensor[], _ctx: CallContext): Tensor {
    if (this.index !== undefined) {
      // An int position: the entry at that index of the axis, the axis removed (RETURNN: tf.gather with a scalar).
      const x = Array.isArray(inputs) ? inputs[0]! : inputs;
      const a = this.axisIndex(x.shape.length);
      this.computeOutputShape(x.shape);
      const taken = ops.slice(x, x.shape.map((_, i) => (i === a ? this.index! : 0)), x.shape.map((s, i) => (i === a ? 1 : s)));
      return ops.reshape(taken, x.shape.filter((_, i) => i !== a));
    }
    const [x, given] = Array.isArray(inputs) ? inputs : [inputs];
    if (!Array.isArray(inputs) || inputs.length !== 2 || !x || !given) {
      throw new InputShapeError({ layer: this.name, expected: 'expected the inputs [x, positions]; x is', received: (x ?? given)?.shape ?? [] });
    }
    // A scalar position (RETURNN's `constant` layer, no batch axis) is the same for every sequence.
    const positions = given.shape.length === 0 && given.dtype === 'int32' ? ops.add(ops.fill([x.shape[0]!], 0, 'int32'), given) : given;
    if (positions.dtype !== 'int32' || positions.shape[0] !== x.shape[0]) {
      throw new InputShapeError({ layer: this.name, expected: `expected int32 positions [${x.shape[0]}, ...] (batch first, as x), got ${positions.dtype}`, received: positions.shape });
    }
    const a = this.axisIndex(x.shape.length);
    const batch = x.shape[0]!;
    const size = x.shape[a]!;
    const others = x.shape.map((_, i) => i).filter((i) => i !== 0 && i !== a);
    const rest = others.map((i) => x.shape[i]!);
    const p = positions.shape.slice(1);
    // [batch, size, rest] with the gathered axis first after the batch.
    const xt = ops.reshape(a === 1 ? x : ops.transpose(x, [0, a, ...others]), [batch, size, prod(rest)]);
    const picks = ops.reshape(ops.oneHot(positions, size), [batch, prod(p), size]);
    const taken = ops.reshape(ops.matMul(picks, xt), [batch, ...p, ...rest]);
    if (a === 1) return taken;
    // Axes now [batch, P..., x axes 1..a-1, x axes a+1..]: move P to where the gathered axis was.
    const range = (n: number, from: number): number[] => Array.from({ length: n }, (_, i) => from + i);
    const before = a - 1;
    const perm = [0, ...range(before, 1 + p.length), ...range(p.length, 1), ...range(rest.length - before, 1 + p.length + before)];
    return ops.transpose(taken, perm);
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    if (this.index !== undefined) {
      const x = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as SymbolicShape;
      const a = this.axisIndex(x.length);
      const size = x[a];
      if (size !== null && size !== undefined && this.index >= size) {
        throw new InputShapeError({ layer: this.name, expected: `position ${this.index} must be less than the size ${size} of the gathered axis`, received: x });
      }
      return x.filter((_, i) => i !== a);
    }
    if (!Array.isArray(inputShape[0]) || inputShape.length !== 2) {
      throw new InputShapeError({ layer: this.name, expected: 'expected the shapes of [x, positions]', received: inputShape as SymbolicShape });
    }
    const [x, positions] = inputShape as SymbolicShape[];
    const a = this.axisIndex(x!.length);
    return [...x!.slice(0, a), ...positions!.slice(1), ...x!.slice(a + 1)];
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), axis: this.axis };
  }
}

/**
 * RETURNN's `gather` (`GatherLayer`): `axis` (`"T"`, `"F"`, `"time"`,
 * `"feature"` or an index) and `position`, the name of the layer giving the
 * positions (a source after `from`), or an int (that one index, the axis removed).
 */
export const gatherLayer: LayerSpec = {
  cls: Gather,
  options: GATHER_OPTIONS,
  netDict: {
    names: ['gather'],
    sources: 'concat',
    acceptsSparse: true,
    refKeys: ['position'],
    // Optional for the class (TypeScript passes the positions as an input), required in a net dict.
    derive: (_c, a) => {
      if (a.position === undefined) throw new LayerArgumentError(`position ${POSITION}. Received: position=undefined.`);
      return {};
    },
  },
};
