/**
 * RETURNN's rec-unit internals traced on onnxruntime: `masked_computation`
 * (an LSTM cell whose output and state are selected with `where` per
 * sequence), `unmask`, `cum_concat` (frames 0..t, self-attention over them)
 * and `rec_last_output` run in one compiled forward+backward graph and give
 * tfjs-cpu's outputs and gradients (network/src/net-dict/masked-computation.ts,
 * cum-concat.ts, rec-last-output.ts).
 */
import { getBackend, ops, setBackend, type Tensor } from '@strata/backend';
import { registerOnnxruntimeBackends } from '@strata/backend-onnxruntime';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { type NetDict, NetDictNetwork } from '@strata/network';
import { beforeAll, describe, expect, it } from 'vitest';

const [B, T, F] = [3, 5, 4];
const LENS = [5, 3, 4];
const extern = { data: { shape: [null, F] } };
const xs = Float32Array.from({ length: B * T * F }, (_, i) => Math.sin(i * 1.7 + 0.3));

const nets: Record<string, NetDict> = {
  masked_computation: {
    output: {
      class: 'rec',
      from: 'data',
      unit: {
        sum: { class: 'reduce', mode: 'sum', axis: 'F', from: 'data:source' },
        mask: { class: 'compare', kind: 'greater', value: 0.0, from: 'sum' },
        masked: { class: 'masked_computation', mask: 'mask', from: 'data:source', unit: { class: 'rnn_cell', unit: 'LSTMBlock', n_out: 3, from: 'data' } },
        unmask: { class: 'unmask', from: 'masked', mask: 'mask' },
        output: { class: 'linear', activation: 'tanh', n_out: 3, from: ['unmask', 'prev:output'], need_last: true },
      },
    },
    last: { class: 'rec_last_output', rec_layer: 'output', sub_layer_name: 'output' },
  } as never,
  cum_concat: {
    output: {
      class: 'rec',
      from: 'data',
      unit: {
        q: { class: 'linear', activation: null, n_out: 4, from: ['data:source', 'prev:output'] },
        k: { class: 'linear', activation: null, n_out: 4, from: ['data:source', 'prev:output'] },
        v: { class: 'linear', activation: null, n_out: 3, from: ['data:source', 'prev:output'] },
        k_accum: { class: 'cum_concat', out_spatial_dim: 'cum_new', from: 'k' },
        v_accum: { class: 'cum_concat', out_spatial_dim: 'cum_new', from: 'v' },
        energy: { class: 'dot', from: ['q', 'k_accum'], red1: 'F', red2: 'F', var1: null, var2: 'T' },
        att_weights: { class: 'softmax_over_spatial', from: 'energy' },
        att: { class: 'dot', from: ['att_weights', 'v_accum'], red1: 'T', red2: 'T', var1: null, var2: 'F' },
        output: { class: 'linear', activation: 'tanh', n_out: 3, from: ['att', 'prev:output'] },
      },
    },
  } as never,
};

beforeAll(() => {
  registerTfjsBackends();
  registerOnnxruntimeBackends({ intraOpNumThreads: 1 });
});

/** The rec output, `sum(output · dy)` and its gradient w.r.t. every param, in one compiled step, from the given weights. */
async function run(backend: string, netDict: NetDict, init?: Map<string, Float32Array>) {
  await setBackend(backend);
  const net = NetDictNetwork.fromDict(netDict, { externData: extern, seed: 8 });
  const batch = () => ({ data: ops.tensor(xs, [B, T, F]), 'data:size1': ops.tensor(LENS, [B], 'int32') });
  net.forward(batch());
  for (const v of net.variables) if (init?.has(v.path)) v.assign(ops.tensor(init.get(v.path)!, v.shape));
  const params = net.variables;
  const step = getBackend().compile((x: Tensor, lens: Tensor) => {
    const { value, grads, aux } = getBackend().valueAndGrads(() => {
      const out = net.forward({ data: x, 'data:size1': lens }).get('output')!.value;
      return { value: ops.sum(ops.mul(out, ops.add(ops.mul(out, 0.5), 1))), aux: [out] };
    }, params.map((p) => p.value));
    return [aux[0]!, value, ...grads];
  });
  const outs = step(ops.tensor(xs, [B, T, F]), ops.tensor(LENS, [B], 'int32'));
  return {
    values: outs.map((t) => Array.from(ops.readSync(t), Number)),
    weights: new Map(net.variables.map((v) => [v.path, Float32Array.from(v.readSync() as Float32Array)])),
  };
}

describe('rec-unit internals on onnxruntime (traced, one compiled graph)', () => {
  for (const [name, netDict] of Object.entries(nets)) {
    it(`${name}: output and gradients equal tfjs-cpu's`, async () => {
      const ref = await run('tfjs-cpu', netDict);
      const ort = await run('onnxruntime', netDict, ref.weights);
      expect(ort.values.length).toBe(ref.values.length);
      ort.values.forEach((vs, k) => vs.forEach((v, i) => expect(v).toBeCloseTo(ref.values[k]![i]!, 4)));
      expect(ref.values.slice(2).every((g) => g.some((v) => v !== 0))).toBe(true);
    }, 120_000);
  }
});
