import { ops, setBackend, ShapeError, type Tensor } from '@strata/backend';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { Copy, INFERENCE, Rng, trainingContext } from '@strata/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { LayerExecutionError, layerFailureOf, LayerNotFoundError, LossesNotComputedError, NetDictError, NetworkArgumentError, RecStepInfoNotAvailableError } from '../errors.js';
import { thrownBy } from '../test-utils/thrown.js';
import { NetDictNetwork } from './net-dict-network.js';
import { registerRecClasses } from './rec-classes.js';
import type { RecUnit } from './rec-unit.js';
import { registerNetDictClass } from './registry.js';
import type { NetDict } from './schema.js';

beforeAll(async () => {
  registerTfjsBackends();
  await setBackend('tfjs-cpu');
  registerRecClasses();
});

// Test classes: the rec step index of the network that created the layer, and a layer that throws.
registerNetDictClass('step_index', {
  sources: 'concat',
  create: (c) => {
    const layer = new Copy({ name: c.name });
    return Object.assign(layer, { net: layer.untracked(c.network as NetDictNetwork) });
  },
  evaluate: ({ node, sources }) => {
    const net = (node.layer as unknown as { net: NetDictNetwork }).net;
    return { value: ops.fill([sources[0]!.value.shape[0]!, 1], net.getRecStepIndex()) };
  },
});
registerNetDictClass('boom', {
  sources: 'concat',
  create: (c) => new Copy({ name: c.name }),
  evaluate: () => {
    throw new RangeError('kaboom');
  },
});

registerNetDictClass('typed_boom', {
  sources: 'concat',
  create: (c) => new Copy({ name: c.name }),
  evaluate: () => {
    throw new ShapeError('shapes [1, 4] and [3] do not fit');
  },
});

const extern = { data: { shape: [4] }, classes: { shape: [], dim: 3, sparse: true } };
const rows = (t: Tensor, n: number) => Array.from({ length: t.shape[0]! }, (_, r) => Array.from(ops.readSync(t).slice(r * n, r * n + n)));

describe('TFNetwork data keys and batches (seed 003)', () => {
  it('getExternData marks keys used; getSeqTags gives the batch tags (or seq-<i>), repeated per beam', () => {
    const net = NetDictNetwork.fromDict({ output: { class: 'softmax', n_out: 3, from: 'data', is_output_layer: true } }, { externData: { ...extern, weights: { shape: [1] } } });
    expect(net.getUsedDataKeys()).toEqual(['data']);
    expect(net.getExternData('weights').dim).toBe(1);
    expect(net.getUsedDataKeys().sort()).toEqual(['data', 'weights']);
    expect(net.getExternData('classes', { markDataKeyAsUsed: false }).sparse).toBe(true);
    expect(net.usedDataKeys().sort()).toEqual(['data', 'weights']);
    const batch = { data: ops.zeros([2, 4]) };
    expect(net.getSeqTags(batch)).toEqual(['seq-0', 'seq-1']);
    expect(net.getSeqTags({ ...batch, seq_tag: ['a/1', 'b/7'] }, { beam: 2 })).toEqual(['a/1', 'a/1', 'b/7', 'b/7']);
    expect(net.getUsedDataKeys({ excludeExtraAdded: false }).sort()).toEqual(['data', 'seq_tag', 'weights']);
    expect(net.getUsedDataKeys().sort()).toEqual(['data', 'weights']);
    expect(() => net.getSeqTags({ ...batch, seq_tag: ['x'] })).toThrow(NetworkArgumentError);
    expect(net.getBatchDim(batch)).toBe(2);
    expect(net.getBatchDim({ other: ops.zeros([5, 1]) })).toBe(5);
    expect(() => net.getBatchDim({})).toThrow(/no tensors/);
    expect(() => net.getExternData('nope')).toThrow(LayerNotFoundError);
  });

  it('output layers, default output layer and targets', () => {
    const net = NetDictNetwork.fromDict(
      { a: { class: 'softmax', loss: 'ce', from: 'data', is_output_layer: true }, b: { class: 'linear', n_out: 2, from: 'data', is_output_layer: true } },
      { externData: extern },
    );
    expect(net.getOutputLayers().map((n) => n.name)).toEqual(['a', 'b']);
    expect(net.getDefaultOutputLayerName()).toBe('a');
    expect(net.getDefaultOutputLayer()!.name).toBe('a');
    expect(net.getUsedTargets()).toEqual(['classes']);
    expect(net.getDefaultTarget()).toBe('classes');
    const empty = new NetDictNetwork({ externData: extern });
    expect(empty.getDefaultOutputLayer({ mustExist: false })).toBeUndefined();
    expect(() => empty.getDefaultOutputLayer()).toThrow(LayerNotFoundError);
  });
});

describe('TFNetwork losses and fetches (seed 003)', () => {
  const dict: NetDict = { output: { class: 'softmax', loss: 'ce', from: 'data', L2: 0.01 } };
  const mkBatch = () => ({ data: ops.tensor(Float32Array.from([1, 0, 0, 0, 0, 2, 0, 1, 0, 0, -1, 3]), [3, 4]), classes: ops.tensor(Int32Array.from([0, 1, 2]), [3], 'int32') });

  it('computeLosses gives total loss (summed CE: use_normalized_loss false, as RETURNN), constraints (L2) and objective; getFetchesDict names them as RETURNN', () => {
    const net = NetDictNetwork.fromDict(dict, { externData: extern, seed: 3 });
    const batch = mkBatch();
    expect(() => net.getObjective()).toThrow(LossesNotComputedError);
    expect(Object.keys(net.getLossesInitialized().losses)).toEqual(['output']);
    const probs = rows(net.forward(batch).get('output')!.value, 3);
    const ce = -(Math.log(probs[0]![0]!) + Math.log(probs[1]![1]!) + Math.log(probs[2]![2]!)) / 3;
    const errors = probs.filter((p, i) => p.indexOf(Math.max(...p)) !== i).length / 3;
    const l2 = 0.01 * net.getWeights().flatMap((w) => Array.from(w)).reduce((a, v) => a + v * v, 0);
    net.computeLosses(batch);
    expect(ops.item(net.getTotalLoss())).toBeCloseTo(3 * ce, 5);
    expect(ops.item(net.getTotalConstraints())).toBeCloseTo(l2, 6);
    expect(ops.item(net.getObjective())).toBeCloseTo(3 * ce + l2, 5);
    const { totalLoss } = net.getLossesInitialized({ withTotal: true });
    expect(ops.item(totalLoss!)).toBeCloseTo(3 * ce, 5);
    const f = net.getFetchesDict(batch, { withSize: true });
    expect(Object.keys(f).sort()).toEqual(['cost:output', 'error:output', 'loss', 'loss_norm_factor:output']);
    expect(ops.item(f.loss!)).toBeCloseTo(3 * ce + l2, 5);
    expect(ops.item(f['cost:output']!)).toBeCloseTo(ce, 5);
    expect(ops.item(f['error:output']!)).toBeCloseTo(errors, 6);
    expect(ops.item(f['loss_norm_factor:output']!)).toBeCloseTo(1 / 3, 6);
    expect(Object.keys(net.getFetchesDict(batch, { shouldEval: false }))).toEqual([]);
  });

  it('getFetchesDict withSize gives the lengths of sequence data; a network without losses has total loss 0', () => {
    const net = NetDictNetwork.fromDict({ output: { class: 'linear', n_out: 2, from: 'data', is_output_layer: true } }, { externData: { data: { dim: 2, shape: [null, 2] } } });
    const f = net.getFetchesDict({ data: ops.zeros([2, 5, 2]), 'data:size1': ops.tensor(Int32Array.from([5, 3]), [2], 'int32') }, { withSize: true });
    expect(Array.from(ops.readSync(f['data:size1']!))).toEqual([5, 3]);
    expect(ops.item(net.getTotalLoss())).toBe(0);
  });

  it('condOnTrain follows the train flag, else the call context', () => {
    const dyn = new NetDictNetwork({ externData: extern });
    expect(dyn.condOnTrain(() => 'train', () => 'eval', trainingContext(new Rng(1)))).toBe('train');
    expect(dyn.condOnTrain(() => 'train', () => 'eval', INFERENCE)).toBe('eval');
    expect(() => dyn.condOnTrain(() => 1, () => 2)).toThrow(/dynamic train flag/);
    const fixed = new NetDictNetwork({ externData: extern, trainFlag: false });
    expect(fixed.condOnTrain(() => 'train', () => 'eval', trainingContext(new Rng(1)))).toBe('eval');
  });
});

describe('TFNetwork search choices and rec step info (seed 003)', () => {
  const decoder: NetDict = {
    enc: { class: 'linear', activation: 'tanh', n_out: 3 },
    output: {
      class: 'rec',
      from: [],
      max_seq_len: 4,
      unit: {
        embed: { class: 'linear', activation: null, with_bias: false, from: ['prev:output'], n_out: 3 },
        prob: { class: 'softmax', from: ['embed'], target: 'classes', loss: 'ce' },
        output: { class: 'choice', from: ['prob'], target: 'classes', beam_size: 2, initial_output: 0 },
        end: { class: 'compare', from: ['output'], value: 0 },
      },
      target: 'classes',
    },
    decision: { class: 'decide', from: ['output'] },
  } as never;
  const ext = { data: { dim: 2, shape: [null, 2] }, classes: { dim: 3, sparse: true, shape: [null] } };

  it('getSearchChoices finds the choice (through rec and decide) only when searching; debugSearchChoices logs and returns false', () => {
    const search = NetDictNetwork.fromDict(decoder, { externData: ext, searchFlag: true });
    expect(search.getSearchChoices({ src: 'decision' })?.name).toBe('output');
    expect(search.getSearchChoices({ sources: ['enc'] })).toBeNull();
    const unit = (search.getLayer('output') as RecUnit).net;
    expect(unit.searchFlag).toBe(true);
    const choice = unit.getSearchChoices({ src: 'end' });
    expect(choice?.entry.class).toBe('choice');
    const lines: string[] = [];
    expect(search.debugSearchChoices('decision', (l) => lines.push(l))).toBe(false);
    expect(lines[0]).toMatch(/layer 'decision' \(decide\) search choices: no/);
    expect(lines.at(-1)).toBe("search choices of 'decision': output");
    expect(NetDictNetwork.fromDict(decoder, { externData: ext }).getSearchChoices({ src: 'decision' })).toBeNull();
  });

  it('a rec unit sets its step info per frame: the step index is 0, 1, 2 over three frames', () => {
    const net = NetDictNetwork.fromDict(
      { output: { class: 'rec', from: 'data', unit: { i: { class: 'step_index', from: 'data:source' }, output: { class: 'linear', n_out: 1, from: 'i', activation: null } } } as never },
      { externData: { data: { dim: 1, shape: [null, 1] } }, seed: 1 },
    );
    const unit = (net.getLayer('output') as RecUnit).net;
    const kernel = unit.params.getParamValuesDict().output!.kernel!;
    unit.params.setParamValuesByDict({ output: { kernel: [1], bias: [0] } });
    expect(kernel.shape).toEqual([1, 1]);
    const out = net.forward({ data: ops.zeros([1, 3, 1]) }).get('output')!.value;
    expect(Array.from(ops.readSync(out))).toEqual([0, 1, 2]);
    expect(unit.haveRecStepInfo()).toBe(false);
    expect(unit.getRecStepInfo({ mustExist: false })).toBeUndefined();
    expect(() => unit.getRecStepIndex()).toThrow(RecStepInfoNotAvailableError);
    expect(() => net.getRecStepInfo()).toThrow(/rec step info exists only inside/);
  });
});

describe('TFNetwork hooks, info and diagnostics (seed 003)', () => {
  it('post-control dependencies run on request; graph-reset callbacks on reset() and dispose()', () => {
    const net = NetDictNetwork.fromDict({ output: { class: 'softmax', loss: 'ce', from: 'data' } }, { externData: extern });
    const calls: string[] = [];
    net.registerPostControlDependencies([() => calls.push('a'), () => calls.push('b')]);
    expect(net.getPostControlDependencies()).toHaveLength(2);
    net.runPostControlDependencies();
    net.registerGraphResetCallback(() => calls.push('reset'));
    expect(net.getGraphResetCallbacks()).toHaveLength(1);
    net.reset();
    net.dispose();
    expect(calls).toEqual(['a', 'b', 'reset', 'reset']);
  });

  it('printNetworkInfo returns and logs layers, output Data and params', () => {
    const net = NetDictNetwork.fromDict({ hidden: { class: 'linear', n_out: 5, from: 'data' }, output: { class: 'softmax', loss: 'ce', from: 'hidden' } }, { externData: extern });
    const logged: string[] = [];
    const text = net.printNetworkInfo({ log: (t) => logged.push(t) });
    expect(logged).toEqual([text]);
    expect(text.split('\n')).toEqual([
      "Network 'network' layer topology:",
      "  extern data: Data{'data', [B,data:feature:4], float32}, Data{'classes', [B], int32, sparse classes=3}",
      '  used data keys: classes, data',
      "  layer 'hidden' (linear) from data:data -> Data{'hidden', [B,hidden:feature:5], float32}; params kernel [4, 5], bias [5]",
      "  layer 'output' (softmax) from hidden -> Data{'output', [B,output:feature:3], float32} loss ce; params kernel [5, 3], bias [3]",
      '  net params #: 43',
      '  net trainable params: network/hidden/kernel:0, network/hidden/bias:0, network/output/kernel:0, network/output/bias:0',
    ]);
  });

  it('a layer that throws is wrapped in LayerExecutionError; describeStepFailure names the layer, entry, inputs and batch', () => {
    const net = NetDictNetwork.fromDict({ bad: { class: 'boom', from: 'data' } as never, output: { class: 'softmax', loss: 'ce', from: 'bad' } }, { externData: extern });
    const batch = { data: ops.tensor(Float32Array.from([1, 2, 3, 4]), [1, 4]), classes: ops.tensor(Int32Array.from([2]), [1], 'int32') };
    const err = thrownBy(() => net.forward(batch));
    expect(err).toBeInstanceOf(LayerExecutionError);
    expect((err as LayerExecutionError).layerName).toBe('bad');
    expect((err as LayerExecutionError).cause).toBeInstanceOf(RangeError);
    const text = net.describeStepFailure(err, batch);
    expect(text.split('\n')).toEqual([
      "Step of network 'network' failed: LayerExecutionError: Layer 'bad' (class 'boom') failed: RangeError: kaboom",
      "Failing layer: 'bad' (class 'boom'): RangeError: kaboom",
      '  net dict entry: {"class":"boom","from":"data"}',
      "  output template: Data{'bad', [B,bad:feature:4], float32}",
      '  input data:data: [1, 4] float32 min=1 max=4 mean=2.500',
      'Batch:',
      "  data: Data{'data', [B,data:feature:4], float32}; [1, 4] float32 min=1 max=4 mean=2.500",
      "  classes: Data{'classes', [B], int32, sparse classes=3}; [1] int32 min=2 max=2 mean=2",
    ]);
    // Network errors already name their layer and pass through unwrapped.
    expect(() => net.forward({})).toThrow(LayerNotFoundError);
  });

  it('a typed error from a layer keeps its class (callers catch it by type) and still names the layer for describeStepFailure', () => {
    const net = NetDictNetwork.fromDict({ bad: { class: 'typed_boom', from: 'data' } as never, output: { class: 'softmax', loss: 'ce', from: 'bad' } }, { externData: extern });
    const batch = { data: ops.tensor(Float32Array.from([1, 2, 3, 4]), [1, 4]), classes: ops.tensor(Int32Array.from([2]), [1], 'int32') };
    const err = thrownBy(() => net.forward(batch));
    expect(err).toBeInstanceOf(ShapeError);
    expect(err).not.toBeInstanceOf(LayerExecutionError);
    expect(layerFailureOf(err)?.layerName).toBe('bad');
    expect(net.describeStepFailure(err, batch).split('\n').slice(0, 3)).toEqual([
      "Step of network 'network' failed: ShapeError: shapes [1, 4] and [3] do not fit",
      "Failing layer: 'bad' (class 'typed_boom'): ShapeError: shapes [1, 4] and [3] do not fit",
      '  net dict entry: {"class":"typed_boom","from":"data"}',
    ]);
  });

  it('inside a rec unit the failing layer is named <rec>/<layer> and found by describeStepFailure', () => {
    const net = NetDictNetwork.fromDict(
      { output: { class: 'rec', from: 'data', unit: { b: { class: 'boom', from: 'data:source' }, output: { class: 'copy', from: 'b' } } } as never },
      { externData: { data: { dim: 2, shape: [null, 2] } } },
    );
    const batch = { data: ops.zeros([1, 2, 2]) };
    const err = thrownBy<LayerExecutionError>(() => net.forward(batch));
    expect(err.layerName).toBe('output/b');
    expect(net.describeStepFailure(err, batch)).toMatch(/net dict entry: \{"class":"boom","from":"data:source"\}/);
    expect(net.describeStepFailure(new NetDictError('x'))).toMatch(/No failing layer recorded/);
  });
});
