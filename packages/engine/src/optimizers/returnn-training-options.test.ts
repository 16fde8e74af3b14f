/**
 * RETURNN's training options against RETURNN's own TF Updater (fixtures/returnn-training-options.json,
 * made by tools/returnn-ref/training_options.py): gradient_clip_norm, gradient_clip,
 * gradient_clip_global_norm, gradient_nan_inf_filter and accum_grad_multiple_step, each step compiled
 * with `backend.compile` (on onnxruntime: one ONNX graph for forward, backward and update) and eager.
 */
import { readFileSync } from 'node:fs';
import { getBackend, ops, setBackend, type Tensor } from '@strata/backend';
import { registerOnnxruntimeBackends } from '@strata/backend-onnxruntime';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { Variable, type VariableOwner } from '@strata/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { Adam } from './adam.js';
import type { Optimizer } from './optimizer.js';
import { SGD } from './sgd.js';

registerTfjsBackends();
registerOnnxruntimeBackends();

interface Case {
  name: string;
  config: Record<string, unknown> & { learning_rate: number };
  c0: number[];
  after: { W: number[][]; b: number[]; c: number[] }[];
}
const FIXTURE = JSON.parse(readFileSync(new URL('../fixtures/returnn-training-options.json', import.meta.url), 'utf8')) as {
  W0: number[][];
  b0: number[];
  batches: [number[][], number[][]][];
  cases: Case[];
};

const OWNER: VariableOwner = { scopeName: 'net', effectiveTrainable: true };

/** The optimizer a RETURNN config gives (RETURNN's Adam: TF1 AdamOptimizer with epsilon 1e-16). */
function optimizerOf(c: Case['config']): Optimizer {
  const opts = {
    learningRate: c.learning_rate,
    clipValue: c.gradient_clip as number | undefined,
    clipNorm: c.gradient_clip_norm as number | undefined,
    globalClipNorm: c.gradient_clip_global_norm as number | undefined,
    gradientNanInfFilter: c.gradient_nan_inf_filter as boolean | undefined,
    accumGradMultipleStep: c.accum_grad_multiple_step as number | undefined,
  };
  return c.optimizer ? new Adam({ ...opts, epsilon: 1e-16 }) : new SGD(opts);
}

/** Runs the fixture's steps; returns W, b, c after each. */
function run(k: Case, compiled: boolean): number[][][] {
  const b = getBackend();
  const vars = [
    ['W', FIXTURE.W0.flat(), [3, 2]],
    ['b', FIXTURE.b0, [2]],
    ['c', k.c0, [3]],
  ].map(([name, v, shape]) => new Variable({ owner: OWNER, name: name as string, value: b.variable(ops.tensor(v as number[], shape as number[]), true) }));
  const opt = optimizerOf(k.config);
  opt.createSlots(vars);
  const step = (x: Tensor, y: Tensor): Tensor[] => {
    const [w, bias, c] = vars.map((v) => v.value);
    const { value, grads } = b.valueAndGrads(() => {
      const r = ops.sub(ops.add(ops.matMul(x, w!), bias!), y);
      return { value: ops.add(ops.mul(ops.sum(ops.square(r)), 0.5), ops.sum(ops.sqrt(c!))) };
    }, vars.map((v) => v.value));
    opt.apply(vars, grads);
    b.dispose(grads);
    return [value];
  };
  const fn = compiled ? b.compile(step) : step;
  const out: number[][][] = [];
  for (let s = 0; s < k.after.length; s++) {
    const [xs, ys] = FIXTURE.batches[s]!;
    ops.tidy(() => {
      fn(ops.tensor(xs.flat(), [4, 3]), ops.tensor(ys.flat(), [4, 2]));
    });
    out.push(vars.map((v) => Array.from(v.readSync())));
  }
  opt.dispose();
  b.dispose(vars.map((v) => v.value));
  return out;
}

for (const backend of ['tfjs-cpu', 'onnxruntime']) {
  describe(`RETURNN Updater options on ${backend} (fixture from RETURNN's TF Updater)`, () => {
    beforeAll(() => setBackend(backend));
    for (const compiled of [true, false]) {
      for (const k of FIXTURE.cases) {
        it(`${k.name}${compiled ? ', compiled step' : ', eager'}: ${JSON.stringify(k.config)}`, () => {
          const ours = run(k, compiled);
          k.after.forEach((ref, s) => {
            const want = [ref.W.flat(), ref.b, ref.c];
            want.forEach((w, v) => {
              w.forEach((x, i) => {
                const got = ours[s]![v]![i]!;
                if (Math.abs(got - x) > 2e-5 + 2e-5 * Math.abs(x)) {
                  expect.fail(`step ${s + 1}, variable ${'Wbc'[v]}[${i}]: Strata ${got}, RETURNN ${x}`);
                }
              });
            });
          });
        });
      }
    }
  });
}
