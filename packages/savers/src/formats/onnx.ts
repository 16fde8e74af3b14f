/** ONNX models as checkpoints: the graph's initializers (its weights), read only. */
import { readFile } from 'node:fs/promises';
import type { OnnxInitializer } from '@strata/onnx';
import { CheckpointFileError, orNotFound } from '../errors.js';
import type { NamedTensorData } from '../safetensors.js';
import { type CheckpointContents, type CheckpointFormat, hasExtension, type NamedTensors } from './format.js';

const FORMAT = 'onnx';

/**
 * ONNX: a `.onnx` file's `graph.initializer` as named tensors (Strata's
 * exporter names them by checkpoint key, so `strata export` output converts
 * back to a checkpoint). float16 and float64 become float32 (float64 rounded),
 * 8/16-bit integers int32, 64-bit integers int32 when every value fits.
 * `metadata_props` is the metadata. Decoding is `readOnnxModel` of `@strata/onnx`.
 */
export const onnxFormat: CheckpointFormat = {
  name: FORMAT,
  description: 'ONNX model (.onnx): the graph initializers, read only',
  extensions: ['.onnx'],
  detect(path, bytes) {
    // A ModelProto starts with field 1 (ir_version, a small varint): 0x08 then 3..12.
    return bytes ? bytes.length >= 2 && bytes[0] === 0x08 && bytes[1]! >= 1 && bytes[1]! <= 20 : hasExtension(path, this.extensions);
  },
  async read(path): Promise<CheckpointContents> {
    const bytes = await orNotFound(path, readFile(path));
    const { OnnxModelReadError, readOnnxModel } = await import('@strata/onnx');
    let model: ReturnType<typeof readOnnxModel>;
    try {
      model = readOnnxModel(bytes, path);
    } catch (e) {
      if (!(e instanceof OnnxModelReadError)) throw e;
      throw new CheckpointFileError({ file: path, format: FORMAT, problem: e.problem, fix: 'pass an .onnx file with its weights inside (strata export writes one).' });
    }
    const tensors: NamedTensors = new Map();
    const converted = new Set<string>();
    for (const init of model.initializers) {
      if (tensors.has(init.name)) throw new CheckpointFileError({ file: path, format: FORMAT, problem: `initializer '${init.name}' appears twice.`, fix: 'give every initializer a unique name.' });
      const t = toStrata(init, path);
      if (init.elementType !== t.dtype) converted.add(`${init.elementType}→${t.dtype}`);
      tensors.set(init.name, t);
    }
    const details: Record<string, string> = {
      producer: `${model.producerName} ${model.producerVersion}`.trim(),
      irVersion: String(model.irVersion),
      opsets: Object.entries(model.opsets).map(([d, v]) => `${d || 'ai.onnx'} ${v}`).join(', '),
      inputs: model.inputs.join(', '),
      outputs: model.outputs.join(', '),
    };
    if (converted.size) details['converted'] = [...converted].join(', ');
    return { tensors, metadata: model.metadata, details, files: [{ path, bytes: bytes.length }] };
  },
};

/** One initializer as a Strata tensor (float32, int32 or bool). */
function toStrata(init: OnnxInitializer, file: string): NamedTensorData {
  const { name, dims: shape, values, elementType } = init;
  if (elementType === 'bool') return { name, shape, dtype: 'bool', data: values as Uint8Array };
  if (values instanceof Float32Array) return { name, shape, dtype: 'float32', data: values };
  if (values instanceof Float64Array) return { name, shape, dtype: 'float32', data: Float32Array.from(values) };
  if (values instanceof Int32Array) return { name, shape, dtype: 'int32', data: values };
  const data = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v < -2147483648n || v > 2147483647n) {
      throw new CheckpointFileError({
        file,
        format: FORMAT,
        problem: `initializer '${name}' (${elementType}) holds ${v} at index ${i}, outside the int32 range Strata holds.`,
        fix: 'store it as int32 or float32 in the model, or leave it out of the checkpoint.',
      });
    }
    data[i] = Number(v);
  }
  return { name, shape, dtype: 'int32', data };
}
