// Test helpers shared by core's layer tests (not part of the published package).
import { getBackend, ops, setBackend, type Tensor } from '@strata/backend';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { Rng } from '../rng.js';

registerTfjsBackends();

/** Activates a tfjs backend by Strata name (default tfjs-cpu, the reference). */
export async function useBackend(name = 'tfjs-cpu'): Promise<void> {
  await setBackend(name);
}

/** Deterministic float32 values in [-1, 1). */
export function randomValues(n: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.uniform() * 2 - 1;
  return a;
}

/** A float32 tensor of `shape` with deterministic values. */
export function randomTensor(shape: number[], seed: number): Tensor {
  return ops.tensor(randomValues(shape.reduce((a, b) => a * b, 1), seed), shape);
}

/** Asserts |a - b| <= atol + rtol * |b| elementwise; reports the worst index. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, atol = 1e-5, rtol = 1e-4): void {
  if (actual.length !== expected.length) throw new Error(`length ${actual.length} != ${expected.length}`);
  let worst = -1;
  let worstErr = 0;
  for (let i = 0; i < expected.length; i++) {
    const err = Math.abs(actual[i]! - expected[i]!) - (atol + rtol * Math.abs(expected[i]!));
    if (err > worstErr || Number.isNaN(actual[i]!)) {
      worstErr = Number.isNaN(actual[i]!) ? Infinity : err;
      worst = i;
    }
  }
  if (worst >= 0) {
    throw new Error(`mismatch at ${worst}: actual ${actual[worst]} vs expected ${expected[worst]} (atol ${atol}, rtol ${rtol})`);
  }
}

/**
 * Gradient of `sum(f(x) * w)` w.r.t. x and the given variables, with a fixed
 * non-uniform upstream weight `w`, so that every output element matters.
 */
export function gradsOf(f: (x: Tensor) => Tensor, x: Tensor, variables: Tensor[], seed = 99): { out: Float32Array; grads: Float32Array[] } {
  const b = getBackend();
  const xv = b.variable(x, true);
  const outShape: number[] = [];
  const { grads } = b.valueAndGrads(() => {
    const y = f(xv);
    outShape.push(...y.shape);
    const w = randomTensor(y.shape, seed);
    return { value: ops.sum(ops.mul(y, w)) };
  }, [xv, ...variables]);
  const out = ops.readSync(f(xv)) as Float32Array;
  const res = { out: Float32Array.from(out), grads: grads.map((g) => Float32Array.from(ops.readSync(g) as Float32Array)) };
  b.dispose([xv, ...grads]);
  return res;
}

/** The tf.Variables behind a tfjs-layers layer's trainable weights, for reference gradients. */
export function refVariables(layer: { trainableWeights: { read(): unknown }[] }): Tensor[] {
  return layer.trainableWeights.map((w) => w.read() as Tensor);
}

/**
 * Like {@link gradsOf} for a function of several inputs: output and gradients
 * of `sum(f(xs) * w)` w.r.t. every input, then every variable.
 */
export function gradsOfMany(f: (xs: Tensor[]) => Tensor, xs: Tensor[], variables: Tensor[], seed = 99): { out: Float32Array; grads: Float32Array[] } {
  const b = getBackend();
  const xvs = xs.map((x) => b.variable(x, true));
  const { grads } = b.valueAndGrads(() => {
    const y = f(xvs);
    return { value: ops.sum(ops.mul(y, randomTensor(y.shape, seed))) };
  }, [...xvs, ...variables]);
  const out = Float32Array.from(ops.readSync(f(xvs)) as Float32Array);
  const res = { out, grads: grads.map((g) => Float32Array.from(ops.readSync(g) as Float32Array)) };
  b.dispose([...xvs, ...grads]);
  return res;
}
