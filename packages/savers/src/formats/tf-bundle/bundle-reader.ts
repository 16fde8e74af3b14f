/**
 * Reading a TensorFlow tensor bundle (what `tf.compat.v1.train.Saver`,
 * `tf.train.Checkpoint` and RETURNN write): `<prefix>.index` plus its data
 * shards, every tensor's CRC32C verified.
 *
 * Source: tensorflow/core/util/tensor_bundle/tensor_bundle.cc
 * (`BundleReader`: the header entry under the empty key, `GetValue`'s size and
 * checksum checks, `GetSliceValue` for partitioned tensors, byte swapping of
 * a bundle of the other endianness; `CheckVersions` of
 * tensorflow/core/framework/versions.cc).
 */
import { open, readFile, type FileHandle } from 'node:fs/promises';
import { sizeOf } from '@strata/backend';
import { CheckpointCrcError, CheckpointFileError, orNotFound } from '../../errors.js';
import type { NamedTensorData } from '../../safetensors.js';
import type { CheckpointContents, NamedTensors } from '../format.js';
import { crc32c, hexCrc, unmaskCrc } from './crc32c.js';
import { decodeValues, DTYPE_BYTES, unsupportedDtype, UnsupportedValuesError } from './dtypes.js';
import { bundlePrefix, dataFile, indexFile } from './paths.js';
import { type BundleEntryProto, type BundleHeaderProto, dataTypeName, decodeBundleEntry, decodeBundleHeader, DT, ProtoDecodeError, TENSOR_BUNDLE_VERSION } from './protos.js';
import { assembleSlices } from './slices.js';
import { readSstable } from './sstable-reader.js';
import { decodeStringTensor, OBJECT_GRAPH_KEY, STRATA_METADATA_KEY } from './string-tensor.js';

const FORMAT = 'tf-bundle';

/** Raises a CheckpointFileError about `file`. */
export type Fail = (problem: string, fix: string, file?: string) => never;

/**
 * Reads every tensor of the bundle at `path` (its prefix, its `.index` file or
 * one of its data shards). Tensors keep TF's names (variable names without
 * `:0`, e.g. `output/W`), in key order. Conversions (see `decodeValues`):
 * DT_DOUBLE/DT_HALF/DT_BFLOAT16 → float32 (float64 rounded to nearest),
 * 8/16-bit integers → int32, DT_INT64/DT_UINT32/DT_UINT64 → int32 when every
 * value fits; `details.converted` lists them. Partitioned tensors are
 * assembled from their slices. Only files named after the prefix are
 * opened, so nothing outside the bundle's folder is read. TF 2's object graph
 * (`_CHECKPOINTABLE_OBJECT_GRAPH`) is skipped; Strata's metadata tensor
 * becomes `metadata`.
 *
 * @throws CheckpointNotFoundError if `<prefix>.index` does not exist.
 * @throws CheckpointCrcError if an index block or a tensor's bytes do not match their CRC32C.
 * @throws CheckpointFileError for a truncated or malformed file, bad magic, a
 *   missing or short data shard, a newer bundle version, an unsupported dtype
 *   or an int64 outside int32 (naming the file, the tensor and the fix).
 */
export async function readTfBundle(path: string): Promise<CheckpointContents> {
  const prefix = bundlePrefix(path);
  const index = indexFile(prefix);
  const fail: Fail = (problem, fix, file = index) => {
    throw new CheckpointFileError({ file, format: FORMAT, problem, fix });
  };
  const indexBytes = await orNotFound(index, readFile(index));
  const table = readSstable(indexBytes, index);
  const first = table[0];
  if (!first || first.key.length !== 0) fail('the table has no header entry (the empty key) first, so it is an SSTable but not a tensor bundle.', 'pass the .index file of a checkpoint written by TensorFlow (tf.compat.v1.train.Saver, tf.train.Checkpoint).');
  const header = parseProto(() => decodeBundleHeader(first!.value), 'the header entry', fail);
  checkHeader(header, fail);

  const utf8 = new TextDecoder('utf-8', { fatal: true });
  const plain = new Map<string, BundleEntryProto>();
  const sliceEntries = new Map<string, BundleEntryProto>(); // by the key's bytes as latin1
  for (const { key, value } of table.slice(1)) {
    if (key[0] === 0) {
      sliceEntries.set(latin1(key), parseProto(() => decodeBundleEntry(value), `the slice entry ${JSON.stringify(latin1(key))}`, fail));
      continue;
    }
    let name: string;
    try {
      name = utf8.decode(key);
    } catch {
      return fail(`a tensor name (key bytes ${Buffer.from(key).toString('hex')}) is not UTF-8.`, 'save the checkpoint again with UTF-8 variable names.');
    }
    plain.set(name, parseProto(() => decodeBundleEntry(value), `the entry of tensor '${name}'`, fail));
  }

  const shards = new ShardFiles(prefix, header.numShards, fail);
  const littleEndian = header.endianness === 0;
  const tensors: NamedTensors = new Map();
  const metadata: Record<string, string> = {};
  const converted = new Map<string, number>();
  const notes: Record<string, string> = {};
  try {
    const readValues = async (name: string, entry: BundleEntryProto) => {
      checkShape(name, entry, fail);
      try {
        if (DTYPE_BYTES[entry.dtype] === undefined) throw unsupportedDtype(entry.dtype);
        return decodeValues(await shards.read(name, entry), entry.dtype, sizeOf(entry.shape), littleEndian);
      } catch (e) {
        if (e instanceof UnsupportedValuesError) fail(`tensor '${name}': ${e.problem}`, e.fix, DTYPE_BYTES[entry.dtype] === undefined ? index : shards.fileOf(entry));
        throw e;
      }
    };
    for (const [name, entry] of plain) {
      if (entry.dtype === DT.STRING && (name === STRATA_METADATA_KEY || name === OBJECT_GRAPH_KEY)) {
        if (name === OBJECT_GRAPH_KEY) notes['skipped'] = `${OBJECT_GRAPH_KEY} (TF 2 object graph)`;
        else Object.assign(metadata, await readMetadata(name, entry, shards, fail));
        continue;
      }
      const values = entry.slices.length
        ? await assembleSlices(name, entry, sliceEntries, readValues, fail)
        : await readValues(name, entry);
      if (entry.slices.length) notes['partitioned'] = [notes['partitioned'], `${name} (${entry.slices.length} slices)`].filter(Boolean).join(', ');
      if (values.converted) converted.set(values.converted, (converted.get(values.converted) ?? 0) + 1);
      const tensor: NamedTensorData = { name, shape: entry.shape, dtype: values.dtype, data: values.data };
      tensors.set(name, tensor);
    }
  } finally {
    await shards.close();
  }
  const details: Record<string, string> = {
    version: `producer ${header.version.producer}, min_consumer ${header.version.minConsumer}`,
    shards: String(header.numShards),
    byteOrder: littleEndian ? 'little-endian' : 'big-endian (swapped on read)',
    ...notes,
  };
  if (converted.size) details['converted'] = [...converted].map(([what, n]) => `${what} (${n} tensor${n === 1 ? '' : 's'})`).join(', ');
  return { tensors, metadata, details, files: [{ path: index, bytes: indexBytes.length }, ...shards.opened()] };
}

/** TF's `CheckVersions` for the bundle header, and a usable shard count and byte order. */
function checkHeader(header: BundleHeaderProto, fail: Fail): void {
  const { producer, minConsumer, badConsumers } = header.version;
  const newer = 'the checkpoint was written by a newer TensorFlow with a bundle format Strata does not know.';
  if (TENSOR_BUNDLE_VERSION < minConsumer) fail(`its bundle version needs a reader of version ≥ ${minConsumer} (producer ${producer}); Strata reads version ${TENSOR_BUNDLE_VERSION}: ${newer}`, 'save it again with tf.compat.v1.train.Saver (format V2) of a TensorFlow 1.x/2.x release.');
  if (badConsumers.includes(TENSOR_BUNDLE_VERSION)) fail(`its header disallows readers of version ${TENSOR_BUNDLE_VERSION} (bad_consumers ${badConsumers.join(', ')}).`, 'save it again with a TensorFlow release whose checkpoints Strata reads.');
  if (header.numShards < 1) fail(`its header says ${header.numShards} data shards.`, 'the .index file is damaged: copy it again or save the checkpoint again.');
  if (header.endianness !== 0 && header.endianness !== 1) fail(`its header names byte order ${header.endianness}; bundles are 0 (little) or 1 (big) endian.`, 'the .index file is damaged: copy it again or save the checkpoint again.');
}

function checkShape(name: string, entry: BundleEntryProto, fail: Fail): void {
  if (entry.unknownRank || entry.shape.some((d) => d < 0)) fail(`tensor '${name}' has an unknown or negative shape ([${entry.shape.join(', ')}]).`, 'the .index file is damaged: copy it again or save the checkpoint again.');
}

function parseProto<T>(decode: () => T, what: string, fail: Fail): T {
  try {
    return decode();
  } catch (e) {
    if (!(e instanceof ProtoDecodeError)) throw e;
    return fail(`${what}: ${e.message}.`, 'the .index file is damaged: copy it again or save the checkpoint again.');
  }
}

/** Strata's metadata tensor: a scalar string holding a JSON object of strings. */
async function readMetadata(name: string, entry: BundleEntryProto, shards: ShardFiles, fail: Fail): Promise<Record<string, string>> {
  const bytes = await shards.read(name, entry, false);
  const file = shards.fileOf(entry);
  let text: string;
  try {
    const { elements, crc } = decodeStringTensor(bytes, sizeOf(entry.shape));
    if (crc !== unmaskCrc(entry.crc32c)) throw new CheckpointCrcError({ file, format: FORMAT, entry: `tensor '${name}'`, expected: hexCrc(unmaskCrc(entry.crc32c)), actual: hexCrc(crc) });
    if (elements.length !== 1) throw new Error(`it holds ${elements.length} strings, not 1`);
    text = new TextDecoder().decode(elements[0]);
  } catch (e) {
    if (e instanceof CheckpointCrcError) throw e;
    return fail(`tensor '${name}' (Strata's metadata) is malformed: ${(e as Error).message}.`, 'save the checkpoint again with Strata.', file);
  }
  const parsed: unknown = (() => {
    try {
      return JSON.parse(text);
    } catch {
      return undefined;
    }
  })();
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || Object.values(parsed).some((v) => typeof v !== 'string')) {
    fail(`tensor '${name}' (Strata's metadata) is not a JSON object of strings.`, 'save the checkpoint again with Strata.', file);
  }
  return parsed as Record<string, string>;
}

/** The data shards of one bundle, opened on first use; only files named after the prefix. */
class ShardFiles {
  private readonly handles = new Map<number, { handle: FileHandle; bytes: number }>();

  constructor(private readonly prefix: string, private readonly count: number, private readonly fail: Fail) {}

  fileOf(entry: BundleEntryProto): string {
    return dataFile(this.prefix, entry.shardId, this.count);
  }

  /**
   * The bytes of `entry`, checked against its size (for fixed-size dtypes) and CRC32C
   * (`verify` false: the caller checks a string tensor's CRC itself).
   */
  async read(name: string, entry: BundleEntryProto, verify = true): Promise<Uint8Array> {
    const { fail } = this;
    if (entry.shardId < 0 || entry.shardId >= this.count) fail(`tensor '${name}' names data shard ${entry.shardId}, but the bundle has ${this.count}.`, 'the .index file is damaged: copy it again or save the checkpoint again.');
    const file = this.fileOf(entry);
    const each = DTYPE_BYTES[entry.dtype];
    if (each !== undefined && entry.size !== each * sizeOf(entry.shape)) {
      fail(`tensor '${name}' (${dataTypeName(entry.dtype)}, shape [${entry.shape.join(', ')}]) records ${entry.size} bytes; it needs ${each * sizeOf(entry.shape)}.`, 'the .index file is damaged: copy it again or save the checkpoint again.');
    }
    const { handle, bytes: fileBytes } = await this.open(entry.shardId, name, file);
    if (entry.offset + entry.size > fileBytes) {
      fail(`tensor '${name}' lies at bytes ${entry.offset}–${entry.offset + entry.size}, past the end of the ${fileBytes}-byte data shard: the shard is truncated.`, 'copy the data shard again in full (or save the checkpoint again).', file);
    }
    const bytes = new Uint8Array(entry.size);
    if (entry.size) await handle.read(bytes, 0, entry.size, entry.offset);
    if (verify) {
      const actual = crc32c(bytes);
      const stored = unmaskCrc(entry.crc32c);
      if (actual !== stored) throw new CheckpointCrcError({ file, format: FORMAT, entry: `tensor '${name}'`, expected: hexCrc(stored), actual: hexCrc(actual) });
    }
    return bytes;
  }

  opened(): { path: string; bytes: number }[] {
    return [...this.handles].sort(([a], [b]) => a - b).map(([id, h]) => ({ path: dataFile(this.prefix, id, this.count), bytes: h.bytes }));
  }

  async close(): Promise<void> {
    await Promise.all([...this.handles.values()].map((h) => h.handle.close()));
  }

  private async open(shard: number, name: string, file: string): Promise<{ handle: FileHandle; bytes: number }> {
    const known = this.handles.get(shard);
    if (known) return known;
    let handle: FileHandle;
    try {
      handle = await open(file, 'r');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      return this.fail(`data shard ${shard + 1} of ${this.count}, which holds tensor '${name}', does not exist (${file}).`, `copy every file of the checkpoint: ${indexFile(this.prefix)} and ${dataFile(this.prefix, 0, this.count)}${this.count > 1 ? ` … ${dataFile(this.prefix, this.count - 1, this.count)}` : ''}.`);
    }
    const opened = { handle, bytes: (await handle.stat()).size };
    this.handles.set(shard, opened);
    return opened;
  }
}

function latin1(bytes: Uint8Array): string {
  return String.fromCharCode(...bytes);
}
