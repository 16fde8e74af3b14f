import { getBackend, ops, setBackend, type Tensor } from '@strata/backend';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { type Constraint, Variable, type VariableOwner } from '@strata/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { Adam } from './adam.js';
import { OptimizerArgumentError, OptimizerStateError, UnknownOptimizerError } from './errors.js';
import type { Optimizer } from './optimizer.js';
import { getOptimizer, OPTIMIZER_NAMES } from './registry.js';
import { SGD } from './sgd.js';

registerTfjsBackends();
beforeAll(() => setBackend('tfjs-cpu'));

const OWNER: VariableOwner = { scopeName: 'net/dense', effectiveTrainable: true };
// The quadratic f(w) = sum(a · (w - c)^2), gradient 2a(w - c); one kernel [2, 3] and one bias [3].
const SHAPES = [[2, 3], [3]] as const;
const W0 = [
  [0.5, -1.2, 2.0, 0.3, -0.7, 1.5],
  [1.0, -2.0, 0.8],
];
const A = [
  [1.0, 0.5, 2.0, 1.5, 0.8, 0.3],
  [0.7, 1.2, 0.4],
];
const C = [
  [1.5, 0.5, -1.0, 2.0, 1.0, -0.5],
  [-1.0, 0.5, 2.0],
];

function quad(w: Tensor, i: number): Tensor {
  return ops.sum(ops.mul(ops.tensor(A[i]!, [...SHAPES[i]!]), ops.square(ops.sub(w, ops.tensor(C[i]!, [...SHAPES[i]!])))));
}

function makeVariables(values = W0, constraint?: Constraint): Variable[] {
  const b = getBackend();
  return ['kernel', 'bias'].map(
    (name, i) => new Variable({ owner: OWNER, name, value: b.variable(ops.tensor(values[i]!, [...SHAPES[i]!]), true), constraint }),
  );
}

/** Runs `steps` updates of `opt` on the quadratic; returns the values after each step. */
function runOurs(opt: Optimizer, steps: number, vars = makeVariables()): number[][][] {
  const b = getBackend();
  const history: number[][][] = [];
  for (let s = 0; s < steps; s++) {
    const { value, grads } = b.valueAndGrads(
      () => ({ value: ops.add(quad(vars[0]!.value, 0), quad(vars[1]!.value, 1)) }),
      vars.map((v) => v.value),
    );
    opt.apply(vars, grads);
    b.dispose([value, ...grads]);
    history.push(vars.map((v) => Array.from(v.readSync())));
  }
  return history;
}

/** The same with a tfjs optimizer on tf.Variables. */
function runTfjs(opt: tf.Optimizer, steps: number): number[][][] {
  const tvars = W0.map((w, i) => tf.variable(tf.tensor(w, [...SHAPES[i]!])));
  const history: number[][][] = [];
  for (let s = 0; s < steps; s++) {
    const { value, grads } = tf.variableGrads(
      () => tf.add(quad(tvars[0]! as unknown as Tensor, 0) as tf.Scalar, quad(tvars[1]! as unknown as Tensor, 1) as tf.Scalar),
      tvars,
    );
    opt.applyGradients(grads);
    tf.dispose([value, ...Object.values(grads)]);
    history.push(tvars.map((v) => Array.from(v.dataSync())));
  }
  tf.dispose(tvars);
  opt.dispose();
  return history;
}

function expectHistoryClose(got: number[][][], want: number[][][], rtol = 1e-6, atol = 1e-7): void {
  expect(got.length).toBe(want.length);
  got.forEach((step, s) =>
    step.forEach((vals, v) =>
      vals.forEach((x, k) => {
        const w = want[s]![v]![k]!;
        if (!(Math.abs(x - w) <= atol + rtol * Math.abs(w))) {
          throw new Error(`step ${s + 1}, variable ${v}, element ${k}: ${x} vs ${w}`);
        }
      }),
    ),
  );
}

describe('SGD', () => {
  it('plain SGD follows the closed form w_t = c + (w0 - c)(1 - 2a·lr)^t', () => {
    const lr = 0.05;
    const got = runOurs(new SGD({ learningRate: lr }), 6);
    const want = got.map((_, s) => W0.map((w, v) => w.map((w0, k) => C[v]![k]! + (w0 - C[v]![k]!) * (1 - 2 * A[v]![k]! * lr) ** (s + 1))));
    expectHistoryClose(got, want, 1e-6, 1e-6);
  });

  it('matches tf.train.sgd', () => {
    expectHistoryClose(runOurs(new SGD({ learningRate: 0.1 }), 8), runTfjs(tf.train.sgd(0.1), 8));
  });

  for (const nesterov of [false, true]) {
    it(`matches tf.train.momentum, nesterov=${nesterov}`, () => {
      const ours = runOurs(new SGD({ learningRate: 0.05, momentum: 0.9, nesterov }), 10);
      expectHistoryClose(ours, runTfjs(tf.train.momentum(0.05, 0.9, nesterov), 10));
    });
  }

  it('uses a changed learning rate from the next step on', () => {
    const opt = new SGD({ learningRate: 0.1 });
    const vars = makeVariables();
    runOurs(opt, 1, vars);
    opt.learningRate = 0.02;
    const [after] = runOurs(opt, 1, vars);
    const want = W0.map((w, v) =>
      w.map((w0, k) => C[v]![k]! + (w0 - C[v]![k]!) * (1 - 2 * A[v]![k]! * 0.1) * (1 - 2 * A[v]![k]! * 0.02)),
    );
    expectHistoryClose([after!], [want], 1e-6, 1e-6);
    expect(opt.iterations).toBe(2);
  });
});

describe('Adam', () => {
  it('matches tf.train.adam (Keras defaults)', () => {
    const ours = runOurs(new Adam({ learningRate: 0.01 }), 12);
    expectHistoryClose(ours, runTfjs(tf.train.adam(0.01, 0.9, 0.999, 1e-7), 12));
  });

  it('matches tf.train.adam with other betas', () => {
    const ours = runOurs(new Adam({ learningRate: 0.02, beta1: 0.8, beta2: 0.99 }), 8);
    expectHistoryClose(ours, runTfjs(tf.train.adam(0.02, 0.8, 0.99, 1e-7), 8));
  });

  it('AdamW: the first step is w0(1 - lr·wd) - lr·sqrt(1-β2)·g / (sqrt(1-β2)|g| + ε)', () => {
    const lr = 0.01;
    const wd = 0.1;
    const eps = 1e-7;
    const [first] = runOurs(getOptimizer({ class: 'adamw', learningRate: lr, weightDecay: wd }), 1);
    const want = W0.map((w, v) =>
      w.map((w0, k) => {
        const g = 2 * A[v]![k]! * (w0 - C[v]![k]!);
        const s = Math.sqrt(1 - 0.999);
        return w0 * (1 - lr * wd) - (lr * s * g) / (s * Math.abs(g) + eps);
      }),
    );
    expectHistoryClose([first!], [want], 1e-6, 1e-7);
  });
});

describe('Optimizer base', () => {
  it('names slots by variable path and exposes them for checkpoints', () => {
    const opt = new Adam();
    const vars = makeVariables();
    expect(opt.slots()).toEqual([]);
    opt.createSlots(vars);
    expect(opt.slots().map((s) => s.name)).toEqual([
      'net/dense/kernel/momentum',
      'net/dense/kernel/velocity',
      'net/dense/bias/momentum',
      'net/dense/bias/velocity',
    ]);
    expect(opt.slots()[0]!.value.shape).toEqual([2, 3]);
    expect(new SGD().slots()).toEqual([]);
    const sgd = new SGD({ momentum: 0.5 });
    runOurs(sgd, 1, vars);
    expect(sgd.slots().map((s) => s.name)).toEqual(['net/dense/kernel/momentum', 'net/dense/bias/momentum']);
  });

  it('applies the variable constraint after the update', () => {
    const nonNeg: Constraint = { className: 'NonNeg', apply: (w) => ops.relu(w), getConfig: () => ({}) };
    const lr = 0.05;
    const [first] = runOurs(new SGD({ learningRate: lr }), 1, makeVariables(W0, nonNeg));
    const want = W0.map((w, v) => w.map((w0, k) => Math.max(0, w0 - lr * 2 * A[v]![k]! * (w0 - C[v]![k]!))));
    expectHistoryClose([first!], [want], 1e-6, 1e-7);
    expect(first!.flat().some((x) => x === 0)).toBe(true);
  });

  it('state round trip with slots: a fresh optimizer continues identically', () => {
    const a = new Adam({ learningRate: 0.01 });
    const varsA = makeVariables();
    runOurs(a, 3, varsA);
    const state = a.getState({ slots: true });
    expect(state.iterations).toBe(3);
    expect(state.slots!.map((s) => s.name)).toHaveLength(4);

    const b = new Adam({ learningRate: 0.5 });
    b.setState(state); // before b has seen the variables: kept until their first update
    expect(b.learningRate).toBe(0.01);
    expect(b.iterations).toBe(3);
    const varsB = makeVariables(varsA.map((v) => Array.from(v.readSync())));
    expect(runOurs(b, 4, varsB)).toEqual(runOurs(a, 4, varsA));
    expect(b.iterations).toBe(7);
  });

  it('JSON state plus slot tensors (the checkpoint path) continues identically', () => {
    const a = new SGD({ learningRate: 0.05, momentum: 0.9, nesterov: true });
    const varsA = makeVariables();
    runOurs(a, 2, varsA);
    const json = JSON.stringify(a.getState());
    expect(JSON.parse(json)).toEqual({ iterations: 2, learningRate: 0.05 });

    const b = new SGD({ learningRate: 0.05, momentum: 0.9, nesterov: true });
    const varsB = makeVariables(varsA.map((v) => Array.from(v.readSync())));
    b.createSlots(varsB);
    b.slots().forEach((s, i) => getBackend().assign(s.value, a.slots()[i]!.value));
    b.setState(JSON.parse(json));
    expect(runOurs(b, 3, varsB)).toEqual(runOurs(a, 3, varsA));

    // Replacing slots resets ones missing from the state.
    b.setState({ iterations: 0, learningRate: 0.05, slots: [] });
    expect(b.slots().every((s) => Array.from(ops.readSync(s.value)).every((x) => x === 0))).toBe(true);
  });

  it('rejects a bad state before changing anything', () => {
    const opt = new Adam();
    const vars = makeVariables();
    runOurs(opt, 2, vars);
    const bad = { iterations: 9, learningRate: 0.1, slots: [{ name: 'net/dense/bias/momentum', shape: [4], values: [1, 2, 3, 4] }] };
    expect(() => opt.setState(bad)).toThrow(OptimizerStateError);
    expect(() => opt.setState({ iterations: -1, learningRate: 0.1 })).toThrow(/non-negative integer/);
    expect(opt.iterations).toBe(2);
    expect(opt.learningRate).toBe(0.001);
  });

  it('checks apply arguments', () => {
    const opt = new SGD();
    const vars = makeVariables();
    expect(() => opt.apply(vars, [ops.zeros([2, 3])])).toThrow(/2 variables but 1 gradients/);
    expect(() => opt.apply(vars, [ops.zeros([3, 2]), ops.zeros([3])])).toThrow(OptimizerStateError);
    expect(() => opt.apply([vars[0]!, vars[0]!], [ops.zeros([2, 3]), ops.zeros([2, 3])])).toThrow(/share the path/);
  });

  it('leaks no tensors per step and releases its variables on dispose', () => {
    const opt = new Adam();
    const vars = makeVariables();
    runOurs(opt, 1, vars);
    const before = getBackend().memory().numTensors;
    runOurs(opt, 3, vars);
    expect(getBackend().memory().numTensors).toBe(before);
    opt.dispose();
    expect(getBackend().memory().numTensors).toBe(before - 6);
  });
});

describe('getOptimizer', () => {
  it('creates optimizers from config with Keras defaults', () => {
    const adam = getOptimizer({ class: 'adam' }) as Adam;
    expect(adam).toBeInstanceOf(Adam);
    expect([adam.learningRate, adam.beta1, adam.beta2, adam.epsilon, adam.weightDecay]).toEqual([0.001, 0.9, 0.999, 1e-7, 0]);
    expect((getOptimizer({ class: 'adamw' }) as Adam).weightDecay).toBe(0.004);
    const sgd = getOptimizer({ class: 'sgd', learningRate: 0.1, momentum: 0.9 }) as SGD;
    expect(sgd.getConfig()).toEqual({ class: 'sgd', learningRate: 0.1, momentum: 0.9, nesterov: false, weightDecay: 0 });
    expect(OPTIMIZER_NAMES).toEqual(['adam', 'adamw', 'sgd']);
  });

  it('throws OptimizerArgumentError for a config that is not an object with a string class (null gave a TypeError, #8)', () => {
    expect(() => getOptimizer(null as never)).toThrow(OptimizerArgumentError);
    expect(() => getOptimizer(null as never)).toThrow("optimizer must be an object like {class: 'adam', learningRate: 0.001}. Received: optimizer=null.");
    expect(() => getOptimizer('adam' as never)).toThrow('optimizer must be an object like {class: "adam"}. Received: optimizer="adam".');
    expect(() => getOptimizer([] as never)).toThrow(OptimizerArgumentError);
    expect(() => getOptimizer({} as never)).toThrow('optimizer needs a "class" naming the optimizer, one of "adam", "adamw", "sgd", e.g. {class: \'adam\'}. Received: optimizer={}.');
    expect(() => getOptimizer({ class: 3 } as never)).toThrow(/optimizer needs a "class".*Received: optimizer=\{"class":3\}/);
  });

  it('throws typed errors for unknown classes and bad hyper-parameters', () => {
    expect(() => getOptimizer({ class: 'rmsprop' })).toThrow(UnknownOptimizerError);
    expect(() => getOptimizer({ class: 'rmsprop' })).toThrow(/"adam", "adamw", "sgd"/);
    expect(() => new Adam({ beta1: 1 })).toThrow(OptimizerArgumentError);
    expect(() => new SGD({ learningRate: -1 })).toThrow(/Received: learningRate=-1/);
    expect(() => new Adam({ epsilon: 0 })).toThrow(OptimizerArgumentError);
    expect(() => {
      new SGD().learningRate = Number.NaN;
    }).toThrow(OptimizerArgumentError);
  });
});
