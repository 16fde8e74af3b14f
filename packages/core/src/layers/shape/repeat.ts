import { ops, type Tensor } from '@strata/backend';
import { z } from 'zod';
import { type CallContext, Layer, type LayerArgs, type LayerConfig, type SymbolicShape } from '../../layer.js';
import { InputShapeError, LayerArgumentError } from '../../errors.js';
import { type LayerOptions, type LayerSpec, option, resolveArgs, schemas } from '../../layer-spec.js';
import { maskFrames } from '../../sequence-mask.js';
import { type SeqAxis, seqInput, xShapeOf } from '../seq/seq-inputs.js';
import { axisFromSource, axisIndex, mapAxis, returnnAxisOption, selectMatrix } from './axis-ops.js';

/** Arguments of {@link Repeat}. */
export interface RepeatArgs extends LayerArgs {
  /**
   * How often each entry is repeated (RETURNN `repetitions`): a positive
   * integer, or the name of a layer giving int32 counts per frame (`[batch,
   * time]`, `[time]` or a scalar; an input after `x`), over time only.
   */
  repetitions: number | string;
  /** The repeated axis: `'T'` (1), `'F'` or an index >= 1 counted with the batch axis (RETURNN `axis`). Default `'T'`. */
  axis?: SeqAxis;
}

const REPEAT_OPTIONS = {
  repetitions: option(z.union([schemas.positiveInt(), z.string().min(1)], { error: 'must be a positive integer or the name of a layer giving int32 counts' }), { returnn: 'repetitions' }),
  axis: returnnAxisOption('axis', { default: 'T' }),
} satisfies LayerOptions;

/**
 * Repeats each entry of one axis `repetitions` times in place (RETURNN
 * `RepeatLayer`, `tf.repeat`): `y[..., j, ...] = x[..., floor(j / r), ...]`
 * for an int; per-frame counts from a layer over time (see `repeatByCounts`).
 *
 * Over time with `[x, seqLens]`: sequence `b` becomes `len_b * r` frames
 * ({@link Repeat.outputSeqLens}) and frames after them are 0, as RETURNN's
 * repeated padding frame. The output has `time * r` frames (RETURNN:
 * `max(len) * r`, the same when the longest sequence fills the batch).
 * RETURNN moves a repeated static axis right after the batch axis; Strata
 * keeps it in place (RETURNN fixtures store the feature axis last, so `F`
 * compares equal).
 *
 * Inputs: `x` float32 `[batch, ...]`, or `[x, seqLens]`; layer-valued: `[x, counts]` or `[x, counts, seqLens]`.
 * Shape: `x` with the axis `r` times longer (counts: the longest sum of a sequence's counts).
 * @throws LayerArgumentError for a non-positive or non-integer `repetitions` or a bad `axis`.
 * @throws InputShapeError if the axis is not a non-batch axis of `x`.
 */
export class Repeat extends Layer {
  static override readonly className: string = 'Repeat';
  readonly repetitions: number | string;
  readonly axis: SeqAxis;
  /** With layer-valued repetitions: the output lengths of the last call (host-computed, as the output size is). */
  private lastLens: Tensor | undefined;

  constructor(args: RepeatArgs) {
    super(args);
    const a = resolveArgs('Repeat', REPEAT_OPTIONS, args) as Required<RepeatArgs>;
    this.repetitions = a.repetitions;
    this.axis = a.axis;
  }

  override call(inputs: Tensor | Tensor[], _ctx: CallContext): Tensor {
    const list = Array.isArray(inputs) ? [...inputs] : [inputs];
    const reps = typeof this.repetitions === 'string' ? list.splice(1, 1)[0] : undefined;
    const { x, seqLens } = seqInput(list.length === 1 ? list[0]! : list, this.name);
    const a = axisIndex(this.axis, x.shape.length, this.name);
    if (typeof this.repetitions === 'string') return this.repeatByCounts(x, reps, seqLens, a);
    const n = x.shape[a]!;
    const r = this.repetitions;
    const y = mapAxis(x, a, selectMatrix(n, n * r, (j) => Math.floor(j / r)), n * r);
    return seqLens && a === 1 ? maskFrames(y, this.outputSeqLens(seqLens)) : y;
  }

  /**
   * Layer-valued repetitions (RETURNN's flattened tf.repeat): sequence `b`
   * becomes its frames `t < len_b`, each `counts[b, t]` times, then zeros up
   * to the longest. The output size depends on the counts, so they are read
   * on the host: a graph backend (onnxruntime) refuses it with its typed error.
   */
  private repeatByCounts(x: Tensor, reps: Tensor | undefined, seqLens: Tensor | undefined, a: number): Tensor {
    const [batch, time] = [x.shape[0]!, x.shape[1]!];
    if (a !== 1 || !reps || reps.dtype !== 'int32' || !(reps.shape.length === 0 || reps.shape.join() === `${time}` || reps.shape.join() === `${batch},${time}`)) {
      throw new InputShapeError({ layer: this.name, expected: `over the time axis, int32 repetitions [${batch}, ${time}], [${time}] or a scalar after x; got ${reps?.dtype ?? 'none'}`, received: reps?.shape ?? [] });
    }
    const r = ops.readSync(reps);
    const lens = seqLens ? ops.readSync(seqLens) : undefined;
    const count = (b: number, t: number): number => (lens && t >= Number(lens[b]) ? 0 : Math.max(0, Number(r.length === 1 ? r[0] : r.length === time ? r[t] : r[b * time + t])));
    const totals = Array.from({ length: batch }, (_, b) => Array.from({ length: time }, (_, t) => count(b, t)).reduce((s, c) => s + c, 0));
    const out = Math.max(...totals);
    const select = new Float32Array(batch * out * time);
    for (let b = 0; b < batch; b++) {
      let j = 0;
      for (let t = 0; t < time; t++) for (let k = 0; k < count(b, t); k++) select[(b * out + j++) * time + t] = 1;
    }
    this.lastLens = ops.tensor(Int32Array.from(totals), [batch], 'int32');
    const rest = x.shape.slice(2);
    const flat = ops.reshape(x, [batch, time, rest.reduce((p, q) => p * q, 1)]);
    return ops.reshape(ops.matMul(ops.tensor(select, [batch, out, time]), flat), [batch, out, ...rest]);
  }

  /** Over time: `len * repetitions` (layer-valued: the sums of the counts of the last call); other axes keep the lengths. int32 `[batch]`. */
  override outputSeqLens(seqLens: Tensor): Tensor {
    if (!(this.axis === 'T' || this.axis === 1)) return seqLens;
    return typeof this.repetitions === 'string' ? (this.lastLens ?? seqLens) : ops.mul(seqLens, ops.scalar(this.repetitions, 'int32'));
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const shape = xShapeOf(inputShape);
    const a = axisIndex(this.axis, shape.length, this.name);
    return shape.map((s, i) => (i !== a ? s : s === null || typeof this.repetitions === 'string' ? null : s * this.repetitions));
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), repetitions: this.repetitions, axis: this.axis };
  }
}

/** RETURNN's `repeat`: `repetitions` (an int or a layer of int32 counts), `axis` (any RETURNN description; required, as RETURNN's template needs it); over time the lengths are multiplied. */
export const repeatLayer: LayerSpec = {
  cls: Repeat,
  options: REPEAT_OPTIONS,
  netDict: {
    names: ['repeat'],
    sources: 'concat',
    seqLens: true,
    refKeys: ['repetitions'],
    derive: (c, a) => {
      if (a.axis === undefined) throw new LayerArgumentError('axis is required (RETURNN: RepeatLayer.get_out_data_from_opts needs it), e.g. "axis": "T". Received: no axis.');
      return axisFromSource(c, a, 'axis');
    },
  },
};
