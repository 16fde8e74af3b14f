/**
 * Reading TensorFlow's SSTable (the table format of a tensor bundle's `.index`
 * file, taken from LevelDB), every entry in key order, every block checksum verified.
 *
 * Sources: tensorflow/core/lib/io/format.cc (`Footer`, `BlockHandle`,
 * `ReadBlock`), block.cc, table.cc. Layout:
 *
 * * data blocks, then the metaindex block (empty in TF), then the index
 *   block, then a 48-byte footer: the metaindex and index `BlockHandle`s
 *   (varint64 offset, varint64 size), zero padding to 40 bytes, and the magic
 *   number 0xdb4775248b80fb57 as two little-endian uint32 (low half first);
 * * every block is followed by a 5-byte trailer: 1 compression byte (0 none,
 *   1 snappy) and the masked CRC32C of the block and that byte;
 * * a block holds entries `varint32 shared, varint32 unshared, varint32
 *   value_length, unshared key bytes, value` (a key shares `shared` leading
 *   bytes with the previous key), then `uint32 restarts[n]` and `uint32 n`;
 * * the index block maps a key ≥ every key of a data block to that block's handle.
 */
import { BinaryReader } from '@bufbuild/protobuf/wire';
import { CheckpointCrcError, CheckpointFileError } from '../../errors.js';
import { crc32c, hexCrc, unmaskCrc } from './crc32c.js';

/** The SSTable magic number, low and high 32 bits (little-endian in the footer). */
export const TABLE_MAGIC_LO = 0x8b80fb57;
export const TABLE_MAGIC_HI = 0xdb477524;
/** Footer size in bytes: two BlockHandles padded to 40, then the 8-byte magic. */
export const FOOTER_BYTES = 48;
/** Block trailer size in bytes: compression type + masked CRC32C. */
export const BLOCK_TRAILER_BYTES = 5;

/** One key/value pair of a table, views into the file's bytes (keys are raw bytes; TF's tensor names are UTF-8). */
export interface SstableEntry {
  readonly key: Uint8Array;
  readonly value: Uint8Array;
}

/** Where a block lies: byte offset and size, trailer excluded. */
interface BlockHandle {
  readonly offset: number;
  readonly size: number;
}

const FORMAT = 'tf-bundle';
const FIX_DAMAGED = 'the .index file is damaged or incomplete: copy it again from where TensorFlow wrote it, or save the checkpoint again.';

/**
 * True if `bytes` (a whole file) ends with an SSTable footer's magic number.
 * Needs at least {@link FOOTER_BYTES} bytes.
 */
export function hasTableMagic(bytes: Uint8Array): boolean {
  if (bytes.length < FOOTER_BYTES) return false;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return view.getUint32(bytes.length - 8, true) === TABLE_MAGIC_LO && view.getUint32(bytes.length - 4, true) === TABLE_MAGIC_HI;
}

/** `-1`, `0` or `1` as `a` sorts before, with or after `b` bytewise (TF's `StringPiece::compare`). */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

/** Every entry of the SSTable `bytes` (the whole `.index` file), in key order. Throws as {@link readSstableBlocks}. */
export function readSstable(bytes: Uint8Array, file: string): SstableEntry[] {
  return readSstableBlocks(bytes, file).flat();
}

/**
 * The entries of the SSTable `bytes` (the whole `.index` file) data block by
 * data block, in key order.
 *
 * @param file - the file named in errors.
 * @throws CheckpointFileError for a file shorter than the footer, a bad magic
 *   number, a block outside the file, a malformed block, keys out of order, or
 *   a snappy-compressed block (TF writes none since 1.2).
 * @throws CheckpointCrcError when a block's bytes do not match its trailer's CRC32C.
 */
export function readSstableBlocks(bytes: Uint8Array, file: string): SstableEntry[][] {
  const fail = (problem: string, fix = FIX_DAMAGED): never => {
    throw new CheckpointFileError({ file, format: FORMAT, problem, fix });
  };
  if (bytes.length < FOOTER_BYTES) fail(`the file is truncated: ${bytes.length} bytes, shorter than the ${FOOTER_BYTES}-byte SSTable footer.`);
  if (!hasTableMagic(bytes)) {
    fail('the last 8 bytes are not the SSTable magic number 0xdb4775248b80fb57, so this is not a tensor-bundle .index file (or its end was cut off).', `pass the .index file (or the prefix) of a checkpoint written by TensorFlow's Saver; ${FIX_DAMAGED}`);
  }
  const footerStart = bytes.length - FOOTER_BYTES;
  const footer = new BinaryReader(bytes.subarray(footerStart, bytes.length - 8));
  const handle = (what: string): BlockHandle => {
    try {
      return { offset: toSafe(footer.uint64()), size: toSafe(footer.uint64()) };
    } catch {
      return fail(`the footer's ${what} block handle is not two varints.`);
    }
  };
  handle('metaindex');
  const indexHandle = handle('index');
  const readBlock = (h: BlockHandle, what: string): Uint8Array => {
    if (h.offset + h.size + BLOCK_TRAILER_BYTES > footerStart) {
      fail(`the ${what} at byte ${h.offset} (${h.size} bytes + ${BLOCK_TRAILER_BYTES}-byte trailer) runs past the data before the footer (${footerStart} bytes): the file is truncated.`);
    }
    const end = h.offset + h.size;
    const stored = unmaskCrc(new DataView(bytes.buffer, bytes.byteOffset + end + 1, 4).getUint32(0, true));
    const actual = crc32c(bytes.subarray(h.offset, end + 1));
    if (stored !== actual) {
      throw new CheckpointCrcError({ file, format: FORMAT, entry: `the SSTable ${what} at byte ${h.offset} (${h.size} bytes)`, expected: hexCrc(stored), actual: hexCrc(actual) });
    }
    const type = bytes[end]!;
    if (type === 1) fail(`the ${what} at byte ${h.offset} is snappy-compressed, which Strata does not read (TensorFlow has written uncompressed tables since 1.2).`, 'load and save the checkpoint once with TensorFlow ≥ 1.2 to rewrite it uncompressed.');
    if (type !== 0) fail(`the ${what} at byte ${h.offset} has compression type ${type}; SSTables use 0 (none) or 1 (snappy).`);
    return bytes.subarray(h.offset, end);
  };

  const blocks: SstableEntry[][] = [];
  let last: SstableEntry | undefined;
  for (const indexEntry of blockEntries(readBlock(indexHandle, 'index block'), 'index block', fail)) {
    const r = new BinaryReader(indexEntry.value);
    let h: BlockHandle;
    try {
      h = { offset: toSafe(r.uint64()), size: toSafe(r.uint64()) };
    } catch {
      return fail('an index block entry is not a block handle (two varints).');
    }
    const entries = blockEntries(readBlock(h, 'data block'), `data block at byte ${h.offset}`, fail);
    for (const e of entries) {
      if (last && compareBytes(last.key, e.key) >= 0) fail(`keys are not in increasing order in the data block at byte ${h.offset}.`);
      last = e;
    }
    blocks.push(entries);
  }
  return blocks;
}

/** The entries of one block (its restart array checked for size), keys rebuilt from their shared prefixes. */
function blockEntries(block: Uint8Array, what: string, fail: (problem: string) => never): SstableEntry[] {
  if (block.length < 4) fail(`the ${what} is ${block.length} bytes, too short for its restart count.`);
  const view = new DataView(block.buffer, block.byteOffset, block.byteLength);
  const restarts = view.getUint32(block.length - 4, true);
  const limit = block.length - 4 - 4 * restarts;
  if (restarts > (block.length - 4) / 4 || limit < 0) fail(`the ${what} claims ${restarts} restart points, more than its ${block.length} bytes hold.`);
  const entries: SstableEntry[] = [];
  const reader = new BinaryReader(block.subarray(0, limit));
  let lastKey = new Uint8Array(0);
  while (reader.pos < limit) {
    let shared: number, unshared: number, valueLength: number;
    try {
      shared = reader.uint32();
      unshared = reader.uint32();
      valueLength = reader.uint32();
    } catch {
      return fail(`an entry of the ${what} at byte ${reader.pos} has a cut-off length prefix.`);
    }
    const start = reader.pos;
    if (shared > lastKey.length || start + unshared + valueLength > limit) {
      fail(`an entry of the ${what} at byte ${start} shares ${shared} key bytes with a ${lastKey.length}-byte key or runs past the block (${unshared} key + ${valueLength} value bytes).`);
    }
    const key = new Uint8Array(shared + unshared);
    key.set(lastKey.subarray(0, shared));
    key.set(block.subarray(start, start + unshared), shared);
    entries.push({ key, value: block.subarray(start + unshared, start + unshared + valueLength) });
    lastKey = key;
    reader.pos = start + unshared + valueLength;
  }
  return entries;
}

function toSafe(v: bigint | string): number {
  const n = BigInt(v);
  if (n > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError('varint beyond 2^53');
  return Number(n);
}
