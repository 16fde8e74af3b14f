/**
 * Gradient checks of every differentiable contract op on onnxruntime
 * (reverse mode over the recorded graph, `autodiff/`). For each row of
 * `test-utils/op-grad-rows.ts`, the loss is `L = Σ op(xs) · R` with a fixed
 * random `R`, and `dL/dx` for every float32 input `x` (as a variable) is
 * computed
 *
 * (a) on onnxruntime, inside `compile(() => valueAndGrads(...))` (the
 *     backward pass as more nodes of the same graph); eagerly (a one-off
 *     graph) and compiled at opset 17 (attribute forms of ReduceMean/Max)
 *     the same must agree with (a) to 1e-6;
 * (b) on tfjs-cpu with `valueAndGrads` (tfjs-wasm where tfjs-cpu has no
 *     gradient: dilated conv2d);
 * (c) by central finite differences of the onnxruntime forward (compiled
 *     once, each element moved by ±1e-2; the output weighted by R in float64).
 *
 * Tolerances: (a) vs (b) |a - b| <= 1e-5 + 1e-5·|b| (1e-4 + 1e-4·|b| for
 * conv2d, whose sums of ~150 products are accumulated in different orders);
 * (a) vs (c) |a - c| <= 2e-3 + 1e-2·|c| (float32 forward, O(eps²) truncation).
 * FD is skipped only at deliberate non-differentiable points (ties, relu and
 * abs at 0), which the tfjs comparison covers.
 */
import { type Backend, registerBackend, setBackend, type Tensor, type TensorData } from '@strata/backend';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { OrtBackend } from '../ort-backend.js';
import { GRAD_RULES } from './rules.js';
import { lcg } from '../test-utils/inputs.js';
import { finiteDifferences, mismatches } from './test-utils/grad-check.js';
import { GRAD_ROWS, type GradRow, NON_DIFFERENTIABLE } from './test-utils/op-grad-rows.js';

const ATOL = 1e-5;
const RTOL = 1e-5;
const EAGER_TOL = 1e-6;
const FD_EPS = 1e-2;
const FD_ATOL = 2e-3;
const FD_RTOL = 1e-2;

let ort: OrtBackend;
let ort17: OrtBackend;

beforeAll(async () => {
  registerTfjsBackends();
  registerBackend('onnxruntime-grads', () => new OrtBackend({ name: 'onnxruntime-grads', intraOpNumThreads: 1 }));
  registerBackend('onnxruntime-grads-opset17', () => new OrtBackend({ name: 'onnxruntime-grads-opset17', opset: 17, intraOpNumThreads: 1 }));
  ort = (await setBackend('onnxruntime-grads')) as OrtBackend;
  ort17 = (await setBackend('onnxruntime-grads-opset17')) as OrtBackend;
  await setBackend('tfjs-cpu');
});

const floatIdx = (row: GradRow): number[] => row.inputs.flatMap((x, i) => (x.dtype === 'float32' ? [i] : []));
const read = (b: Backend, t: Tensor): Float32Array => Float32Array.from(b.readSync(t) as TensorData);

/** The fixed weights R of a row: uniform in [-1, 1), seeded by the row name. */
function weights(row: GradRow, n: number): Float32Array {
  let h = 7;
  for (const c of row.name) h = Math.imul(h, 31) + c.charCodeAt(0);
  const rand = lcg(h);
  return Float32Array.from({ length: n }, () => rand() * 2 - 1);
}

/** Output shape and `dL/dx` per float input on backend `b` (compiled when `compiled`). */
function gradsOn(b: Backend, row: GradRow, r: Float32Array, rShape: number[], mode: 'plain' | 'compiled', op = row.op): Float32Array[] {
  return b.tidy(() => {
    const xs = row.inputs.map((x) => b.tensor(x.values, x.shape, x.dtype));
    const idx = floatIdx(row);
    const vars = idx.map((i) => b.variable(xs[i]!, true));
    const args = xs.map((x, i) => (idx.includes(i) ? vars[idx.indexOf(i)]! : x));
    const rt = b.tensor(r, rShape, 'float32');
    const step = () => {
      const res = b.valueAndGrads(() => ({ value: b.sum(b.mul(op(b, ...args), rt)) }), vars);
      return res.grads;
    };
    const grads = mode === 'compiled' ? b.compile(step)() : step();
    const out = grads.map((g) => read(b, g));
    b.dispose(vars);
    return out;
  });
}

it('row names are unique', () => {
  expect(new Set(GRAD_ROWS.map((r) => r.name)).size).toBe(GRAD_ROWS.length);
});

it('every contract op has a gradient row or is listed as non-differentiable, with a reason', () => {
  // The op methods of the Backend interface, read from its source, so that a new op cannot slip through.
  const src = readFileSync(new URL('../../../backend/src/backend.ts', import.meta.url), 'utf8');
  const body = src.slice(src.indexOf('export interface Backend {'));
  const methods = [...body.matchAll(/^ {2}(\w+)(?:<[^>]*>)?\(/gm)].map((m) => m[1]!);
  const plumbing = ['init', 'activate', 'tidy', 'keep', 'dispose', 'memory', 'compile', 'read', 'readSync', 'variable', 'assign', 'valueAndGrads'];
  const ops = methods.filter((m) => !plumbing.includes(m));
  expect(ops.length).toBeGreaterThan(40);
  const sources = GRAD_ROWS.map((r) => r.op.toString()).join('\n');
  const covered = (op: string) => sources.includes(`b.${op}(`);
  expect(ops.filter((op) => !covered(op) && !NON_DIFFERENTIABLE[op])).toEqual([]);
  // A listed op is not also differentiated somewhere, and every reason is given.
  expect(Object.keys(NON_DIFFERENTIABLE).filter((op) => !ops.includes(op))).toEqual([]);
  expect(Object.values(NON_DIFFERENTIABLE).every((why) => why.length > 0)).toBe(true);
  // Every differentiable op but unstack (recorded as slice + reshape) has a rule.
  const differentiable = ops.filter((op) => !NON_DIFFERENTIABLE[op] && op !== 'unstack');
  expect(differentiable.filter((op) => !GRAD_RULES[op])).toEqual([]);
});

describe('op gradients on onnxruntime: compiled and eager vs tfjs, and vs finite differences', () => {
  it.each(GRAD_ROWS.map((r) => [r.name, r] as const))('%s', async (_, row) => {
    const idx = floatIdx(row);
    expect(idx.length).toBeGreaterThan(0);
    // Output shape from the onnxruntime forward (eager), R of that shape.
    const outShape = ort.tidy(() => [...row.op(ort, ...row.inputs.map((x) => ort.tensor(x.values, x.shape, x.dtype))).shape]);
    const r = weights(row, outShape.reduce((a, d) => a * d, 1));
    const start = ort.memory().numTensors;

    const compiled = gradsOn(ort, row, r, outShape, 'compiled');
    const eager = gradsOn(ort, row, r, outShape, 'plain');
    const opset17 = gradsOn(ort17, row, r, outShape, 'compiled');
    expect(ort.memory().numTensors).toBe(start);
    compiled.forEach((g, k) => {
      expect(g.length, `input ${idx[k]}`).toBe(row.inputs[idx[k]!]!.values.length);
      expect(mismatches(eager[k]!, g, EAGER_TOL, EAGER_TOL), `eager vs compiled, input ${idx[k]}`).toEqual([]);
      expect(mismatches(opset17[k]!, g, EAGER_TOL, EAGER_TOL), `opset 17 vs default opset, input ${idx[k]}`).toEqual([]);
    });

    if (!row.noRef) {
      const ref = await setBackend(row.ref?.backend ?? 'tfjs-cpu');
      try {
        const want = gradsOn(ref, row, r, outShape, 'plain', row.refOp?.op);
        const { atol, rtol } = row.tol ?? { atol: ATOL, rtol: RTOL };
        compiled.forEach((g, k) => expect.soft(mismatches(g, want[k]!, atol, rtol), `vs ${ref.name}, input ${idx[k]}`).toEqual([]));
      } finally {
        await setBackend('tfjs-cpu');
      }
    }

    if (!row.noFd) {
      const forward = ort.compile((...xs: Tensor[]) => row.op(ort, ...xs));
      idx.forEach((i, k) => {
        if (row.fdSkip?.inputs.includes(i)) return;
        const fd = finiteDifferences(ort, forward, row.inputs, i, r, FD_EPS);
        expect.soft(mismatches(compiled[k]!, fd, FD_ATOL, FD_RTOL), `vs finite differences, input ${i}`).toEqual([]);
      });
    }
  });
});
