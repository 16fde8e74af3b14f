/**
 * RETURNN's `cond` traced on onnxruntime: a compiled graph cannot branch on a
 * value in JavaScript, so the cond computes both branches and selects with
 * `where` (network/src/net-dict/cond.ts). One compiled graph (forward and
 * backward) gives tfjs-cpu's output and gradients for either value of the
 * condition, which is a graph value (a variable compared with 0), not a
 * constant folded at trace time.
 */
import { getBackend, ops, setBackend, type Tensor } from '@strata/backend';
import { registerOnnxruntimeBackends } from '@strata/backend-onnxruntime';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { type NetDict, NetDictNetwork } from '@strata/network';
import { beforeAll, describe, expect, it } from 'vitest';

const [B, T, F, U] = [3, 4, 2, 3];
const LENS = [4, 2, 3];
const extern = { data: { shape: [null, F] } };
const xs = Float32Array.from({ length: B * T * F }, (_, i) => Math.cos(i * 0.6 + 0.2));
const dys = Float32Array.from({ length: B * T * U }, (_, i) => 1 + (i % 5) * 0.5);

const netDict: NetDict = {
  var: { class: 'variable', shape: [], add_batch_axis: false },
  pos: { class: 'compare', kind: 'greater', value: 0.0, from: 'var' },
  cond: {
    class: 'cond',
    from: [],
    condition: 'pos',
    true_layer: { class: 'linear', activation: 'tanh', n_out: U, from: 'data' },
    false_layer: { class: 'subnetwork', from: 'data', subnetwork: { lin: { class: 'linear', activation: 'sigmoid', n_out: U, from: 'data' }, output: { class: 'copy', from: 'lin' } } },
  },
  output: { class: 'copy', from: 'cond' },
} as never;

beforeAll(() => {
  registerTfjsBackends();
  registerOnnxruntimeBackends({ intraOpNumThreads: 1 });
});

/** Output and gradients of sum(dy * output) w.r.t. every param, for condition value `flag`, with the given initial weights. */
async function run(backend: string, flag: number, init?: Map<string, Float32Array>): Promise<{ values: number[][]; weights: Map<string, Float32Array> }> {
  await setBackend(backend);
  const net = NetDictNetwork.fromDict(netDict, { externData: extern, seed: 5 });
  const batch = () => ({ data: ops.tensor(xs, [B, T, F]), 'data:size1': ops.tensor(LENS, [B], 'int32') });
  net.forward(batch());
  for (const v of net.variables) if (init?.has(v.path)) v.assign(ops.tensor(init.get(v.path)!, v.shape));
  net.variables.find((v) => v.path.endsWith('/var/var'))!.assign(ops.tensor([flag], []));
  const params = net.variables.filter((v) => !v.path.endsWith('/var/var'));
  const step = getBackend().compile((x: Tensor, lens: Tensor, dy: Tensor) => {
    const { value, grads, aux } = getBackend().valueAndGrads(() => {
      const out = net.forward({ data: x, 'data:size1': lens }).get('output')!.value;
      return { value: ops.sum(ops.mul(out, dy)), aux: [out] };
    }, params.map((p) => p.value));
    return [aux[0]!, value, ...grads];
  });
  const outs = step(ops.tensor(xs, [B, T, F]), ops.tensor(LENS, [B], 'int32'), ops.tensor(dys, [B, T, U]));
  return {
    values: outs.map((t) => Array.from(ops.readSync(t), Number)),
    weights: new Map(net.variables.map((v) => [v.path, Float32Array.from(v.readSync() as Float32Array)])),
  };
}

describe('cond on onnxruntime (traced, both branches selected with where)', () => {
  for (const flag of [1, -1]) {
    it(`condition ${flag > 0}: output and gradients equal tfjs-cpu's`, async () => {
      const ref = await run('tfjs-cpu', flag);
      const ort = await run('onnxruntime', flag, ref.weights);
      expect(ort.values.length).toBe(ref.values.length);
      ort.values.forEach((vs, k) => vs.forEach((v, i) => expect(v).toBeCloseTo(ref.values[k]![i]!, 4)));
      // The non-taken branch's params get zero gradient (kernel and bias of the other branch), as tf.cond gives them none.
      const zeroGrads = ref.values.slice(2).filter((g) => g.every((v) => v === 0)).length;
      expect(zeroGrads).toBe(2);
    }, 60_000);
  }
});
