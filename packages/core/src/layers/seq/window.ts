import { ops, type Tensor } from '@strata/backend';
import { InputShapeError, LayerArgumentError } from '../../errors.js';
import { type CallContext, Layer, type LayerArgs, type LayerConfig, type SymbolicShape } from '../../layer.js';
import { maskFrames } from '../../sequence-mask.js';
import { checkPadding } from '../util.js';
import { clampLens, int, padTime, seqInput, xShapeOf } from './seq-inputs.js';

/** Arguments of {@link Window}. */
export interface WindowArgs extends LayerArgs {
  /** Frames per window (RETURNN `window_size`). Positive integer. */
  windowSize: number;
  /** Frames before the centre frame (RETURNN `window_left`). Default `windowSize - windowRight - 1`. */
  windowLeft?: number;
  /** Frames after the centre frame (RETURNN `window_right`). Default `floor(windowSize / 2)`, or `windowSize - windowLeft - 1`. */
  windowRight?: number;
  /** `same`: one window per frame, zero padded; `valid`: only windows inside the input. Default `same`. */
  padding?: 'same' | 'valid';
}

/**
 * A sliding window over time (RETURNN `WindowLayer` on the time axis, stride
 * 1; PyTorch `unfold`): a new window axis after the time axis.
 *
 * `same`: `out[b, t, w] = x[b, t - windowLeft + w]`, zero where that frame is
 * before the start or at/after the sequence's end (padded input frames are
 * zeroed first, so they never enter a window); `out` has the input's time axis.
 * `valid`: `out[b, t, w] = x[b, t + w]` for `t < time - windowSize + 1`, and
 * {@link Window.outputSeqLens} is `max(0, len - windowSize + 1)`.
 * Output frames past the (output) length are zero.
 *
 * Inputs: `x` float32 `[batch, time, ...feature]`, or `[x, seqLens]` with `seqLens` int32 `[batch]`.
 * Shape: `[batch, time, ...feature]` → `[batch, outTime, windowSize, ...feature]`, float32.
 * @throws LayerArgumentError if `windowSize` is not a positive integer, `windowLeft`/`windowRight`
 *   are negative or do not add up to `windowSize - 1`, or padding is not `same`/`valid`.
 * @throws InputShapeError if `x` has rank < 2, is shorter than the window with `valid`, or `seqLens` is not int32 `[batch]`.
 */
export class Window extends Layer {
  static override readonly className: string = 'Window';
  readonly windowSize: number;
  readonly windowLeft: number;
  readonly windowRight: number;
  readonly padding: 'same' | 'valid';

  constructor(args: WindowArgs) {
    super(args);
    const { windowSize: size, windowLeft: left, windowRight: right } = args;
    if (!Number.isInteger(size) || size <= 0) {
      throw new LayerArgumentError(`Window: windowSize must be a positive integer. Received: windowSize=${String(size)}.`);
    }
    const r = right ?? (left !== undefined ? size - left - 1 : Math.floor(size / 2));
    const l = left ?? size - r - 1;
    if (!Number.isInteger(l) || !Number.isInteger(r) || l < 0 || r < 0 || l + r + 1 !== size) {
      throw new LayerArgumentError(
        `Window: windowLeft + windowRight + 1 must equal windowSize, both non-negative integers. ` +
          `Received: windowSize=${size}, windowLeft=${String(left)}, windowRight=${String(right)}.`,
      );
    }
    this.windowSize = size;
    this.windowLeft = l;
    this.windowRight = r;
    this.padding = checkPadding(args.padding, 'same', 'Window');
  }

  override call(inputs: Tensor | Tensor[], _ctx: CallContext): Tensor {
    const { x, seqLens } = seqInput(inputs, this.name);
    const outTime = this.computeOutputShape(x.shape)[1]!;
    const rest = x.shape.slice(2);
    const masked = seqLens ? maskFrames(x, seqLens) : x;
    const padded = this.padding === 'same' ? padTime(masked, this.windowLeft, this.windowRight) : masked;
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
    if (shape.length < 2) throw new InputShapeError(this.name, 'expected x of rank >= 2 [batch, time, ...]', shape);
    const time = shape[1]!;
    const outTime = time === null || this.padding === 'same' ? time : time - this.windowSize + 1;
    if (outTime !== null && outTime <= 0) {
      throw new InputShapeError(this.name, `a window of ${this.windowSize} frames does not fit with padding 'valid'; use padding 'same' or longer input`, shape);
    }
    return [shape[0]!, outTime, this.windowSize, ...shape.slice(2)];
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), windowSize: this.windowSize, windowLeft: this.windowLeft, windowRight: this.windowRight, padding: this.padding };
  }
}
