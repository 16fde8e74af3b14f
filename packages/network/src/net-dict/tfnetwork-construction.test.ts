import { ops, setBackend } from '@strata/backend';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { Copy, INFERENCE } from '@strata/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { CannotHandleUndefinedSourcesError, LayerNotFoundError, NetDictError, NetworkArgumentError, NetworkConstructionDependencyLoopError, NoCurrentNetworkError } from '../errors.js';
import { thrownBy } from '../test-utils/thrown.js';
import type { NetDictNode } from './net-dict-node.js';
import { NetDictNetwork } from './net-dict-network.js';
import { registerRecClasses } from './rec-classes.js';
import type { RecUnit } from './rec-unit.js';
import { type NetDictLayerClass, registerNetDictClass } from './registry.js';
import type { LayerDescription, NetDict } from './schema.js';

beforeAll(async () => {
  registerTfjsBackends();
  await setBackend('tfjs-cpu');
  registerRecClasses();
});

const extern = { data: { shape: [4] }, classes: { shape: [], dim: 3, sparse: true } };
const net = (args: Record<string, unknown> = {}) => new NetDictNetwork({ externData: extern, seed: 1, ...args });
const seen: { name: string; stack: string[] }[] = [];
// A test class that reports the flags it runs under and the network stack at creation.
registerNetDictClass('flag_probe', {
  sources: 'concat',
  create: (c) => {
    seen.push({ name: c.name, stack: NetDictNetwork.getNetworkStack().map((n) => n.name) });
    return new Copy({ name: c.name });
  },
  evaluate: ({ sources, ctx }) => ({ value: ops.add(sources[0]!.value, ops.scalar((ctx as { search?: boolean }).search ? 100 : 0)) }),
});

describe('TFNetwork construction (seed 003)', () => {
  it('constructFrom takes a list (names from "name") or a dict; constructFromList rejects nameless and duplicate entries', () => {
    const list = [
      { name: 'hidden', class: 'linear', n_out: 5, from: 'data' },
      { name: 'output', class: 'softmax', loss: 'ce', from: 'hidden' },
    ] as (LayerDescription & { name: string })[];
    const a = net();
    a.constructFrom(list);
    const b = net();
    b.constructFrom({ hidden: { class: 'linear', n_out: 5, from: 'data' }, output: { class: 'softmax', loss: 'ce', from: 'hidden' } });
    expect([...a.nodes.keys()]).toEqual(['hidden', 'output']);
    expect(a.getWeights().map((w) => Array.from(w))).toEqual(b.getWeights().map((w) => Array.from(w)));
    expect(() => net().constructFromList([{ class: 'copy' } as never])).toThrow(/entry 0 needs a "name"/);
    expect(() => net().constructFromList([...list, list[0]!])).toThrow(/entries 0 and 2 are both named 'hidden'/);
    expect(() => net().constructFrom(42 as never)).toThrow(NetworkArgumentError);
  });

  it('constructLayer calls the getLayer hook for each source and the addLayer hook once per layer, in dependency order', () => {
    const d: NetDict = { a: { class: 'linear', n_out: 2, from: 'data' }, b: { class: 'linear', n_out: 2, from: 'a' }, output: { class: 'softmax', loss: 'ce', from: ['a', 'b'] } };
    const n = net();
    const got: string[] = [];
    const added: string[] = [];
    const hooks = {
      getLayer: (name: string): NetDictNode => {
        got.push(name);
        return n.constructLayer(d, name, hooks);
      },
      addLayer: (name: string, cls: NetDictLayerClass, desc: LayerDescription): NetDictNode => {
        added.push(`${name}:${desc.class}`);
        return n.addLayer(name, cls, desc);
      },
    };
    const out = n.constructLayer(d, 'output', hooks);
    expect(out.output.batchShape).toEqual([null, 3]);
    expect(got).toEqual(['a', 'b', 'a']);
    expect(added).toEqual(['a:linear', 'b:linear', 'output:softmax']);
    expect(n.constructLayer(d, 'output')).toBe(out); // checkExisting
  });

  it('addLayer creates one layer from a description, constructing missing sources, and refuses a taken name', () => {
    const n = net();
    n.constructFromDict({ output: { class: 'softmax', loss: 'ce', from: 'data' } });
    const extra = n.addLayer('proj', 'linear', { n_out: 7, from: 'output' });
    expect(extra.output.batchShape).toEqual([null, 7]);
    expect(n.variables.map((v) => v.name)).toContain('network/proj/kernel:0');
    expect(ops.readSync(n.forward({ data: ops.ones([2, 4]) }).get('proj')!.value)).toHaveLength(14);
    expect(() => n.addLayer('proj', 'linear', { n_out: 7 })).toThrow(NetworkArgumentError);
    expect(() => n.addLayer('proj', 'linear', { n_out: 7 })).toThrow(/already has a layer 'proj'/);
  });

  it('getLayer/node resolve base: in a rec unit and throw LayerNotFoundError otherwise', () => {
    const n = NetDictNetwork.fromDict(
      {
        enc: { class: 'linear', n_out: 3, from: 'data' },
        output: { class: 'rec', from: 'enc', unit: { s: { class: 'linear', n_out: 3, from: 'data:source' }, c: { class: 'copy', from: 'base:enc' }, output: { class: 'copy', from: 's' } } } as never,
      },
      { externData: { data: { dim: 2, shape: [null, 2] } }, seed: 2 },
    );
    const unit = (n.getLayer('output') as RecUnit).net;
    expect(unit.node('base:enc')).toBe(n.node('enc'));
    expect(unit.getLayer('base:enc')).toBe(n.node('enc').layer);
    expect(unit.isInsideRecLayer()).toBe(true);
    expect(n.isInsideRecLayer()).toBe(false);
    expect(unit.getRecParentLayer()?.name).toBe('output');
    expect(unit.getAbsoluteNamePrefix()).toBe('output/');
    expect(unit.getRootNetwork()).toBe(n);
    expect(n.getLayer({ index: 0 })).toBe(n.node('enc').layer);
    expect(() => n.getLayer('dec')).toThrow(LayerNotFoundError);
    expect(() => n.node('base:enc')).toThrow(/no parent network/);
    expect(() => n.node('extra.search:enc')).toThrow(/no extra net 'search'/);
  });

  it('errors: dependency loops name the network and stack; undefined sources name the entry', () => {
    const err = thrownBy(() => net({ name: 'mine' }).constructFromDict({ a: { class: 'linear', n_out: 2, from: 'b' }, b: { class: 'linear', n_out: 2, from: 'a' }, output: { class: 'softmax', loss: 'ce', from: 'a' } }));
    expect(err).toBeInstanceOf(NetworkConstructionDependencyLoopError);
    expect((err as NetworkConstructionDependencyLoopError).networkName).toBe('mine');
    expect((err as Error).message).toMatch(/network 'mine': a -> b -> a/);
    const e2 = thrownBy<CannotHandleUndefinedSourcesError>(() => net().constructFromDict({ output: { class: 'softmax', loss: 'ce', from: [] } }));
    expect(e2).toBeInstanceOf(CannotHandleUndefinedSourcesError);
    expect(e2.layerDesc).toEqual({ class: 'softmax', loss: 'ce', from: [] });
    expect(e2.message).toMatch(/Entry: \{"class":"softmax","loss":"ce","from":\[\]\}/);
  });

  it('getNetworkStack/getCurrentNetwork: the networks under construction, outermost first', () => {
    seen.length = 0;
    const n = NetDictNetwork.fromDict(
      {
        p: { class: 'flag_probe', from: 'data' } as never,
        output: { class: 'rec', from: 'p', unit: { q: { class: 'flag_probe', from: 'data:source' }, output: { class: 'copy', from: 'q' } } } as never,
      },
      { externData: { data: { dim: 2, shape: [null, 2] } }, name: 'outer' },
    );
    expect(seen).toEqual([
      { name: 'p', stack: ['outer'] },
      { name: 'q', stack: ['outer', 'output'] },
    ]);
    expect(n.nodes.size).toBe(2);
    expect(NetDictNetwork.getNetworkStack()).toEqual([]);
    expect(NetDictNetwork.getCurrentNetwork({ mustExist: false })).toBeUndefined();
    expect(() => NetDictNetwork.getCurrentNetwork()).toThrow(NoCurrentNetworkError);
  });
});

describe('extra nets (seed 003 construct_extra_net, "extra.search:")', () => {
  const d: NetDict = {
    h: { class: 'linear', n_out: 4, from: 'data' },
    probe: { class: 'flag_probe', from: 'h' } as never,
    output: { class: 'softmax', loss: 'ce', from: 'probe' },
  };

  it('"extra.search:<layer>" creates the layer in an extra net with search on, sharing weights with the base', () => {
    const n = NetDictNetwork.fromDict({ ...d, both: { class: 'combine', kind: 'sub', from: ['extra.search:probe', 'probe'] } as never }, { externData: extern, seed: 4 });
    const before = n.params.getParamsList().length;
    expect(n.graph.extraNets.get('search')!.searchFlag).toBe(true);
    expect(n.node('extra.search:probe').layer).toBe(n.node('probe').layer);
    expect(n.params.getParamsList()).toHaveLength(before);
    const outs = n.forward({ data: ops.ones([2, 4]) });
    // The extra net's probe runs under search (+100), the base's not; h is the base's (same values).
    expect(Array.from(ops.readSync(outs.get('both')!.value))).toEqual(Array(8).fill(100));
    expect(outs.has('extra.search:probe')).toBe(true);
  });

  it('constructExtraNet re-creates only the listed layers; their losses are added, named extra.<prefix>:<layer>', () => {
    const n = NetDictNetwork.fromDict(d, { externData: extern, seed: 5 });
    const [out] = n.constructExtraNet(d, ['output'], { searchFlag: true });
    expect(out!.lossHolder!.name).toBe('extra.search:output');
    expect(n.graph.extraNets.get('search')!.nodes.size).toBe(1); // probe and h come from the base
    expect(n.lossNodes().map((x) => x.name)).toEqual(['output', 'extra.search:output']);
    const outs = n.forward({ data: ops.ones([1, 4]) }, INFERENCE);
    expect(Array.from(ops.readSync(outs.get('extra.search:output')!.value))).toEqual(Array.from(ops.readSync(outs.get('output')!.value)));
    // depLayersInExtra: a not yet constructed dependency goes to the extra net.
    const m = new NetDictNetwork({ externData: extern, seed: 5 });
    m.constructLayer(d, 'h');
    m.constructExtraNet(d, ['output'], { prefixName: 'search', depLayersInExtra: true });
    expect([...m.graph.extraNets.get('search')!.nodes.keys()]).toEqual(['probe', 'output']);
    expect(() => n.constructExtraNet(d, ['nope'], { searchFlag: true })).toThrow(LayerNotFoundError);
    expect(() => NetDictNetwork.fromDict({ output: { class: 'softmax', loss: 'ce', from: 'extra.search:nope' } }, { externData: extern })).toThrow(/no layer 'nope' to create in the extra net/);
  });

  it('a network with searchFlag passes search to its layers; trainFlag overrides the call context', () => {
    const s = NetDictNetwork.fromDict(d, { externData: extern, seed: 4, searchFlag: true });
    const plain = NetDictNetwork.fromDict(d, { externData: extern, seed: 4 });
    const x = { data: ops.ones([1, 4]) };
    const diff = ops.readSync(ops.sub(s.forward(x).get('probe')!.value, plain.forward(x).get('probe')!.value));
    expect(Array.from(diff)).toEqual([100, 100, 100, 100]);
    expect(new NetDictNetwork({ externData: extern, trainFlag: true }).evalFlag).toBe(true);
    expect(new NetDictNetwork({ externData: extern, evalFlag: false }).evalFlag).toBe(false);
  });

  it('a missing extern data is a NetDictError; config.extern_data is used when externData is absent', () => {
    expect(() => new NetDictNetwork({})).toThrow(NetDictError);
    const n = new NetDictNetwork({ config: { extern_data: extern, batch_size: 7 } });
    expect(n.externData.keys).toEqual(['data', 'classes']);
    expect(n.getRunConfig()).toEqual({ extern_data: extern, batch_size: 7 });
  });
});
