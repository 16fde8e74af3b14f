// Seed 001 add_weight(synchronization, aggregation, partitioner): TF's
// fixed_size_partitioner and variable_axis_size_partitioner, parts named
// kernel/part_i, assembled (concat) when the layer reads the weight, gradients to every part.
import { getBackend, ops, type Tensor } from '@strata/backend';
import { beforeAll, describe, expect, it } from 'vitest';
import { LayerArgumentError, VariableSynchronizationError } from './errors.js';
import { glorotUniform, Zeros } from './initializers/index.js';
import { Layer, type LayerArgs, type SymbolicShape } from './layer.js';
import { fixedSizePartitioner, PartitionedVariable, type Partitioner, partitionSizes, variableAxisSizePartitioner } from './partitioned-variable.js';
import { expectClose, randomTensor, useBackend } from './test-utils/setup.js';
import type { Regularizer, Variable } from './variable.js';

beforeAll(() => useBackend('tfjs-cpu'));

const sumSquares: Regularizer = { className: 'SumSquares', apply: (w) => ops.sum(ops.square(w)), getConfig: () => ({}) };

/** `x · kernel` with a kernel [in, units], optionally partitioned. */
class PartDense extends Layer {
  kernel!: Variable;
  constructor(readonly units: number, readonly partitioner?: Partitioner, args: LayerArgs = {}) {
    super({ seed: 7, ...args });
  }
  override build(shape: SymbolicShape | SymbolicShape[]): void {
    const inFeatures = (shape as SymbolicShape)[1]!;
    this.kernel = this.addWeight('kernel', { shape: [inFeatures, this.units], initializer: glorotUniform(), partitioner: this.partitioner, regularizer: sumSquares });
    super.build(shape);
  }
  override call(x: Tensor | Tensor[]): Tensor {
    return ops.matMul(x as Tensor, this.kernel.value);
  }
}

describe('partitioners (TF semantics)', () => {
  it('fixedSizePartitioner cuts axis 0 into numShards, at most one per row', () => {
    expect(fixedSizePartitioner(3)([10, 4], 'float32')).toEqual([3, 1]);
    expect(fixedSizePartitioner(16)([10, 4], 'float32')).toEqual([10, 1]);
    expect(fixedSizePartitioner(2, 1)([10, 4], 'float32')).toEqual([1, 2]);
    expect(() => fixedSizePartitioner(0)).toThrow(LayerArgumentError);
    expect(() => fixedSizePartitioner(2, 2)([10, 4], 'float32')).toThrow('axis 2 does not exist in a variable of shape [10, 4]');
  });

  it('variableAxisSizePartitioner keeps each part at most maxShardBytes (at least one slice), capped by maxShards', () => {
    // A row of float32 [10, 4] has 16 bytes: 48 bytes hold 3 rows → ceil(10 / 3) = 4 parts.
    expect(variableAxisSizePartitioner(48)([10, 4], 'float32')).toEqual([4, 1]);
    expect(variableAxisSizePartitioner(48, { maxShards: 2 })([10, 4], 'float32')).toEqual([2, 1]);
    expect(variableAxisSizePartitioner(1)([10, 4], 'float32')).toEqual([10, 1]); // at least one slice per part
    expect(variableAxisSizePartitioner(1 << 20)([10, 4], 'float32')).toEqual([1, 1]);
    expect(variableAxisSizePartitioner(40, { axis: 1 })([10, 4], 'float32')).toEqual([1, 4]);
    expect(() => variableAxisSizePartitioner(0)).toThrow('Received: maxShardBytes=0, bytesPerStringElement=16.');
    expect(() => variableAxisSizePartitioner(8, { maxShards: 0 })).toThrow('maxShards must be positive');
  });

  it('partition sizes: the first size % n parts get one row more; bad answers throw', () => {
    expect(partitionSizes('k', [10, 4], [3, 1])).toEqual({ axis: 0, sizes: [4, 3, 3] });
    expect(partitionSizes('k', [10, 4], [1, 1])).toEqual({ axis: 0, sizes: [10] });
    expect(() => partitionSizes('k', [10, 4], [2, 2])).toThrow("Received: [2,2].");
    expect(() => partitionSizes('k', [10, 4], [3])).toThrow(LayerArgumentError);
    expect(() => partitionSizes('k', [10, 4], [11, 1])).toThrow(LayerArgumentError);
  });
});

describe('addWeight with a partitioner', () => {
  it('creates parts kernel/part_i, each its own variable, read back assembled', () => {
    const layer = new PartDense(2, fixedSizePartitioner(3), { name: 'pd' });
    const full = new PartDense(2, undefined, { name: 'pd' });
    const x = randomTensor([5, 7], 1);
    const y = layer.apply(x);
    const yFull = full.apply(x);
    expect(layer.kernel).toBeInstanceOf(PartitionedVariable);
    expect(layer.weights.map((w) => [w.name, w.shape])).toEqual([
      ['pd/kernel/part_0:0', [3, 2]],
      ['pd/kernel/part_1:0', [2, 2]],
      ['pd/kernel/part_2:0', [2, 2]],
    ]);
    expect(layer.kernel.shape).toEqual([7, 2]);
    expect(layer.countParams()).toBe(14);
    // Initialised on the full shape, then cut: same values as the unpartitioned weight.
    expect(Array.from(layer.kernel.readSync())).toEqual(Array.from(full.kernel.readSync()));
    expectClose(ops.readSync(y), ops.readSync(yFull));
    expectClose(ops.readSync(layer.losses[0]!), ops.readSync(full.losses[0]!));
  });

  it('gradients flow to each part (valueAndGrads on tfjs-cpu) and equal the slices of the full gradient', () => {
    const layer = new PartDense(3, variableAxisSizePartitioner(24)); // rows of 12 bytes: 2 per part → [2, 2, 2, 1]
    const full = new PartDense(3);
    const x = randomTensor([4, 7], 2);
    layer.apply(x);
    full.apply(x);
    const w = randomTensor([4, 3], 3);
    const loss = (l: PartDense) => () => ({ value: ops.sum(ops.mul(l.apply(x), w)) });
    const b = getBackend();
    const parts = b.valueAndGrads(loss(layer), layer.trainableWeights.map((v) => v.value));
    const whole = b.valueAndGrads(loss(full), [full.kernel.value]);
    expect(layer.trainableWeights.map((v) => v.shape[0])).toEqual([2, 2, 2, 1]);
    expectClose([ops.item(parts.value)], [ops.item(whole.value)]);
    const g = ops.readSync(whole.grads[0]!);
    let offset = 0;
    parts.grads.forEach((pg) => {
      const n = pg.shape[0]! * 3;
      expectClose(ops.readSync(pg), g.slice(offset, offset + n));
      offset += n;
    });
    expect(offset).toBe(21);
  });

  it('assign and setWeights split over the parts', () => {
    const layer = new PartDense(1, fixedSizePartitioner(2));
    layer.apply(randomTensor([1, 3], 4));
    const t = ops.tensor([1, 2, 3], [3, 1]);
    layer.kernel.assign(t);
    expect(layer.getWeights().map((a) => Array.from(a))).toEqual([[1, 2], [3]]);
    layer.setWeights([[4, 5], [6]]);
    expect(Array.from(layer.kernel.readSync())).toEqual([4, 5, 6]);
    expect(() => {
      layer.kernel.value = t;
    }).toThrow('is partitioned: assign a value with assign(t)');
  });
});

describe('addWeight synchronization and aggregation', () => {
  class Acc extends Layer {
    override call(x: Tensor | Tensor[]): Tensor {
      return x as Tensor;
    }
  }
  const zeros = new Zeros();

  it("'onRead' with trainable: true throws VariableSynchronizationError before creating anything", () => {
    const layer = new Acc({ name: 'acc' });
    expect(() => layer.addWeight('total', { shape: [1], initializer: zeros, synchronization: 'onRead', trainable: true })).toThrow(VariableSynchronizationError);
    expect(() => layer.addWeight('total', { shape: [1], initializer: zeros, synchronization: 'onRead', trainable: true })).toThrow(
      "Layer 'acc', weight 'total': synchronization 'onRead' variables cannot be trainable",
    );
    expect(layer.weights).toEqual([]);
  });

  it("'onRead' defaults to non-trainable; both values are recorded on the variable; unknown values throw", () => {
    const layer = new Acc();
    const total = layer.addWeight('total', { shape: [1], initializer: zeros, synchronization: 'onRead', aggregation: 'sum' });
    expect([total.trainable, total.synchronization, total.aggregation]).toEqual([false, 'onRead', 'sum']);
    const k = layer.addWeight('k', { shape: [1], initializer: zeros });
    expect([k.trainable, k.synchronization, k.aggregation]).toEqual([true, 'auto', 'none']);
    expect(layer.nonTrainableWeights).toEqual([total]);
    expect(() => layer.addWeight('x', { shape: [1], initializer: zeros, aggregation: 'max' as 'sum' })).toThrow('Received: aggregation="max".');
    expect(() => layer.addWeight('x', { shape: [1], initializer: zeros, synchronization: 'never' as 'auto' })).toThrow(LayerArgumentError);
    expect(() => layer.addVariable('x', { shape: [1.5], initializer: zeros })).toThrow('Received: shape=[1.5].');
  });
});
