// LayerModel: any Layer as a Model (the engine's contract), on fixed-shape and
// sequence data: lengths through the input's time Dim, masks derived from it,
// losses over valid frames only, and the errors of a misconfigured model.
import { ops, setBackend, type Tensor } from '@strata/backend';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { type CallContext, INFERENCE, Layer, Linear, type Mask, sizeKey } from '@strata/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { NetworkArgumentError } from './errors.js';
import { LayerModel } from './layer-model.js';
import { isModel } from './model.js';
import { Network } from './network.js';

beforeAll(async () => {
  registerTfjsBackends();
  await setBackend('tfjs-cpu');
});

const read = (t: Tensor): number[] => Array.from(ops.readSync(t));

/** Per frame: a dense layer over features, after a layer that records the mask it is given (a Keras-style masking layer). */
class Tagger extends Network {
  static override readonly className: string = 'Tagger';
  override readonly supportsMasking: boolean = true;
  seen: Mask | undefined = undefined;
  dense = new Linear({ units: 3, activation: 'softmax' });
  override call(x: Tensor | Tensor[], ctx: CallContext, mask?: Mask | Mask[]): Tensor {
    this.seen = (mask as Mask) ?? null;
    return this.dense.apply(x, ctx);
  }
}

describe('LayerModel', () => {
  it('is a Model: builds the layer, names its variables by scope, one output and loss named output', () => {
    const model = new LayerModel({ layer: new Tagger({ name: 'tagger' }), externData: { data: { shape: [2] }, classes: { shape: [], dim: 3, sparse: true } }, loss: 'ce' });
    expect(isModel(model)).toBe(true);
    expect(model.variables.map((v) => v.name)).toEqual(['tagger/dense/kernel:0', 'tagger/dense/bias:0']);
    expect(model.outputNames()).toEqual(['output']);
    expect(model.lossNames('train')).toEqual(['output']);
    expect(model.usedDataKeys()).toEqual(['data', 'classes']);
    expect(model.outputData('output').shape).toEqual([3]);
  });

  it('on sequences: lengths go into the input time Dim, the output shares it, a masking layer gets the mask, the loss counts valid frames only', () => {
    const externData = { data: { dim: 2, shape: [null, 2] }, classes: { dim: 3, sparse: true, shape: [null] } };
    const layer = new Tagger({ name: 'tagger' });
    const model = new LayerModel({ layer, externData, loss: 'ce' });
    expect(model.outputData('output').timeDim).toBe(model.externData.getData('data').timeDim);
    const x = ops.tensor(Float32Array.from({ length: 2 * 4 * 2 }, (_, i) => Math.sin(i)), [2, 4, 2]);
    const batch = (classes: number[]) => ({
      data: x,
      [sizeKey('data')]: ops.tensor([4, 2], [2], 'int32'),
      classes: ops.tensor(classes, [2, 4], 'int32'),
      [sizeKey('classes')]: ops.tensor([4, 2], [2], 'int32'),
    });
    const a = model.computeLosses(batch([0, 1, 2, 0, 1, 2, 0, 0]), INFERENCE);
    expect(read(layer.seen!)).toEqual([1, 1, 1, 1, 1, 1, 0, 0]);
    expect(read(model.outputData('output').timeDim!.dynSize!)).toEqual([4, 2]);
    // Other labels on sequence 1's padded frames (t >= 2) change nothing: 6 valid frames count.
    const b = model.computeLosses(batch([0, 1, 2, 0, 1, 2, 2, 1]), INFERENCE);
    expect(ops.item(b.objective)).toBeCloseTo(ops.item(a.objective), 6);
    expect(ops.item(a.losses.get('output')!.values.numFrames)).toBe(6);
  });

  it('a layer without masking support gets no mask; a batch without the input or the target is a typed error', () => {
    class Plain extends Layer {
      static override readonly className: string = 'Plain';
      dense = new Linear({ units: 3 });
      override call(x: Tensor | Tensor[], ctx: CallContext): Tensor {
        return this.dense.apply(x, ctx);
      }
    }
    const model = new LayerModel({ layer: new Plain({ name: 'p' }), externData: { data: { dim: 2, shape: [null, 2] }, classes: { dim: 3, sparse: true, shape: [null] } }, loss: 'ce' });
    const y = model.forward({ data: ops.ones([1, 3, 2]) }, INFERENCE).get('output')!.value;
    expect(y.shape).toEqual([1, 3, 3]);
    expect(() => model.forward({ classes: ops.ones([1, 3], 'int32') }, INFERENCE)).toThrow(NetworkArgumentError);
    expect(() => model.computeLosses({ data: ops.ones([1, 3, 2]) }, INFERENCE)).toThrow(/no target 'classes'/);
    expect(() => new LayerModel({ layer: new Plain({ name: 'q' }), externData: { data: { shape: [2] } }, input: 'image' })).toThrow(/input 'image' is not in extern_data/);
  });
});
