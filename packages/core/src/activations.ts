import { type FusedActivation, ops, type Tensor } from '@strata/backend';
import { activationFromReturnn } from './activation-expression.js';
import { erf } from './erf.js';
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
  /**
   * `0.5 x (1 + erf(x / sqrt(2)))`, the exact GELU (Hendrycks & Gimpel 2016), as RETURNN's `"gelu"` (`tf.nn.gelu`,
   * `approximate=False`), Keras' and PyTorch's default; erf from {@link erf} (error below 1.2e-7).
   */
  gelu: (x) => ops.mul(ops.mul(x, 0.5), ops.add(1, erf(ops.mul(x, Math.SQRT1_2)))),
  /** `0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))`, the tanh form of GELU (`tf.nn.gelu(approximate=True)`, Keras `gelu_new`). */
  gelu_new: (x) =>
    ops.mul(ops.mul(x, 0.5), ops.add(1, ops.tanh(ops.mul(Math.sqrt(2 / Math.PI), ops.add(x, ops.mul(0.044715, ops.mul(x, ops.square(x)))))))),
  /** `log(sigmoid(x)) = -softplus(-x)` (TF `tf.math.log_sigmoid`, RETURNN's `"log_sigmoid"`). */
  log_sigmoid: (x) => ops.neg(ops.softplus(ops.neg(x))),
  /** `x / (1 + |x|)` (`tf.nn.softsign`). */
  softsign: (x) => ops.div(x, ops.add(1, ops.abs(x))),
  /** `min(max(x, 0), 6)` (`tf.nn.relu6`). */
  relu6: (x) => ops.minimum(ops.relu(x), 6),
  /** `-x` (RETURNN's `"neg"`, TF `tf.negative`). */
  negative: ops.neg,
  neg: ops.neg,
  log: ops.log,
  erf,
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

/** Names accepted by {@link getActivation} (it also takes RETURNN's activation expressions). */
export const ACTIVATION_NAMES = Object.keys(activations);

/**
 * An activation by name (RETURNN/Keras names: `relu`, `tanh`, `softmax`, ...);
 * `null`/`undefined`/`"linear"`/`"none"` is the identity. Beyond the names,
 * what RETURNN's `get_activation_function` takes: an expression of `x`
 * (`"tf.nn.relu(x) * 2"`), an operator form (`"2 * sigmoid"`), or a unary
 * function of `tf.nn`/`tf`/`tf.math` in the eval allowlist (`"selu"`); see
 * `activationFromReturnn`.
 * @throws LayerArgumentError for an unknown name, listing the known ones; EvalExpressionError for an expression Strata cannot evaluate.
 */
export function getActivation(name: string | null | undefined): Activation {
  if (name === null || name === undefined || name === 'none') return activations.linear!;
  const f = activations[name] ?? activationFromReturnn(name, (n) => (n === 'none' ? activations.linear : activations[n]));
  if (!f) {
    throw new LayerArgumentError(
      `Unknown activation. Expected one of: ${ACTIVATION_NAMES.join(', ')}. Received: activation='${name}'.`,
    );
  }
  return f;
}
