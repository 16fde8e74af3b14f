import { readCheckpointFile, writeCheckpointFile } from '@strata/savers';

/** Options of `strata convert`. */
export interface ConvertOptions {
  /** Output format: `safetensors` or `tfjs`; default from OUT's extension (`.safetensors`, `.json`). */
  format?: string;
  /** Input format name, to skip detection. */
  from?: string;
}

/**
 * `strata convert IN OUT [--format safetensors|tfjs] [--from NAME]`: reads the
 * tensors and metadata of any readable file (safetensors, tfjs model.json,
 * Keras .keras/.weights.h5/.h5, ONNX initializers) and writes them as a
 * safetensors checkpoint (with its SHA-256) or a tfjs weights-only model.json
 * + shards. The write is atomic; tensor names and values are kept as they are.
 *
 * @param log - where the summary line goes (console.log; tests pass a collector).
 * @returns the format written.
 */
export async function convertCommand(input: string, output: string, opts: ConvertOptions = {}, log: (line: string) => void = console.log): Promise<string> {
  const src = await readCheckpointFile(input, { format: opts.from });
  const format = await writeCheckpointFile(output, src.tensors, { format: opts.format, metadata: src.metadata });
  const values = [...src.tensors.values()].reduce((a, t) => a + t.data.length, 0);
  log(`${input} (${src.format}) -> ${output} (${format}): ${src.tensors.size} tensors, ${values.toLocaleString('en-US')} values`);
  return format;
}
