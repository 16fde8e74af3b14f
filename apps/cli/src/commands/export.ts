import { resolve } from 'node:path';
import { exportOnnx } from '@strata/network';
import { ConfigError } from '../config.js';
import { type CheckpointOptions, openCheckpoint } from './checkpoint.js';

/** Options of `strata export`. */
export interface ExportOptions extends CheckpointOptions {
  format: string;
  out?: string;
  opset?: number;
}

/**
 * `strata export CONFIG --checkpoint PATH --format onnx [--out FILE] [--opset N]`:
 * writes the inference graph of a checkpoint as a standalone ONNX file
 * (inputs named after extern_data, outputs after the output layers, dynamic
 * batch and time axes).
 */
export async function exportCommand(configPath: string, opts: ExportOptions): Promise<void> {
  if (opts.format !== 'onnx') throw new ConfigError(`Unknown export format '${opts.format}'. Formats: onnx.`);
  const { engine, path, epoch } = await openCheckpoint(configPath, opts);
  const out = resolve(opts.out ?? path.replace(/\.safetensors$/, '') + '.onnx');
  const model = await exportOnnx(engine.model, out, { opset: opts.opset });
  console.log(`checkpoint ${path} (epoch ${epoch}) -> ${out} (${(model.bytes.byteLength / 1e6).toFixed(2)} MB)`);
  for (const i of model.inputs) console.log(`  input  ${i.name}: ${i.dtype} [${i.dims.join(', ')}]`);
  for (const o of model.outputs) console.log(`  output ${o.name}: ${o.dtype} [${o.dims.map((d) => d ?? '?').join(', ')}]`);
}
