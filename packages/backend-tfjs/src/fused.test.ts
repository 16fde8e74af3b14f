import { type Conv2dOptions, type FusedActivation, getBackend, type MatMulFused, ops, setBackend, type Tensor } from '@strata/backend';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { registerTfjsBackends } from './register.js';
import { lcgValues as rand } from './test-utils/values.js';

registerTfjsBackends();

const t = (shape: number[], seed: number): Tensor => ops.tensor(rand(shape.reduce((a, b) => a * b, 1), seed), shape);
const read = (x: Tensor): number[] => Array.from(ops.readSync(x));

/** `act(y + bias)` from the separate contract ops: the reference semantics of the fused epilogue. */
function separate(y: Tensor, bias: Tensor | undefined, activation: FusedActivation | undefined): Tensor {
  const biased = bias ? ops.add(y, bias) : y;
  return activation === 'relu' ? ops.relu(biased) : biased;
}

interface Case {
  name: string;
  /** The fused call and the same computation from separate ops; `p` holds `[x, w, bias]`. */
  fused: (p: Tensor[]) => Tensor;
  unfused: (p: Tensor[]) => Tensor;
  shapes: number[][];
  /** The tfjs kernel the fused call runs outside a tape. */
  kernel: string;
  /** Backends that run the separate ops instead (a fused kernel with a known bug). */
  separateOn?: string[];
}

function convCase(name: string, xs: number[], ws: number[], o: Conv2dOptions, activation: FusedActivation, withBias = true): Case {
  return {
    name,
    fused: ([x, w, b]) => ops.conv2d(x!, w!, { ...o, ...(withBias ? { bias: b! } : {}), activation }),
    unfused: ([x, w, b]) => separate(ops.conv2d(x!, w!, o), withBias ? b : undefined, activation),
    shapes: withBias ? [xs, ws, [ws[3]!]] : [xs, ws],
    kernel: 'FusedConv2D',
  };
}

function matMulCase(name: string, as: number[], bs: number[], tA: boolean, tB: boolean, n: number, fused: Omit<MatMulFused, 'bias'>, withBias = true): Case {
  return {
    name,
    fused: ([a, b, c]) => ops.matMul(a!, b!, tA, tB, { ...fused, ...(withBias ? { bias: c! } : {}) }),
    unfused: ([a, b, c]) => separate(ops.matMul(a!, b!, tA, tB), withBias ? c : undefined, fused.activation),
    shapes: withBias ? [as, bs, [n]] : [as, bs],
    kernel: '_FusedMatMul',
  };
}

const cases: Case[] = [
  convCase('conv2d same, stride 2, bias + relu', [2, 7, 6, 3], [3, 3, 3, 4], { strides: [2, 2], padding: 'same' }, 'relu'),
  convCase('conv2d valid, dilation 2, bias only', [2, 8, 7, 2], [2, 3, 2, 5], { dilations: [2, 2] }, 'linear'),
  convCase('conv2d valid, relu without bias', [1, 5, 5, 3], [3, 3, 3, 2], {}, 'relu', false),
  matMulCase('matMul bias + relu', [5, 4], [4, 6], false, false, 6, { activation: 'relu' }),
  matMulCase('matMul transposeA and transposeB, bias only', [4, 5], [6, 4], true, true, 6, {}),
  // tfjs-backend-wasm 4.22's _FusedMatMul adds the bias wrongly to batched products: separate ops there.
  { ...matMulCase('batched matMul, transposeB, bias + relu', [2, 3, 4], [2, 6, 4], false, true, 6, { activation: 'relu' }), separateOn: ['tfjs-wasm'] },
  matMulCase('batched matMul, relu without bias', [2, 3, 4], [2, 4, 5], false, false, 5, { activation: 'relu' }, false),
  matMulCase('matMul relu without bias', [3, 4], [4, 2], false, false, 2, { activation: 'relu' }, false),
];

describe('fused conv2d/matMul epilogue (bias + relu)', () => {
  for (const backend of ['tfjs-wasm', 'tfjs-cpu']) {
    for (const c of cases) {
      it(`${backend}: ${c.name}: one fused kernel without a tape, the separate ops' values`, async () => {
        await setBackend(backend);
        const p = c.shapes.map((s, i) => t(s, 11 + i));
        const want = read(c.unfused(p));
        let got: number[] = [];
        const profile = await tf.profile(() => {
          got = read(c.fused(p));
        });
        const kernels = profile.kernels.map((k) => k.name);
        if (c.separateOn?.includes(backend)) {
          expect(kernels).not.toContain(c.kernel);
        } else {
          expect(kernels).toContain(c.kernel);
          expect(kernels).not.toContain('Relu');
          expect(kernels).not.toContain('Add');
        }
        expect(got.length).toBe(want.length);
        got.forEach((v, i) => expect(Math.abs(v - want[i]!)).toBeLessThanOrEqual(1e-5));
        ops.dispose(p);
      });

      it(`${backend}: ${c.name}: under a tape, the separate ops' values and gradients w.r.t. x, filter and bias`, async () => {
        await setBackend(backend);
        const b = getBackend();
        const vars = c.shapes.map((s, i) => b.variable(t(s, 11 + i), true));
        const run = (f: (p: Tensor[]) => Tensor) => {
          let forward: number[] = [];
          const r = b.valueAndGrads(() => {
            const y = f(vars);
            forward = read(y);
            // A weighted sum, so that every output element gets its own upstream gradient.
            return { value: ops.sum(ops.mul(y, t(y.shape as number[], 99))) };
          }, vars);
          const out = { value: ops.item(r.value), grads: r.grads.map(read), forward };
          b.dispose([r.value, ...r.grads]);
          return out;
        };
        const fused = run(c.fused);
        const unfused = run(c.unfused);
        expect(fused.value).toBeCloseTo(unfused.value, 5);
        fused.forward.forEach((v, i) => expect(Math.abs(v - unfused.forward[i]!)).toBeLessThanOrEqual(1e-5));
        fused.grads.forEach((g, k) => {
          expect(g.length).toBe(unfused.grads[k]!.length);
          g.forEach((v, i) => expect(Math.abs(v - unfused.grads[k]![i]!)).toBeLessThanOrEqual(1e-5));
        });
        expect(fused.grads.every((g) => g.some((v) => v !== 0))).toBe(true);
        b.dispose(vars);
      });
    }
  }
});
