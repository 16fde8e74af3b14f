// RETURNN's cum_concat inside a rec unit: at frame t the frames 0..t, [B, t+1, F]; summed over the new axis it is
// the running sum, whose forward and gradient are checked against a closed form (a lower-triangular matrix of ones).
// The numbers against the real RETURNN: tools/returnn-ref cases/control_flow.py (cum_concat_self_att).
import { getBackend, ops, setBackend, type Tensor } from '@strata/backend';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { NetDictError } from '../errors.js';
import '../index.js';
import { NetDictNetwork } from './net-dict-network.js';
import { RecUnit } from './rec-unit.js';
import type { NetDict } from './schema.js';

beforeAll(async () => {
  registerTfjsBackends();
  await setBackend('tfjs-cpu');
});

const [B, T, F, U] = [2, 4, 2, 3];
const LENS = [4, 3];
const extern = { data: { shape: [null, F] } };
const xs = Float32Array.from({ length: B * T * F }, (_, i) => Math.cos(i * 0.8 + 0.1));
const batch = () => ({ data: ops.tensor(xs, [B, T, F]), 'data:size1': ops.tensor(LENS, [B], 'int32') });
const read = (t: Tensor) => Array.from(ops.readSync(t));

const net: NetDict = {
  output: {
    class: 'rec',
    from: 'data',
    unit: {
      lin: { class: 'linear', activation: null, n_out: U, from: 'data:source' },
      acc: { class: 'cum_concat', out_spatial_dim: 'cum_new', from: 'lin' },
      output: { class: 'reduce', mode: 'sum', axis: 'T', from: 'acc' },
    },
  },
} as never;

/** `sum_{s <= t} y_s` of `y` `[B, T, U]`: a lower-triangular matrix of ones times each sequence. */
function runningSum(y: Tensor): Tensor {
  const lower = ops.tensor(Array.from({ length: T * T }, (_, i) => (i % T <= Math.floor(i / T) ? 1 : 0)), [T, T]);
  const flat = ops.reshape(ops.transpose(y, [1, 0, 2]), [T, B * U]);
  return ops.transpose(ops.reshape(ops.matMul(lower, flat), [T, B, U]), [1, 0, 2]);
}

describe('cum_concat', () => {
  it('is [B, t+1, U] at frame t on the axis out_spatial_dim names; its sum over that axis is the running sum, and so is its gradient', () => {
    const n = NetDictNetwork.fromDict(net, { externData: extern, seed: 2 });
    const acc = (n.layerOf('output') as RecUnit).unitGraph.node('acc').output;
    expect(acc.batchShape).toEqual([null, null, U]);
    expect(acc.timeDim?.description).toBe('cum_new');
    n.forward(batch());
    const [w, b] = ['output/lin/kernel', 'output/lin/bias'].map((p) => n.variables.find((v) => v.path === `${n.name}/${p}`)!.value);
    const reference = () => runningSum(ops.add(ops.reshape(ops.matMul(ops.reshape(ops.tensor(xs, [B, T, F]), [B * T, F]), w!), [B, T, U]), b!));
    const want = read(reference());
    read(n.forward(batch()).get('output')!.value).forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 5));
    const dy = () => ops.tensor(Float32Array.from({ length: B * T * U }, (_, i) => 1 + (i % 3)), [B, T, U]);
    const g1 = getBackend().valueAndGrads(() => ({ value: ops.sum(ops.mul(n.forward(batch()).get('output')!.value, dy())) }), [w!, b!]).grads;
    const g2 = getBackend().valueAndGrads(() => ({ value: ops.sum(ops.mul(reference(), dy())) }), [w!, b!]).grads;
    g1.forEach((g, k) => read(g).forEach((v, i) => expect(v).toBeCloseTo(read(g2[k]!)[i]!, 4)));
  });

  it('outside a rec unit is an error, as RETURNN asserts', () => {
    const build = () => NetDictNetwork.fromDict({ output: { class: 'cum_concat', out_spatial_dim: 'n', from: 'data' } } as never, { externData: extern });
    expect(build).toThrow(NetDictError);
    expect(build).toThrow(/must be inside the unit of a rec layer/);
  });
});
