// RETURNN Dims in a .config file: imports, constructors and arithmetic become JSON Dims (@strata/core DimJson, whose
// arithmetic is checked against RETURNN's own in core), and a modern-style config builds and runs like the same net
// written with axis strings and n_out.
import { ops, setBackend, type Tensor } from '@strata/backend';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import '../index.js';
import { NetDictNetwork } from '../net-dict/net-dict-network.js';
import type { NetDict } from '../net-dict/schema.js';
import { ReturnnConfigError } from './errors.js';
import { errorOf, parse, value } from '../test-utils/returnn-config.js';
import { findOpaque, toPlain } from './values.js';

beforeAll(async () => {
  registerTfjsBackends();
  await setBackend('tfjs-cpu');
});

const TIME = { dim: 'time', kind: 'spatial', size: null };

describe('.config: RETURNN Dims', () => {
  it('imports and constructors give JSON Dims', () => {
    const head = 'from returnn.tensor import Dim, batch_dim, single_step_dim\nfrom returnn.tf.util.data import SpatialDim, FeatureDim\n';
    expect(value(`${head}x = [batch_dim, single_step_dim, SpatialDim("time"), FeatureDim("feat", 40), Dim(7, name="x"), Dim(None, name="t", kind=Dim.Types.Spatial), SpatialDim("w", dimension=3), Dim(kind=Dim.Types.Feature, description="f", dimension=2)]`)).toEqual([
      { dim: 'global batch', kind: 'batch', size: null },
      { dim: 'single-step', kind: 'spatial', size: 1, special: true },
      TIME,
      { dim: 'feat', kind: 'feature', size: 40 },
      { dim: 'x', kind: 'unspecified', size: 7 },
      { dim: 't', kind: 'spatial', size: null },
      { dim: 'w', kind: 'spatial', size: 3 },
      { dim: 'f', kind: 'feature', size: 2 },
    ]);
  });
  it("arithmetic is RETURNN's (descriptions, kinds, sizes, simplifications)", () => {
    const v = value('from returnn.tf.util.data import SpatialDim, FeatureDim\nt = SpatialDim("time")\nf = FeatureDim("feat", 6)\nx = [t * 2, 1 + t + 1, (t + 1) - 1, f.ceildiv_right(4), (t * 3) // 3, -t, f.div_left(2)]') as { dim: string; size: number | null }[];
    expect(v.map((d) => [d.dim, d.size])).toEqual([
      ['time*2', null],
      ['(1+time)+1', null],
      ['time', null],
      ['⌈feat/4⌉', 2],
      ['time', null],
      ['-1*time', null],
      ['feat /l 2', 3],
    ]);
  });
  it('refuses what it cannot read, naming the line', () => {
    expect(errorOf('from returnn.tf.util.data import SpatialDim\nx = SpatialDim("t", 3, 4)').message).toMatch(/x\.config:3:5.*SpatialDim\(\) takes at most 2 positional argument/s);
    expect(errorOf('from returnn.tensor import Dim\nx = Dim(3, name="a", vocab=None)').message).toMatch(/:3:5.*Dim\(\) with vocab: Strata reads description\/name, dimension and kind only/s);
    expect(errorOf('from returnn.tf.util.data import SpatialDim\nx = SpatialDim("t") * 1.5').message).toMatch(/:3:5.*unsupported Dim arithmetic/s);
    // Other names of those modules are opaque: an error where an option uses them, naming their line.
    const c = parse('from returnn.tensor import Tensor\nx = Tensor("a")');
    expect(findOpaque(c.entries.get('x')!.value)!.opaque.location).toMatchObject({ line: 3 });
  });
});

const MODERN = `
from returnn.tensor import batch_dim
from returnn.tf.util.data import SpatialDim, FeatureDim

time_dim = SpatialDim("time")
in_dim = FeatureDim("in", 4)
hidden_dim = FeatureDim("hidden", 3)
extern_data = {"data": {"dim_tags": [batch_dim, time_dim, in_dim]}}
network = {
    "lin": {"class": "linear", "from": "data", "in_dim": in_dim, "out_dim": hidden_dim, "activation": "tanh"},
    "conv": {"class": "conv", "from": "lin", "filter_size": [3], "strides": 2, "padding": "same",
             "in_spatial_dims": [time_dim], "out_spatial_dims": [time_dim.ceildiv_right(2)], "out_dim": hidden_dim},
    "output": {"class": "reduce", "mode": "max", "from": "conv", "axis": time_dim.ceildiv_right(2), "out_shape": {batch_dim, hidden_dim}},
}
`;

describe('a modern-style .config builds and runs', () => {
  it('as the same net with axis strings and n_out computes', () => {
    const c = parse(MODERN);
    const externData = toPlain(c.entries.get('extern_data')!.value) as Record<string, never>;
    const net = NetDictNetwork.fromDict(toPlain(c.entries.get('network')!.value) as NetDict, { externData, seed: 3 });
    const plain = NetDictNetwork.fromDict(
      {
        lin: { class: 'linear', from: 'data', n_out: 3, activation: 'tanh' },
        conv: { class: 'conv', from: 'lin', filter_size: [3], strides: 2, padding: 'same', n_out: 3 },
        output: { class: 'reduce', mode: 'max', from: 'conv', axis: 'T' },
      } as unknown as NetDict,
      { externData: { data: { shape: [null, 4] } }, seed: 3 },
    );
    const batch = () => ({ data: ops.tensor(Array.from({ length: 2 * 6 * 4 }, (_, i) => Math.cos(i)), [2, 6, 4]), 'data:size1': ops.tensor([6, 3], [2], 'int32') });
    const read = (t: Tensor) => Array.from(ops.readSync(t));
    expect(net.node('conv').output.dims.map((d) => d.description)).toEqual(['⌈time/2⌉', 'hidden']);
    const a = net.forward(batch()).get('output')!.value;
    expect(a.shape).toEqual([2, 3]);
    expect(read(a)).toEqual(read(plain.forward(batch()).get('output')!.value));
  });
});
