import type { Tensor } from '@strata/backend';
import type { OnnxValue } from '@strata/onnx';
import type { GradOps } from './grad-ops.js';
import type { GradRule } from './rule.js';

/** The reduced axes (non-negative) and the shape of the output with them kept as 1. */
function keptShape(x: OnnxValue, axes: readonly number[] | undefined): { axes: number[]; kept: number[] } {
  const r = x.shape.length;
  const all = axes === undefined ? x.shape.map((_, i) => i) : axes.map((a) => (a < 0 ? a + r : a));
  return { axes: all, kept: x.shape.map((d, i) => (all.includes(i) ? 1 : d)) };
}

function spread(b: GradOps, dy: Tensor, x: OnnxValue, axes: readonly number[] | undefined): { g: Tensor; count: number } {
  const k = keptShape(x, axes);
  const count = k.axes.reduce((p, a) => p * x.shape[a]!, 1);
  return { g: b.expand(b.reshape(dy, k.kept), x.shape), count };
}

/** Gradients of the reductions, softmax and log-softmax. */
export const REDUCE_RULES: Record<string, GradRule> = {
  sum: ({ dy, inputs: [x], attrs, b }) => [spread(b, dy, x!, attrs.axes as number[] | undefined).g],
  mean: ({ dy, inputs: [x], attrs, b }) => {
    const s = spread(b, dy, x!, attrs.axes as number[] | undefined);
    return [b.div(s.g, b.scalar(s.count))];
  },
  // tfjs: every position equal to the maximum receives the gradient.
  max: ({ dy, inputs: [x], output, attrs, b }) => {
    const { kept } = keptShape(x!, attrs.axes as number[] | undefined);
    const mask = b.cast(b.equal(x!, b.reshape(output, kept)), 'float32');
    return [b.mul(mask, b.reshape(dy, kept))];
  },
  argMax: () => [null],
  // dx = y (dy - Σ dy·y)
  softmax: ({ dy, output, attrs, b }) => [b.mul(output, b.sub(dy, b.sum(b.mul(dy, output), [attrs.axis as number], true)))],
  // dx = dy - softmax(x) Σ dy
  logSoftmax: ({ dy, output, attrs, b }) => [b.sub(dy, b.mul(b.exp(output), b.sum(dy, [attrs.axis as number], true)))],
};
