/**
 * Op parity: every op of the Backend contract, run on tfjs-cpu (the
 * reference), on onnxruntime eager (one-op sessions) and on onnxruntime
 * compiled (the op traced by `compile` into a graph), at the default opset
 * and at opset 17 (attribute form of ReduceMean/ReduceMax). Float results
 * agree within 1e-5 + 1e-5·|ref|; int32 and bool results exactly, with the
 * same dtype and shape.
 */
import { type Backend, registerBackend, setBackend, type Tensor, type TensorData } from '@strata/backend';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { OrtBackend } from './ort-backend.js';
import { registerOnnxruntimeBackends } from './register.js';
import { PARITY_ROWS as ROWS, type ParityRow as Row } from './test-utils/op-parity-rows.js';

// ---- running a row --------------------------------------------------------------------------------

interface Result {
  dtype: string;
  shape: number[];
  values: TensorData;
}

function runRow(b: Backend, row: Row, compiled: boolean): Result {
  return b.tidy(() => {
    const xs = row.inputs.map((i) => b.tensor(i.values, i.shape, i.dtype));
    const f = (...args: Tensor[]) => row.op(b, ...args);
    const y = compiled ? b.compile(f)(...xs) : f(...xs);
    return { dtype: y.dtype, shape: [...y.shape], values: b.readSync(y) };
  });
}

const ATOL = 1e-5;
const RTOL = 1e-5;

function expectAgree(got: Result, want: Result): void {
  expect(got.dtype).toBe(want.dtype);
  expect(got.shape).toEqual(want.shape);
  expect(got.values.length).toBe(want.values.length);
  if (want.dtype !== 'float32') {
    expect(Array.from(got.values)).toEqual(Array.from(want.values));
    return;
  }
  const bad: string[] = [];
  want.values.forEach((w, i) => {
    const g = got.values[i]!;
    const ok = Number.isNaN(w) ? Number.isNaN(g) : w === g || Math.abs(g - w) <= ATOL + RTOL * Math.abs(w);
    if (!ok) bad.push(`[${i}] got ${g}, want ${w}`);
  });
  expect(bad.slice(0, 5)).toEqual([]);
}

// ---- tests ------------------------------------------------------------------------------------------

let tfjs: Backend;
const backends: Record<string, Backend> = {};
const reference = new Map<string, Result>();

beforeAll(async () => {
  registerTfjsBackends();
  // Every row compiles a new function, i.e. one more session; without a thread pool
  // per session, hundreds of them stay cheap on a small machine.
  registerOnnxruntimeBackends({ intraOpNumThreads: 1 });
  registerBackend('onnxruntime-opset17', () => new OrtBackend({ opset: 17, name: 'onnxruntime-opset17', intraOpNumThreads: 1 }));
  tfjs = await setBackend('tfjs-cpu');
  backends.onnxruntime = await setBackend('onnxruntime');
  backends['onnxruntime-opset17'] = await setBackend('onnxruntime-opset17');
});

function ref(row: Row): Result {
  let r = reference.get(row.name);
  if (!r) reference.set(row.name, (r = runRow(tfjs, row, false)));
  return r;
}

it('row names are unique', () => {
  expect(new Set(ROWS.map((r) => r.name)).size).toBe(ROWS.length);
});

it('the table covers every op of the contract', () => {
  const ops = [
    'tensor', 'scalar', 'fill', 'add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'equal', 'greater', 'less', 'where',
    'neg', 'abs', 'exp', 'log', 'sqrt', 'square', 'relu', 'sigmoid', 'tanh', 'elu', 'softplus', 'cast', 'stopGradient',
    'sum', 'mean', 'max', 'argMax', 'softmax', 'logSoftmax', 'matMul', 'conv2d', 'maxPool2d', 'avgPool2d',
    'reshape', 'transpose', 'concat', 'slice', 'unstack', 'pad', 'gather', 'oneHot',
  ];
  const sources = ROWS.map((r) => r.op.toString()).join('\n');
  expect(ops.filter((op) => !sources.includes(`b.${op}(`))).toEqual([]);
});

describe.each(['onnxruntime', 'onnxruntime-opset17'])('%s agrees with tfjs-cpu', (name) => {
  it.each(ROWS.map((r) => [r.name, r] as const))('%s', (_, row) => {
    const b = backends[name]!;
    const want = ref(row);
    const start = b.memory().numTensors;
    expectAgree(runRow(b, row, false), want);
    expectAgree(runRow(b, row, true), want);
    expect(b.memory().numTensors).toBe(start);
  });
});

describe('randomUniform', () => {
  const moments = (v: TensorData) => {
    let m = 0;
    for (const x of v) m += x;
    m /= v.length;
    let s = 0;
    for (const x of v) s += (x - m) ** 2;
    return { mean: m, variance: s / (v.length - 1) };
  };
  // U(lo, hi): mean (lo+hi)/2, variance (hi-lo)²/12; 6-sigma bounds for n samples
  // (Var of the sample variance ≈ (μ4 - σ⁴)/n with μ4 = (hi-lo)⁴/80).
  const expectUniform = (v: TensorData, lo: number, hi: number) => {
    const n = v.length;
    for (const x of v) {
      expect(x).toBeGreaterThanOrEqual(lo);
      expect(x).toBeLessThan(hi);
    }
    const w = hi - lo;
    const { mean, variance } = moments(v);
    expect(Math.abs(mean - (lo + hi) / 2)).toBeLessThan(6 * Math.sqrt(w ** 2 / 12 / n));
    expect(Math.abs(variance - w ** 2 / 12)).toBeLessThan(6 * Math.sqrt((w ** 4 / 80 - (w ** 2 / 12) ** 2) / n));
  };

  it.each(['onnxruntime', 'onnxruntime-opset17'])('%s eager: shape, range, statistics, determined by the seed', (name) => {
    const b = backends[name]!;
    const a = b.randomUniform([100, 50], -2, 3, 7);
    expect(a.shape).toEqual([100, 50]);
    expect(a.dtype).toBe('float32');
    const va = b.readSync(a);
    expectUniform(va, -2, 3);
    expect(Array.from(b.readSync(b.randomUniform([100, 50], -2, 3, 7)))).toEqual(Array.from(va));
    const other = b.readSync(b.randomUniform([100, 50], -2, 3, 8));
    expect(other.filter((x, i) => x === va[i]).length).toBeLessThan(50);
    // A prefix of a larger draw: each element is a function of (seed, index).
    expect(Array.from(b.readSync(b.randomUniform([7], -2, 3, 7)))).toEqual(Array.from(va.slice(0, 7)));
  });

  it.each(['onnxruntime', 'onnxruntime-opset17'])('%s compiled: shape, range, statistics; first run = eager, later runs new', (name) => {
    const b = backends[name]!;
    const f = b.compile(() => b.randomUniform([80, 60], 0.5, 1.5, 3));
    const r = f();
    expect(r.shape).toEqual([80, 60]);
    expect(r.dtype).toBe('float32');
    const first = b.readSync(r);
    expectUniform(first, 0.5, 1.5);
    expect(Array.from(first)).toEqual(Array.from(b.readSync(b.randomUniform([80, 60], 0.5, 1.5, 3))));
    const second = b.readSync(f());
    expectUniform(second, 0.5, 1.5);
    expect(second.filter((x, i) => x === first[i]).length).toBeLessThan(50);
    // Random samples combine with other ops in one graph (dropout-style mask).
    const x = b.tensor(Float32Array.from({ length: 1000 }, (_, i) => i), [1000], 'float32');
    const drop = b.compile((t: Tensor) => b.mul(t, b.cast(b.greater(b.randomUniform([1000], 0, 1, 9), b.scalar(0.25)), 'float32')));
    const kept = b.readSync(drop(x)).filter((v, i) => v === i && i > 0).length;
    expect(kept).toBeGreaterThan(650);
    expect(kept).toBeLessThan(850);
  });

  it('tfjs-cpu reference has the same statistics', () => {
    expectUniform(tfjs.readSync(tfjs.randomUniform([100, 50], -2, 3, 7)), -2, 3);
  });
});
