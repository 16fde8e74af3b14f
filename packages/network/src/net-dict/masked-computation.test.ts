// RETURNN's masked_computation and unmask inside a rec unit: where the mask holds the unit's new output, else the
// previous one (zeros before the first), forward and gradient against that recurrence written with where; an LSTM
// cell's state held where the mask fails; errors. The numbers against the real RETURNN:
// tools/returnn-ref cases/control_flow.py (masked_computation_rnn_cell, masked_computation_linear_in_loop).
import { getBackend, ops, setBackend, type Tensor } from '@strata/backend';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import '../index.js';
import { NetDictNetwork } from './net-dict-network.js';
import type { NetDict } from './schema.js';

beforeAll(async () => {
  registerTfjsBackends();
  await setBackend('tfjs-cpu');
});

const [B, T, F, U] = [3, 5, 2, 3];
const LENS = [5, 4, 2];
const extern = { data: { shape: [null, F] } };
const xs = Float32Array.from({ length: B * T * F }, (_, i) => Math.sin(i * 1.3 + 3.0));
const batch = () => ({ data: ops.tensor(xs, [B, T, F]), 'data:size1': ops.tensor(LENS, [B], 'int32') });
const read = (t: Tensor) => Array.from(ops.readSync(t));
/** The mask of frame t: the features' sum > 0. */
const maskAt = (t: number) => Array.from({ length: B }, (_, b) => xs[(b * T + t) * F]! + xs[(b * T + t) * F + 1]! > 0);

const unit = (masked: Record<string, unknown>): NetDict =>
  ({
    output: {
      class: 'rec',
      from: 'data',
      unit: {
        sum: { class: 'reduce', mode: 'sum', axis: 'F', from: 'data:source' },
        mask: { class: 'compare', kind: 'greater', value: 0.0, from: 'sum' },
        masked: { class: 'masked_computation', mask: 'mask', from: 'data:source', ...masked },
        output: { class: 'unmask', from: 'masked', mask: 'mask' },
      },
    },
  }) as never;

describe('masked_computation and unmask in a rec unit', () => {
  it('the unit where the mask holds, else the previous output (zeros first); gradient = that recurrence', () => {
    const masks = Array.from({ length: T }, (_, t) => maskAt(t));
    // Both values occur, at the first frame too, so the test cannot pass by always (or never) selecting.
    expect(masks.flat().some(Boolean) && masks.flat().some((m) => !m) && masks[0]!.some((m) => !m)).toBe(true);
    const net = NetDictNetwork.fromDict(unit({ unit: { class: 'linear', activation: null, n_out: U, from: 'data' } }), { externData: extern, seed: 6 });
    net.forward(batch());
    expect(net.variables.map((v) => v.path.slice(net.name.length + 1)).sort()).toEqual(['output/masked/bias', 'output/masked/kernel']);
    const [w, b] = ['output/masked/kernel', 'output/masked/bias'].map((p) => net.variables.find((v) => v.path === `${net.name}/${p}`)!.value);
    const reference = () => {
      const x = ops.tensor(xs, [B, T, F]);
      let prev = ops.fill([B, U], 0, 'float32');
      const frames: Tensor[] = [];
      for (let t = 0; t < T; t++) {
        const y = ops.add(ops.matMul(ops.reshape(ops.slice(x, [0, t, 0], [B, 1, F]), [B, F]), w!), b!);
        prev = ops.where(ops.greater(ops.tensor(masks[t]!.map(Number), [B, 1]), 0.5), y, prev);
        frames.push(ops.reshape(prev, [B, 1, U]));
      }
      return ops.concat(frames, 1);
    };
    const want = read(reference());
    read(net.forward(batch()).get('output')!.value).forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 5));
    const dy = () => ops.tensor(Float32Array.from({ length: B * T * U }, (_, i) => 1 + (i % 4)), [B, T, U]);
    const g1 = getBackend().valueAndGrads(() => ({ value: ops.sum(ops.mul(net.forward(batch()).get('output')!.value, dy())) }), [w!, b!]).grads;
    const g2 = getBackend().valueAndGrads(() => ({ value: ops.sum(ops.mul(reference(), dy())) }), [w!, b!]).grads;
    g1.forEach((g, k) => read(g).forEach((v, i) => expect(v).toBeCloseTo(read(g2[k]!)[i]!, 4)));
  });

  it("keeps an LSTM cell's state where the mask fails: the output changes only on masked frames", () => {
    const net = NetDictNetwork.fromDict(unit({ unit: { class: 'rnn_cell', unit: 'LSTMBlock', n_out: U, from: 'data' } }), { externData: extern, seed: 6 });
    const out = read(net.forward(batch()).get('output')!.value);
    const at = (b: number, t: number) => out.slice((b * T + t) * U, (b * T + t + 1) * U);
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < T; t++) {
        const prev = t === 0 ? [0, 0, 0] : at(b, t - 1);
        if (!maskAt(t)[b]) expect(at(b, t)).toEqual(prev);
        else expect(at(b, t)).not.toEqual(prev);
      }
    }
  });

  it('is refused in a rec unit for a mask that is not bool [B], naming the entry (outside: masked-computation-seq.test.ts)', () => {
    const build = (net: NetDict) => () => NetDictNetwork.fromDict(net, { externData: extern });
    const notBool = unit({ unit: { class: 'copy', from: 'data' } }) as unknown as { output: { unit: Record<string, unknown> } };
    notBool.output.unit.masked = { class: 'masked_computation', mask: 'sum', from: 'data:source', unit: { class: 'copy', from: 'data' } };
    expect(build(notBool as never)).toThrow(/"mask" must be bool \[B\] inside a rec unit/);
    expect(build({ output: { class: 'unmask', from: 'data', mask: 'data' } } as never)).toThrow(/outside a rec unit, unmask takes a packed sequence .* and its "mask", bool \[B, T\]/);
  });
});
