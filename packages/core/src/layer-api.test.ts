// Seed 004 and the Layer half of 001/002: __init__ (trainable, name, dtype), dtype
// from the first input, build/call/apply, the call-returns-None error,
// compute_output_shape, count_params, get_config/from_config for every registered
// class, get_weights/set_weights errors, __deepcopy__ (clone), scope_name, trainable.
import { ops, type Tensor } from '@strata/backend';
import { beforeAll, describe, expect, it } from 'vitest';
import { CallReturnedNothingError, InputShapeError, LayerNotBuiltError, WeightMismatchError } from './errors.js';
import { INFERENCE, Layer } from './layer.js';
import { BatchNorm } from './layers/batch-norm.js';
import { Linear } from './layers/linear.js';
import { MergeDims } from './layers/merge-dims.js';
import { layerFromConfig, registeredLayerClasses, serializeLayer } from './layers/registry.js';
import { rows } from './test-utils/layer-rows.js';
import { buildOurs, ctxOf, unwrap } from './test-utils/row.js';
import { expectClose, randomTensor, useBackend } from './test-utils/setup.js';

beforeAll(() => useBackend('tfjs-cpu'));

class Broken extends Layer {
  static override readonly className: string = 'Broken';
  returns: null | undefined = undefined;
  override call(): Tensor {
    return this.returns as unknown as Tensor;
  }
}

class Passthrough extends Layer {
  override call(x: Tensor | Tensor[]): Tensor {
    return x as Tensor;
  }
}

describe('dtype (seed: None means the type of the first input)', () => {
  it('is null before the first call, then the first input\'s floating dtype; int inputs give float32; an explicit dtype wins', () => {
    const l = new Passthrough();
    expect(l.dtype).toBeNull();
    expect(l.getConfig().dtype).toBeNull();
    l.apply(ops.tensor([1], [1, 1]));
    expect(l.dtype).toBe('float32');
    const emb = new Linear({ units: 2, sparseInputDim: 4 });
    emb.apply(ops.tensor([1, 3], [2], 'int32'));
    expect(emb.dtype).toBe('float32'); // class indices do not make int32 weights
    expect(emb.kernel.dtype).toBe('float32');
    const explicit = new Passthrough({ dtype: 'int32' });
    explicit.apply(ops.tensor([1], [1, 1]));
    expect(explicit.dtype).toBe('int32');
    expect(explicit.getConfig()).toEqual({ name: 'layer', trainable: true, dtype: 'int32' });
  });
});

describe('apply / call / build', () => {
  it('apply builds once from the first input shape (batch axis null) and calls', () => {
    const dense = new Linear({ units: 3 });
    expect(dense.built).toBe(false);
    const y = dense.apply(randomTensor([2, 5], 1));
    expect([dense.built, dense.builtInputShape, y.shape]).toEqual([true, [null, 5], [2, 3]]);
    expect(dense.computeOutputShape([null, 5])).toEqual([null, 3]);
    expect(new Passthrough().computeOutputShape([[null, 2], [null, 4]])).toEqual([null, 2]);
    // An incompatible shape (seed: ValueError) is an InputShapeError naming the shape.
    expect(() => new MergeDims().computeOutputShape([null])).toThrow(InputShapeError);
    expect(() => new MergeDims({ name: 'md' }).computeOutputShape([null])).toThrow("Layer 'md': expected rank >= 2 input");
  });

  it('a call returning undefined or null throws CallReturnedNothingError naming the layer, and records no node', () => {
    const b = new Broken({ name: 'oops' });
    expect(() => b.apply(ops.scalar(1))).toThrow(CallReturnedNothingError);
    expect(() => b.apply(ops.scalar(1))).toThrow("The call() method of layer 'oops' (Broken) returned undefined, an invalid value.");
    b.returns = null;
    expect(() => b.apply(ops.scalar(1))).toThrow('returned null');
    expect(b.nodeCount).toBe(0);
  });
});

describe('countParams, getWeights / setWeights', () => {
  it('countParams throws LayerNotBuiltError before build, counts every scalar after', () => {
    const bn = new BatchNorm();
    expect(() => bn.countParams()).toThrow(LayerNotBuiltError);
    expect(() => bn.countParams()).toThrow("You tried to call `countParams` on layer 'batch_norm', but the layer isn't built.");
    bn.apply(randomTensor([2, 5], 2));
    expect(bn.countParams()).toBe(4 * 5);
  });

  it('setWeights rejects a wrong count, a wrong size and an unbuilt layer, changing nothing', () => {
    const dense = new Linear({ units: 2, name: 'd' });
    expect(() => dense.setWeights([[1]])).toThrow("The layer is not built yet, so it has no weights: call it on an input (or build(inputShape)) first.");
    dense.apply(randomTensor([1, 3], 3));
    const before = dense.getWeights().map((a) => Array.from(a));
    expect(() => dense.setWeights([new Float32Array(6)])).toThrow(WeightMismatchError);
    expect(() => dense.setWeights([new Float32Array(6)])).toThrow("Layer 'd' has 2 weights (d/kernel:0, d/bias:0), but setWeights received 1 arrays.");
    expect(() => dense.setWeights([new Float32Array(6), new Float32Array(3)])).toThrow("Weight 'd/bias:0' has shape [2] (2 values), but setWeights received 3 values at index 1.");
    expect(dense.getWeights().map((a) => Array.from(a))).toEqual(before);
    dense.setWeights([[1, 2, 3, 4, 5, 6], [7, 8]]);
    expect(dense.getWeights().map((a) => Array.from(a))).toEqual([[1, 2, 3, 4, 5, 6], [7, 8]]);
  });
});

describe('getConfig / fromConfig and clone for every registered layer class', () => {
  const classOf = (l: Layer) => (l.constructor as typeof Layer).className;
  const rowFor = new Map<string, (typeof rows)[number]>();
  for (const row of rows) {
    const cls = classOf(row.make());
    if (!rowFor.has(cls)) rowFor.set(cls, row);
  }

  for (const className of registeredLayerClasses()) {
    it(className, () => {
      const row = rowFor.get(className);
      expect(row, `no row of test-utils/layer-rows.ts builds a ${className}: add one`).toBeDefined();
      const { layer, xs, weights } = buildOurs(row!);
      const y = ops.readSync(layer.apply(unwrap(row!, xs), ctxOf(row!)));
      // Round trip through JSON: the same config, the same function once given the same weights.
      const copy = layerFromConfig(JSON.parse(JSON.stringify(serializeLayer(layer))));
      expect(classOf(copy)).toBe(className);
      expect(copy.getConfig()).toEqual(layer.getConfig());
      copy.apply(unwrap(row!, xs), INFERENCE);
      copy.setWeights(weights);
      expectClose(ops.readSync(copy.apply(unwrap(row!, xs), ctxOf(row!))), y);
      // Deep copy: new variables with the same values, independent of the original.
      const clone = layer.clone();
      expect(clone.getConfig()).toEqual(layer.getConfig());
      expect(clone.weights.map((w) => w.name)).toEqual(layer.weights.map((w) => w.name));
      clone.weights.forEach((w, i) => expect(w).not.toBe(layer.weights[i]));
      expectClose(ops.readSync(clone.apply(unwrap(row!, xs), ctxOf(row!))), y);
      if (layer.weights.length > 0) {
        layer.setWeights(layer.weights.map((w) => new Float32Array(w.shape.reduce((a, b) => a * b, 1))));
        expect(clone.getWeights().map((a) => Array.from(a))).toEqual(weights.map((a) => Array.from(a)));
      }
    });
  }

  it('an unbuilt layer clones unbuilt; a frozen one stays frozen', () => {
    const dense = new Linear({ units: 2, trainable: false, name: 'frozen' });
    const c = dense.clone();
    expect([c.built, c.trainable, c.name, c.weights]).toEqual([false, false, 'frozen', []]);
  });
});

describe('scopeName and trainable', () => {
  it('scopeName is the parent path plus the name; it prefixes variable names', () => {
    const outer = new Passthrough({ name: 'outer' });
    const inner = outer.trackLayer(new Passthrough({ name: 'inner' }));
    const dense = inner.trackLayer(new Linear({ units: 1 }));
    expect([outer.scopeName, inner.scopeName, dense.scopeName]).toEqual(['outer', 'outer/inner', 'outer/inner/dense']);
    dense.apply(randomTensor([1, 2], 4));
    expect(outer.weights.map((w) => w.name)).toEqual(['outer/inner/dense/kernel:0', 'outer/inner/dense/bias:0']);
  });

  it('toggling trainable moves weights between the trainable and non-trainable lists; moving statistics stay non-trainable', () => {
    const net = new Passthrough({ name: 'net' });
    const bn = net.trackLayer(new BatchNorm());
    bn.apply(randomTensor([2, 3], 5));
    const names = (ws: { localName: string }[]) => ws.map((w) => w.localName);
    expect([names(net.trainableWeights), names(net.nonTrainableWeights)]).toEqual([['gamma', 'beta'], ['moving_mean', 'moving_variance']]);
    bn.trainable = false;
    expect([names(net.trainableWeights), names(net.nonTrainableVariables)]).toEqual([[], ['gamma', 'beta', 'moving_mean', 'moving_variance']]);
    bn.trainable = true;
    net.trainable = false; // freezing a parent freezes its sub-layers
    expect(net.trainableVariables).toEqual([]);
    net.trainable = true;
    expect(names(net.trainableWeights)).toEqual(['gamma', 'beta']);
    expect(net.variables).toEqual(net.weights);
  });
});
