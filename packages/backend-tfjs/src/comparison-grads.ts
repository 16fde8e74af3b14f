import * as tf from '@tensorflow/tfjs-core';

/**
 * Registers zero gradients for tfjs' comparison and logical kernels (`Greater`,
 * `Less`, `Equal`, ...), which tfjs leaves without one: a bool result that is
 * cast or used as `where`'s condition on the path from a variable to the loss
 * (`tf.cast(x > 0, tf.float32) * x`, `tf.where(x > 0, x, 0.1 * x)`) made tfjs
 * throw "gradient function not found for Greater". TensorFlow declares these
 * ops `NotDifferentiable`, i.e. no gradient flows through the bool result,
 * which is what zeros give. Kernels that already have a gradient are left as they are.
 */
export function registerComparisonGrads(): void {
  for (const kernelName of ['Greater', 'GreaterEqual', 'Less', 'LessEqual', 'Equal', 'NotEqual', 'LogicalAnd', 'LogicalOr', 'LogicalNot']) {
    if (tf.getGradient(kernelName) !== undefined) continue;
    tf.registerGradient({
      kernelName,
      inputsToSave: kernelName === 'LogicalNot' ? ['x'] : ['a', 'b'],
      gradFunc: (_dy, saved): Record<string, () => tf.Tensor> => {
        // tfjs wants float32 gradients, whatever the input's dtype (int32 class indices, bools).
        const [a, b] = (saved as tf.Tensor[]).map((t) => () => tf.zeros(t.shape, 'float32'));
        return kernelName === 'LogicalNot' ? { x: a! } : { a: a!, b: b! };
      },
    });
  }
}
