// extern_data in RETURNN's other axis orders is fed in that order and run batch-first, feature-last: the same
// numbers as the batch-major net on the transposed batch (the same dict and seed: the same weights).
import { ops, setBackend, type Tensor } from '@strata/backend';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { NetDictError } from '../errors.js';
import '../index.js';
import { NetDictNetwork } from '../net-dict/net-dict-network.js';
import type { NetDict } from '../net-dict/schema.js';

beforeAll(async () => {
  registerTfjsBackends();
  await setBackend('tfjs-cpu');
});

const [B, T, F] = [2, 4, 3];
const net = { output: { class: 'linear', activation: 'tanh', n_out: 2, from: 'data' } } as unknown as NetDict;
const build = (data: Record<string, unknown>) => NetDictNetwork.fromDict(net, { externData: { data } as never, seed: 5 });
const btf = () => ops.tensor(Float32Array.from({ length: B * T * F }, (_, i) => Math.sin(i * 0.7)), [B, T, F]);
const lens = () => ops.tensor([T, T - 1], [B], 'int32');
const read = (t: Tensor) => Array.from(ops.readSync(t));

describe('extern_data layouts (RETURNN batch_dim_axis, feature axis first)', () => {
  let want: number[];
  beforeAll(() => {
    want = read(build({ shape: [null, F] }).forward({ data: btf(), 'data:size1': lens() }).get('output')!.value);
  });

  it('time-major data is fed [T, B, F] with data:size0', () => {
    const tm = build({ shape: [null, F], batch_dim_axis: 1 });
    expect(tm.externData.declaredBatchShape('data')).toEqual([null, null, F]);
    const outs = tm.forward({ data: ops.transpose(btf(), [1, 0, 2]), 'data:size0': lens() });
    expect(read(outs.get('output')!.value)).toEqual(want);
    expect(read(tm.outputData('output').timeDim!.dynSize!)).toEqual([T, T - 1]);
  });

  it('features-first data is fed [B, F, T] with data:size2', () => {
    const bft = build({ dim: F, shape: [F, null] });
    const outs = bft.forward({ data: ops.transpose(btf(), [0, 2, 1]), 'data:size2': lens() });
    expect(read(outs.get('output')!.value)).toEqual(want);
  });

  it('an entry that does not fit is a NetDictError naming it', () => {
    expect(() => build({ shape: [null, F], batch_dim_axis: 5 })).toThrow(NetDictError);
    expect(() => build({ shape: [null, F], batch_dim_axis: 5 })).toThrow(/extern_data 'data': batch_dim_axis 5 is past/);
  });
});
