import type { Tensor } from '@strata/backend';
import { ops } from '@strata/backend';
import { InputShapeError } from '../../errors.js';
import { type CallContext, Layer, type LayerArgs, type LayerConfig } from '../../layer.js';
import { type LayerOptions, type LayerSpec, option, resolveArgs, schemas } from '../../layer-spec.js';
import type { SeqAxis } from '../seq/seq-inputs.js';
import { axisFromSource, axisIndex, mapAxis, returnnAxisOption } from './axis-ops.js';

/** Arguments of {@link Cumsum}. */
export interface CumsumArgs extends LayerArgs {
  /** The summed axis: `'T'` (1), `'F'` (the last) or an index >= 1 counted with the batch axis (RETURNN `axis`). Default `'T'`. */
  axis?: SeqAxis;
  /** Sum from the end: `y[t] = sum_{s >= t} x[s]` (RETURNN `reverse`). Default false. */
  reverse?: boolean;
  /** A number added to every element before the sum (RETURNN `additional_left_summand_per_element`). Default none. */
  additionalLeftSummandPerElement?: number | null;
}

const CUMSUM_OPTIONS = {
  axis: returnnAxisOption('axis', { default: 'T', returnnDefault: 'T' }),
  reverse: option(schemas.boolean(), { default: false, returnn: 'reverse' }),
  additionalLeftSummandPerElement: option(schemas.number().nullable(), { default: null, returnn: 'additional_left_summand_per_element' }),
} satisfies LayerOptions;

/**
 * Cumulative sum along one axis (RETURNN `CumsumLayer`, `tf.cumsum`):
 * `y[..., t, ...] = sum_{s <= t} x[..., s, ...]` (`reverse`: `s >= t`).
 *
 * As in RETURNN, the input is not masked: over time, a reverse sum of a
 * shorter sequence includes the padded frames after it (whatever they
 * hold); a forward sum is unaffected by them. Computed as a product with a
 * triangular 0/1 matrix. Inside a rec unit (RETURNN's per-frame state) it is
 * not supported.
 *
 * Inputs: `x` float32 `[batch, ...]`. Shape: as `x`. No weights.
 * @throws LayerArgumentError for a bad `axis` or `reverse`.
 * @throws InputShapeError if the axis is not a non-batch axis of `x`.
 */
export class Cumsum extends Layer {
  static override readonly className: string = 'Cumsum';
  readonly axis: SeqAxis;
  readonly reverse: boolean;
  readonly additionalLeftSummandPerElement: number | null;

  constructor(args: CumsumArgs = {}) {
    super(args);
    const a = resolveArgs('Cumsum', CUMSUM_OPTIONS, args) as Required<CumsumArgs>;
    this.axis = a.axis;
    this.reverse = a.reverse;
    this.additionalLeftSummandPerElement = a.additionalLeftSummandPerElement;
  }

  override call(inputs: Tensor | Tensor[], _ctx: CallContext): Tensor {
    const x0 = Array.isArray(inputs) ? inputs[0] : inputs;
    if (!x0) throw new InputShapeError({ layer: this.name, expected: 'expected one input x [batch, ...]', received: [] });
    const x = this.additionalLeftSummandPerElement === null ? x0 : ops.add(x0, this.additionalLeftSummandPerElement);
    const a = axisIndex(this.axis, x.shape.length, this.name);
    const n = x.shape[a]!;
    const m = new Float32Array(n * n);
    // m[s][t] = 1 where frame s enters output t.
    for (let s = 0; s < n; s++) for (let t = 0; t < n; t++) if (this.reverse ? s >= t : s <= t) m[s * n + t] = 1;
    return mapAxis(x, a, m, n);
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), axis: this.axis, reverse: this.reverse, additionalLeftSummandPerElement: this.additionalLeftSummandPerElement };
  }
}

/**
 * RETURNN's `cumsum`: `axis` (any RETURNN description, default `"T"`),
 * `reverse`, `additional_left_summand_per_element` (a number).
 */
export const cumsumLayer: LayerSpec = {
  cls: Cumsum,
  options: CUMSUM_OPTIONS,
  netDict: { names: ['cumsum'], sources: 'concat', derive: (c, a) => axisFromSource(c, a, 'axis') },
};
