import { type CheckpointFile, readCheckpointFile } from '@strata/savers';

/** Options of `strata inspect`. */
export interface InspectOptions {
  /** Format name, to skip detection (safetensors, tfjs, keras, keras-h5, onnx). */
  format?: string;
  /** Print one JSON object instead of the table. */
  json?: boolean;
}

const BYTES_PER_ELEMENT = { float32: 4, int32: 4, bool: 1 } as const;
const count = (n: number) => n.toLocaleString('en-US');

/**
 * `strata inspect FILE [--format NAME] [--json]`: the format of a checkpoint
 * or weight file (safetensors, tfjs model.json + shards, Keras .keras /
 * .weights.h5 / .h5, ONNX), its files and total bytes, its metadata and
 * format details, and every tensor with its dtype, shape and size in bytes.
 *
 * @param log - where lines go (console.log; tests pass a collector).
 */
export async function inspectCommand(file: string, opts: InspectOptions = {}, log: (line: string) => void = console.log): Promise<CheckpointFile> {
  const ckpt = await readCheckpointFile(file, { format: opts.format });
  const tensors = [...ckpt.tensors.values()].map((t) => ({
    name: t.name,
    dtype: t.dtype,
    shape: [...t.shape],
    bytes: t.data.length * BYTES_PER_ELEMENT[t.dtype],
    elements: t.data.length,
  }));
  const fileBytes = ckpt.files.reduce((a, f) => a + f.bytes, 0);
  const tensorBytes = tensors.reduce((a, t) => a + t.bytes, 0);
  const params = tensors.reduce((a, t) => a + t.elements, 0);
  if (opts.json) {
    log(JSON.stringify({ file, format: ckpt.format, files: ckpt.files, totalBytes: fileBytes, tensorBytes, parameters: params, metadata: ckpt.metadata, details: ckpt.details ?? {}, tensors }));
    return ckpt;
  }
  log(`${file}: ${ckpt.format}, ${tensors.length} tensor${tensors.length === 1 ? '' : 's'}, ${count(params)} values, ${count(tensorBytes)} bytes of tensor data`);
  log(`files (${count(fileBytes)} bytes in total):`);
  for (const f of ckpt.files) log(`  ${f.path}  ${count(f.bytes)} bytes`);
  const section = (title: string, entries: Record<string, string>) => {
    const keys = Object.keys(entries);
    log(`${title}:${keys.length ? '' : ' none'}`);
    for (const k of keys) log(`  ${k}: ${entries[k]}`);
  };
  section('metadata', ckpt.metadata);
  section('details', ckpt.details ?? {});
  const rows = tensors.map((t) => [t.name, t.dtype, `[${t.shape.join(', ')}]`, count(t.bytes)]);
  const header = ['name', 'dtype', 'shape', 'bytes'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => `  ${r.map((c, i) => (i === 3 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ')}`.trimEnd();
  log('tensors:');
  log(line(header));
  for (const r of rows) log(line(r));
  return ckpt;
}
