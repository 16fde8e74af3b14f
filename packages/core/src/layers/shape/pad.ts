import { ops, type Tensor } from '@strata/backend';
import { z } from 'zod';
import { InputShapeError, LayerArgumentError } from '../../errors.js';
import { type CallContext, Layer, type LayerArgs, type LayerConfig, type SymbolicShape } from '../../layer.js';
import { type LayerBuildContext, type LayerOptions, type LayerSpec, option, resolveArgs, schemas } from '../../layer-spec.js';
import { sequenceMask } from '../../sequence-mask.js';
import { int, type SeqAxis, seqInput, xShapeOf } from '../seq/seq-inputs.js';
import { axisDescSchema, axisIndex, inputOf, mapAxis, selectMatrix, seqAxisSchema } from './axis-ops.js';
import { seqAxisInData } from './axis-in-data.js';

/** The padding modes of {@link Pad} (RETURNN `mode`, `tf.pad`'s modes and RETURNN's `replication`). */
export const PAD_MODES = ['constant', 'reflect', 'symmetric', 'replication'] as const;
/** A {@link Pad} mode. */
export type PadMode = (typeof PAD_MODES)[number];

/** Arguments of {@link Pad}. */
export interface PadArgs extends LayerArgs {
  /** The padded axis or axes: `'T'`, `'F'` or indices >= 1 counted with the batch axis (RETURNN `axes`). */
  axes: SeqAxis | SeqAxis[];
  /** `n` (both sides), `[left, right]` (every axis) or one `[left, right]` per axis (RETURNN `padding`). Non-negative. */
  padding: number | [number, number] | [number, number][];
  /**
   * The value of padded entries in mode `constant` (RETURNN `value`): a
   * number, or the name of a layer giving a scalar (then an input after `x`).
   * Default 0.
   */
  value?: number | string;
  /** `constant`, `reflect` (mirror without the edge), `symmetric` (mirror with the edge), `replication` (repeat the edge) (RETURNN `mode`). Default `constant`. */
  mode?: PadMode;
  /**
   * Over time with `[x, seqLens]`: right padding goes after each sequence's
   * end (frames `t >= left + len` get `value`), not after the padded tensor's
   * end (RETURNN `handle_dynamic_dims`; its default is true from behavior
   * version 21, false before). Default false.
   */
  handleDynamicDims?: boolean;
}

const PADDING = 'must be a non-negative integer, a pair [left, right] of them, or one pair per axis';
const nonNeg = z.number({ error: PADDING }).int({ error: PADDING }).min(0, { error: PADDING });
const pair = z.tuple([nonNeg, nonNeg], { error: PADDING });
const axesSchema = z.union([seqAxisSchema, z.array(seqAxisSchema).min(1)], { error: "must be 'T', 'F', an axis index (not 0), or a list of them" });

const PAD_OPTIONS = {
  axes: option(axesSchema, { returnn: 'axes', returnnSchema: z.union([axisDescSchema, z.array(axisDescSchema).min(1)]) }),
  padding: option(z.union([nonNeg, pair, z.array(pair).min(1)], { error: PADDING }), { returnn: 'padding' }),
  value: option(z.union([z.number().refine(Number.isFinite), z.string().min(1)], { error: 'must be a number or the name of a layer giving a scalar' }), { default: 0, returnn: 'value' }),
  mode: option(schemas.oneOf(PAD_MODES), { default: 'constant', returnn: 'mode', returnnSchema: schemas.oneOfAnyCase([...PAD_MODES]), fromReturnn: (m) => (m as string).toLowerCase() }),
  handleDynamicDims: option(schemas.boolean(), { default: false, returnn: 'handle_dynamic_dims', returnnSchema: schemas.boolean().nullable() }),
} satisfies LayerOptions;

/**
 * Pads one or more axes (RETURNN `PadLayer`, `tf.pad`): `left` entries
 * before and `right` after, of `value` (`constant`) or mirrored/replicated
 * entries of the axis. Over time the output lengths are `len + left + right`
 * ({@link Pad.outputSeqLens}), as RETURNN's `left + T + right` dim. Without
 * `handleDynamicDims`, the padded tensor is padded (as RETURNN before
 * behavior version 21): frames `left + len ..` of a shorter sequence hold its
 * padded input frames. Reflect/symmetric/replication take the axis' entries
 * through a constant 0/1 matrix (differentiable everywhere).
 *
 * Inputs: `x` float32 `[batch, ...]`, or `[x, seqLens]` (int32 `[batch]`);
 * with a layer-valued `value`, its scalar after `x`: `[x, value]`, `[x, value, seqLens]`.
 * Shape: `x` with each padded axis `left + size + right` long.
 * @throws LayerArgumentError for bad `axes`, `padding` (not one pair per axis), `mode` or `value`.
 * @throws InputShapeError if an axis is not a non-batch axis of `x`, a mirror is longer than the axis
 *   (`reflect`: size - 1, `symmetric`: size), or a non-constant mode is to handle dynamic dims (as RETURNN).
 */
export class Pad extends Layer {
  static override readonly className: string = 'Pad';
  readonly axes: SeqAxis[];
  readonly padding: [number, number][];
  readonly value: number | string;
  readonly mode: PadMode;
  readonly handleDynamicDims: boolean;

  constructor(args: PadArgs) {
    super(args);
    const a = resolveArgs('Pad', PAD_OPTIONS, args) as Required<PadArgs>;
    this.axes = Array.isArray(a.axes) ? a.axes : [a.axes];
    const p = a.padding;
    this.padding = typeof p === 'number' ? this.axes.map(() => [p, p]) : Array.isArray(p[0]) ? (p as [number, number][]) : this.axes.map(() => p as [number, number]);
    if (this.padding.length !== this.axes.length) {
      throw new LayerArgumentError(`Pad: padding must give one [left, right] pair per axis (${this.axes.length}). Received: padding=${JSON.stringify(p)}.`);
    }
    this.value = a.value;
    this.mode = a.mode;
    this.handleDynamicDims = a.handleDynamicDims;
  }

  private resolved(rank: number): number[] {
    return this.axes.map((ax) => axisIndex(ax, rank, this.name));
  }

  override call(inputs: Tensor | Tensor[], _ctx: CallContext): Tensor {
    const list = Array.isArray(inputs) ? [...inputs] : [inputs];
    // A layer-valued `value` is the input after x (RETURNN: a scalar).
    const given = typeof this.value === 'string' ? list.splice(1, 1)[0] : undefined;
    if (typeof this.value === 'string' && (!given || given.shape.length !== 0)) {
      throw new InputShapeError({ layer: this.name, expected: `expected the scalar value (layer '${this.value}') as the input after x, got`, received: given?.shape ?? [] });
    }
    const value: Tensor | number = given ?? (this.value as number);
    const { x, seqLens } = seqInput(list.length === 1 ? list[0]! : list, this.name, { minRank: 1 });
    const axes = this.resolved(x.shape.length);
    let y = x;
    axes.forEach((a, k) => {
      const [l, r] = this.padding[k]!;
      if (l === 0 && r === 0) return;
      const paddings = y.shape.map((_, i): [number, number] => (i === a ? [l, r] : [0, 0]));
      if (this.mode === 'constant' && typeof value === 'number') {
        y = ops.pad(y, paddings, value);
        return;
      }
      if (this.mode === 'constant') {
        // pad(x, 0) + value where padded: the mask of padded entries is 1 - pad(ones, 0).
        const padded = ops.sub(1, ops.pad(ops.ones(y.shape), paddings, 0));
        y = ops.add(ops.pad(y, paddings, 0), ops.mul(padded, value));
        return;
      }
      const n = y.shape[a]!;
      const most = this.mode === 'reflect' ? n - 1 : this.mode === 'symmetric' ? n : Infinity;
      if (l > most || r > most) {
        throw new InputShapeError({ layer: this.name, expected: `mode '${this.mode}' pads at most ${most} entries on each side of axis ${a}, got [${l}, ${r}] for`, received: y.shape });
      }
      const src = (j: number): number => {
        const i = j - l;
        if (this.mode === 'replication') return Math.min(n - 1, Math.max(0, i));
        if (this.mode === 'reflect') return i < 0 ? -i : i >= n ? 2 * (n - 1) - i : i;
        return i < 0 ? -i - 1 : i >= n ? 2 * n - 1 - i : i;
      };
      y = mapAxis(y, a, selectMatrix(n, l + n + r, src), l + n + r);
    });
    const t = axes.indexOf(1);
    if (!seqLens || t < 0 || !this.handleDynamicDims) return y;
    const [l, r] = this.padding[t]!;
    if (r === 0) return y;
    if (this.mode !== 'constant') {
      throw new InputShapeError({ layer: this.name, expected: `mode '${this.mode}' cannot pad after each sequence's end (handleDynamicDims, as in RETURNN); use handleDynamicDims false or mode 'constant'; x is`, received: x.shape });
    }
    // Frames at or after left + len get the value (RETURNN: mask of range(out) < left + len).
    const valid = sequenceMask(ops.add(seqLens, int(l)), y.shape[1]!);
    const mask = ops.greater(ops.reshape(valid, [-1, y.shape[1]!, ...new Array<number>(y.shape.length - 2).fill(1)]), 0);
    return ops.where(mask, y, value);
  }

  /** Over time: `len + left + right`; padding other axes keeps the lengths. int32 `[batch]`. */
  override outputSeqLens(seqLens: Tensor): Tensor {
    const t = this.axes.indexOf('T') >= 0 ? this.axes.indexOf('T') : this.axes.indexOf(1);
    if (t < 0) return seqLens;
    const [l, r] = this.padding[t]!;
    return l + r === 0 ? seqLens : ops.add(seqLens, int(l + r));
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const shape = [...xShapeOf(inputShape)];
    this.resolved(shape.length).forEach((a, k) => {
      const s = shape[a];
      shape[a] = s === null || s === undefined ? null : s + this.padding[k]![0] + this.padding[k]![1];
    });
    return shape;
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), axes: this.axes, padding: this.padding, value: this.value, mode: this.mode, handleDynamicDims: this.handleDynamicDims };
  }
}

/** Net dicts: `axes` resolved against the input; `handle_dynamic_dims` unset follows the behavior version (true from 21). */
function derivePad(c: LayerBuildContext, a: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const d = inputOf(c);
  const out: Record<string, unknown> = {};
  if (a.handleDynamicDims === undefined || a.handleDynamicDims === null) out.handleDynamicDims = ((c as { behaviorVersion?: number }).behaviorVersion ?? 0) >= 21;
  if (d && a.axes !== undefined) out.axes = Array.isArray(a.axes) ? a.axes.map((x) => seqAxisInData(d, x)) : [seqAxisInData(d, a.axes)];
  return out;
}

/**
 * RETURNN's `pad`: `axes` (a RETURNN description or a list), `padding`,
 * `value` (a number or a layer giving a scalar), `mode` (`constant`, `reflect`, `symmetric`,
 * `replication`, any letter case), `handle_dynamic_dims` (default: true from
 * behavior version 21). The output time axis has lengths `len + left + right`.
 */
export const padLayer: LayerSpec = {
  cls: Pad,
  options: PAD_OPTIONS,
  netDict: { names: ['pad'], sources: 'concat', seqLens: true, refKeys: ['value'], derive: derivePad },
};
