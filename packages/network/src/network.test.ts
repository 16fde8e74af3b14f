import { ops, setBackend, type Tensor } from '@strata/backend';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { type CallContext, DuplicateNameError, Linear } from '@strata/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { LayerNotFoundError, NotALayerError } from './errors.js';
import { Network } from './network.js';

beforeAll(async () => {
  registerTfjsBackends();
  await setBackend('tfjs-cpu');
});

// Seed 000 (tfe.Network), written in TypeScript.
class TwoLayerNetwork extends Network {
  layerOne = this.trackLayer(new Linear({ units: 16 }));
  layerTwo = this.trackLayer(new Linear({ units: 1 }));
  override call(inputs: Tensor | Tensor[], ctx: CallContext): Tensor {
    return this.layerTwo.apply(this.layerOne.apply(inputs, ctx), ctx);
  }
}

describe('Network (seeds 000–002)', () => {
  it("the seed's TwoLayerNetwork prints the seed's variable names", () => {
    const net = new TwoLayerNetwork({ name: 'net' });
    const output = net.apply(ops.ones([1, 8]));
    expect(output.shape).toEqual([1, 1]);
    expect(net.variables.map((v) => v.name)).toEqual([
      'net/dense/kernel:0',
      'net/dense/bias:0',
      'net/dense_1/kernel:0',
      'net/dense_1/bias:0',
    ]);
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

  it('getLayer by name and by index; errors name what exists', () => {
    const net = new TwoLayerNetwork({ name: 'net' });
    expect(net.getLayer({ name: 'dense_1' })).toBe(net.layerTwo);
    expect(net.getLayer({ index: 0 })).toBe(net.layerOne);
    expect(() => net.getLayer({ name: 'nope' })).toThrow(LayerNotFoundError);
    expect(() => net.getLayer({ name: 'nope' })).toThrow(/Layers: dense, dense_1/);
    expect(() => net.getLayer({ index: 2 })).toThrow(/out of range \[0, 2\)/);
    expect(() => net.getLayer({} as never)).toThrow(/exactly one of/);
    expect(() => net.getLayer({ name: 'dense', index: 0 } as never)).toThrow(LayerNotFoundError);
  });

  it('trackLayer rejects non-layers and duplicate explicit names', () => {
    const net = new Network({ name: 'n' });
    expect(() => net.trackLayer({} as never)).toThrow(NotALayerError);
    net.trackLayer(new Linear({ units: 2, name: 'fc' }));
    expect(() => net.trackLayer(new Linear({ units: 3, name: 'fc' }))).toThrow(DuplicateNameError);
    expect(() => net.trackLayer(new Linear({ units: 3, name: 'fc' }))).toThrow(/already used by 'n\/fc'/);
  });

  it('a shared layer keeps its first owner and appears in both networks; lowest index wins', () => {
    const first = new Network({ name: 'first' });
    const second = new Network({ name: 'second' });
    const shared = first.trackLayer(new Linear({ units: 2 }));
    second.trackLayer(new Linear({ units: 2 }));
    second.trackLayer(shared);
    shared.apply(ops.ones([1, 3]));
    second.getLayer({ index: 0 }).apply(ops.ones([1, 3]));
    expect(shared.scopeName).toBe('first/dense');
    expect(second.getLayer({ name: 'dense' })).toBe(second.getLayer({ index: 0 }));
    expect(second.variables.map((v) => v.path)).toEqual(['second/dense/kernel', 'second/dense/bias', 'first/dense/kernel', 'first/dense/bias']);
  });

  it('freezing a network moves its weights to nonTrainableWeights', () => {
    const net = new TwoLayerNetwork({ name: 'net' });
    net.apply(ops.ones([1, 4]));
    net.trainable = false;
    expect(net.trainableWeights).toHaveLength(0);
    expect(net.nonTrainableWeights).toHaveLength(4);
  });
});
