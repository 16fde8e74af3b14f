import { ops, type Tensor } from '@strata/backend';
import { z } from 'zod';
import { type CallContext, Layer, type LayerArgs, type LayerConfig, type SymbolicShape } from '../../layer.js';
import { LayerArgumentError } from '../../errors.js';
import { type LayerOptions, type LayerSpec, option, resolveArgs, schemas } from '../../layer-spec.js';
import { maskFrames } from '../../sequence-mask.js';
import { type SeqAxis, seqInput, xShapeOf } from '../seq/seq-inputs.js';
import { axisFromSource, axisIndex, mapAxis, returnnAxisOption, selectMatrix } from './axis-ops.js';

/** Arguments of {@link Repeat}. */
export interface RepeatArgs extends LayerArgs {
  /** How often each entry is repeated (RETURNN `repetitions`, here a number). Positive integer. */
  repetitions: number;
  /** The repeated axis: `'T'` (1), `'F'` or an index >= 1 counted with the batch axis (RETURNN `axis`). Default `'T'`. */
  axis?: SeqAxis;
}

const REPEAT_OPTIONS = {
  repetitions: option(schemas.positiveInt(), {
    returnn: 'repetitions',
    returnnSchema: z.number({ error: 'must be a positive integer (repetitions from a layer are not supported)' }).int({ error: 'must be a positive integer' }).positive({ error: 'must be a positive integer' }),
  }),
  axis: returnnAxisOption('axis', { default: 'T' }),
} satisfies LayerOptions;

/**
 * Repeats each entry of one axis `repetitions` times in place (RETURNN
 * `RepeatLayer` with an int, `tf.repeat`): `y[..., j, ...] = x[..., floor(j / r), ...]`.
 *
 * Over time with `[x, seqLens]`: sequence `b` becomes `len_b * r` frames
 * ({@link Repeat.outputSeqLens}) and frames after them are 0, as RETURNN's
 * repeated padding frame. The output has `time * r` frames (RETURNN:
 * `max(len) * r`, the same when the longest sequence fills the batch).
 * RETURNN moves a repeated static axis right after the batch axis; Strata
 * keeps it in place (RETURNN fixtures store the feature axis last, so `F`
 * compares equal).
 *
 * Inputs: `x` float32 `[batch, ...]`, or `[x, seqLens]`. Shape: `x` with the axis `r` times longer.
 * @throws LayerArgumentError for a non-positive or non-integer `repetitions` or a bad `axis`.
 * @throws InputShapeError if the axis is not a non-batch axis of `x`.
 */
export class Repeat extends Layer {
  static override readonly className: string = 'Repeat';
  readonly repetitions: number;
  readonly axis: SeqAxis;

  constructor(args: RepeatArgs) {
    super(args);
    const a = resolveArgs('Repeat', REPEAT_OPTIONS, args) as Required<RepeatArgs>;
    this.repetitions = a.repetitions;
    this.axis = a.axis;
  }

  override call(inputs: Tensor | Tensor[], _ctx: CallContext): Tensor {
    const { x, seqLens } = seqInput(inputs, this.name);
    const a = axisIndex(this.axis, x.shape.length, this.name);
    const n = x.shape[a]!;
    const r = this.repetitions;
    const y = mapAxis(x, a, selectMatrix(n, n * r, (j) => Math.floor(j / r)), n * r);
    return seqLens && a === 1 ? maskFrames(y, this.outputSeqLens(seqLens)) : y;
  }

  /** Over time: `len * repetitions`; other axes keep the lengths. int32 `[batch]`. */
  override outputSeqLens(seqLens: Tensor): Tensor {
    return this.axis === 'T' || this.axis === 1 ? ops.mul(seqLens, ops.scalar(this.repetitions, 'int32')) : seqLens;
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const shape = xShapeOf(inputShape);
    const a = axisIndex(this.axis, shape.length, this.name);
    return shape.map((s, i) => (i !== a ? s : s === null ? null : s * this.repetitions));
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), repetitions: this.repetitions, axis: this.axis };
  }
}

/** RETURNN's `repeat` with an int `repetitions`: `axis` (any RETURNN description; required, as RETURNN's template needs it); over time the lengths are multiplied. */
export const repeatLayer: LayerSpec = {
  cls: Repeat,
  options: REPEAT_OPTIONS,
  netDict: {
    names: ['repeat'],
    sources: 'concat',
    seqLens: true,
    derive: (c, a) => {
      if (a.axis === undefined) throw new LayerArgumentError('axis is required (RETURNN: RepeatLayer.get_out_data_from_opts needs it), e.g. "axis": "T". Received: no axis.');
      return axisFromSource(c, a, 'axis');
    },
  },
};
