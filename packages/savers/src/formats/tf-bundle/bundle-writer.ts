/**
 * Writing a TensorFlow tensor bundle that TF's `BundleReader` (and so
 * `tf.compat.v1.train.Saver.restore`, `tf.train.load_checkpoint` and RETURNN)
 * reads: one data shard and the `.index` SSTable, as `BundleWriter` writes them.
 *
 * Source: tensorflow/core/util/tensor_bundle/tensor_bundle.cc
 * (`BundleWriter::Add`, `BundleWriter::Finish`): tensors back to back in the
 * data shard (alignment 1), each entry with its dtype, shape, offset, size and
 * masked CRC32C; the header (`num_shards` 1, little-endian, version producer
 * 1, min_consumer 0) under the empty key; entries in bytewise key order.
 */
import { sizeOf } from '@strata/backend';
import { CheckpointFileError } from '../../errors.js';
import { littleEndianBytes } from '../../safetensors.js';
import { writeFilesAtomically } from '../atomic.js';
import { tensorList, type TensorsInput } from '../format.js';
import { crc32c, maskCrc } from './crc32c.js';
import { TF_DTYPE } from './dtypes.js';
import { bundlePrefix, dataFile, indexFile } from './paths.js';
import { DT, encodeBundleEntry, encodeBundleHeader, TENSOR_BUNDLE_VERSION } from './protos.js';
import { compareBytes, type SstableEntry } from './sstable-reader.js';
import { buildSstable, type SstableWriterOptions } from './sstable-writer.js';
import { encodeStringTensor, STRATA_METADATA_KEY } from './string-tensor.js';

/**
 * Options of {@link encodeTfBundle} and {@link writeTfBundle}: the SSTable's
 * block layout (TF's defaults), and `int64`: names of int32 tensors to store
 * as DT_INT64 (8 bytes each, sign-extended), for TF's int64 variables such as
 * `global_step`, which TF restores only from an int64 tensor.
 */
export type TfBundleWriteOptions = SstableWriterOptions & { readonly int64?: readonly string[] };

/** The two files of a one-shard bundle. */
export interface EncodedTfBundle {
  /** The `.index` file: an SSTable of the header and one `BundleEntryProto` per tensor. */
  readonly index: Uint8Array;
  /** The `.data-00000-of-00001` file: every tensor's bytes, little-endian, in key order. */
  readonly data: Uint8Array;
}

/**
 * The bytes of a one-shard tensor bundle holding `tensors` (float32 →
 * DT_FLOAT, int32 → DT_INT32, bool → DT_BOOL) and, when `metadata` is not
 * empty, a scalar DT_STRING tensor `_STRATA_METADATA` holding it as JSON
 * (TF reads it as any string variable; Strata reads it back as metadata).
 *
 * @param target - the file named in errors.
 * @throws CheckpointFileError if a name is empty, starts with a NUL byte (the
 *   key space of partitioned slices), is repeated or is `_STRATA_METADATA`, a
 *   shape is not a list of non-negative integers, `data` is not the typed array
 *   of `dtype` or has the wrong length, or a metadata value is not a string.
 */
export function encodeTfBundle(tensors: TensorsInput, metadata: Readonly<Record<string, string>> = {}, target = '<buffer>', options: TfBundleWriteOptions = {}): EncodedTfBundle {
  const fail = (problem: string): never => {
    throw new CheckpointFileError({ file: target, format: 'tf-bundle', problem: `cannot encode: ${problem}`, fix: 'pass float32/int32/bool tensors with unique names and matching shapes, and string metadata.' });
  };
  const utf8 = new TextEncoder();
  const items: { key: Uint8Array; dtype: number; shape: readonly number[]; bytes: Uint8Array; crc: number }[] = [];
  const seen = new Set<string>();
  for (const { name, shape, dtype, data } of tensorList(tensors)) {
    if (typeof name !== 'string' || name === '' || name.startsWith('\0') || name === STRATA_METADATA_KEY) fail(`invalid tensor name ${JSON.stringify(name)}.`);
    if (seen.has(name)) fail(`tensor name '${name}' appears twice.`);
    seen.add(name);
    if (!(dtype in TF_DTYPE)) fail(`tensor '${name}': unsupported dtype ${JSON.stringify(dtype)}; expected float32, int32 or bool.`);
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) fail(`tensor '${name}': shape ${JSON.stringify(shape)} must be a list of non-negative integers.`);
    const want = dtype === 'float32' ? Float32Array : dtype === 'int32' ? Int32Array : Uint8Array;
    if (!(data instanceof want)) fail(`tensor '${name}': dtype ${dtype} needs a ${want.name}, got ${(data as object | undefined)?.constructor?.name ?? typeof data}.`);
    if (data.length !== sizeOf(shape)) fail(`tensor '${name}': data has ${data.length} elements, shape [${shape.join(', ')}] needs ${sizeOf(shape)}.`);
    const asInt64 = options.int64?.includes(name) ?? false;
    if (asInt64 && dtype !== 'int32') fail(`tensor '${name}': only int32 tensors can be stored as int64; it is ${dtype}.`);
    const bytes = dtype === 'bool' ? Uint8Array.from(data as Uint8Array, (b) => (b ? 1 : 0)) : asInt64 ? int64Bytes(data as Int32Array) : littleEndianBytes(data);
    items.push({ key: utf8.encode(name), dtype: asInt64 ? DT.INT64 : TF_DTYPE[dtype], shape, bytes, crc: crc32c(bytes) });
  }
  const meta = Object.entries(metadata);
  for (const [k, v] of meta) if (typeof v !== 'string') fail(`metadata value '${k}' is a ${typeof v}; metadata values must be strings (use String(x)).`);
  if (meta.length) {
    const { bytes, crc } = encodeStringTensor([utf8.encode(JSON.stringify(Object.fromEntries(meta)))]);
    items.push({ key: utf8.encode(STRATA_METADATA_KEY), dtype: DT.STRING, shape: [], bytes, crc });
  }
  items.sort((a, b) => compareBytes(a.key, b.key));

  const data = new Uint8Array(items.reduce((n, it) => n + it.bytes.length, 0));
  const header = encodeBundleHeader({ numShards: 1, endianness: 0, version: { producer: TENSOR_BUNDLE_VERSION, minConsumer: 0, badConsumers: [] } });
  const entries: SstableEntry[] = [{ key: new Uint8Array(0), value: header }];
  let offset = 0;
  for (const it of items) {
    data.set(it.bytes, offset);
    entries.push({ key: it.key, value: encodeBundleEntry({ dtype: it.dtype, shape: [...it.shape], shardId: 0, offset, size: it.bytes.length, crc32c: maskCrc(it.crc) }) });
    offset += it.bytes.length;
  }
  return { index: buildSstable(entries, options), data };
}

/** int32 values as little-endian int64 (sign-extended). */
function int64Bytes(values: Int32Array): Uint8Array {
  const out = new DataView(new ArrayBuffer(values.length * 8));
  values.forEach((v, i) => out.setBigInt64(i * 8, BigInt(v), true));
  return new Uint8Array(out.buffer);
}

/**
 * Writes `tensors` (and `metadata`) as the bundle `<prefix>.index` +
 * `<prefix>.data-00000-of-00001`, where `path` is the prefix or the `.index`
 * path. Atomic: both files go to temporary names and are fsynced, then the
 * data shard is renamed, then the `.index` last, so a reader never finds an
 * index pointing at a half-written shard. Data shards of an earlier bundle
 * with the same prefix and another shard count are left alone (the new index
 * does not name them). Missing directories are created.
 *
 * @throws CheckpointFileError for tensors that cannot be encoded (nothing is written).
 * @throws CheckpointWriteError if the file system refuses the write (nothing is replaced).
 */
export async function writeTfBundle(path: string, tensors: TensorsInput, metadata: Readonly<Record<string, string>> = {}, options: TfBundleWriteOptions = {}): Promise<void> {
  const prefix = bundlePrefix(path);
  const { index, data } = encodeTfBundle(tensors, metadata, indexFile(prefix), options);
  await writeFilesAtomically([
    { path: dataFile(prefix, 0, 1), bytes: data },
    { path: indexFile(prefix), bytes: index },
  ]);
}
