// RETURNN's LayerBase keys name_scope, reuse_params and batch_norm, and base:data:<key> inside sub-networks and rec
// units: the params' names (RETURNN's, checked in tools/returnn-ref fixtures too), which params are one variable (shared,
// updated once), and closed-form outputs.
import { ops, setBackend, type Tensor } from '@strata/backend';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { BatchNorm } from '@strata/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { NetDictError } from '../errors.js';
import '../index.js';
import { NetDictNetwork } from './net-dict-network.js';
import type { NetDict } from './schema.js';

beforeAll(async () => {
  registerTfjsBackends();
  await setBackend('tfjs-cpu');
});

const [B, T, F] = [2, 3, 4];
const extern = { data: { shape: [null, F] } };
const build = (net: Record<string, unknown>, behaviorVersion?: number) => NetDictNetwork.fromDict(net as NetDict, { externData: extern, seed: 3, behaviorVersion });
const xs = Float32Array.from({ length: B * T * F }, (_, i) => Math.sin(i * 0.37 + 0.1));
const batch = () => ({ data: ops.tensor(xs, [B, T, F]), 'data:size1': ops.tensor([T, T - 1], [B], 'int32') });
const read = (t: Tensor) => Array.from(ops.readSync(t));
const paths = (net: NetDictNetwork) => net.variables.map((v) => v.path);
const lin = (from: unknown, extra: Record<string, unknown> = {}) => ({ class: 'linear', activation: 'tanh', n_out: F, from, ...extra });

describe('name_scope (RETURNN LayerBase.get_base_absolute_name_scope_prefix)', () => {
  it('relative, absolute and empty scopes give RETURNN’s param names', () => {
    expect(paths(build({ output: lin('data', { name_scope: 'custom_name' }) }))).toEqual(['network/custom_name/kernel', 'network/custom_name/bias']);
    const abs = build({
      output: {
        class: 'subnetwork',
        from: [],
        subnetwork: { l1: lin('base:data:data'), l2: lin('base:data:data', { name_scope: '/custom_name' }), output: { class: 'combine', kind: 'add', from: ['l1', 'l2'] } },
      },
    });
    expect(paths(abs).sort()).toEqual(['network/custom_name/bias', 'network/custom_name/kernel', 'network/output/l1/bias', 'network/output/l1/kernel']);
    expect(paths(build({ output: lin('data', { name_scope: '' }) }))).toEqual(['network/kernel', 'network/bias']);
  });

  it('two layers in one scope are one set of variables, trained once', () => {
    const net = build({ layer1: lin('data'), output: lin('layer1', { name_scope: 'layer1' }) });
    expect(paths(net)).toEqual(['network/layer1/kernel', 'network/layer1/bias']);
    expect(net.params.getTrainableParams()).toHaveLength(2);
    const [k, b] = net.variables.map((v) => v.value);
    // output = tanh(tanh(x W + b) W + b) with the one W, b.
    const x = ops.reshape(batch().data, [B * T, F]);
    const once = (t: Tensor) => ops.tanh(ops.add(ops.matMul(t, k!), b!));
    const got = read(net.forward(batch()).get('output')!.value);
    read(once(once(x))).forEach((v, i) => expect(got[i]).toBeCloseTo(v, 5));
  });

  it('a rec layer with name_scope "" puts its unit’s params at the top, shared by scope', () => {
    const net = build({
      output: {
        class: 'rec',
        from: 'data',
        name_scope: '',
        optimize_move_layers_out: false,
        unit: {
          layer1: lin(['data:source', 'prev:output']),
          layer2: lin(['data:source', 'prev:output'], { name_scope: 'layer1' }),
          output: { class: 'combine', kind: 'add', from: ['layer1', 'layer2'] },
        },
      },
    });
    expect(paths(net)).toEqual(['network/layer1/kernel', 'network/layer1/bias']);
  });

  it('refuses a scope ending in "/" and a shared param of another shape', () => {
    expect(() => build({ output: lin('data', { name_scope: 'a/' }) })).toThrow(/name_scope must not end with "\/"/);
    expect(() => build({ l1: lin('data'), output: { class: 'linear', n_out: 3, from: 'l1', name_scope: 'l1' } })).toThrow(NetDictError);
    expect(() => build({ l1: lin('data'), output: { class: 'linear', n_out: 3, from: 'l1', name_scope: 'l1' } })).toThrow(/shared with 'network\/l1\/kernel'.*same shape/);
  });
});

describe('reuse_params (RETURNN ReuseParams)', () => {
  it('a layer name: the other layer’s variables, whichever is built first', () => {
    const net = build({ output: lin('data', { reuse_params: 'l1', activation: 'sigmoid' }), l1: lin('data', { activation: null }) });
    expect(paths(net)).toEqual(['network/l1/kernel', 'network/l1/bias']);
    const outs = net.forward(batch());
    const got = read(outs.get('output')!.value);
    read(ops.sigmoid(outs.get('l1')!.value)).forEach((v, i) => expect(got[i]).toBeCloseTo(v, 4));
  });

  it('base:<layer> from a rec unit in a dependency loop: the unit layer and the outer one share', () => {
    const net = build({
      loop: { class: 'rec', from: 'data', unit: { pre: lin(['data:source', 'prev:output']), sub: lin('pre', { reuse_params: 'base:after' }), output: { class: 'combine', kind: 'add', from: ['pre', 'sub'] } } },
      after: lin('loop'),
      output: { class: 'copy', from: 'after' },
    });
    expect(paths(net)).toEqual(['network/loop/pre/kernel', 'network/loop/pre/bias', 'network/after/kernel', 'network/after/bias']);
    expect(net.params.getTrainableParams()).toHaveLength(4);
  });

  it('a rec layer with an LSTM unit: the copy has no variables of its own', () => {
    const net = build({
      rec_fwd: { class: 'rec', unit: 'nativelstm2', n_out: 3, from: 'data' },
      output: { class: 'rec', unit: 'nativelstm2', n_out: 3, from: 'data', reuse_params: 'rec_fwd' },
    });
    expect(paths(net)).toEqual(['network/rec_fwd/kernel', 'network/rec_fwd/recurrent_kernel', 'network/rec_fwd/bias']);
    const outs = net.forward(batch());
    expect(read(outs.get('output')!.value)).toEqual(read(outs.get('rec_fwd')!.value));
  });

  it('a map: mapped params shared, null ones the layer’s own', () => {
    const net = build({
      ff0: lin('data'),
      output: lin('data', { reuse_params: { map: { W: { reuse_layer: 'ff0' }, b: null } } }),
    });
    expect(paths(net)).toEqual(['network/ff0/kernel', 'network/ff0/bias', 'network/output/bias']);
  });

  it('refuses what Strata cannot honour, naming the key', () => {
    expect(() => build({ l1: lin('data'), output: lin('data', { reuse_params: 'nope' }) })).toThrow(/reuse_params names layer 'nope'/);
    expect(() => build({ l1: lin('data'), output: lin('data', { reuse_params: { map: { W: 'l1' } } }) })).toThrow(/"map" without its param 'b'.*auto_create_missing/);
    expect(() => build({ l1: lin('data'), output: lin('data', { reuse_params: { map: { W: { custom: 1 } } } }) })).toThrow(NetDictError);
    expect(() => build({ l1: lin('data'), output: lin('data', { reuse_params: { custom: 'f' } }) })).toThrow(/key 'custom'/);
    // auto_create_missing: params not in the map are the layer's own.
    expect(paths(build({ l1: lin('data'), output: lin('data', { reuse_params: { map: { W: 'l1' }, auto_create_missing: true } }) }))).toEqual([
      'network/l1/kernel',
      'network/l1/bias',
      'network/output/bias',
    ]);
  });
});

describe('batch_norm as a LayerBase option', () => {
  it('normalises the layer’s output with params in the layer’s scope (eval from behavior_version 12: the moving statistics)', () => {
    const net = build({ output: { class: 'linear', activation: null, n_out: F, from: 'data', batch_norm: { masked_time: true, epsilon: 0.01 } } }, 12);
    expect(paths(net)).toEqual([
      'network/output/kernel',
      'network/output/bias',
      'network/output/gamma',
      'network/output/beta',
      'network/output/moving_mean',
      'network/output/moving_variance',
    ]);
    const [k, b, gamma, beta, mean, variance] = net.variables;
    for (const [v, vals] of [
      [gamma!, [1.5, 0.5, 2, 1]],
      [beta!, [0.1, -0.2, 0.3, 0]],
      [mean!, [0.2, 0, -0.1, 0.4]],
      [variance!, [0.9, 1.2, 0.6, 2]],
    ] as const) {
      v.assign(ops.tensor(Float32Array.from(vals), [F]));
    }
    const lin = ops.add(ops.matMul(ops.reshape(batch().data, [B * T, F]), k!.value), b!.value);
    const want = ops.add(ops.mul(ops.div(ops.sub(lin, mean!.value), ops.sqrt(ops.add(variance!.value, 0.01))), gamma!.value), beta!.value);
    const got = read(net.forward(batch()).get('output')!.value);
    read(want).forEach((v, i) => expect(got[i]).toBeCloseTo(v, 4));
    expect(net.node('output').layer.layers.some((l) => l instanceof BatchNorm)).toBe(true);
  });

  it('refuses a bad batch_norm option with the entry and the option', () => {
    expect(() => build({ output: { class: 'linear', n_out: F, from: 'data', batch_norm: { momentum: 'x', masked_time: true } } })).toThrow(/'output'.*batch_norm:.*momentum/);
    expect(() => build({ output: { class: 'linear', n_out: F, from: 'data', batch_norm: true } }, 12)).toThrow(/batch_norm:.*masked_time must be given/);
  });
});

describe('base:data:<key> (RETURNN: the enclosing network’s extern data)', () => {
  it('in a subnetwork: the network’s input, not the subnetwork’s "data"', () => {
    const net = build({
      a: { class: 'linear', activation: null, n_out: 2, from: 'data' },
      output: { class: 'subnetwork', from: 'a', subnetwork: { output: { class: 'copy', from: 'base:data:data' } } },
    });
    expect(read(net.forward(batch()).get('output')!.value)).toEqual(Array.from(xs));
  });

  it('in a rec unit: the whole sequence, and a missing key is named', () => {
    const net = build({
      output: {
        class: 'rec',
        from: 'data',
        unit: { whole: { class: 'reduce', mode: 'max', axis: 'T', from: 'base:data' }, output: { class: 'combine', kind: 'add', from: ['data:source', 'whole'] } },
      },
    });
    const got = read(net.forward(batch()).get('output')!.value);
    // max over the valid frames of each sequence, added to every frame.
    for (let b = 0; b < B; b++) {
      for (let f = 0; f < F; f++) {
        const frames = Array.from({ length: b === 0 ? T : T - 1 }, (_, t) => xs[(b * T + t) * F + f]!);
        for (let t = 0; t < T; t++) expect(got[(b * T + t) * F + f]).toBeCloseTo(xs[(b * T + t) * F + f]! + Math.max(...frames), 5);
      }
    }
    expect(() => build({ output: { class: 'rec', from: 'data', unit: { output: { class: 'copy', from: 'base:data:nope' } } } })).toThrow(/base:data:nope.*no key 'nope'/);
  });
});

describe('extra.<prefix>:<layer> entries (RETURNN: the extra net’s own layer, params shared by name)', () => {
  it('the extra net builds its own subnet; output2’s params are the base’s; extra.3 without an entry is the base’s subnet', () => {
    const net = build({
      subnet: { class: 'subnetwork', from: 'data', subnetwork: { output: lin('data'), output2: lin('data', { is_output_layer: true }) } },
      'extra.2:subnet': {
        class: 'subnetwork',
        from: 'data',
        subnetwork: { output: { class: 'copy', from: 'data' }, output2: lin('data:data', { activation: null, is_output_layer: true }) },
      },
      a: { class: 'copy', from: 'subnet/output2', is_output_layer: true },
      b: { class: 'activation', activation: 'tanh', from: 'extra.2:subnet/output2', is_output_layer: true },
      c: { class: 'copy', from: 'extra.2:subnet/output', is_output_layer: true },
      d: { class: 'copy', from: 'extra.3:subnet/output', is_output_layer: true },
      output: { class: 'copy', from: 'subnet' },
    });
    expect(paths(net)).toEqual(['network/subnet/output/kernel', 'network/subnet/output/bias', 'network/subnet/output2/kernel', 'network/subnet/output2/bias']);
    const outs = net.forward(batch());
    expect(read(outs.get('b')!.value)).toEqual(read(outs.get('a')!.value));
    expect(read(outs.get('c')!.value)).toEqual(Array.from(xs));
    expect(read(outs.get('d')!.value)).toEqual(read(outs.get('output')!.value));
  });
});

describe('losses without a target (RETURNN need_target False: as_is)', () => {
  it('get no default target; the loss is the output summed over its frames, also in a subnetwork and without a batch axis', () => {
    const net = build({
      sub: {
        class: 'subnetwork',
        from: [],
        subnetwork: { var: { class: 'variable', shape: [1] }, loss: { class: 'copy', from: 'var', loss: 'as_is' }, output: { class: 'copy', from: 'var' } },
      },
      seq: { class: 'linear', activation: null, n_out: 2, from: 'data', loss: 'as_is' },
      output: { class: 'copy', from: 'sub' },
    });
    expect(net.getUsedTargets()).toEqual([]);
    const c = net.computeLosses(batch());
    const v = ops.item(net.variables.find((x) => x.path === 'network/sub/var/var')!.value);
    expect(ops.item(c.losses.get('sub/loss')!.lossForObjective)).toBeCloseTo(v, 6);
    const seq = read(c.outputs.get('seq')!.value);
    const want = seq.filter((_, i) => Math.floor(i / 2) % T < (Math.floor(i / (2 * T)) === 0 ? T : T - 1)).reduce((a, b) => a + b, 0);
    expect(ops.item(c.losses.get('seq')!.lossForObjective)).toBeCloseTo(want, 4);
    expect(ops.item(c.losses.get('seq')!.lossForReport)).toBeCloseTo(want / (2 * T - 1), 4);
  });
});

describe('a subnetwork inside a rec unit (RETURNN flattens it into the unit)', () => {
  it('prev:<layer> of its own layer is that layer’s previous frame: a running sum of the frames', () => {
    const net = build({
      output: {
        class: 'rec',
        from: 'data',
        unit: {
          accum_sub: {
            class: 'subnetwork',
            from: [],
            subnetwork: { accum: { class: 'combine', kind: 'add', from: ['prev:accum', 'base:data:source'] }, output: { class: 'copy', from: 'accum' } },
          },
          output: { class: 'copy', from: 'accum_sub' },
        },
      },
    });
    const got = read(net.forward(batch()).get('output')!.value);
    for (let b = 0; b < B; b++) {
      for (let f = 0; f < F; f++) {
        let sum = 0;
        for (let t = 0; t < T; t++) {
          sum += xs[(b * T + t) * F + f]!;
          expect(got[(b * T + t) * F + f]).toBeCloseTo(sum, 5);
        }
      }
    }
  });
});

describe('base:prev:<layer> from a subnetwork inside a rec unit', () => {
  it('is the unit layer’s previous frame (zeros at the first): out[t] = x[t] + out[t-1]', () => {
    const net = build({
      output: {
        class: 'rec',
        from: 'data',
        unit: {
          sub: { class: 'subnetwork', from: 'data:source', subnetwork: { output: { class: 'combine', kind: 'add', from: ['data', 'base:prev:output'] } } },
          output: { class: 'copy', from: 'sub', n_out: F },
        },
      },
    });
    const got = read(net.forward(batch()).get('output')!.value);
    for (let b = 0; b < B; b++) {
      for (let f = 0; f < F; f++) {
        let acc = 0;
        for (let t = 0; t < T; t++) {
          acc += xs[(b * T + t) * F + f]!;
          expect(got[(b * T + t) * F + f]).toBeCloseTo(acc, 5);
        }
      }
    }
  });
});
