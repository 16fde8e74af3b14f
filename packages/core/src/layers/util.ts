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
 *
 * Two cases TF's `conv2d` computes that the backend contract's `conv2d` does
 * not take are computed from a stride-1 convolution (RETURNN `ConvLayer` runs
 * them through `tf.compat.v1.nn.conv2d`): strides and dilations both above 1
 * (output frame `i` reads input frames `i * stride + j * dilation - padBefore`),
 * and a `valid` window longer than a spatial axis (an axis of 0 frames, as TF
 * gives). The input is padded as TF pads (`same`: total
 * `max((out - 1) * stride + (k - 1) * dilation + 1 - in, 0)`, the smaller half
 * before), convolved with stride 1, and every `stride`-th frame kept.
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
  const epilogue = { ...(bias ? { bias } : {}), ...(fusable ? { activation: fusable } : {}) };
  const strides = options.strides ?? [1, 1];
  const dilations = options.dilations ?? [1, 1];
  const padding = options.padding ?? 'valid';
  const axes = [0, 1] as const;
  const out = axes.map((i) => windowOutputSize(x.shape[i + 1]!, kernel.shape[i]!, strides[i], dilations[i], padding)!);
  let y: Tensor;
  if (!(strides.some((s) => s > 1) && dilations.some((d) => d > 1)) && out.every((n) => n > 0)) {
    y = ops.conv2d(x, kernel, { ...options, ...epilogue });
  } else {
    const pads = axes.map((i): [number, number] => {
      const [n, span, s] = [x.shape[i + 1]!, (kernel.shape[i]! - 1) * dilations[i] + 1, strides[i]];
      // At least one output frame to convolve (cut again below when `out` is 0).
      const total = Math.max((Math.max(out[i]!, 1) - 1) * s + span - n, 0);
      const before = padding === 'same' ? Math.floor(total / 2) : 0;
      return [before, total - before];
    });
    y = ops.conv2d(ops.pad(x, [[0, 0], ...pads, [0, 0]]), kernel, { padding: 'valid', dilations, ...epilogue });
    for (const i of axes) {
      const [n, s, axis] = [Math.max(out[i]!, 0), strides[i], i + 1];
      if (n === 0 || s === 1) {
        if (y.shape[axis] !== n) y = ops.slice(y, y.shape.map(() => 0), y.shape.map((d, j) => (j === axis ? n : -1)));
      } else {
        y = ops.gather(y, ops.tensor(Int32Array.from({ length: n }, (_, t) => t * s), [n], 'int32'), axis);
      }
    }
  }
  return fusable ? y : activationFn(y);
}
