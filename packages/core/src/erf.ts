import { ops, type Tensor } from '@strata/backend';

// Numerical Recipes' Chebyshev fit of erfc (Press et al., "Numerical Recipes", 2nd ed., §6.2, erfcc): fractional error
// below 1.2e-7 for every x, i.e. within float32 rounding of TensorFlow's Erf. Coefficients innermost first.
const C = [0.17087277, -0.82215223, 1.48851587, -1.13520398, 0.27886807, -0.18628806, 0.09678418, 0.37409196, 1.00002368, -1.26551223];

/**
 * The error function `erf(x) = 2/sqrt(pi) * integral_0^x exp(-t^2) dt`, elementwise,
 * from the contract's ops (no backend has an `erf` op in the contract): for
 * `z = |x|`, `erfc(z) = t * exp(-z^2 + P(t))` with `t = 1 / (1 + z/2)` and `P`
 * Numerical Recipes' degree-9 fit, then `erf(x) = 1 - erfc(z)` for `x >= 0`
 * and `erfc(z) - 1` for `x < 0`. Absolute error below 1.2e-7; its gradient
 * is that of the fit, within 1e-6 of `2/sqrt(pi) * exp(-x^2)`.
 *
 * Shape: any → the same, float32. Source: TensorFlow's `tf.math.erf`.
 */
export function erf(x: Tensor): Tensor {
  // The comparison is cut from the tape (tfjs has no gradient for Greater); the gradient flows through where's branches.
  const pos = ops.greater(ops.stopGradient(x), 0);
  // where, not abs: abs' gradient at 0 is 0, where's is the branch's (1), as erf's slope needs.
  const z = ops.where(pos, x, ops.neg(x));
  const t = ops.div(1, ops.add(1, ops.mul(0.5, z)));
  let p: Tensor = ops.mul(t, C[0]!);
  for (const c of C.slice(1, -1)) p = ops.mul(t, ops.add(p, c));
  const erfc = ops.mul(t, ops.exp(ops.add(ops.sub(p, ops.square(z)), C.at(-1)!)));
  return ops.where(pos, ops.sub(1, erfc), ops.sub(erfc, 1));
}
