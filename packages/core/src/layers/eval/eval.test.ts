import { ops, type Tensor } from '@strata/backend';
import { beforeAll, describe, expect, it } from 'vitest';
import { INFERENCE } from '../../layer.js';
import { expectClose, useBackend } from '../../test-utils/setup.js';
import { Combine } from '../combine.js';
import { EvalLayer } from '../eval-layer.js';
import { EvalExpressionError } from './eval-error.js';
import { EVAL_FUNCTIONS } from './functions.js';
import { EvalProgram } from './program.js';

const x = [-2.5, -1, -0.3, 0, 0.4, 1, 1.7, 3];
const y = [0.5, 2, -0.75, 1.5, -3, 0.25, 1, -1];
const t = (v: number[], dtype: 'float32' | 'int32' = 'float32'): Tensor => ops.tensor(dtype === 'int32' ? Int32Array.from(v) : Float32Array.from(v), [v.length], dtype);
const run = (expression: string, sources: Tensor[], more: Partial<ConstructorParameters<typeof EvalProgram>[0]> = {}) =>
  new EvalProgram({ expression, entry: 'network.out.eval', ...more }).run(sources);
const values = (r: Tensor): number[] => Array.from(ops.readSync(r), Number);
const map2 = (f: (a: number, b: number) => number): number[] => x.map((a, i) => f(a, y[i]!));

beforeAll(() => useBackend('tfjs-cpu'));

describe('eval strings: values against the closed form', () => {
  it("Python's operator precedence and TF's operators", () => {
    expectClose(values(run('source(0) * 2 + source(1) ** 2 / 4 - -source(0)', [t(x), t(y)])), map2((a, b) => a * 2 + b ** 2 / 4 + a));
    expectClose(values(run('-source(0) ** 2', [t(x)])), x.map((a) => -(a ** 2)));
    // Python's floor division and modulo take the sign of the divisor (TF's floordiv/floormod).
    expectClose(values(run('source(0) % 0.75 + source(0) // 0.5 * 10', [t(x)])), x.map((a) => a - Math.floor(a / 0.75) * 0.75 + Math.floor(a / 0.5) * 10));
    expect(values(run('source(0) % 3 - source(0) // 2', [t([-7, -1, 0, 5, 8], 'int32')]))).toEqual([-7, -1, 0, 5, 8].map((a) => (((a % 3) + 3) % 3) - Math.floor(a / 2)));
  });

  it('float literals with a trailing dot, numbers folded in Python, tuples indexed', () => {
    expectClose(values(run('tf.where(tf.greater(source(0), 0.), source(0), 0.) * (1./2 + 3 // 2)', [t(x)])), x.map((a) => Math.max(a, 0) * 1.5));
    expectClose(values(run('(tf.tanh(source(0)), source(1))[-1]', [t(x), t(y)])), y);
  });

  it('tf, tf.math and tf.nn functions, keyword arguments, dtypes', () => {
    const erf = (v: number) => {
      // Abramowitz & Stegun 7.1.26 is not precise enough here: integrate exp(-s^2) (Simpson, 2000 steps).
      const n = 2000;
      let s = 0;
      for (let i = 0; i <= n; i++) s += (i === 0 || i === n ? 1 : i % 2 ? 4 : 2) * Math.exp(-(((v * i) / n) ** 2));
      return ((2 / Math.sqrt(Math.PI)) * s * v) / n / 3;
    };
    expectClose(values(run('tf.nn.gelu(source(0))', [t(x)])), x.map((a) => 0.5 * a * (1 + erf(a / Math.SQRT2))), 2e-6);
    expectClose(values(run('tf.math.erf(source(0))', [t(x)])), x.map(erf), 2e-7, 0);
    expectClose(values(run('tf.nn.leaky_relu(source(0), alpha=0.1) + tf.clip_by_value(source(1), clip_value_min=-1, clip_value_max=1)', [t(x), t(y)])), map2((a, b) => (a > 0 ? a : 0.1 * a) + Math.min(Math.max(b, -1), 1)));
    expectClose(values(run('tf.cast(tf.less_equal(source(0), source(1)), tf.float32) + tf.cast(source(0) != 0, "float32") * 2', [t(x), t(y)])), map2((a, b) => (a <= b ? 1 : 0) + (a !== 0 ? 2 : 0)));
    expectClose(values(run('tf.math.log_sigmoid(source(0)) + safe_log(tf.nn.relu(source(1)))', [t(x), t(y)])), map2((a, b) => -Math.log1p(Math.exp(-a)) + Math.log(Math.max(b, 1e-20))), 1e-5);
    const r = run('tf.logical_or(source(0) > 1, ~(source(1) < 0))', [t(x), t(y)]);
    expect(r.dtype).toBe('bool');
    expect(values(r)).toEqual(map2((a, b) => (a > 1 || !(b < 0) ? 1 : 0)));
  });

  it('eval_locals and the run config (self.network.get_config().typed_value)', () => {
    const got = run("source(0) * scale + self.network.get_config().typed_value('shift', 7) + self.network.get_config().float('missing', 0.5)", [t(x)], {
      locals: { scale: 3 },
      config: { shift: 2 },
    });
    expectClose(values(got), x.map((a) => a * 3 + 2 + 0.5));
    expect(EvalProgram.configKeys("self.network.get_config().typed_value('shift') + source(0)")).toEqual(['shift']);
  });
});

describe('eval strings: TF reductions against the closed form', () => {
  const m = (v: number[], rows: number, cols: number, dtype: 'float32' | 'int32' = 'float32'): Tensor => ops.reshape(t(v, dtype), [rows, cols]);
  const a = [1.5, -2, 0.5, 3, -1, 4];

  it('axis None, an int, negative, a tuple; keepdims; tf and tf.math', () => {
    expectClose(values(run('tf.reduce_mean(source(0))', [m(a, 2, 3)])), [a.reduce((p, q) => p + q) / 6]);
    expect(run('tf.reduce_sum(source(0), axis=-1, keepdims=True)', [m(a, 2, 3)]).shape).toEqual([2, 1]);
    expectClose(values(run('tf.math.reduce_sum(source(0), 1)', [m(a, 2, 3)])), [0, 6]);
    expectClose(values(run('tf.reduce_max(source(0), axis=0)', [m(a, 2, 3)])), [3, -1, 4]);
    expectClose(values(run('tf.reduce_min(source(0), (0, 1))', [m(a, 2, 3)])), [-2]);
    expectClose(values(run('tf.reduce_prod(source(0), axis=[-1])', [m(a, 2, 3)])), [1.5 * -2 * 0.5, 3 * -1 * 4]);
  });

  it("int32: TF's integer mean truncates toward zero", () => {
    const r = run('tf.reduce_mean(source(0), axis=1)', [m([1, 0, -3, -1, -1, -3], 2, 3, 'int32')]);
    expect(r.dtype).toBe('int32');
    expect(values(r)).toEqual([0, -1]); // -2/3 and -5/3 (floor would give -1 and -2)
  });

  it("tf.shape gives int32 sizes; RETURNN's py_print passes its value through (printing the args)", () => {
    expect(values(run('tf.shape(source(0))', [m(a, 2, 3)]))).toEqual([2, 3]);
    expect(run('tf.shape(source(0))', [m(a, 2, 3)]).dtype).toBe('int32');
    expectClose(values(run('py_print(source(0), ["s", tf.shape(source(0))], message="m: ") * 2', [t(x)])), x.map((v) => v * 2));
    expect(() => run('py_print(source(0), [source(0)], first_n=2)', [t(x)])).toThrow(/first_n must be None or negative/);
  });

  it('an axis out of range or given twice is an error, as in TF', () => {
    expect(() => run('tf.reduce_sum(source(0), axis=2)', [m(a, 2, 3)])).toThrow(/axis 2 is out of range for a tensor of rank 2/);
    expect(() => run('tf.reduce_sum(source(0), axis=(1, -1))', [m(a, 2, 3)])).toThrow(/axis -1 is given twice/);
  });
});

describe('eval strings Strata refuses, each a typed error naming the entry and the construct', () => {
  const refused: [string, string, RegExp][] = [
    ['a function outside the allowlist', 'tf.nn.dropout(source(0), 0.5)', /network\.out\.eval: function `tf\.nn\.dropout` .*allowlist/],
    ['a builtin', '__import__("os").system("x")', /function `__import__/],
    ['a method call on a source', 'source(0).numpy()', /function `source\(0\)\.numpy`/],
    ['a lambda', '(lambda v: v)(source(0))', /a lambda needs Python/],
    ['an unknown name', 'source(0) * scale', /name `scale`.*eval_locals/],
    ['an attribute', 'source(0) * self.network.some_attribute', /Strata reads no attribute `self\.network\.some_attribute`/],
    ["RETURNN's train step", 'tf.equal(self.network.global_train_step % 2, 0)', /`self\.network\.global_train_step`.*RETURNN's train step counter.*do not read the train step/],
    ['a slice', 'source(0)[:, 1]', /slices/],
    ['two statements', 'source(0); source(0)', /exactly one expression|not a valid Python expression/],
    ['a syntax error', 'source(0) +', /not a valid Python expression/],
  ];
  for (const [what, expression, message] of refused) {
    it(what, () => {
      const make = () => new EvalProgram({ expression, entry: 'network.out.eval' });
      expect(make).toThrow(EvalExpressionError);
      expect(make).toThrow(message);
    });
  }

  it('unused sources, results that are not tensors, mixed dtypes and truth of tensors (when run)', () => {
    expect(() => run('source(0) * 2', [t(x), t(y)])).toThrow(/does not use source\(1\)/);
    expect(() => run('1 + 2', [])).toThrow(/gives the number 3, not a tensor/);
    expect(() => run('source(0) + source(1)', [t(x), t([1, 2, 3, 4, 5, 6, 7, 8], 'int32')])).toThrow(/of int32 and float32 tensors .*tf\.cast/);
    expect(() => run('source(0) if source(0) else source(0)', [t(x)])).toThrow(/tf\.where/);
    expect(() => run('source(0) and source(0)', [t(x)])).toThrow(/tf\.logical_and/);
    expect(() => run('source(2)', [t(x)])).toThrow(/source index 2 is not one of the 1 sources/);
    expect(() => run('source(0, as_data=True)', [t(x)])).toThrow(/as_data/);
    expect(() => run('tf.nn.softmax(source(0), dim=0)', [t(x)])).toThrow(/takes logits, axis, not dim/);
  });
});

describe('the allowlist', () => {
  it('has each name only in the namespaces TensorFlow 2 has it in', () => {
    expect(EVAL_FUNCTIONS.has('tf.nn.relu')).toBe(true);
    expect(EVAL_FUNCTIONS.has('tf.relu')).toBe(false);
    expect(EVAL_FUNCTIONS.has('tf.math.log')).toBe(true);
    expect(EVAL_FUNCTIONS.has('tf.log')).toBe(false);
    expect([...EVAL_FUNCTIONS.keys()].every((k) => /^(tf(\.math|\.nn)?\.[a-z_0-9]+|safe_log|safe_exp|where_bc|py_print)$/.test(k))).toBe(true);
    expect(EVAL_FUNCTIONS.has('tf.nn.reduce_mean')).toBe(false);
  });
});

describe('EvalLayer and Combine kind eval', () => {
  it('checks the source count at build, out_type changes the dtype and the feature size', () => {
    const layer = new EvalLayer({ name: 'c', eval: 'source(0) + source(3)' });
    expect(() => layer.build([[2, 3], [2, 3]])).toThrow(/network\.c\.eval: source\(3\).*only 2 sources/);
    const cmp = new EvalLayer({ name: 'm', eval: 'tf.greater(source(0), 0.)', outType: { dtype: 'bool' } });
    expect(cmp.apply(t(x), INFERENCE).dtype).toBe('bool');
    const noOutType = new EvalLayer({ name: 'n', eval: 'tf.greater(source(0), 0.)' });
    expect(() => noOutType.apply(t(x), INFERENCE)).toThrow(/it is bool, but the output template .* is float32.*out_type/);
    expect(new EvalLayer({ eval: 'source(0)', outType: { dim: 7 } }).computeOutputShape([2, 3])).toEqual([2, 7]);
  });

  it('combine needs eval exactly with kind eval, as RETURNN asserts', () => {
    expect(() => new Combine({ kind: 'add', eval: 'source(0)' })).toThrow(/kind='eval' and eval go together/);
    expect(() => new Combine({ kind: 'eval' })).toThrow(/kind='eval' and eval go together/);
  });
});
