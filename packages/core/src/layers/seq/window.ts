import { ops, type Tensor } from '@strata/backend';
import { InputShapeError } from '../../errors.js';
import { type CallContext, Layer, type LayerArgs, type LayerConfig, type SymbolicShape } from '../../layer.js';
import { type LayerCheck, type LayerOptions, type LayerSpec, option, resolveArgs, schemas } from '../../layer-spec.js';
import { maskFrames } from '../../sequence-mask.js';
import { PADDINGS } from '../util.js';
import { clampLens, int, padTime, seqInput, xShapeOf } from './seq-inputs.js';

/** Arguments of {@link Window}. */
export interface WindowArgs extends LayerArgs {
  /** Frames per window (RETURNN `window_size`). Positive integer. */
  windowSize: number;
  /** Frames before the centre frame (RETURNN `window_left`). Default `windowSize - windowRight - 1`. */
  windowLeft?: number;
  /** Frames after the centre frame (RETURNN `window_right`). Default `floor(windowSize / 2)`, or `windowSize - windowLeft - 1`. */
  windowRight?: number;
  /** `same`: one window per frame, zero padded; `valid`: only windows inside the input (RETURNN `padding`). Default `same`. */
  padding?: 'same' | 'valid';
  /**
   * Zero the input frames past each sequence's length before windowing, so
   * that they never enter a window. Default true; a net dict gets false, as
   * RETURNN's `WindowLayer` reads the padded frames as they are (it has no such option).
   */
  maskPadding?: boolean;
}

/** Window's arguments in both vocabularies. */
const WINDOW_OPTIONS = {
  windowSize: option(schemas.positiveInt(), { returnn: 'window_size' }),
  windowLeft: option(schemas.nonNegativeInt().optional(), { returnn: 'window_left' }),
  windowRight: option(schemas.nonNegativeInt().optional(), { returnn: 'window_right' }),
  padding: option(schemas.oneOf(PADDINGS), { default: 'same', returnn: 'padding' }),
  maskPadding: option(schemas.boolean(), { default: true }),
} satisfies LayerOptions;

/**
 * The frames `[left, right]` of a window around its centre frame, RETURNN's
 * rule (`windowed_nd`): `right` defaults to `size - left - 1` if `left` is
 * given, else `floor(size / 2)`; `left` to `size - right - 1`.
 */
function windowSides(size: number, left: number | undefined, right: number | undefined): [number, number] {
  const r = right ?? (left !== undefined ? size - left - 1 : Math.floor(size / 2));
  return [left ?? size - r - 1, r];
}

/** `windowLeft + windowRight + 1 = windowSize`, both sides non-negative once defaulted. */
const WINDOW_CHECKS: readonly LayerCheck[] = [
  (a, name) => {
    const { windowSize: size, windowLeft: left, windowRight: right } = a as { windowSize?: number; windowLeft?: number; windowRight?: number };
    // A missing windowSize is the option's own error.
    if (typeof size !== 'number') return undefined;
    const [l, r] = windowSides(size, left, right);
    if (l >= 0 && r >= 0 && l + r + 1 === size) return undefined;
    return (
      `${name('windowLeft')} + ${name('windowRight')} + 1 must equal ${name('windowSize')}, both non-negative integers. ` +
      `Received: ${name('windowSize')}=${size}, ${name('windowLeft')}=${String(left)}, ${name('windowRight')}=${String(right)}.`
    );
  },
];

/**
 * A sliding window over time (RETURNN `WindowLayer` on the time axis, stride
 * 1; PyTorch `unfold`): a new window axis after the time axis.
 *
 * `same`: `out[b, t, w] = x[b, t - windowLeft + w]`, zero where that frame is
 * before the start or at/after the sequence's end (padded input frames are
 * zeroed first, so they never enter a window; with `maskPadding: false`, a
 * net dict's default as in RETURNN's `WindowLayer`, the windows of the last
 * frames hold the padded frames as they are); `out` has the input's time axis.
 * `valid`: `out[b, t, w] = x[b, t + w]` for `t < time - windowSize + 1`, and
 * {@link Window.outputSeqLens} is `max(0, len - windowSize + 1)`.
 * Output frames past the (output) length are zero.
 *
 * Inputs: `x` float32 `[batch, time, ...feature]`, or `[x, seqLens]` with `seqLens` int32 `[batch]`.
 * Shape: `[batch, time, ...feature]` → `[batch, outTime, windowSize, ...feature]`, float32.
 * @throws LayerArgumentError if `windowSize` is not a positive integer, `windowLeft`/`windowRight`
 *   are negative or do not add up to `windowSize - 1`, or padding is not `same`/`valid`
 *   (`Window: windowSize must be a positive integer. Received: windowSize=0.`).
 * @throws InputShapeError if `x` has rank < 2, is shorter than the window with `valid`, or `seqLens` is not int32 `[batch]`.
 */
export class Window extends Layer {
  static override readonly className: string = 'Window';
  readonly windowSize: number;
  readonly windowLeft: number;
  readonly windowRight: number;
  readonly padding: 'same' | 'valid';
  readonly maskPadding: boolean;

  constructor(args: WindowArgs) {
    super(args);
    const a = resolveArgs('Window', WINDOW_OPTIONS, args, WINDOW_CHECKS) as WindowArgs & { padding: 'same' | 'valid' };
    this.windowSize = a.windowSize;
    [this.windowLeft, this.windowRight] = windowSides(a.windowSize, a.windowLeft, a.windowRight);
    this.padding = a.padding;
    this.maskPadding = a.maskPadding ?? true;
  }

  override call(inputs: Tensor | Tensor[], _ctx: CallContext): Tensor {
    const { x, seqLens } = seqInput(inputs, this.name);
    const outTime = this.computeOutputShape(x.shape)[1]!;
    const rest = x.shape.slice(2);
    // RETURNN's WindowLayer reads the padded frames as they are (maskPadding false, a net dict's default).
    const source = seqLens && this.maskPadding ? maskFrames(x, seqLens) : x;
    const padded = this.padding === 'same' ? padTime(source, this.windowLeft, this.windowRight) : source;
    // Window tap w of every frame is one shifted slice of the padded input.
    const taps = Array.from({ length: this.windowSize }, (_, w) => {
      const tap = ops.slice(padded, x.shape.map((_, i) => (i === 1 ? w : 0)), x.shape.map((_, i) => (i === 1 ? outTime : -1)));
      return ops.reshape(tap, [x.shape[0]!, outTime, 1, ...rest]);
    });
    const y = ops.concat(taps, 2);
    return seqLens ? maskFrames(y, this.outputSeqLens(seqLens)) : y;
  }

  /** Unchanged (`same`) or `max(0, len - windowSize + 1)` (`valid`), int32 `[batch]`. */
  override outputSeqLens(seqLens: Tensor): Tensor {
    return this.padding === 'same' ? seqLens : clampLens(ops.sub(seqLens, int(this.windowSize - 1)));
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const shape = xShapeOf(inputShape);
    if (shape.length < 2) throw new InputShapeError({ layer: this.name, expected: 'expected x of rank >= 2 [batch, time, ...]', received: shape });
    const time = shape[1]!;
    const outTime = time === null || this.padding === 'same' ? time : time - this.windowSize + 1;
    if (outTime !== null && outTime <= 0) {
      throw new InputShapeError({ layer: this.name, expected: `a window of ${this.windowSize} frames does not fit with padding 'valid'; use padding 'same' or longer input`, received: shape });
    }
    return [shape[0]!, outTime, this.windowSize, ...shape.slice(2)];
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), windowSize: this.windowSize, windowLeft: this.windowLeft, windowRight: this.windowRight, padding: this.padding, maskPadding: this.maskPadding };
  }
}

/**
 * RETURNN's `window` (`WindowLayer` on the time axis, stride 1): `window_size`,
 * `window_left`, `window_right`, `padding` (`"same"` or `"valid"`, default
 * `"same"` as in RETURNN); the input's lengths give the output's, whose padded frames are zeroed.
 */
export const windowLayer: LayerSpec = {
  cls: Window,
  options: WINDOW_OPTIONS,
  checks: WINDOW_CHECKS,
  netDict: { names: ['window'], sources: 'concat', seqLens: true, derive: () => ({ maskPadding: false }) },
};
