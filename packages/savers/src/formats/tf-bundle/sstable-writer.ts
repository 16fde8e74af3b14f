/**
 * Writing TensorFlow's SSTable, byte for byte as TF's `table::TableBuilder`
 * does with the options a tensor bundle uses (no compression, 256 KiB blocks,
 * a restart point every 16 keys; the index block restarts at every key).
 *
 * Sources: tensorflow/core/lib/io/table_builder.cc (`Add`, `Flush`,
 * `WriteRawBlock`, `Finish`, `FindShortestSeparator`, `FindShortSuccessor`),
 * block_builder.cc, format.cc (`Footer::EncodeTo`), table_options.h. The
 * layout is described in `sstable-reader.ts`.
 */
import { BinaryWriter } from '@bufbuild/protobuf/wire';
import { crc32c, maskCrc } from './crc32c.js';
import { compareBytes, FOOTER_BYTES, TABLE_MAGIC_HI, TABLE_MAGIC_LO, type SstableEntry } from './sstable-reader.js';

/** Options of {@link buildSstable}; the defaults are TF's (`table::Options`). */
export interface SstableWriterOptions {
  /** Bytes of entries after which a data block is closed. Default 262144 (256 KiB), TF's `block_size`. */
  readonly blockSize?: number;
  /** Keys between restart points (full keys) in data blocks. Default 16, TF's `block_restart_interval`. */
  readonly restartInterval?: number;
}

/** TF's `BlockBuilder`: prefix-compressed entries with restart points. */
class BlockBuilder {
  private chunks: Uint8Array[] = [];
  private bytes = 0;
  private restarts: number[] = [0];
  private counter = 0;
  private lastKey: Uint8Array = new Uint8Array(0);

  constructor(private readonly restartInterval: number) {}

  get empty(): boolean {
    return this.bytes === 0;
  }

  /** `CurrentSizeEstimate`: the entries, the restart array and its length. */
  get sizeEstimate(): number {
    return this.bytes + 4 * this.restarts.length + 4;
  }

  add(key: Uint8Array, value: Uint8Array): void {
    let shared = 0;
    if (this.counter < this.restartInterval) {
      const n = Math.min(this.lastKey.length, key.length);
      while (shared < n && this.lastKey[shared] === key[shared]) shared++;
    } else {
      this.restarts.push(this.bytes);
      this.counter = 0;
    }
    const head = new BinaryWriter().uint32(shared).uint32(key.length - shared).uint32(value.length).finish();
    this.push(head);
    this.push(key.subarray(shared));
    this.push(value);
    this.lastKey = key;
    this.counter++;
  }

  /** The block's bytes (entries, restarts, restart count); the builder is reset. */
  finish(): Uint8Array {
    const tail = new Uint8Array(4 * this.restarts.length + 4);
    const view = new DataView(tail.buffer);
    this.restarts.forEach((r, i) => view.setUint32(4 * i, r, true));
    view.setUint32(4 * this.restarts.length, this.restarts.length, true);
    const out = concat([...this.chunks, tail]);
    this.chunks = [];
    this.bytes = 0;
    this.restarts = [0];
    this.counter = 0;
    this.lastKey = new Uint8Array(0);
    return out;
  }

  private push(chunk: Uint8Array): void {
    this.chunks.push(chunk);
    this.bytes += chunk.length;
  }
}

/**
 * The bytes of an SSTable holding `entries` (keys strictly increasing,
 * bytewise), as TF's `TableBuilder` writes them uncompressed.
 *
 * @throws RangeError if the keys are not strictly increasing (a caller bug:
 *   the bundle writer sorts and deduplicates first).
 */
export function buildSstable(entries: Iterable<SstableEntry>, options: SstableWriterOptions = {}): Uint8Array {
  const blockSize = options.blockSize ?? 262144;
  const out: Uint8Array[] = [];
  let offset = 0;
  const data = new BlockBuilder(options.restartInterval ?? 16);
  const index = new BlockBuilder(1);
  let lastKey: Uint8Array | undefined;
  let pending: Uint8Array | undefined; // the handle of the last data block, not yet in the index

  const writeBlock = (block: Uint8Array): Uint8Array => {
    const handle = new BinaryWriter().uint64(offset).uint64(block.length).finish();
    const trailer = new Uint8Array(5); // compression type 0: none
    const crc = crc32c(trailer.subarray(0, 1), crc32c(block));
    new DataView(trailer.buffer).setUint32(1, maskCrc(crc), true);
    out.push(block, trailer);
    offset += block.length + trailer.length;
    return handle;
  };
  const flush = () => {
    if (data.empty) return;
    pending = writeBlock(data.finish());
  };

  for (const { key, value } of entries) {
    if (lastKey) {
      if (compareBytes(lastKey, key) >= 0) throw new RangeError('buildSstable: keys must be strictly increasing');
      if (key.length + value.length >= 2 * blockSize) flush(); // kOverlyLargeBlockRatio
    }
    if (pending) {
      index.add(shortestSeparator(lastKey!, key), pending);
      pending = undefined;
    }
    lastKey = key;
    data.add(key, value);
    if (data.sizeEstimate >= blockSize) flush();
  }
  flush();
  const metaindex = writeBlock(new BlockBuilder(16).finish());
  if (pending) index.add(shortSuccessor(lastKey!), pending);
  const indexHandle = writeBlock(index.finish());

  const footer = new Uint8Array(FOOTER_BYTES);
  footer.set(metaindex, 0);
  footer.set(indexHandle, metaindex.length);
  const view = new DataView(footer.buffer);
  view.setUint32(FOOTER_BYTES - 8, TABLE_MAGIC_LO, true);
  view.setUint32(FOOTER_BYTES - 4, TABLE_MAGIC_HI, true);
  out.push(footer);
  return concat(out);
}

/** TF's `FindShortestSeparator`: a short key ≥ `start` and < `limit`. */
function shortestSeparator(start: Uint8Array, limit: Uint8Array): Uint8Array {
  const n = Math.min(start.length, limit.length);
  let i = 0;
  while (i < n && start[i] === limit[i]) i++;
  if (i >= n) return start; // one is a prefix of the other
  const b = start[i]!;
  if (b < 0xff && b + 1 < limit[i]!) {
    const out = start.slice(0, i + 1);
    out[i] = b + 1;
    return out;
  }
  return start;
}

/** TF's `FindShortSuccessor`: a short key ≥ `key`. */
function shortSuccessor(key: Uint8Array): Uint8Array {
  for (let i = 0; i < key.length; i++) {
    if (key[i] !== 0xff) {
      const out = key.slice(0, i + 1);
      out[i] = key[i]! + 1;
      return out;
    }
  }
  return key;
}

function concat(chunks: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
