// The layer itself: forward and gradients against the closed form computed on
// the host in float64 (fixed weights), on tfjs-cpu and onnxruntime; argument
// errors; the config round trip through the registry.
import { getBackend, ops, type Tensor } from '@strata/backend';
import { INFERENCE, LayerArgumentError, layerFromConfig, registeredLayerClasses, serializeLayer } from '@strata/core';
import { describe, expect, it } from 'vitest';
import { GatedLinearUnit, type GatedLinearUnitArgs, register } from '../src/index.js';
import { expectClose, useBackend } from './helpers.js';

/** Deterministic values in (-1, 1). */
const values = (n: number, seed: number): Float32Array => Float32Array.from({ length: n }, (_, i) => Math.sin(1.3 * i + 0.7 * seed) * 0.9);

const act: Record<string, { f: (v: number) => number; df: (v: number) => number }> = {
  identity: { f: (v) => v, df: () => 1 },
  tanh: { f: Math.tanh, df: (v) => 1 - Math.tanh(v) ** 2 },
  sigmoid: { f: (v) => 1 / (1 + Math.exp(-v)), df: (v) => Math.exp(-v) / (1 + Math.exp(-v)) ** 2 },
  relu: { f: (v) => Math.max(v, 0), df: (v) => (v > 0 ? 1 : 0) },
};

/**
 * The closed form on the host, float64: `y = f(x·W + b) ⊗ h(x·V + c)` on rows
 * `x` `[n, in]`, and the gradients of `L = Σ y ⊗ g` w.r.t. x, W, b, V, c:
 * `dA = g ⊗ f'(A) ⊗ h(Z)`, `dZ = g ⊗ f(A) ⊗ h'(Z)`, `dW = xᵀ·dA`, `db = Σ_rows dA`,
 * `dV = xᵀ·dZ`, `dc = Σ_rows dZ`, `dx = dA·Wᵀ + dZ·Vᵀ`.
 */
function closedForm(x: Float32Array, [W, b, V, c]: Float32Array[], g: Float32Array, n: number, inF: number, units: number, value: string, gate: string) {
  const f = act[value]!;
  const h = act[gate]!;
  const y = new Float64Array(n * units);
  const dA = new Float64Array(n * units);
  const dZ = new Float64Array(n * units);
  for (let r = 0; r < n; r++) {
    for (let u = 0; u < units; u++) {
      let A = b![u]!;
      let Z = c![u]!;
      for (let i = 0; i < inF; i++) {
        A += x[r * inF + i]! * W![i * units + u]!;
        Z += x[r * inF + i]! * V![i * units + u]!;
      }
      const k = r * units + u;
      y[k] = f.f(A) * h.f(Z);
      dA[k] = g[k]! * f.df(A) * h.f(Z);
      dZ[k] = g[k]! * f.f(A) * h.df(Z);
    }
  }
  const dx = new Float64Array(n * inF);
  const dW = new Float64Array(inF * units);
  const dV = new Float64Array(inF * units);
  const db = new Float64Array(units);
  const dc = new Float64Array(units);
  for (let r = 0; r < n; r++) {
    for (let u = 0; u < units; u++) {
      const k = r * units + u;
      db[u] += dA[k]!;
      dc[u] += dZ[k]!;
      for (let i = 0; i < inF; i++) {
        dW[i * units + u] += x[r * inF + i]! * dA[k]!;
        dV[i * units + u] += x[r * inF + i]! * dZ[k]!;
        dx[r * inF + i] += dA[k]! * W![i * units + u]! + dZ[k]! * V![i * units + u]!;
      }
    }
  }
  return { y, grads: [dx, dW, db, dV, dc] };
}

const cases: { name: string; args: Partial<GatedLinearUnitArgs>; value: string; gate: string; shape: number[] }[] = [
  { name: 'GLU (identity ⊗ sigmoid), rank 2', args: {}, value: 'identity', gate: 'sigmoid', shape: [4, 6] },
  { name: 'GLU, rank 3 [batch, time, features]', args: {}, value: 'identity', gate: 'sigmoid', shape: [2, 3, 5] },
  { name: 'GTU (tanh ⊗ sigmoid)', args: { activation: 'tanh' }, value: 'tanh', gate: 'sigmoid', shape: [3, 7] },
  { name: 'ReGLU (identity ⊗ relu)', args: { gateActivation: 'relu' }, value: 'identity', gate: 'relu', shape: [5, 4] },
];
const UNITS = 3;

describe.each(['tfjs-cpu', 'onnxruntime'] as const)('GatedLinearUnit on %s: forward and gradients = host closed form (atol 1e-5, rtol 1e-4)', (backend) => {
  it.each(cases)('$name', async ({ args, value, gate, shape }) => {
    await useBackend(backend);
    const b = getBackend();
    const inF = shape.at(-1)!;
    const n = shape.slice(0, -1).reduce((p, q) => p * q, 1);
    const x = values(n * inF, 1);
    const layer = new GatedLinearUnit({ units: UNITS, ...args });
    layer.apply(ops.zeros(shape), INFERENCE); // builds: kernel, bias, gate_kernel, gate_bias
    expect(layer.weights.map((w) => [w.name, w.shape])).toEqual([
      ['gated_linear_unit/kernel:0', [inF, UNITS]],
      ['gated_linear_unit/bias:0', [UNITS]],
      ['gated_linear_unit/gate_kernel:0', [inF, UNITS]],
      ['gated_linear_unit/gate_bias:0', [UNITS]],
    ]);
    const weights = layer.weights.map((w, i) => values(w.shape.reduce((p, q) => p * q, 1), 10 + i));
    layer.setWeights(weights);
    const outShape = [...shape.slice(0, -1), UNITS];
    const g = values(n * UNITS, 5);
    const want = closedForm(x, weights, g, n, inF, UNITS, value, gate);

    const xv = b.variable(ops.tensor(x, shape), true);
    const y = layer.apply(xv, INFERENCE);
    expect(y.shape).toEqual(outShape);
    expectClose(ops.readSync(y) as Float32Array, want.y);

    // d/d(x, W, b, V, c) of Σ y ⊗ g; on onnxruntime the gradient is a compiled graph (the training path).
    const step = () => b.valueAndGrads(() => ({ value: ops.sum(ops.mul(layer.apply(xv, INFERENCE), ops.tensor(g, outShape))) }), [xv, ...layer.trainableWeights.map((w) => w.value)]).grads;
    const grads: Tensor[] = b.kind === 'graph' ? b.compile(step)() : step();
    expect(grads).toHaveLength(5);
    grads.forEach((gr, i) => expectClose(ops.readSync(gr) as Float32Array, want.grads[i]!));
    b.dispose([xv, ...grads]);
    layer.dispose();
  });
});

describe('GatedLinearUnit: arguments, config, registration', () => {
  it('checks its arguments in the TypeScript vocabulary (LayerArgumentError naming the argument)', async () => {
    await useBackend('tfjs-cpu');
    expect(() => new GatedLinearUnit({ units: 0 })).toThrow(LayerArgumentError);
    expect(() => new GatedLinearUnit({ units: 0 })).toThrow('GatedLinearUnit: units must be a positive integer. Received: units=0.');
    expect(() => new GatedLinearUnit({ units: 4, gateActivation: 'sigmoidal' })).toThrow(/^GatedLinearUnit: gateActivation must be one of .*sigmoid.*Received: gateActivation="sigmoidal"\.$/);
    expect(() => new GatedLinearUnit({ units: 4, withBias: 'yes' as never })).toThrow('GatedLinearUnit: withBias must be true or false. Received: withBias="yes".');
    expect(() => new GatedLinearUnit({ units: 4, kernelInitializer: 'glorot' })).toThrow(/kernelInitializer must be an initializer name/);
  });

  it('without bias has two weights; the output is f(x·W) ⊗ σ(x·V)', async () => {
    await useBackend('tfjs-cpu');
    const layer = new GatedLinearUnit({ units: 2, withBias: false, name: 'g' });
    const x = values(3 * 4, 3);
    layer.apply(ops.zeros([3, 4]));
    expect(layer.weights.map((w) => w.name)).toEqual(['g/kernel:0', 'g/gate_kernel:0']);
    const [W, V] = layer.weights.map((w, i) => values(8, 20 + i));
    layer.setWeights([W!, V!]);
    const want = closedForm(x, [W!, new Float32Array(2), V!, new Float32Array(2)], new Float32Array(6), 3, 4, 2, 'identity', 'sigmoid');
    expectClose(ops.readSync(layer.apply(ops.tensor(x, [3, 4]))) as Float32Array, want.y);
  });

  it('is registered on import: layerFromConfig(serializeLayer(layer)) round-trips (same config, same function with the same weights)', async () => {
    await useBackend('tfjs-cpu');
    expect(registeredLayerClasses()).toContain('GatedLinearUnit');
    register(); // registering again is a no-op
    const layer = new GatedLinearUnit({ units: 3, activation: 'tanh', gateActivation: 'gelu', kernelInitializer: 'he_normal', name: 'glu7' });
    const x = ops.tensor(values(10, 4), [2, 5]);
    const y = ops.readSync(layer.apply(x)) as Float32Array;
    const serialized = serializeLayer(layer);
    expect(serialized.className).toBe('GatedLinearUnit');
    expect(serialized.config).toMatchObject({ name: 'glu7', units: 3, activation: 'tanh', gateActivation: 'gelu', withBias: true });
    const copy = layerFromConfig(JSON.parse(JSON.stringify(serialized)));
    expect(copy).toBeInstanceOf(GatedLinearUnit);
    expect(serializeLayer(copy)).toEqual(serialized);
    copy.apply(x);
    copy.setWeights(layer.getWeights());
    expect(Array.from(ops.readSync(copy.apply(x)))).toEqual(Array.from(y));
  });
});
