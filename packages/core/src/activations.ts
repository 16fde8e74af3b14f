import { type FusedActivation, ops, type Tensor } from '@strata/backend';
import { LayerArgumentError } from './errors.js';

/** An elementwise (or, for softmax, last-axis) nonlinearity. */
export type Activation = (x: Tensor) => Tensor;

const activations: Record<string, Activation> = {
  linear: (x) => x,
  identity: (x) => x,
  relu: ops.relu,
  sigmoid: ops.sigmoid,
  tanh: ops.tanh,
  elu: ops.elu,
  softplus: ops.softplus,
  /** `x * sigmoid(x)` (Ramachandran et al. 2017; also SiLU). */
  swish: (x) => ops.mul(x, ops.sigmoid(x)),
  silu: (x) => ops.mul(x, ops.sigmoid(x)),
  /** `0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))`, the tanh form of GELU (Hendrycks & Gimpel 2016). */
  gelu: (x) =>
    ops.mul(ops.mul(x, 0.5), ops.add(1, ops.tanh(ops.mul(Math.sqrt(2 / Math.PI), ops.add(x, ops.mul(0.044715, ops.mul(x, ops.square(x)))))))),
  softmax: (x) => ops.softmax(x, -1),
  log_softmax: (x) => ops.logSoftmax(x, -1),
  abs: ops.abs,
  exp: ops.exp,
  square: ops.square,
  sqrt: ops.sqrt,
};

/**
 * The activation a backend may fuse into a convolution or matrix product
 * (`FusedActivation` of the Backend contract) for an activation name:
 * `linear` for none/`linear`/`identity`, `relu` for `relu`, `undefined` for
 * every other name (applied as its own op).
 */
export function fusedActivation(name: string | null | undefined): FusedActivation | undefined {
  if (name === null || name === undefined || name === 'linear' || name === 'identity') return 'linear';
  return name === 'relu' ? 'relu' : undefined;
}

/** Names accepted by {@link getActivation}. */
export const ACTIVATION_NAMES = Object.keys(activations);

/**
 * An activation by name (RETURNN/Keras names: `relu`, `tanh`, `softmax`, ...);
 * `null`/`undefined`/`"linear"` is the identity.
 * @throws LayerArgumentError for an unknown name, listing the known ones.
 */
export function getActivation(name: string | null | undefined): Activation {
  if (name === null || name === undefined) return activations.linear!;
  const f = activations[name];
  if (!f) {
    throw new LayerArgumentError(
      `Unknown activation. Expected one of: ${ACTIVATION_NAMES.join(', ')}. Received: activation='${name}'.`,
    );
  }
  return f;
}
