import { ops, type Tensor } from '@strata/backend';
import { z } from 'zod';
import { type CallContext, Layer, type LayerArgs, type LayerConfig, type SymbolicShape } from '../../layer.js';
import { type LayerOptions, type LayerSpec, option, resolveArgs, schemas } from '../../layer-spec.js';
import { clampLens, int, type SeqAxis, seqInput, xShapeOf } from '../seq/seq-inputs.js';
import { LayerArgumentError } from '../../errors.js';
import { axisFromSource, axisIndex, inputOf, returnnAxisOption } from './axis-ops.js';

/** Arguments of {@link ShiftAxis}. */
export interface ShiftAxisArgs extends LayerArgs {
  /** The shifted axis: `'T'`, `'F'` or an index >= 1 counted with the batch axis (RETURNN `axis`). */
  axis: SeqAxis;
  /** Entries to shift by: > 0 to the right (the last `amount` dropped), < 0 to the left (the first dropped) (RETURNN `amount`). Non-zero integer. */
  amount: number;
  /** Pad the dropped entries back with `padValue` on the other side, keeping the size (RETURNN `pad`). Default true. */
  pad?: boolean;
  /** The padding value (RETURNN `pad_value`). Default 0. */
  padValue?: number;
  /** Over time: the output lengths are `clip(len + delta, 0, size)` with delta `amount` (< 0, or > 0 with `pad`), else 0 (RETURNN `adjust_size_info`). Default true. */
  adjustSizeInfo?: boolean;
}

const AMOUNT = 'must be a non-zero integer (RETURNN: amount == 0 is no operation)';
const SHIFT_OPTIONS = {
  axis: returnnAxisOption('axis'),
  amount: option(z.number({ error: AMOUNT }).int({ error: AMOUNT }).refine((v) => v !== 0, { error: AMOUNT }), { returnn: 'amount' }),
  pad: option(schemas.boolean(), { default: true, returnn: 'pad' }),
  padValue: option(schemas.number(), { default: 0, returnn: 'pad_value' }),
  adjustSizeInfo: option(schemas.boolean(), { default: true, returnn: 'adjust_size_info' }),
} satisfies LayerOptions;

/**
 * Shifts the entries of one axis (RETURNN `ShiftAxisLayer`): `amount > 0`
 * drops the last `amount` entries and (with `pad`) puts `padValue` in front;
 * `amount < 0` drops the first `|amount|` and pads at the end. Without
 * `pad` the axis is `|amount|` shorter.
 *
 * Over time with `adjustSizeInfo`, the lengths become
 * `clip(len + delta, 0, outSize)`, delta = `amount` when it is negative or
 * `pad` is set, else 0 ({@link ShiftAxis.outputSeqLens}). As in RETURNN,
 * the padded input frames are shifted like any other (no masking).
 *
 * Inputs: `x` `[batch, ...]`, or `[x, seqLens]`. Shape: `x`, the axis `|amount|` shorter without `pad`.
 * @throws LayerArgumentError for a zero or non-integer `amount` or a bad `axis`.
 * @throws InputShapeError if the axis is not a non-batch axis of `x`.
 */
export class ShiftAxis extends Layer {
  static override readonly className: string = 'ShiftAxis';
  readonly axis: SeqAxis;
  readonly amount: number;
  readonly pad: boolean;
  readonly padValue: number;
  readonly adjustSizeInfo: boolean;
  /** The shifted axis' size in the last call: RETURNN clips the new lengths to it. */
  private lastSize: number | undefined;

  constructor(args: ShiftAxisArgs) {
    super(args);
    const a = resolveArgs('ShiftAxis', SHIFT_OPTIONS, args) as Required<ShiftAxisArgs>;
    this.axis = a.axis;
    this.amount = a.amount;
    this.pad = a.pad;
    this.padValue = a.padValue;
    this.adjustSizeInfo = a.adjustSizeInfo;
  }

  override call(inputs: Tensor | Tensor[], _ctx: CallContext): Tensor {
    const { x } = seqInput(inputs, this.name);
    const a = axisIndex(this.axis, x.shape.length, this.name);
    const n = x.shape[a]!;
    const k = Math.min(Math.abs(this.amount), n);
    this.lastSize = this.pad ? n : n - k;
    const at = (v: number, other: number): number[] => x.shape.map((_, i) => (i === a ? v : other));
    const kept = this.amount > 0 ? ops.slice(x, at(0, 0), at(n - k, -1)) : ops.slice(x, at(k, 0), at(n - k, -1));
    if (!this.pad) return kept;
    return ops.pad(kept, x.shape.map((_, i): [number, number] => (i !== a ? [0, 0] : this.amount > 0 ? [k, 0] : [0, k])), this.padValue);
  }

  /** Over time with `adjustSizeInfo`: `clip(len + delta, 0, outSize)` (see the class; outSize of the last call); else unchanged. int32 `[batch]`. */
  override outputSeqLens(seqLens: Tensor): Tensor {
    if (!this.adjustSizeInfo || !(this.axis === 'T' || this.axis === 1)) return seqLens;
    const delta = this.amount < 0 || this.pad ? this.amount : 0;
    const lens = clampLens(ops.add(seqLens, int(delta)));
    return this.lastSize === undefined ? lens : ops.minimum(lens, int(this.lastSize));
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const shape = xShapeOf(inputShape);
    const a = axisIndex(this.axis, shape.length, this.name);
    return shape.map((s, i) => (i !== a || this.pad || s === null ? s : Math.max(0, s - Math.abs(this.amount))));
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), axis: this.axis, amount: this.amount, pad: this.pad, padValue: this.padValue, adjustSizeInfo: this.adjustSizeInfo };
  }
}

/** RETURNN's `shift_axis`: `axis` (any RETURNN description), `amount`, `pad`, `pad_value`, `adjust_size_info`. */
export const shiftAxisLayer: LayerSpec = {
  cls: ShiftAxis,
  options: SHIFT_OPTIONS,
  netDict: {
    names: ['shift_axis'],
    sources: 'concat',
    derive: (c, a) => {
      const out = axisFromSource(c, a, 'axis');
      const d = inputOf(c);
      const ax = out.axis as SeqAxis | undefined;
      const dim = d && ax !== undefined ? d.dims[axisIndex(ax, d.batchShape.length, c.name) - (d.hasBatch ? 1 : 0)] : undefined;
      // RETURNN's template shortens a static axis by |amount| when adjusting sizes, but the padded tensor keeps it: RETURNN fails.
      if (dim && !dim.isDynamic && a.pad !== false && a.adjustSizeInfo !== false) {
        throw new LayerArgumentError(
          `axis ${JSON.stringify(a.axis)} is static: with pad (default True) set adjust_size_info to False (RETURNN fails with a shape mismatch otherwise). Received: pad=${JSON.stringify(a.pad ?? true)}, adjust_size_info=${JSON.stringify(a.adjustSizeInfo ?? true)}.`,
        );
      }
      return out;
    },
  },
};
