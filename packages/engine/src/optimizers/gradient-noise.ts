import { ops, type Shape, type Tensor } from '@strata/backend';

/** erf(√2) = P(|x| ≤ 2) for x ~ N(0, 1): TF's truncated normal keeps samples within ±2 standard deviations. */
const ERF_SQRT2 = 0.9544997361036416;

/**
 * Giles' single-precision erfinv (M. Giles, "Approximating the erfinv function", GPU Computing Gems, 2011),
 * its branch for `w = -log(1 - x²) < 5`: coefficients of `p(w - 2.5)`, highest order first.
 */
const GILES = [2.81022636e-8, 3.43273939e-7, -3.5233877e-6, -4.39150654e-6, 0.00021858087, -0.00125372503, -0.00417768164, 0.246640727, 1.50140941];

/**
 * The inverse error function elementwise, float32, for `|x| < 0.9966` (`-log(1 - x²) < 5`,
 * which covers the truncated normal's `|x| ≤ erf(√2)`): `p(w - 2.5) · x` with `w = -log((1 - x)(1 + x))`
 * (Giles 2011; absolute error < 4e-7 in float32 over `|x| ≤ erf(√2)`). Backend ops only.
 */
export function erfinv(x: Tensor): Tensor {
  const w = ops.sub(ops.neg(ops.log(ops.mul(ops.sub(1, x), ops.add(x, 1)))), 2.5);
  let p: Tensor = ops.scalar(GILES[0]!);
  for (const c of GILES.slice(1)) p = ops.add(ops.mul(p, w), c);
  return ops.mul(p, x);
}

/**
 * Samples of TF's `tf.truncated_normal(shape, stddev=stddev)`: normal with
 * mean 0 and standard deviation `stddev` before truncation, values beyond
 * ±2·stddev re-drawn, so the samples lie in `[-2·stddev, 2·stddev]` with
 * standard deviation ≈ 0.87962·stddev. Drawn by inversion (exact in
 * distribution, no re-drawing loop, so it traces into a compiled graph):
 * `u ~ U[-erf(√2), erf(√2))` from `ops.randomUniform(shape, ..., seed)`, then
 * `stddev · √2 · erfinv(u)`. On a compiled (graph) backend the uniforms are
 * fresh on every run (see the onnxruntime backend's `randomUniform`).
 *
 * @param shape the samples' shape; float32.
 * @param stddev the untruncated standard deviation (RETURNN's `gradient_noise`), > 0.
 * @param seed the seed of the uniforms (same seed, same samples in eager mode).
 */
export function truncatedNormal(shape: Shape, stddev: number, seed: number): Tensor {
  const u = ops.randomUniform(shape, -ERF_SQRT2, ERF_SQRT2, seed);
  return ops.mul(erfinv(u), stddev * Math.SQRT2);
}
