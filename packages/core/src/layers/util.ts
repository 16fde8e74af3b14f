import { type Conv2dOptions, ops, type Tensor } from '@strata/backend';
import { type Activation, fusedActivation } from '../activations.js';
import { LayerArgumentError } from '../errors.js';

/**
 * `value` (or `fallback` when undefined) if it is a positive integer.
 * @throws LayerArgumentError naming the layer, the argument and the value received.
 */
export function positiveInt(value: unknown, fallback: number, layer: string, arg: string): number {
  const n = value ?? fallback;
  if (typeof n !== 'number' || !Number.isInteger(n) || n <= 0) {
    throw new LayerArgumentError(`${layer}: ${arg} must be a positive integer. Received: ${arg}=${JSON.stringify(value)}.`);
  }
  return n;
}

/**
 * A `[height, width]` pair from a number or a pair of positive integers
 * (Keras' `normalize_tuple`).
 * @throws LayerArgumentError naming the layer, the argument and the value received.
 */
export function toPair(value: number | readonly number[] | undefined, fallback: number, layer: string, arg: string): [number, number] {
  const v = value ?? fallback;
  const pair = typeof v === 'number' ? [v, v] : [...v];
  if (pair.length !== 2 || !pair.every((n) => Number.isInteger(n) && n > 0)) {
    throw new LayerArgumentError(
      `${layer}: ${arg} must be a positive integer or a pair [height, width] of them. Received: ${arg}=${JSON.stringify(value)}.`,
    );
  }
  return pair as [number, number];
}

/** The single input of a one-input layer (the first of a list). */
export const single = (inputs: Tensor | Tensor[]): Tensor => (Array.isArray(inputs) ? inputs[0]! : inputs);

/** A list of inputs (a single tensor becomes a list of one). */
export const many = (inputs: Tensor | Tensor[]): Tensor[] => (Array.isArray(inputs) ? inputs : [inputs]);

/** The paddings a window layer accepts. */
export const PADDINGS = ['same', 'valid'] as const;

/** @throws LayerArgumentError unless `padding` is `same` or `valid`. */
export function checkPadding(padding: string | undefined, fallback: 'same' | 'valid', layer: string): 'same' | 'valid' {
  const p = padding ?? fallback;
  if (!(PADDINGS as readonly string[]).includes(p)) {
    throw new LayerArgumentError(`${layer}: padding must be 'same' or 'valid'. Received: padding=${JSON.stringify(padding)}.`);
  }
  return p as 'same' | 'valid';
}

/**
 * Output length of a sliding window along one axis (TF's rule): `same` gives
 * `ceil(size / stride)`, `valid` gives `ceil((size - (kernel - 1) * dilation) / stride)`;
 * `null` stays `null` (unknown size). May be `<= 0` for `valid` on a short input.
 */
export function windowOutputSize(size: number | null, kernel: number, stride: number, dilation: number, padding: 'same' | 'valid'): number | null {
  if (size === null) return null;
  if (padding === 'same') return Math.ceil(size / stride);
  return Math.ceil((size - (kernel - 1) * dilation) / stride);
}

/**
 * `activation(conv2d(x, kernel) + bias)` (NHWC `x`, HWIO `kernel`): the bias
 * and relu (or no activation) go into the convolution's fused epilogue (one
 * `tf.fused.conv2d` on tfjs, as tfjs-layers); other activations follow it.
 */
export function convWithEpilogue(
  x: Tensor,
  kernel: Tensor,
  options: Omit<Conv2dOptions, 'bias' | 'activation'>,
  bias: Tensor | undefined,
  activationName: string | null,
  activationFn: Activation,
): Tensor {
  const fusable = fusedActivation(activationName);
  const y = ops.conv2d(x, kernel, { ...options, ...(bias ? { bias } : {}), ...(fusable ? { activation: fusable } : {}) });
  return fusable ? y : activationFn(y);
}
