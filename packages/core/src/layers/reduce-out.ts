import { ops, type Tensor } from '@strata/backend';
import { InputShapeError, LayerArgumentError } from '../errors.js';
import { type CallContext, Layer, type LayerArgs, type LayerConfig, type SymbolicShape } from '../layer.js';
import { type LayerOptions, type LayerSpec, option, resolveArgs, schemas } from '../layer-spec.js';
import { single } from './util.js';

/** The reductions of {@link ReduceOut} (RETURNN `mode`). */
export const REDUCE_OUT_MODES = ['max', 'sum', 'mean'] as const;
/** A {@link ReduceOut} mode. */
export type ReduceOutMode = (typeof REDUCE_OUT_MODES)[number];

/** Arguments of {@link ReduceOut}. */
export interface ReduceOutArgs extends LayerArgs {
  /** How each group of features is reduced: `max` (maxout), `sum` or `mean` (RETURNN `mode`). */
  mode: ReduceOutMode;
  /** Features per group; must divide the input's features (RETURNN `num_pieces`). Positive integer. */
  numPieces: number;
}

/** ReduceOut's arguments in both vocabularies. */
const REDUCE_OUT_OPTIONS = {
  mode: option(schemas.oneOf(REDUCE_OUT_MODES), {
    returnn: 'mode',
    // RETURNN takes "avg" for "mean" (its modes are lower case only).
    returnnSchema: schemas.oneOf([...REDUCE_OUT_MODES, 'avg']),
    fromReturnn: (m) => (m === 'avg' ? 'mean' : m),
  }),
  numPieces: option(schemas.positiveInt(), { returnn: 'num_pieces' }),
} satisfies LayerOptions;

/**
 * Reduces groups of `numPieces` consecutive features to one (RETURNN
 * `ReduceOutLayer`: split the feature axis into `[features / numPieces,
 * numPieces]`, reduce the last): `y[..., j] = reduce_k x[..., j * numPieces + k]`.
 * With `mode: 'max'` this is maxout (Goodfellow et al. 2013), as in the
 * readout of RETURNN's attention decoders. Acts on each frame alone; no weights.
 *
 * Shape: `[batch, ..., features]` → `[batch, ..., features / numPieces]`, float32.
 * @throws LayerArgumentError for an unknown `mode` or a `numPieces` that is not a positive integer
 *   (`ReduceOut: numPieces must be a positive integer. Received: numPieces=0.`).
 * @throws InputShapeError if `numPieces` does not divide the input's features.
 */
export class ReduceOut extends Layer {
  static override readonly className: string = 'ReduceOut';
  /** Acts on each frame alone, so an input mask passes through unchanged. */
  override readonly supportsMasking: boolean = true;
  readonly mode: ReduceOutMode;
  readonly numPieces: number;

  constructor(args: ReduceOutArgs) {
    super(args);
    const a = resolveArgs('ReduceOut', REDUCE_OUT_OPTIONS, args);
    this.mode = a.mode;
    this.numPieces = a.numPieces;
  }

  override build(inputShape: SymbolicShape | SymbolicShape[]): void {
    this.computeOutputShape(inputShape);
    super.build(inputShape);
  }

  override call(inputs: Tensor | Tensor[], _ctx: CallContext): Tensor {
    const x = single(inputs);
    const [, ...rest] = this.computeOutputShape(x.shape);
    const split = ops.reshape(x, [x.shape[0]!, ...(rest as number[]), this.numPieces]);
    const axis = [split.shape.length - 1];
    return this.mode === 'max' ? ops.max(split, axis) : this.mode === 'sum' ? ops.sum(split, axis) : ops.mean(split, axis);
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const shape = Array.isArray(inputShape[0]) ? (inputShape as SymbolicShape[])[0]! : (inputShape as SymbolicShape);
    const features = shape[shape.length - 1];
    if (shape.length < 2 || features === undefined || (features !== null && features % this.numPieces !== 0)) {
      throw new InputShapeError({ layer: this.name, expected: `numPieces=${this.numPieces} must divide the last (feature) axis of x [batch, ..., features]`, received: shape });
    }
    return [...shape.slice(0, -1), features === null ? null : features / this.numPieces];
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), mode: this.mode, numPieces: this.numPieces };
  }
}

/**
 * RETURNN's `reduce_out` (`ReduceOutLayer`): `mode` (`max`, `sum`, `mean` or
 * `avg`) and `num_pieces`, which must divide the (joined) sources' features.
 */
export const reduceOutLayer: LayerSpec = {
  cls: ReduceOut,
  options: REDUCE_OUT_OPTIONS,
  netDict: {
    names: ['reduce_out'],
    sources: 'concat',
    derive: (c, a) => {
      const dims = c.sources.map((s) => s.dim);
      const features = dims.every((d) => typeof d === 'number') ? (dims as number[]).reduce((x, y) => x + y, 0) : null;
      const p = a.numPieces as number | undefined;
      if (p !== undefined && features !== null && features % p !== 0) {
        throw new LayerArgumentError(`num_pieces must divide the features of the input (${features}). Received: num_pieces=${p}.`);
      }
      return {};
    },
  },
};
