import { ops, type Tensor } from '@strata/backend';
import { beforeAll, describe, expect, it } from 'vitest';
import { LayerArgumentError } from '../errors.js';
import { getInitializer, INITIALIZER_NAMES, initializerFromConfig, serializeInitializer } from '../initializers/index.js';
import { Layer, type LayerArgs, type LayerConfig } from '../layer.js';
import { toSnakeCase } from '../naming.js';
import { Rng } from '../rng.js';
import { randomTensor, useBackend } from '../test-utils/setup.js';
import { BatchNorm } from './batch-norm.js';
import { Conv2D } from './conv2d.js';
import { Linear } from './linear.js';
import { Flatten, MergeDims } from './merge-dims.js';
import { Pool2D } from './pool2d.js';
import { option } from '../layer-spec.js';
import { z } from 'zod';
import { layerFromConfig, registeredLayerClasses, registeredLayerSpecs, registerLayer, registerLayerClass, serializeLayer } from './registry.js';

beforeAll(() => useBackend('tfjs-cpu'));

class Scale extends Layer {
  static override readonly className: string = 'TestScale';
  readonly factor: number;
  constructor(args: LayerArgs & { factor: number }) {
    super(args);
    this.factor = args.factor;
  }
  override call(x: Tensor | Tensor[]): Tensor {
    return ops.mul(x as Tensor, this.factor);
  }
  override getConfig(): LayerConfig {
    return { ...super.getConfig(), factor: this.factor };
  }
}

class Holder extends Layer {
  override call(x: Tensor | Tensor[]): Tensor {
    return x as Tensor;
  }
}

describe('layer registry', () => {
  it('knows every built-in layer class', () => {
    expect(registeredLayerClasses().sort()).toEqual(
      [
        ...['Activation', 'BatchNorm', 'Combine', 'Compare', 'ReduceOut', 'Conv2D', 'Copy', 'Dense', 'Dropout', 'Flatten', 'MergeDims', 'MergeBatchDims', 'Pool2D', 'Rec', 'Rhn', 'RnnCell', 'Reshape', 'SplitDims', 'Softmax'],
        ...['LayerNorm', 'Conv1D', 'Pool1D', 'Window', 'Reduce', 'ReduceBatch', 'PositionalEncoding', 'PrefixInTime', 'PostfixInTime', 'Slice', 'Length', 'Gather', 'SelfAttention', 'DotAttention'],
        ...['SoftmaxOverSpatial', 'GenericAttention', 'Resize'],
        ...['Eval'],
        ...['Cumsum', 'Pad', 'Repeat', 'Tile', 'ShiftAxis', 'ExpandDims', 'Squeeze', 'Constant', 'Range', 'RangeInAxis', 'Variable', 'Switch'],
        ...['Dot', 'Norm', 'SeqLenMask', 'CombineDims', 'FlattenBatch', 'ReinterpretData', 'TransposedConv', 'RelativePositionalEncoding', 'SliceNd', 'UnflattenNd', 'ScatterNd', 'UnflattenBatch', 'SplitBatchTime'],
        ...['Concat', 'Split', 'Cast', 'TopK', 'SwapAxes', 'Transpose', 'TrainFlag', 'RangeFromLength', 'ReshapeDims'],
      ].sort(),
    );
  });

  it('round-trips a registered custom class, by object or by (className, config)', () => {
    registerLayerClass(Scale);
    registerLayerClass(Scale); // again: no-op
    const s = new Scale({ factor: 3, name: 'triple' });
    const copy = layerFromConfig(serializeLayer(s)) as Scale;
    expect(copy).toBeInstanceOf(Scale);
    expect(copy.getConfig()).toEqual(s.getConfig());
    expect(layerFromConfig('TestScale', s.getConfig()).getConfig()).toEqual(s.getConfig());
    expect(Array.from(ops.readSync(copy.apply(ops.tensor([1, 2], [1, 2]))))).toEqual([3, 6]);
  });

  it('refuses a second class under a taken name unless told to override', () => {
    class Impostor extends Scale {
      static override readonly className: string = 'Dense';
    }
    expect(() => registerLayerClass(Impostor)).toThrow(LayerArgumentError);
    expect(() => registerLayerClass(Impostor)).toThrow('Received: Impostor.');
    expect(layerFromConfig(serializeLayer(new Linear({ units: 2 })))).toBeInstanceOf(Linear);
  });

  it("every registered spec's option defaults pass their own schema (constructors take defaults unchecked)", () => {
    const specs = registeredLayerSpecs();
    expect(specs.length).toBeGreaterThan(30);
    let checked = 0;
    for (const spec of specs) {
      for (const [key, opt] of Object.entries(spec.options)) {
        if (opt.default === undefined) continue;
        expect(opt.schema.safeParse(opt.default).success, `${spec.cls.className}.${key} default ${JSON.stringify(opt.default)}`).toBe(true);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(50);
  });

  it('refuses a spec whose default fails its schema, naming the option', () => {
    class Bad extends Scale {
      static override readonly className = 'TestBadDefault';
    }
    expect(() => registerLayer({ cls: Bad, options: { units: option(z.number().int().positive(), { default: 0 }) } })).toThrow(
      /TestBadDefault: the default of option 'units' fails its schema .*default=0/,
    );
    expect(registeredLayerClasses()).not.toContain('TestBadDefault');
  });

  it('keeps a Linear with custom initializers equal through JSON', () => {
    const lin = new Linear({ units: 3, kernelInitializer: 'he_normal', biasInitializer: initializerFromConfig('constant', { value: 0.5 }) });
    const copy = layerFromConfig(JSON.parse(JSON.stringify(serializeLayer(lin)))) as Linear;
    expect(copy.getConfig()).toEqual(lin.getConfig());
    copy.apply(randomTensor([1, 2], 1));
    expect(Array.from(copy.bias!.readSync())).toEqual([0.5, 0.5, 0.5]);
  });
});

describe('initializers from config', () => {
  for (const name of INITIALIZER_NAMES) {
    it(`${name} round-trips and generates the same values`, () => {
      const init = getInitializer(name);
      const back = getInitializer(JSON.parse(JSON.stringify(serializeInitializer(init))));
      expect(serializeInitializer(back)).toEqual(serializeInitializer(init));
      expect(Array.from(back.generate([3, 4], new Rng(5)))).toEqual(Array.from(init.generate([3, 4], new Rng(5))));
    });
  }

  it('keeps parameters and rejects unknown classes', () => {
    expect(Array.from(initializerFromConfig('constant', { value: 2.5 }).generate([2], new Rng(0)))).toEqual([2.5, 2.5]);
    const u = initializerFromConfig('randomUniform', { minval: 3, maxval: 4 }).generate([50], new Rng(1));
    expect(Math.min(...u)).toBeGreaterThanOrEqual(3);
    expect(Math.max(...u)).toBeLessThan(4);
    expect(() => initializerFromConfig('orthogonal')).toThrow("Received: 'orthogonal'.");
    expect(() => initializerFromConfig('variance_scaling', { scale: 1, mode: 'fan_sideways', distribution: 'uniform' })).toThrow(LayerArgumentError);
  });
});

describe('default names (Keras to_snake_case, counters per parent)', () => {
  it('converts class names', () => {
    expect(['Conv2D', 'BatchNorm', 'MyDenseLayer', 'Pool2D', 'HTTPServer', 'MergeDims'].map(toSnakeCase)).toEqual([
      'conv2d', 'batch_norm', 'my_dense_layer', 'pool2d', 'http_server', 'merge_dims',
    ]);
  });

  it('names layers and weights within a parent', () => {
    const net = new Holder({ name: 'net' });
    const layers = [new Conv2D({ filters: 1, kernelSize: 1 }), new Conv2D({ filters: 1, kernelSize: 1 }), new BatchNorm(), new Pool2D({ mode: 'max', poolSize: 1 }), new MergeDims(), new Flatten()];
    layers.forEach((l) => net.trackLayer(l));
    expect(layers.map((l) => l.name)).toEqual(['conv2d', 'conv2d_1', 'batch_norm', 'pool2d', 'merge_dims', 'flatten']);
    layers[1]!.apply(randomTensor([1, 2, 2, 1], 1));
    expect(layers[1]!.weights.map((w) => w.name)).toEqual(['net/conv2d_1/kernel:0', 'net/conv2d_1/bias:0']);
  });
});
