import { ops, setBackend, type Tensor } from '@strata/backend';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { type CallContext, DuplicateNameError, type Layer, Linear, TrackingCycleError } from '@strata/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { Network } from './network.js';
import { denseHost } from './test-utils/dense-host.js';

beforeAll(async () => {
  registerTfjsBackends();
  await setBackend('tfjs-cpu');
});

// The seed's TwoLayerNetwork ported the way its deprecation note says: "most code can be
// ported by simply removing the track_layer calls".
class KerasStyleTwoLayerNetwork extends Network {
  layerOne = new Linear({ units: 16, biasInitializer: 'ones' });
  layerTwo = new Linear({ units: 1, biasInitializer: 'ones' });
  override call(inputs: Tensor | Tensor[], ctx: CallContext): Tensor {
    return this.layerTwo.apply(this.layerOne.apply(inputs, ctx), ctx);
  }
}

class SeedStyleTwoLayerNetwork extends Network {
  layerOne = this.trackLayer(new Linear({ units: 16, biasInitializer: 'ones' }));
  layerTwo = this.trackLayer(new Linear({ units: 1, biasInitializer: 'ones' }));
  override call(inputs: Tensor | Tensor[], ctx: CallContext): Tensor {
    return this.layerTwo.apply(this.layerOne.apply(inputs, ctx), ctx);
  }
}

const names = (l: Layer): string[] => l.layers.map((x) => x.name);

describe('auto-tracking: layers assigned to properties (tf.keras.Model, the seeds\' recommended replacement)', () => {
  it('removing the trackLayer calls gives the same layers, variable names, initial values and output', () => {
    const keras = new KerasStyleTwoLayerNetwork({ name: 'net' });
    const seed = new SeedStyleTwoLayerNetwork({ name: 'net' });
    const x = ops.tensor([0.5, -1, 2, 0, 1, -0.25, 3, 1], [1, 8]);
    const yKeras = ops.readSync(keras.apply(x));
    const ySeed = ops.readSync(seed.apply(x));
    expect(keras.layers).toEqual([keras.layerOne, keras.layerTwo]);
    expect(keras.variables.map((v) => v.name)).toEqual(['net/dense/kernel:0', 'net/dense/bias:0', 'net/dense_1/kernel:0', 'net/dense_1/bias:0']);
    // Initial values are seeded by variable path, so equal names mean equal weights.
    expect(keras.getWeights()).toEqual(seed.getWeights());
    const [k1, b1, k2, b2] = keras.getWeights();
    const expected = denseHost(denseHost(ops.readSync(x), k1!, b1!, 1, 8, 16), k2!, b2!, 1, 16, 1);
    expect(yKeras[0]).toBeCloseTo(expected[0]!, 5);
    expect(Array.from(yKeras)).toEqual(Array.from(ySeed));
  });

  it('order: assignment order (a trackLayer call first tracks what the properties hold so far; later assignments at the next listing)', () => {
    class Mixed extends Network {
      a = new Linear({ units: 1 });
      b = this.trackLayer(new Linear({ units: 1 }));
      c: Linear;
      count = 7;
      constructor() {
        super({ name: 'mixed' });
        this.trackLayer(new Linear({ units: 1, name: 'kept_by_call_only' }));
        this.c = new Linear({ units: 1 });
      }
    }
    const net = new Mixed();
    expect(names(net)).toEqual(['dense', 'dense_1', 'kept_by_call_only', 'dense_2']);
    expect(net.layers[0]).toBe(net.a);
    expect(net.layers[1]).toBe(net.b);
    expect(net.layers[3]).toBe(net.c);
    expect(net.c.scopeName).toBe('mixed/dense_2');
  });

  it('a layer arriving twice is tracked once (trackLayer then assignment, two properties)', () => {
    class Twice extends Network {
      one = this.trackLayer(new Linear({ units: 2 }));
      alias = this.one;
      constructor() {
        super({ name: 'twice' });
        this.trackLayer(this.one);
      }
    }
    const net = new Twice();
    expect(net.layers).toEqual([net.one]);
    net.one.apply(ops.ones([1, 3]));
    expect(net.variables.map((v) => v.name)).toEqual(['twice/dense/kernel:0', 'twice/dense/bias:0']);
  });

  it('arrays of layers are tracked, also layers pushed or assigned into them later, and nested arrays', () => {
    class Stack extends Network {
      blocks: Linear[] = [new Linear({ units: 4 }), new Linear({ units: 4 })];
      grid: Linear[][] = [[new Linear({ units: 2, name: 'g00' })], [new Linear({ units: 2, name: 'g10' })]];
      override call(inputs: Tensor | Tensor[], ctx: CallContext): Tensor {
        return this.blocks.reduce((h, b) => b.apply(h, ctx), inputs as Tensor);
      }
    }
    const net = new Stack({ name: 'stack' });
    expect(Array.isArray(net.blocks)).toBe(true);
    net.blocks.push(new Linear({ units: 3 }));
    net.blocks[3] = new Linear({ units: 1 });
    expect(names(net)).toEqual(['dense', 'dense_1', 'dense_2', 'dense_3', 'g00', 'g10']);
    expect(net.blocks[2]!.name).toBe('dense_2');
    const y = net.apply(ops.ones([2, 5]));
    expect(y.shape).toEqual([2, 1]);
    expect(net.trainableVariables.map((v) => v.path)).toEqual([
      'stack/dense/kernel', 'stack/dense/bias', 'stack/dense_1/kernel', 'stack/dense_1/bias',
      'stack/dense_2/kernel', 'stack/dense_2/bias', 'stack/dense_3/kernel', 'stack/dense_3/bias',
    ]);
    // A layer pushed after the network listed its layers is appended (names are never reused).
    net.grid[0]!.push(new Linear({ units: 2 }));
    expect(names(net)).toEqual(['dense', 'dense_1', 'dense_2', 'dense_3', 'g00', 'g10', 'dense_4']);
    expect(net.blocks.map((b) => b.kernel.shape)).toEqual([[5, 4], [4, 4], [4, 3], [3, 1]]);
  });

  it('layers in plain objects are tracked too (Keras 3 TrackedDict); Maps, numbers and arrays of numbers are stored untouched', () => {
    class Holder extends Network {
      config = { hidden: new Linear({ units: 1, name: 'in_object' }) };
      lookup = new Map([['x', new Linear({ units: 1, name: 'in_map' })]]);
      sizes = [1, 2, 3];
    }
    const net = new Holder({ name: 'h' });
    expect(names(net)).toEqual(['in_object']);
    expect(net.sizes).toEqual([1, 2, 3]);
    expect(net.config.hidden.scopeName).toBe('h/in_object');
    expect(net.lookup.get('x')!.parent).toBeNull();
  });

  it('two held layers with the same explicit name: DuplicateNameError when the network lists its layers, weights or is called', () => {
    class Clash extends Network {
      a = new Linear({ units: 1, name: 'fc' });
      b?: Linear;
    }
    const net = new Clash({ name: 'clash' });
    expect(names(net)).toEqual(['fc']);
    net.b = new Linear({ units: 2, name: 'fc' });
    expect(() => names(net)).toThrow(DuplicateNameError);
    expect(() => net.weights).toThrow("Cannot track layer 'fc' (Dense) in 'clash' (held in its property b): the name is already used by 'clash/fc' (Dense).");
    expect(() => net.apply(ops.ones([1, 2]))).toThrow(DuplicateNameError);
  });

  it('a reference to an enclosing network in a property is a TrackingCycleError, not an endless weight list', () => {
    class Child extends Network {
      owner?: Network;
    }
    class Parent extends Network {
      child = new Child();
    }
    const parent = new Parent({ name: 'p' });
    parent.child.owner = parent;
    expect(() => parent.weights).toThrow(TrackingCycleError);
    expect(() => parent.layers).toThrow(
      "Cannot track Child 'child' in 'p' (held in its property child): it contains this layer, so the layer would contain itself. " +
        "Keep references to enclosing layers out of the layer's properties (pass them as call arguments), or mark them: this.x = this.untracked(layer).",
    );
    expect(() => parent.child.layers).toThrow("Cannot track Parent 'p' in 'child' (held in its property owner): it contains this layer");
    // Marked as a reference, the link is fine.
    parent.child.owner = parent.child.untracked(parent);
    expect(names(parent)).toEqual(['child']);
    expect(parent.child.layers).toEqual([]);
    expect(() => parent.trackLayer(parent)).toThrow(/it is the layer itself/);
  });

  it('a layer built before it is assigned still gets the network path in its variable names', () => {
    class Late extends Network {
      fc?: Linear;
    }
    const fc = new Linear({ units: 2 });
    fc.apply(ops.ones([1, 3]));
    const net = new Late({ name: 'late' });
    net.fc = fc;
    expect(net.variables.map((v) => v.name)).toEqual(['late/dense/kernel:0', 'late/dense/bias:0']);
  });
});
