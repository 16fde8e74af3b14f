import { ops, setBackend, type Tensor } from '@strata/backend';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { type CallContext, DuplicateNameError, Linear } from '@strata/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { LayerNotFoundError, NotALayerError } from './errors.js';
import { Network } from './network.js';
import { LayerSelectorError, NetworkNotInitializedError } from './network-errors.js';
import { denseHost } from './test-utils/dense-host.js';

beforeAll(async () => {
  registerTfjsBackends();
  await setBackend('tfjs-cpu');
});

// Seed 000–002's example, written in TypeScript: `self.layer_one = self.track_layer(tf.layers.Dense(16))`.
class TwoLayerNetwork extends Network {
  layerOne = this.trackLayer(new Linear({ units: 16, biasInitializer: 'ones' }));
  layerTwo = this.trackLayer(new Linear({ units: 1, biasInitializer: 'ones' }));
  override call(inputs: Tensor | Tensor[], ctx: CallContext): Tensor {
    return this.layerTwo.apply(this.layerOne.apply(inputs, ctx), ctx);
  }
}

describe('Network (seeds 000–002)', () => {
  it("the seed's TwoLayerNetwork prints the seed's variable names and computes layer_two(layer_one(x))", () => {
    const net = new TwoLayerNetwork({ name: 'net' });
    const output = net.apply(ops.ones([1, 8]));
    expect(output.shape).toEqual([1, 1]);
    expect(net.variables.map((v) => v.name)).toEqual([
      'net/dense/kernel:0',
      'net/dense/bias:0',
      'net/dense_1/kernel:0',
      'net/dense_1/bias:0',
    ]);
    const [k1, b1, k2, b2] = net.getWeights();
    const hidden = denseHost(new Array(8).fill(1), k1!, b1!, 1, 8, 16);
    const expected = denseHost(hidden, k2!, b2!, 1, 16, 1);
    expect(ops.readSync(output)[0]).toBeCloseTo(expected[0]!, 5);
    expect(net.layers).toEqual([net.layerOne, net.layerTwo]);
    expect(net.trainableVariables).toHaveLength(4);
    expect(net.countParams()).toBe(8 * 16 + 16 + 16 * 1 + 1);
  });

  it('name counters are per parent, not global', () => {
    const a = new TwoLayerNetwork({ name: 'a' });
    const b = new TwoLayerNetwork({ name: 'b' });
    a.apply(ops.ones([1, 2]));
    b.apply(ops.ones([1, 2]));
    expect(b.variables.map((v) => v.path)).toEqual(['b/dense/kernel', 'b/dense/bias', 'b/dense_1/kernel', 'b/dense_1/bias']);
  });

  it('trackLayer returns the layer and lists its variables; a second trackLayer of it is a no-op', () => {
    const net = new Network({ name: 'n' });
    const fc = new Linear({ units: 3 });
    expect(net.trackLayer(fc)).toBe(fc);
    expect(net.trackLayer(fc)).toBe(fc);
    expect(net.layers).toEqual([fc]);
    fc.apply(ops.ones([2, 4]));
    expect(net.variables.map((v) => v.name)).toEqual(['n/dense/kernel:0', 'n/dense/bias:0']);
  });

  it('trackLayer: TypeError -> NotALayerError, naming what it got', () => {
    const net = new Network({ name: 'n' });
    expect(() => net.trackLayer({} as never)).toThrow(NotALayerError);
    expect(() => net.trackLayer(null as never)).toThrow(/Received: null/);
    expect(() => net.trackLayer(3 as never)).toThrow(/Received: number/);
    expect(() => net.trackLayer(new Map() as never)).toThrow(/Received: Map/);
    expect(net.layers).toEqual([]);
  });

  it('trackLayer: ValueError (name taken) -> DuplicateNameError naming both layers; nothing is added', () => {
    const net = new Network({ name: 'n' });
    net.trackLayer(new Linear({ units: 2, name: 'fc' }));
    expect(() => net.trackLayer(new Linear({ units: 3, name: 'fc' }))).toThrow(DuplicateNameError);
    expect(() => net.trackLayer(new Linear({ units: 3, name: 'fc' }))).toThrow(/already used by 'n\/fc'/);
    expect(net.layers.map((l) => l.name)).toEqual(['fc']);
  });

  it('trackLayer: RuntimeError (before __init__) -> NetworkNotInitializedError, reachable only by borrowing the method', () => {
    const notConstructed = Object.create(Network.prototype) as Network;
    expect(() => notConstructed.trackLayer(new Linear({ units: 2 }))).toThrow(NetworkNotInitializedError);
    expect(() => Network.prototype.trackLayer.call({} as Network, new Linear({ units: 2 }))).toThrow(/constructor never ran/);
  });

  it('getLayer by name and by index', () => {
    const net = new TwoLayerNetwork({ name: 'net' });
    expect(net.getLayer({ name: 'dense_1' })).toBe(net.layerTwo);
    expect(net.getLayer({ name: 'dense' })).toBe(net.layerOne);
    expect(net.getLayer({ index: 0 })).toBe(net.layerOne);
    expect(net.getLayer({ index: 1 })).toBe(net.layerTwo);
  });

  it('getLayer errors: neither/both -> LayerSelectorError; not found / out of range -> LayerNotFoundError', () => {
    const net = new TwoLayerNetwork({ name: 'net' });
    expect(() => net.getLayer({} as never)).toThrow(LayerSelectorError);
    expect(() => net.getLayer({} as never)).toThrow(/exactly one of/);
    expect(() => net.getLayer({ name: 'dense', index: 0 } as never)).toThrow(LayerSelectorError);
    expect(() => net.getLayer({ index: 0.5 })).toThrow(LayerSelectorError);
    expect(() => net.getLayer({ name: '' })).toThrow(LayerSelectorError);
    expect(() => net.getLayer({ name: 'nope' })).toThrow(LayerNotFoundError);
    expect(() => net.getLayer({ name: 'nope' })).toThrow(/No layer named 'nope' in network 'net'. Layers: dense, dense_1/);
    expect(() => net.getLayer({ index: 2 })).toThrow(LayerNotFoundError);
    expect(() => net.getLayer({ index: 2 })).toThrow(/out of range \[0, 2\)/);
    expect(() => net.getLayer({ index: -1 })).toThrow(LayerNotFoundError);
    expect(() => new Network({ name: 'empty' }).getLayer({ name: 'x' })).toThrow(/Layers: none/);
  });

  it('a shared layer keeps its first owner and appears in both networks; lowest index wins', () => {
    const first = new Network({ name: 'first' });
    const second = new Network({ name: 'second' });
    const shared = first.trackLayer(new Linear({ units: 2 }));
    const own = second.trackLayer(new Linear({ units: 2 }));
    second.trackLayer(shared);
    shared.apply(ops.ones([1, 3]));
    own.apply(ops.ones([1, 3]));
    expect(shared.scopeName).toBe('first/dense');
    expect(second.layers).toEqual([own, shared]);
    // Both are named 'dense': the seed's "lowest index wins".
    expect(second.getLayer({ name: 'dense' })).toBe(own);
    expect(second.getLayer({ index: 1 })).toBe(shared);
    expect(second.variables.map((v) => v.name)).toEqual(['second/dense/kernel:0', 'second/dense/bias:0', 'first/dense/kernel:0', 'first/dense/bias:0']);
    expect(first.variables.map((v) => v.name)).toEqual(['first/dense/kernel:0', 'first/dense/bias:0']);
  });

  it('freezing a network moves its weights to nonTrainableWeights', () => {
    const net = new TwoLayerNetwork({ name: 'net' });
    net.apply(ops.ones([1, 4]));
    net.trainable = false;
    expect(net.trainableWeights).toHaveLength(0);
    expect(net.nonTrainableWeights).toHaveLength(4);
  });

  it('a Network without call() says how to give it one', () => {
    expect(() => new Network({ name: 'bare' }).apply(ops.ones([1, 2]))).toThrow(/override call/);
  });
});
