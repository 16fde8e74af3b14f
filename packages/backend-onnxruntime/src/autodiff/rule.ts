import type { Tensor } from '@strata/backend';
import type { OnnxValue, OpAttrs } from '@strata/onnx';
import type { GradOps } from './grad-ops.js';

/** What a gradient rule receives for one recorded op call. */
export interface GradArgs {
  /** `d objective / d output`, shape of the output. */
  readonly dy: Tensor;
  /** The op's inputs, as recorded. */
  readonly inputs: readonly OnnxValue[];
  /** The op's output, as recorded (rules may reuse it: `exp`, `softmax`, ...). */
  readonly output: OnnxValue;
  /** The op's plain arguments (axes, options), as recorded. */
  readonly attrs: OpAttrs;
  /** The ops to build the gradient with. */
  readonly b: GradOps;
}

/**
 * A gradient that is `piece` at offset `begin` of the input and zero
 * elsewhere (the gradient of a `slice`). `backward` accumulates such pieces
 * and builds them into one tensor when the input's gradient is needed:
 * the frames of an `unstack` (one `slice` each) become one `Concat` instead
 * of one full-size `Pad` per frame (quadratic in the number of frames).
 */
export interface GradPiece {
  readonly piece: Tensor;
  readonly begin: readonly number[];
}

/**
 * A reverse-mode rule: `d objective / d input` per input (same shape as that
 * input, or a {@link GradPiece} of it), or `null` where the op has no gradient for it (int inputs,
 * comparisons, `stopGradient`). Semantics match tfjs's gradients (e.g.
 * `abs'(0) = -1`, ties of `max` all receive the gradient), so that both
 * backends train alike.
 */
export type GradRule = (a: GradArgs) => readonly (Tensor | GradPiece | null)[];
