// RETURNN's cond (CondLayer): the taken branch's output, both branches computed and selected with where;
// forward against the branches' closed forms, gradient against tf.cond's (the taken branch's, zero for the other),
// params named as RETURNN names them, and the errors for a non-scalar condition and branches of different shapes.
// The numbers against the real RETURNN: tools/returnn-ref cases/control_flow.py (cond_*).
import { getBackend, ops, setBackend, type Tensor } from '@strata/backend';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { NetDictError } from '../errors.js';
import '../index.js';
import { NetDictNetwork } from './net-dict-network.js';
import type { NetDict } from './schema.js';

beforeAll(async () => {
  registerTfjsBackends();
  await setBackend('tfjs-cpu');
});

const [B, T, F, U] = [3, 4, 2, 3];
const LENS = [4, 2, 3];
const extern = { data: { shape: [null, F] } };
const xs = Float32Array.from({ length: B * T * F }, (_, i) => Math.sin(i * 0.7 + 0.3));
const batch = () => ({ data: ops.tensor(xs, [B, T, F]), 'data:size1': ops.tensor(LENS, [B], 'int32') });
const read = (t: Tensor) => Array.from(ops.readSync(t));

/** A net whose condition is `var > 0` (a scalar variable, set per test), the true branch a linear, the false one a sub-network's linear. */
const net = (): NetDict =>
  ({
    var: { class: 'variable', shape: [], add_batch_axis: false },
    pos: { class: 'compare', kind: 'greater', value: 0.0, from: 'var' },
    cond: {
      class: 'cond',
      from: [],
      condition: 'pos',
      true_layer: { class: 'linear', activation: null, n_out: U, from: 'data' },
      false_layer: { class: 'subnetwork', from: 'data', subnetwork: { lin: { class: 'linear', activation: null, n_out: U, from: 'data' }, output: { class: 'copy', from: 'lin' } } },
    },
    output: { class: 'copy', from: 'cond' },
  }) as never;

function build(flag: number) {
  const n = NetDictNetwork.fromDict(net(), { externData: extern, seed: 3 });
  n.forward(batch());
  const byPath = (p: string) => n.variables.find((v) => v.path === `${n.name}/${p}`)!;
  byPath('var/var').assign(ops.tensor([flag], []));
  return { n, byPath };
}

/** `x W + b` on every frame, `[B, T, U]`. */
const linear = (w: Tensor, b: Tensor) => ops.add(ops.reshape(ops.matMul(ops.reshape(ops.tensor(xs, [B, T, F]), [B * T, F]), w), [B, T, U]), b);

describe('cond', () => {
  it("names the branches' params as RETURNN does: cond/W (plain layer), cond/lin/W (sub-network)", () => {
    const { n } = build(1);
    expect(n.variables.map((v) => v.path.slice(n.name.length + 1)).sort()).toEqual(['cond/bias', 'cond/kernel', 'cond/lin/bias', 'cond/lin/kernel', 'var/var']);
    expect(n.node('cond').output.batchShape).toEqual([null, null, U]);
  });

  for (const [flag, taken] of [
    [1, 'true'],
    [-1, 'false'],
  ] as const) {
    it(`condition ${flag > 0}: the ${taken} branch's output and lengths; its params get x^T·dy, the other's zero (tf.cond's gradient)`, () => {
      const { n, byPath } = build(flag);
      const [wt, bt, wf, bf] = ['cond/kernel', 'cond/bias', 'cond/lin/kernel', 'cond/lin/bias'].map((p) => byPath(p).value);
      const out = n.forward(batch()).get('output')!.value;
      const want = read(taken === 'true' ? linear(wt!, bt!) : linear(wf!, bf!));
      read(out).forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 5));
      expect(read(n.node('output').output.timeDim!.dynSize!)).toEqual(LENS);

      const dy = ops.tensor(Float32Array.from({ length: B * T * U }, (_, i) => 1 + (i % 5) * 0.5), [B, T, U]);
      const params = [wt!, bt!, wf!, bf!];
      const { grads } = getBackend().valueAndGrads(() => ({ value: ops.sum(ops.mul(n.forward(batch()).get('output')!.value, dy)) }), params);
      // d/dW sum(dy * (x W + b)) = x^T dy over all frames; d/db = sum of dy over batch and time.
      const x2 = ops.reshape(ops.tensor(xs, [B, T, F]), [B * T, F]);
      const dW = read(ops.matMul(ops.transpose(x2, [1, 0]), ops.reshape(dy, [B * T, U])));
      const db = read(ops.sum(ops.reshape(dy, [B * T, U]), [0]));
      const [gw, gb, zw, zb] = taken === 'true' ? [0, 1, 2, 3] : [2, 3, 0, 1];
      read(grads[gw]!).forEach((v, i) => expect(v).toBeCloseTo(dW[i]!, 4));
      read(grads[gb]!).forEach((v, i) => expect(v).toBeCloseTo(db[i]!, 4));
      expect(read(grads[zw]!).every((v) => v === 0)).toBe(true);
      expect(read(grads[zb]!).every((v) => v === 0)).toBe(true);
    });
  }

  it('selects the lengths when the branches have different time axes', () => {
    const n = NetDictNetwork.fromDict(
      {
        var: { class: 'variable', shape: [], add_batch_axis: false },
        pos: { class: 'compare', kind: 'greater', value: 0.0, from: 'var' },
        cond: { class: 'cond', from: [], condition: 'pos', true_layer: 'data', false_layer: { class: 'copy', from: 'data' } },
        output: { class: 'copy', from: 'cond' },
      } as never,
      { externData: extern, seed: 3 },
    );
    n.forward(batch());
    expect(read(n.forward(batch()).get('output')!.value)).toEqual(read(ops.tensor(xs, [B, T, F])));
  });

  it('rejects a condition with a batch axis and branches of different shapes, naming the layer', () => {
    const withCond = (c: Record<string, unknown>) => () => NetDictNetwork.fromDict({ output: { class: 'cond', from: [], ...c } } as never, { externData: extern });
    const perFrame = { condition: { class: 'compare', kind: 'greater', value: 0, from: 'data' }, true_layer: { class: 'copy', from: 'data' }, false_layer: { class: 'copy', from: 'data' } };
    expect(withCond(perFrame)).toThrow(NetDictError);
    expect(withCond(perFrame)).toThrow(/Layer 'output' \(class 'cond'\): "condition" must be a scalar bool/);
    const shapes = { condition: { class: 'train_flag' }, true_layer: { class: 'copy', from: 'data' }, false_layer: { class: 'linear', n_out: 5, from: 'data' } };
    expect(withCond(shapes)).toThrow(/"true_layer" gives .* and "false_layer" gives .*same shape and dtype/);
    expect(withCond({ condition: 'train_flag_missing', true_layer: 'data', false_layer: 'data' })).toThrow(/no such layer/);
  });
});
