// Seed 004 / 001 / 002: activity_regularizer, add_loss(losses, inputs), losses,
// get_losses_for(inputs) (conditional vs unconditional, None), add_update,
// updates, get_updates_for; batch-norm moving averages are updates.
import { ops, type Tensor } from '@strata/backend';
import { beforeAll, describe, expect, it } from 'vitest';
import { INFERENCE, Layer, type LayerArgs, trainingContext } from './layer.js';
import { BatchNorm } from './layers/batch-norm.js';
import { Linear } from './layers/linear.js';
import { layerFromConfig, serializeLayer } from './layers/registry.js';
import { registerRegularizer } from './regularizers.js';
import { Rng } from './rng.js';
import { expectClose, useBackend } from './test-utils/setup.js';
import type { Regularizer, Variable } from './variable.js';

beforeAll(() => useBackend('tfjs-cpu'));

/** Keras' l1 activity regularizer: `l1 * sum(|x|)`. */
class L1 implements Regularizer {
  readonly className = 'TestL1';
  constructor(readonly l1: number) {}
  apply(x: Tensor): Tensor {
    return ops.mul(ops.sum(ops.abs(x)), this.l1);
  }
  getConfig() {
    return { l1: this.l1 };
  }
}
registerRegularizer('TestL1', (c) => new L1(c.l1 as number));

const item = (t: Tensor) => ops.item(t);

describe('activityRegularizer', () => {
  it('adds l1 * sum|output| as a loss on each call, conditional on that call\'s input', () => {
    const dense = new Linear({ units: 2, activityRegularizer: new L1(0.5), kernelInitializer: 'ones', biasInitializer: 'zeros' });
    const a = ops.tensor([1, -2, 3], [1, 3]);
    const b = ops.tensor([-1, -1, -1], [1, 3]);
    dense.apply(a); // outputs [2, 2] → 0.5 * 4 = 2
    expect(dense.losses.map(item)).toEqual([2]);
    const net = new Holder({ name: 'net' });
    net.trackLayer(dense);
    net.run = (x) => ops.add(dense.apply(x), dense.apply(ops.neg(x)));
    net.apply(b); // dense(b) = [-3, -3] → 3; dense(-b) = [3, 3] → 3
    expect(dense.losses.map(item)).toEqual([3, 3]);
    // Both depend on b (the second through -b, computed inside net.apply(b)): Keras finds them by reachability.
    expect(dense.getLossesFor(b).map(item)).toEqual([3, 3]);
    expect(net.getLossesFor(b).map(item)).toEqual([3, 3]);
    const c = ops.tensor([1, 0, 0], [1, 3]);
    dense.apply(c); // a top-level call: a new pass
    expect(dense.getLossesFor(c).map(item)).toEqual([1]);
    expect(dense.getLossesFor(a)).toEqual([]); // a belonged to the previous pass
    expect(dense.getLossesFor(null)).toEqual([]);
  });

  it('survives getConfig/fromConfig through the regularizer registry', () => {
    const dense = new Linear({ units: 2, activityRegularizer: new L1(0.25) });
    const copy = layerFromConfig(JSON.parse(JSON.stringify(serializeLayer(dense))));
    expect(copy.getConfig().activityRegularizer).toEqual({ className: 'TestL1', config: { l1: 0.25 } });
    expect(copy.activityRegularizer).toBeInstanceOf(L1);
    expect(() => new Linear({ units: 2, activityRegularizer: { className: 'Nope', config: {} } })).toThrow("Received: className=\"Nope\".");
  });
});

class Holder extends Layer {
  run: (x: Tensor) => Tensor = (x) => x;
  constructor(args: LayerArgs = {}) {
    super(args);
  }
  override call(x: Tensor | Tensor[]): Tensor {
    return this.run(x as Tensor);
  }
}

describe('addLoss / losses / getLossesFor', () => {
  it('functions are unconditional persistent losses, tensors belong to the pass; inputs make them conditional', () => {
    const layer = new Holder({ name: 'h' });
    const w = ops.tensor([3], [1]);
    layer.addLoss(() => ops.mul(w, 2)); // a weight penalty: unconditional, re-evaluated
    const x = ops.tensor([1, 2], [1, 2]);
    const other = ops.tensor([5], [1, 1]);
    layer.run = (t) => {
      layer.addLoss(ops.sum(t), t); // conditional on the input
      layer.addLoss([ops.scalar(7)]); // unconditional tensor of this pass
      return t;
    };
    layer.apply(x);
    expect(layer.losses.map(item)).toEqual([6, 3, 7]);
    expect(layer.getLossesFor(x).map(item)).toEqual([3]);
    expect(layer.getLossesFor([x]).map(item)).toEqual([3]);
    expect(layer.getLossesFor(null).map(item)).toEqual([6, 7]);
    expect(layer.getLossesFor(other)).toEqual([]);
    layer.apply(other); // a new pass drops the previous pass' tensors
    expect(layer.losses.map(item)).toEqual([6, 5, 7]);
    expect(layer.getLossesFor(x)).toEqual([]);
  });

  it('a sub-layer\'s losses are listed by its parent', () => {
    const parent = new Holder({ name: 'p' });
    const child = parent.trackLayer(new Holder({ name: 'c' }));
    child.addLoss(() => ops.scalar(1.5));
    parent.addLoss(() => ops.scalar(2));
    expect(parent.losses.map(item)).toEqual([2, 1.5]);
    expect(parent.getLossesFor(null).map(item)).toEqual([2, 1.5]);
  });
});

describe('addUpdate / updates / getUpdatesFor', () => {
  const bnInput = () => ops.tensor([1, 2, 3, 6], [2, 2]);

  it('batch norm\'s moving averages are updates conditional on its input, handed to the training context', () => {
    const bn = new BatchNorm({ momentum: 0.1 });
    const x = bnInput();
    const ctx = trainingContext(new Rng(0));
    bn.apply(x, ctx);
    // Batch mean [2, 4], variance [1, 4]; moving = 0.9 * moving + 0.1 * stat.
    expect(bn.updates.map((u) => u.variable.localName)).toEqual(['moving_mean', 'moving_variance']);
    expectClose(ops.readSync(bn.updates[0]!.value), [0.2, 0.4]);
    expectClose(ops.readSync(bn.updates[1]!.value), [1, 1.3]);
    expect(bn.getUpdatesFor(x)).toHaveLength(2);
    expect(bn.getUpdatesFor(null)).toEqual([]);
    expect(ctx.updates.map(([v]) => v)).toEqual(bn.updates.map((u) => u.variable));
    expect(Array.from(bn.movingMean.readSync())).toEqual([0, 0]); // not applied yet: the engine applies after the step
    bn.apply(x, INFERENCE); // inference records nothing
    expect(bn.updates).toEqual([]);
  });

  it('without a collecting context the update is applied at once', () => {
    const bn = new BatchNorm({ momentum: 0.1 });
    bn.apply(bnInput(), { training: true, nextSeed: () => 0 });
    expectClose(bn.movingMean.readSync(), [0.2, 0.4]);
    expectClose(bn.movingVariance.readSync(), [1, 1.3]);
  });

  it('unconditional updates outside a call are applied and listed; a parent lists its sub-layers\' updates', () => {
    const parent = new Holder({ name: 'p' });
    const child = parent.trackLayer(new Holder({ name: 'c' }));
    let step!: Variable;
    child.run = (t) => t;
    child.build([null, 1]);
    step = child.addWeight('step', { shape: [], initializer: { className: 'zeros', generate: () => new Float32Array(1), getConfig: () => ({}) }, trainable: false, dtype: 'int32' });
    child.addUpdate({ variable: step, value: ops.scalar(1, 'int32') });
    expect(Array.from(step.readSync())).toEqual([1]);
    expect(parent.updates.map((u) => u.variable)).toEqual([step]);
    expect(parent.getUpdatesFor(null).map((u) => u.variable)).toEqual([step]);
  });
});
