import { type Backend, shapesEqual, type Tensor } from '@strata/backend';

/**
 * The gradient of a broadcast: sums `grad` over the axes along which an
 * operand of shape `shape` was broadcast (leading axes it lacks, and axes
 * where it has size 1), so the result has `shape`.
 */
export function sumTo(b: Backend, grad: Tensor, shape: readonly number[]): Tensor {
  if (shapesEqual(grad.shape, shape)) return grad;
  const lead = grad.shape.length - shape.length;
  const axes: number[] = [];
  grad.shape.forEach((d, i) => {
    if (i < lead || (shape[i - lead] === 1 && d !== 1)) axes.push(i);
  });
  const summed = axes.length > 0 ? b.sum(grad, axes, true) : grad;
  return b.reshape(summed, [...shape]);
}
