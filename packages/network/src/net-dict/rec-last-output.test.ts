// RETURNN's rec_last_output and rec_unstack: forward and gradient against closed forms (masked sums over the valid
// frames, tanh of a linear), and their errors. The numbers against the real RETURNN: tools/returnn-ref
// cases/control_flow.py (rec_last_output, rec_unstack_base, rec_unstack_outside).
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

const [B, T, F, U] = [3, 5, 2, 3];
const LENS = [5, 2, 3];
const extern = { data: { shape: [null, F] } };
const xs = Float32Array.from({ length: B * T * F }, (_, i) => Math.sin(i * 0.9 + 0.4));
const batch = () => ({ data: ops.tensor(xs, [B, T, F]), 'data:size1': ops.tensor(LENS, [B], 'int32') });
const read = (t: Tensor) => Array.from(ops.readSync(t));
const build = (net: NetDict) => NetDictNetwork.fromDict(net, { externData: extern, seed: 4 });
const dy = () => ops.tensor(Float32Array.from({ length: B * U }, (_, i) => 1 + (i % 4) * 0.5), [B, U]);
/** float32 `[B, T, 1]`: 1 on the valid frames. */
const mask = () => ops.reshape(ops.cast(ops.less(ops.tensor(Array.from({ length: B * T }, (_, i) => i % T), [B, T], 'int32'), ops.reshape(ops.tensor(LENS, [B], 'int32'), [B, 1])), 'float32'), [B, T, 1]);

const lastNet: NetDict = {
  loop: {
    class: 'rec',
    from: 'data',
    unit: {
      lin: { class: 'linear', activation: null, n_out: U, from: 'data:source' },
      acc: { class: 'combine', kind: 'add', from: ['prev:acc', 'lin'], need_last: true },
      output: { class: 'copy', from: 'acc' },
    },
  },
  via_copy: { class: 'copy', from: 'loop' },
  output: { class: 'rec_last_output', rec_layer: 'via_copy', sub_layer_name: 'acc' },
} as never;

describe('rec_last_output', () => {
  it('the unit layer at frame len-1 of each sequence (a sum over the valid frames); gradient = that of the masked sum', () => {
    const net = build(lastNet);
    const outs = net.forward(batch());
    const [w, b] = ['loop/lin/kernel', 'loop/lin/bias'].map((p) => net.variables.find((v) => v.path === `${net.name}/${p}`)!.value);
    /** Closed form: sum_{t < len} (x_t W + b), `[B, U]`. */
    const reference = () => ops.sum(ops.mul(ops.add(ops.reshape(ops.matMul(ops.reshape(ops.tensor(xs, [B, T, F]), [B * T, F]), w!), [B, T, U]), b!), mask()), [1]);
    const got = outs.get('output')!.value;
    expect(got.shape).toEqual([B, U]);
    const want = read(reference());
    read(got).forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 5));
    const g1 = getBackend().valueAndGrads(() => ({ value: ops.sum(ops.mul(net.forward(batch()).get('output')!.value, dy())) }), [w!, b!]).grads;
    const g2 = getBackend().valueAndGrads(() => ({ value: ops.sum(ops.mul(reference(), dy())) }), [w!, b!]).grads;
    g1.forEach((g, k) => read(g).forEach((v, i) => expect(v).toBeCloseTo(read(g2[k]!)[i]!, 4)));
    // d/db = len_b · dy_b summed over b: not zero, so the comparison is not vacuous.
    expect(read(g1[1]!)[0]).toBeCloseTo(LENS.reduce((s, l, i) => s + l * read(dy())[i * U]!, 0), 4);
  });

  it('needs need_last on the unit layer, a rec layer, and a known unit layer, naming the entry', () => {
    const unit = (lastNet.loop as unknown as { unit: Record<string, Record<string, unknown>> }).unit;
    const noNeedLast = { ...lastNet, loop: { ...lastNet.loop, unit: { ...unit, acc: { ...unit.acc, need_last: undefined } } } } as never;
    expect(() => build(noNeedLast)).toThrow(NetDictError);
    expect(() => build(noNeedLast)).toThrow(/unit layer 'acc' of rec layer 'loop' needs "need_last": true/);
    expect(() => build({ ...lastNet, output: { class: 'rec_last_output', rec_layer: 'loop', sub_layer_name: 'nope' } } as never)).toThrow(/has no unit layer 'nope'/);
    expect(() => build({ lin: { class: 'linear', n_out: 2, from: 'data' }, output: { class: 'rec_last_output', rec_layer: 'lin', sub_layer_name: 'x' } } as never)).toThrow(/is not a rec layer/);
  });
});

describe('rec_unstack', () => {
  const net: NetDict = {
    lin: { class: 'linear', activation: 'tanh', n_out: F, from: 'data' },
    output: { class: 'rec', from: 'data', unit: { u: { class: 'rec_unstack', from: 'base:lin' }, output: { class: 'combine', kind: 'add', from: ['u', 'data:source'] } } },
  } as never;

  it("frame t of a base: layer inside the unit: tanh(x W + b) + x; gradient = that closed form's", () => {
    const n = build(net);
    const outs = n.forward(batch());
    const [w, b] = ['lin/kernel', 'lin/bias'].map((p) => n.variables.find((v) => v.path === `${n.name}/${p}`)!.value);
    const x = ops.tensor(xs, [B, T, F]);
    const reference = () => ops.add(ops.tanh(ops.add(ops.reshape(ops.matMul(ops.reshape(x, [B * T, F]), w!), [B, T, F]), b!)), x);
    const want = read(reference());
    read(outs.get('output')!.value).forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 5));
    const d = ops.tensor(Float32Array.from({ length: B * T * F }, (_, i) => 1 + (i % 3)), [B, T, F]);
    const g1 = getBackend().valueAndGrads(() => ({ value: ops.sum(ops.mul(n.forward(batch()).get('output')!.value, d)) }), [w!, b!]).grads;
    const g2 = getBackend().valueAndGrads(() => ({ value: ops.sum(ops.mul(reference(), d)) }), [w!, b!]).grads;
    g1.forEach((g, k) => read(g).forEach((v, i) => expect(v).toBeCloseTo(read(g2[k]!)[i]!, 4)));
  });

  it('outside a rec unit: the source with "axis", else an error; a source without a time axis is an error', () => {
    const outside = build({ output: { class: 'rec_unstack', from: 'data', axis: 'T' } } as never);
    expect(read(outside.forward(batch()).get('output')!.value)).toEqual(read(ops.tensor(xs, [B, T, F])));
    expect(() => build({ output: { class: 'rec_unstack', from: 'data' } } as never)).toThrow(/outside a rec unit it needs "axis"/);
    expect(() => build({ output: { class: 'rec_unstack', from: 'data', axis: 'F' } } as never)).toThrow(/"axis": "F" is not supported/);
  });
});
