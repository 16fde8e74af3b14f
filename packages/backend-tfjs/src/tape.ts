import * as tf from '@tensorflow/tfjs-core';

/** The part of tfjs' engine state that says whether a gradient tape is recording. */
interface EngineState {
  state: { gradientDepth: number; kernelDepth: number };
}

/**
 * Whether tfjs is recording a gradient tape at this point: inside
 * `tf.grads`/`tf.variableGrads` (Strata's `valueAndGrads`) and not inside a
 * kernel. This is tfjs' own `Engine.isTapeOn()` test, read from its state.
 *
 * The gradient workarounds of this package (`tf.customGrad` wrappers of
 * matMul, conv2d, maxPool and gather) cost time on every call, and a
 * padded `valid` convolution is slower than a `same` one: outside a tape
 * (inference, evaluation) the adapter calls the plain tfjs ops instead.
 */
export function recordingGradients(): boolean {
  const { state } = tf.engine() as unknown as EngineState;
  return state.gradientDepth > 0 && state.kernelDepth === 0;
}
