// RETURNN's masked_computation outside a rec unit: the unit runs on the frames where the mask holds, packed onto a
// new time axis (its lengths: the kept frames per sequence); the unit's params live under the layer's name. Forward
// and gradient against the unit written on frames packed by hand; a subnetwork unit's names; another layer the unit
// reads packed too; unmask back to the input's time axis; errors. The numbers against the real RETURNN: tools/returnn-ref cases/masked_seq_b.py.
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

const [B, T, F, U] = [3, 6, 2, 4];
const LENS = [6, 4, 5];
const extern = { data: { shape: [null, F] } };
const xs = Float32Array.from({ length: B * T * F }, (_, i) => Math.sin(i * 1.3 + 3.0));
const batch = () => ({ data: ops.tensor(xs, [B, T, F]), 'data:size1': ops.tensor(LENS, [B], 'int32') });
const read = (t: Tensor) => Array.from(ops.readSync(t));
/** Per sequence, the frames the mask keeps (feature sum > 0, within the length), in order. */
const kept = Array.from({ length: B }, (_, b) => Array.from({ length: LENS[b]! }, (_, t) => t).filter((t) => xs[(b * T + t) * F]! + xs[(b * T + t) * F + 1]! > 0));
const newT = Math.max(...kept.map((k) => k.length));
/** The packed input by hand: [B, T', F], zeros past each new length. */
const packedByHand = () =>
  ops.tensor(
    Float32Array.from({ length: B * newT * F }, (_, i) => {
      const [b, k, f] = [Math.floor(i / (newT * F)), Math.floor(i / F) % newT, i % F];
      return k < kept[b]!.length ? xs[(b * T + kept[b]![k]!) * F + f]! : 0;
    }),
    [B, newT, F],
  );
const MASK = { sum: { class: 'reduce', mode: 'sum', axis: 'F', from: 'data' }, mask: { class: 'compare', kind: 'greater', value: 0.0, from: 'sum' } };
const net = (unit: Record<string, unknown>, extra: NetDict = {}) =>
  NetDictNetwork.fromDict({ ...MASK, ...extra, output: { class: 'masked_computation', mask: 'mask', from: 'data', unit } } as never, { externData: extern, seed: 3 });
const paths = (n: NetDictNetwork) => n.variables.map((v) => v.path.slice(n.name.length + 1)).sort();
const param = (n: NetDictNetwork, p: string) => n.variables.find((v) => v.path === `${n.name}/${p}`)!.value;

describe('masked_computation outside a rec unit', () => {
  it('runs the unit on the packed frames, with the kept counts as lengths; params under its name; gradient = on frames packed by hand', () => {
    // Both mask values occur, and the sequences keep different numbers of frames.
    expect(new Set(kept.map((k) => k.length)).size).toBeGreaterThan(1);
    expect(kept.some((k, b) => k.length < LENS[b]!)).toBe(true);
    const n = net({ class: 'linear', activation: 'tanh', n_out: U, from: 'data' });
    const outs = n.forward(batch());
    expect(paths(n)).toEqual(['output/bias', 'output/kernel']);
    const [w, b] = [param(n, 'output/kernel'), param(n, 'output/bias')];
    const reference = () => ops.tanh(ops.add(ops.matMul(ops.reshape(packedByHand(), [B * newT, F]), w), b));
    const out = outs.get('output')!.value;
    expect(out.shape).toEqual([B, newT, U]);
    expect(read(n.node('output').output.timeDim!.dynSize!)).toEqual(kept.map((k) => k.length));
    const want = read(reference());
    read(out).forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 5));
    const dy = () => ops.tensor(Float32Array.from({ length: B * newT * U }, (_, i) => 1 + (i % 5)), [B, newT, U]);
    const g1 = getBackend().valueAndGrads(() => ({ value: ops.sum(ops.mul(n.forward(batch()).get('output')!.value, dy())) }), [w, b]).grads;
    const g2 = getBackend().valueAndGrads(() => ({ value: ops.sum(ops.mul(ops.reshape(reference(), [B, newT, U]), dy())) }), [w, b]).grads;
    g1.forEach((g, k) => read(g).forEach((v, i) => expect(v).toBeCloseTo(read(g2[k]!)[i]!, 3)));
  });

  it("a subnetwork unit's layers are named under the layer (RETURNN: output/linear/W), and run on the packed frames", () => {
    const n = net({ class: 'subnetwork', from: 'data', subnetwork: { linear: { class: 'linear', activation: null, n_out: U, from: 'data' }, output: { class: 'copy', from: 'linear' } } });
    const out = n.forward(batch()).get('output')!.value;
    expect(paths(n)).toEqual(['output/linear/bias', 'output/linear/kernel']);
    const want = read(ops.add(ops.matMul(ops.reshape(packedByHand(), [B * newT, F]), param(n, 'output/linear/kernel')), param(n, 'output/linear/bias')));
    read(out).forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 5));
  });

  it('packs another layer the unit reads that has the time axis (RETURNN get_masked_layer)', () => {
    const n = net({ class: 'combine', kind: 'add', from: ['data', 'other'] }, { other: { class: 'activation', activation: 'exp', from: 'data' } });
    const out = read(n.forward(batch()).get('output')!.value);
    const p = read(packedByHand());
    // Packed frames: x + exp(x); past a new length both packed sources are zeros, so 0 + 0.
    out.forEach((v, i) => expect(v).toBeCloseTo(kept[Math.floor(i / (newT * F))]!.length > Math.floor(i / F) % newT ? p[i]! + Math.exp(p[i]!) : 0, 5));
  });

  it("unmask brings the packed output back on the mask's time axis: each frame the last kept one (zeros before), the lengths the input's", () => {
    const n = NetDictNetwork.fromDict(
      { ...MASK, masked: { class: 'masked_computation', mask: 'mask', from: 'data', unit: { class: 'linear', activation: 'tanh', n_out: U, from: 'data' } }, output: { class: 'unmask', from: 'masked', mask: 'mask' } } as never,
      { externData: extern, seed: 3 },
    );
    const outs = n.forward(batch());
    const packed = read(outs.get('masked')!.value);
    const out = read(outs.get('output')!.value);
    expect(outs.get('output')!.value.shape).toEqual([B, T, U]);
    expect(read(n.node('output').output.timeDim!.dynSize!)).toEqual(LENS);
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < LENS[b]!; t++) {
        const k = kept[b]!.filter((u) => u <= t).length - 1;
        for (let u = 0; u < U; u++) expect(out[(b * T + t) * U + u]).toBe(k < 0 ? 0 : packed[(b * newT + k) * U + u]!);
      }
    }
  });

  it('with masked_from runs the unit on that sequence (its axis and lengths), nothing packed; mask not needed', () => {
    const ext = { data: { shape: [null, F] }, data_masked: { shape: [null, F] } };
    const n = NetDictNetwork.fromDict({ output: { class: 'masked_computation', masked_from: 'data:data_masked', unit: { class: 'linear', activation: null, n_out: U, from: 'data' } } } as never, { externData: ext, seed: 3 });
    const m = ops.tensor(xs.slice(0, B * 4 * F), [B, 4, F]);
    const out = n.forward({ ...batch(), data_masked: m, 'data_masked:size1': ops.tensor([4, 2, 3], [B], 'int32') }).get('output')!.value;
    expect(paths(n)).toEqual(['output/bias', 'output/kernel']);
    expect(n.node('output').output.timeDim).toBe(n.externData.getData('data_masked').timeDim);
    const want = read(ops.add(ops.matMul(ops.reshape(m, [B * 4, F]), param(n, 'output/kernel')), param(n, 'output/bias')));
    read(out).forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 5));
  });

  it('refuses a mask that is not bool [B, T], naming the entry and the key', () => {
    const build = (mask: string) => () => NetDictNetwork.fromDict({ ...MASK, output: { class: 'masked_computation', mask, from: 'data', unit: { class: 'copy', from: 'data' } } } as never, { externData: extern });
    expect(build('sum')).toThrow(NetDictError);
    expect(build('sum')).toThrow(/'output' \(class 'masked_computation'\).*"mask" must be bool \[B, T\] outside a rec unit/);
    const noMask = () => NetDictNetwork.fromDict({ output: { class: 'masked_computation', from: 'data', unit: { class: 'copy', from: 'data' } } } as never, { externData: extern });
    expect(noMask).toThrow(/needs "mask" \(bool \[B, T\]: the frames to keep\), or "masked_from"/);
  });
});
