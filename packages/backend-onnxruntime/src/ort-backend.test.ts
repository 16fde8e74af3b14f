/**
 * OrtBackend as a graph backend: the compiled-function cache, result
 * structures, variables (baked in when only read, fed and written back when
 * assigned), what cannot be traced, and memory scopes.
 */
import { type Backend, BackendCapabilityError, ops, setBackend, type Tensor } from '@strata/backend';
import { beforeAll, describe, expect, it } from 'vitest';
import { OrtBackend } from './ort-backend.js';
import { OrtTensor } from './ort-tensor.js';
import { registerOnnxruntimeBackends } from './register.js';

let b: Backend;
const values = (t: Tensor) => Array.from(b.readSync(t));
const f32 = (v: number[], shape: number[]) => b.tensor(v, shape, 'float32');

beforeAll(async () => {
  b = new OrtBackend({ intraOpNumThreads: 1 });
  await b.init();
});

describe('through the registry and ops', () => {
  it('eager ops and a compiled function on the active backend', async () => {
    registerOnnxruntimeBackends({ intraOpNumThreads: 1 });
    const active = await setBackend('onnxruntime');
    expect(active.name).toBe('onnxruntime');
    expect(active.kind).toBe('graph');
    const a = ops.tensor([1, 2, 3, 4, 5, 6], [2, 3]);
    const w = active.variable(ops.tensor([1, 0, 0, 1, 1, 1], [3, 2]), true);
    expect(Array.from(ops.readSync(ops.relu(ops.sub(ops.matMul(a, w), 4))))).toEqual([0, 1, 6, 7]);
    const f = active.compile((x: Tensor) => ({ y: ops.softmax(ops.matMul(x, w)), s: ops.sum(x) }));
    const r = f(a);
    expect(ops.item(r.s)).toBe(21);
    const y = ops.readSync(r.y);
    // rows of x·w are [4, 5] and [10, 11]: softmax of a difference of 1
    const p = 1 / (1 + Math.E);
    [p, 1 - p, p, 1 - p].forEach((v, i) => expect(y[i]).toBeCloseTo(v, 6));
    expect(await ops.read(r.s)).toEqual(Float32Array.of(21));
  });
});

describe('compiled-function cache', () => {
  it('traces once per input signature', () => {
    let traces = 0;
    const f = b.compile((x: Tensor) => {
      traces++;
      return b.mul(x, b.scalar(2));
    });
    expect(values(f(f32([1, 2, 3], [3])))).toEqual([2, 4, 6]);
    expect(values(f(f32([4, 5, 6], [3])))).toEqual([8, 10, 12]);
    expect(traces).toBe(1);
    expect(values(f(f32([1, 2, 3, 4], [2, 2])))).toEqual([2, 4, 6, 8]);
    expect(traces).toBe(2);
    expect(values(f(f32([7, 8, 9], [3])))).toEqual([14, 16, 18]);
    expect(traces).toBe(2);
    // a different dtype is a different signature
    const g = b.compile((x: Tensor) => {
      traces++;
      return b.add(x, x);
    });
    expect(values(g(b.tensor([1, 2], [2], 'int32')))).toEqual([2, 4]);
    expect(values(g(f32([1, 2], [2])))).toEqual([2, 4]);
    expect(traces).toBe(4);
  });

  it('keeps at most compiledCacheSize signatures, disposing the least recently used', async () => {
    const small = new OrtBackend({ intraOpNumThreads: 1, compiledCacheSize: 2 });
    await small.init();
    let traces = 0;
    const f = small.compile((x: Tensor) => {
      traces++;
      return small.add(x, x);
    });
    const t = (n: number) => small.tensor(Array.from({ length: n }, (_, i) => i), [n], 'float32');
    f(t(1));
    f(t(2));
    f(t(1)); // 1 is now the most recently used
    expect(traces).toBe(2);
    f(t(3)); // evicts 2
    expect(traces).toBe(3);
    f(t(1));
    expect(traces).toBe(3);
    expect(Array.from(small.readSync(f(t(2))))).toEqual([0, 2]); // traced again
    expect(traces).toBe(4);
  });

  it('each compile() has its own cache', () => {
    let traces = 0;
    const fn = (x: Tensor) => {
      traces++;
      return b.neg(x);
    };
    const f1 = b.compile(fn);
    const f2 = b.compile(fn);
    f1(f32([1], [1]));
    f2(f32([1], [1]));
    f1(f32([1], [1]));
    expect(traces).toBe(2);
  });

  it('a compiled function called inside another trace is inlined', () => {
    let innerTraces = 0;
    const inner = b.compile((x: Tensor) => {
      innerTraces++;
      return b.add(x, b.scalar(1));
    });
    const outer = b.compile((x: Tensor) => b.mul(inner(x), b.scalar(10)));
    expect(values(outer(f32([1, 2], [2])))).toEqual([20, 30]);
    expect(values(outer(f32([3, 4], [2])))).toEqual([40, 50]);
    expect(innerTraces).toBe(1);
    expect(values(inner(f32([1, 2], [2])))).toEqual([2, 3]);
    expect(innerTraces).toBe(2);
  });

  it('rejects arguments and captured tensors that are not onnxruntime tensors', () => {
    const f = b.compile((x: Tensor) => b.neg(x));
    const foreign = { shape: [1], dtype: 'float32' } as Tensor;
    expect(() => f(foreign)).toThrow(BackendCapabilityError);
    const g = b.compile((x: Tensor) => b.add(x, foreign));
    expect(() => g(f32([1], [1]))).toThrow(BackendCapabilityError);
    expect(() => b.add(f32([1], [1]), foreign)).toThrow(BackendCapabilityError);
  });
});

describe('compiled results', () => {
  it('keeps nested objects and arrays, with plain values as they were traced', () => {
    const f = b.compile((x: Tensor, y: Tensor) => ({
      sum: b.add(x, y),
      parts: [b.sub(x, y), 3, 'label', { prod: b.mul(x, y), n: null }],
      count: 2,
    }));
    const r = f(f32([5, 7], [2]), f32([1, 2], [2]));
    expect(Object.keys(r)).toEqual(['sum', 'parts', 'count']);
    expect(r.sum).toBeInstanceOf(OrtTensor);
    expect(values(r.sum)).toEqual([6, 9]);
    expect(values(r.parts[0] as Tensor)).toEqual([4, 5]);
    expect(r.parts[1]).toBe(3);
    expect(r.parts[2]).toBe('label');
    const inner = r.parts[3] as { prod: Tensor; n: null };
    expect(values(inner.prod)).toEqual([5, 14]);
    expect(inner.n).toBeNull();
    expect(r.count).toBe(2);
  });

  it('returns a bare array, an argument itself, and the same tensor twice', () => {
    const f = b.compile((x: Tensor) => {
      const y = b.exp(b.scalar(0));
      return [x, y, y];
    });
    const [x, y1, y2] = f(f32([1, 2], [2]));
    expect(values(x!)).toEqual([1, 2]);
    expect(values(y1!)).toEqual([1]);
    expect(values(y2!)).toEqual([1]);
    expect(y1!.shape).toEqual([]);
  });
});

describe('variables in compiled functions', () => {
  it('bakes in a variable that is only read, and re-traces with the new value after an assign outside', () => {
    const init = Array.from({ length: 80 }, (_, i) => i);
    const w = b.variable(f32(init, [80]), true);
    let traces = 0;
    const f = b.compile((x: Tensor) => {
      traces++;
      return b.mul(x, w);
    });
    const x = f32(new Array(80).fill(1), [80]);
    expect(values(f(x))).toEqual(init);
    expect(values(f(x))).toEqual(init);
    expect(traces).toBe(1);
    b.assign(w, f32(init.map((v) => 10 * v), [80]));
    expect(values(f(x))).toEqual(init.map((v) => 10 * v));
    expect(traces).toBe(2);
    expect(values(f(x))).toEqual(init.map((v) => 10 * v));
    expect(traces).toBe(2);
  });

  it('feeds a small variable it only reads (a learning rate): changing it does not re-trace', () => {
    const lr = b.variable(b.scalar(0.5), false);
    let traces = 0;
    const f = b.compile((x: Tensor) => {
      traces++;
      return b.mul(x, lr);
    });
    const x = f32([2, 4], [2]);
    expect(values(f(x))).toEqual([1, 2]);
    b.assign(lr, b.scalar(0.25));
    expect(values(f(x))).toEqual([0.5, 1]);
    expect(traces).toBe(1);
  });

  it('writes back a variable assigned inside, and feeds it (no re-trace when it changes)', () => {
    const counter = b.variable(b.scalar(0), false);
    const total = b.variable(f32([0, 0], [2]), false);
    let traces = 0;
    const step = b.compile((x: Tensor) => {
      traces++;
      b.assign(counter, b.add(counter, b.scalar(1)));
      b.assign(total, b.add(total, x));
      return b.sum(x);
    });
    expect(values(step(f32([1, 2], [2])))).toEqual([3]);
    expect(values(step(f32([3, 4], [2])))).toEqual([7]);
    expect(values(step(f32([5, 6], [2])))).toEqual([11]);
    expect(values(counter)).toEqual([3]);
    expect(values(total)).toEqual([9, 12]);
    expect(traces).toBe(1);
    // an assign from outside is seen by the next run without a new trace
    b.assign(counter, b.scalar(100));
    step(f32([0, 0], [2]));
    expect(values(counter)).toEqual([101]);
    expect(traces).toBe(1);
  });

  it('reads after an assign in the same trace see the assigned value, as in eager mode', () => {
    const v = b.variable(f32([1, 2], [2]), false);
    const f = b.compile(() => {
      b.assign(v, b.add(v, b.scalar(1)));
      return b.mul(v, b.scalar(10));
    });
    expect(values(f())).toEqual([20, 30]);
    expect(values(v)).toEqual([2, 3]);
    expect(values(f())).toEqual([30, 40]);
    expect(values(v)).toEqual([3, 4]);
  });

  it('a variable written back by one function is re-read (re-traced) by another that bakes it', () => {
    const v = b.variable(b.scalar(1), false);
    const inc = b.compile(() => b.assign(v, b.add(v, b.scalar(1))));
    const read = b.compile(() => b.mul(v, b.scalar(2)));
    expect(values(read())).toEqual([2]);
    inc();
    expect(values(read())).toEqual([4]);
  });

  it('creating a variable inside compile throws BackendCapabilityError', () => {
    const f = b.compile((x: Tensor) => b.variable(x, true));
    expect(() => f(f32([1], [1]))).toThrow(BackendCapabilityError);
    expect(() => f(f32([1], [1]))).toThrow(/compiled function/);
  });
});

describe('what a trace cannot do', () => {
  it('readSync of a symbolic value inside compile throws BackendCapabilityError', () => {
    const f = b.compile((x: Tensor) => {
      b.readSync(x);
      return x;
    });
    expect(() => f(f32([1], [1]))).toThrow(BackendCapabilityError);
    expect(() => f(f32([1], [1]))).toThrow(/symbolic/);
  });

  it('read of a symbolic value inside compile rejects with BackendCapabilityError', async () => {
    let pending: Promise<unknown> | undefined;
    const f = b.compile((x: Tensor) => {
      pending = b.read(x);
      return x;
    });
    f(f32([1], [1]));
    await expect(pending).rejects.toBeInstanceOf(BackendCapabilityError);
  });

  it('valueAndGrads works eagerly (a one-off graph) and leaves no session or tensor behind', () => {
    const w = b.variable(f32([1.5, -2, 0.5], [3]), true);
    const before = b.memory().numTensors;
    const r = b.valueAndGrads(() => ({ value: b.sum(b.mul(w, w)), aux: [b.mul(w, b.scalar(3))] }), [w]);
    expect(Array.from(b.readSync(r.value))).toEqual([1.5 ** 2 + 4 + 0.25]);
    expect(Array.from(b.readSync(r.grads[0]!))).toEqual([3, -4, 1]);
    expect(Array.from(b.readSync(r.aux[0]!))).toEqual([4.5, -6, 1.5]);
    b.dispose([r.value, ...r.grads, ...r.aux]);
    expect(b.memory().numTensors).toBe(before);
  });

  it('valueAndGrads of an op without a gradient rule on the path throws BackendCapabilityError naming it', () => {
    const w = b.variable(f32([1, 2], [2]), true);
    const ob = b as OrtBackend;
    const step = b.compile(() => b.valueAndGrads(() => ({ value: b.sum(ob.expand(w, [2, 2])) }), [w]).grads[0]!);
    expect(() => step()).toThrow(BackendCapabilityError);
    expect(() => step()).toThrow(/expand/);
  });

  it('a symbolic value escaping a trace throws BackendCapabilityError when used later', () => {
    let leaked: Tensor | undefined;
    const f = b.compile((x: Tensor) => {
      leaked = b.mul(x, b.scalar(2));
      return x;
    });
    const x = f32([1, 2], [2]);
    f(x);
    expect(leaked).toBeDefined();
    expect(leaked).not.toBeInstanceOf(OrtTensor);
    // in an eager op
    expect(() => b.add(leaked!, x)).toThrow(BackendCapabilityError);
    expect(() => b.add(leaked!, x)).toThrow(/escaped/);
    // in another trace
    const g = b.compile((y: Tensor) => b.add(y, leaked!));
    expect(() => g(x)).toThrow(BackendCapabilityError);
    // read, and assign to a variable
    expect(() => b.readSync(leaked!)).toThrow(BackendCapabilityError);
    const v = b.variable(f32([0, 0], [2]), false);
    expect(() => b.assign(v, leaked!)).toThrow(BackendCapabilityError);
  });
});

describe('memory', () => {
  it('tidy releases intermediates and keeps returned and kept tensors', () => {
    const start = b.memory().numTensors;
    let inner: Tensor | undefined;
    let kept: Tensor | undefined;
    const out = b.tidy(() => {
      const x = f32([1, 2, 3], [3]);
      inner = b.exp(x);
      kept = b.keep(b.neg(x));
      return b.add(inner, x);
    });
    expect(b.memory().numTensors).toBe(start + 2);
    expect(values(out)).toEqual([1 + Math.E, 2 + Math.E ** 2, 3 + Math.E ** 3].map(Math.fround));
    expect(values(kept!)).toEqual([-1, -2, -3]);
    expect(() => b.readSync(inner!)).toThrow(/disposed/);
    b.dispose([out, kept!]);
    expect(b.memory().numTensors).toBe(start);
  });

  it('tidy keeps tensors in a returned object, hands them to the enclosing scope, and releases compiled outputs', () => {
    const start = b.memory().numTensors;
    const f = b.compile((x: Tensor) => ({ a: b.neg(x), s: b.sum(x) }));
    let fromInner: { a: Tensor; s: Tensor } | undefined;
    b.tidy(() => {
      const x = f32([1, 2], [2]);
      fromInner = b.tidy(() => f(x));
      expect(b.memory().numTensors).toBe(start + 3);
      expect(values(fromInner.s)).toEqual([3]);
      return undefined;
    });
    expect(b.memory().numTensors).toBe(start);
    expect(() => b.readSync(fromInner!.a)).toThrow(/disposed/);
  });

  it('counts bytes and variables; dispose twice is a no-op', () => {
    const start = b.memory();
    const t = f32([1, 2, 3, 4], [4]);
    const v = b.variable(t, true);
    expect(b.memory().numTensors).toBe(start.numTensors + 2);
    expect(b.memory().numBytes).toBe(start.numBytes + 32);
    b.dispose(t);
    b.dispose(t);
    expect(b.memory().numTensors).toBe(start.numTensors + 1);
    expect(values(v)).toEqual([1, 2, 3, 4]);
    b.dispose([v, v]);
    expect(b.memory()).toEqual(start);
  });

  it('a disposed variable baked into a compiled function makes it re-trace, then fail clearly', () => {
    const w = b.variable(f32([1, 2], [2]), true);
    const f = b.compile((x: Tensor) => b.mul(x, w));
    const x = f32([1, 1], [2]);
    expect(values(f(x))).toEqual([1, 2]);
    b.dispose(w);
    expect(() => f(x)).toThrow(/disposed/);
  });
});
