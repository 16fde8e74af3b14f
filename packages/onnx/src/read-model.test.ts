/**
 * readOnnxModel: initializers in each encoding ONNX allows (raw_data and the
 * typed fields), header fields, and the errors.
 */
import onnxProto from 'onnx-proto';
import { describe, expect, it } from 'vitest';
import { OnnxModelReadError, readOnnxModel } from './read-model.js';

const { onnx } = onnxProto;
const T = onnx.TensorProto.DataType;

function model(initializer: onnxProto.onnx.ITensorProto[], extra: Partial<onnxProto.onnx.IModelProto> = {}): Uint8Array {
  return onnx.ModelProto.encode(
    onnx.ModelProto.create({
      irVersion: 9,
      opsetImport: [{ domain: '', version: 19 }, { domain: 'com.microsoft', version: 1 }],
      producerName: 'test',
      producerVersion: '1.2',
      graph: { name: 'g', initializer, input: [{ name: 'x' }], output: [{ name: 'y' }], node: [{ opType: 'Identity', input: ['x'], output: ['y'] }] },
      ...extra,
    }),
  ).finish();
}

const nums = (a: ArrayLike<number | bigint>) => Array.from(a, Number);
const le = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

describe('readOnnxModel: initializer encodings', () => {
  it('raw_data of float32, int32, int64, bool, int8 and float16', () => {
    const m = readOnnxModel(
      model([
        { name: 'w', dataType: T.FLOAT, dims: [2, 2], rawData: le(new Float32Array([1.5, -2, 0, 3])) },
        { name: 'i', dataType: T.INT32, dims: [3], rawData: le(new Int32Array([-1, 0, 2147483647])) },
        { name: 'l', dataType: T.INT64, dims: [2], rawData: le(new BigInt64Array([-5n, 9007199254740993n])) },
        { name: 'b', dataType: T.BOOL, dims: [3], rawData: new Uint8Array([1, 0, 1]) },
        { name: 'c', dataType: T.INT8, dims: [2], rawData: new Uint8Array([0xff, 0x7f]) },
        { name: 'h', dataType: T.FLOAT16, dims: [3], rawData: le(new Uint16Array([0x3c00, 0xc000, 0x3555])) },
      ]),
    );
    const by = Object.fromEntries(m.initializers.map((t) => [t.name, t]));
    expect(by['w']).toMatchObject({ elementType: 'float32', dims: [2, 2], values: new Float32Array([1.5, -2, 0, 3]) });
    expect(nums(by['i']!.values)).toEqual([-1, 0, 2147483647]);
    expect(by['l']!.values).toEqual(new BigInt64Array([-5n, 9007199254740993n]));
    expect(by['b']).toMatchObject({ elementType: 'bool', values: new Uint8Array([1, 0, 1]) });
    expect(by['c']).toMatchObject({ elementType: 'int8', values: new Int32Array([-1, 127]) });
    expect(by['h']).toMatchObject({ elementType: 'float16', values: new Float32Array([1, -2, 0.333251953125]) });
  });

  it('float_data, int32_data, int64_data, double_data and float16 in int32_data; scalars', () => {
    const m = readOnnxModel(
      model([
        { name: 'f', dataType: T.FLOAT, dims: [3], floatData: [0.5, -1, 3] },
        { name: 'i', dataType: T.INT32, dims: [2], int32Data: [7, -8] },
        { name: 'u8', dataType: T.UINT8, dims: [2], int32Data: [0, 255] },
        { name: 'l', dataType: T.INT64, dims: [2], int64Data: [3, -4] },
        { name: 'd', dataType: T.DOUBLE, dims: [], doubleData: [0.1] },
        { name: 'h', dataType: T.FLOAT16, dims: [2], int32Data: [0x7c00, 0x0001] },
        { name: 'b', dataType: T.BOOL, dims: [2], int32Data: [0, 1] },
      ]),
    );
    const by = Object.fromEntries(m.initializers.map((t) => [t.name, t]));
    expect(nums(by['f']!.values)).toEqual([0.5, -1, 3]);
    expect(by['i']!.values).toEqual(new Int32Array([7, -8]));
    expect(by['u8']!.values).toEqual(new Int32Array([0, 255]));
    expect(by['l']!.values).toEqual(new BigInt64Array([3n, -4n]));
    expect(by['d']).toMatchObject({ elementType: 'float64', dims: [], values: new Float64Array([0.1]) });
    expect(nums(by['h']!.values)).toEqual([Infinity, 2 ** -24]);
    expect(by['b']!.values).toEqual(new Uint8Array([0, 1]));
  });

  it('returns the header: IR version, opsets, producer, graph IO, metadata_props', () => {
    const m = readOnnxModel(model([], { metadataProps: [{ key: 'epoch', value: '3' }] }));
    expect(m).toMatchObject({
      irVersion: 9,
      opsets: { '': 19, 'com.microsoft': 1 },
      producerName: 'test',
      producerVersion: '1.2',
      graphName: 'g',
      inputs: ['x'],
      outputs: ['y'],
      metadata: { epoch: '3' },
      initializers: [],
    });
  });
});

describe('readOnnxModel: errors name the source and the initializer', () => {
  it('not a model, unsupported types, external data, a wrong value count', () => {
    expect(() => readOnnxModel(new Uint8Array([0xff, 0xff, 0xff]), 'x.onnx')).toThrow(OnnxModelReadError);
    expect(() => readOnnxModel(new Uint8Array(0), 'x.onnx')).toThrow(/x\.onnx: cannot read ONNX model: the model has no graph/);
    expect(() => readOnnxModel(model([{ name: 's', dataType: T.STRING, dims: [1] }]), 'x.onnx')).toThrow(/initializer 's' has data type 8 \(STRING\)/);
    const external = { name: 'e', dataType: T.FLOAT, dims: [1], dataLocation: onnx.TensorProto.DataLocation.EXTERNAL, externalData: [{ key: 'location', value: 'w.bin' }] };
    expect(() => readOnnxModel(model([external]), 'x.onnx')).toThrow(/'e' keeps its values in an external file/);
    expect(() => readOnnxModel(model([{ name: 'w', dataType: T.FLOAT, dims: [2, 2], rawData: new Uint8Array(12) }]))).toThrow(/'w' has 12 bytes of raw_data; dims \[2, 2\] of float32 need 16/);
    expect(() => readOnnxModel(model([{ name: 'w', dataType: T.FLOAT, dims: [3], floatData: [1] }]))).toThrow(/'w' has 1 values; dims \[3\] need 3/);
  });
});
