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
 * A reverse-mode rule: `d objective / d input` per input (same shape as that
 * input), or `null` where the op has no gradient for it (int inputs,
 * comparisons, `stopGradient`). Semantics match tfjs's gradients (e.g.
 * `abs'(0) = -1`, ties of `max` all receive the gradient), so that both
 * backends train alike.
 */
export type GradRule = (a: GradArgs) => readonly (Tensor | null)[];
