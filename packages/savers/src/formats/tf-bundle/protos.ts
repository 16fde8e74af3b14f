/**
 * The protobuf messages of a TensorFlow tensor bundle's `.index` file, read
 * and written with `@bufbuild/protobuf`'s wire format (hand-written messages:
 * five small proto3 messages do not need a code generator).
 *
 * Sources: tensorflow/core/protobuf/tensor_bundle.proto (`BundleHeaderProto`,
 * `BundleEntryProto`), tensorflow/core/framework/tensor_shape.proto
 * (`TensorShapeProto`), tensor_slice.proto (`TensorSliceProto`),
 * versions.proto (`VersionDef`), types.proto (`DataType`). Fields are written
 * in field-number order and proto3 defaults are left out, as TF's C++
 * `SerializeAsString` does, so Strata's index bytes equal TF's.
 */
import { BinaryReader, BinaryWriter, WireType } from '@bufbuild/protobuf/wire';

/** The bundle format version Strata reads and writes (TF's `kTensorBundleVersion`; `kTensorBundleMinConsumer` is 0). */
export const TENSOR_BUNDLE_VERSION = 1;

/** TF `DataType` values (types.proto) a bundle may name. */
export const DT = {
  INVALID: 0, FLOAT: 1, DOUBLE: 2, INT32: 3, UINT8: 4, INT16: 5, INT8: 6, STRING: 7, COMPLEX64: 8, INT64: 9, BOOL: 10,
  QINT8: 11, QUINT8: 12, QINT32: 13, BFLOAT16: 14, QINT16: 15, QUINT16: 16, UINT16: 17, COMPLEX128: 18, HALF: 19,
  RESOURCE: 20, VARIANT: 21, UINT32: 22, UINT64: 23,
} as const;

/** `DT_FLOAT`, ... for a `DataType` value, as TF prints it; `DT_<n>` for values Strata does not know. */
export function dataTypeName(dtype: number): string {
  const entry = Object.entries(DT).find(([, v]) => v === dtype);
  return entry ? `DT_${entry[0]}` : `DT_<${dtype}>`;
}

/** versions.proto `VersionDef`. */
export interface VersionDef {
  producer: number;
  minConsumer: number;
  badConsumers: number[];
}

/** tensor_bundle.proto `BundleHeaderProto`: the value of the empty key `""`. `endianness` 0 is LITTLE, 1 BIG. */
export interface BundleHeaderProto {
  numShards: number;
  endianness: number;
  version: VersionDef;
}

/** tensor_slice.proto `TensorSliceProto.Extent`: `length` undefined is the full extent of the dimension. */
export interface SliceExtent {
  start: number;
  length: number | undefined;
}

/**
 * tensor_bundle.proto `BundleEntryProto`: a tensor's dtype and shape
 * (`TensorShapeProto` dims, each ≥ 0 for a stored tensor), where its bytes lie
 * (`shardId`, `offset`, `size` in bytes) and their masked CRC32C; `slices`
 * non-empty for a partitioned tensor, whose parts are entries of their own.
 */
export interface BundleEntryProto {
  dtype: number;
  shape: number[];
  /** `TensorShapeProto.unknown_rank`; never set in a valid bundle. */
  unknownRank: boolean;
  shardId: number;
  offset: number;
  size: number;
  crc32c: number;
  slices: SliceExtent[][];
}

/** A message that could not be decoded: what was wrong, for the caller to name the file and key. */
export class ProtoDecodeError extends Error {
  override name = 'ProtoDecodeError';
}

type Fields = (reader: BinaryReader, field: number, wire: WireType) => boolean;

/** Decodes one message from `bytes`, calling `onField` per field; unknown fields are skipped. */
function decode(bytes: Uint8Array, what: string, onField: Fields): void {
  const reader = new BinaryReader(bytes);
  try {
    while (reader.pos < reader.len) {
      const [field, wire] = reader.tag();
      if (!onField(reader, field, wire)) reader.skip(wire, field);
    }
  } catch (e) {
    if (e instanceof ProtoDecodeError) throw e;
    throw new ProtoDecodeError(`${what} is not a valid protobuf message (${(e as Error).message})`);
  }
}

/** A 64-bit integer field as a number, refused beyond 2^53 (no bundle offset or dimension is that large). */
function safeInt(value: bigint | string, field: string): number {
  const n = BigInt(value);
  if (n > BigInt(Number.MAX_SAFE_INTEGER) || n < BigInt(Number.MIN_SAFE_INTEGER)) throw new ProtoDecodeError(`${field} is ${n}, beyond 2^53`);
  return Number(n);
}

function expectWire(wire: WireType, want: WireType, field: string): void {
  if (wire !== want) throw new ProtoDecodeError(`field ${field} has wire type ${wire}, expected ${want}`);
}

function decodeVersion(bytes: Uint8Array): VersionDef {
  const v: VersionDef = { producer: 0, minConsumer: 0, badConsumers: [] };
  decode(bytes, 'VersionDef', (r, field, wire) => {
    if (field === 1 && wire === WireType.Varint) v.producer = r.int32();
    else if (field === 2 && wire === WireType.Varint) v.minConsumer = r.int32();
    else if (field === 3 && wire === WireType.Varint) v.badConsumers.push(r.int32());
    else if (field === 3 && wire === WireType.LengthDelimited) {
      const packed = new BinaryReader(r.bytes());
      while (packed.pos < packed.len) v.badConsumers.push(packed.int32());
    } else return false;
    return true;
  });
  return v;
}

/** Decodes a `BundleHeaderProto`. @throws ProtoDecodeError. */
export function decodeBundleHeader(bytes: Uint8Array): BundleHeaderProto {
  const h: BundleHeaderProto = { numShards: 0, endianness: 0, version: { producer: 0, minConsumer: 0, badConsumers: [] } };
  decode(bytes, 'BundleHeaderProto', (r, field, wire) => {
    switch (field) {
      case 1: expectWire(wire, WireType.Varint, 'num_shards'); h.numShards = r.int32(); break;
      case 2: expectWire(wire, WireType.Varint, 'endianness'); h.endianness = r.int32(); break;
      case 3: expectWire(wire, WireType.LengthDelimited, 'version'); h.version = decodeVersion(r.bytes()); break;
      default: return false;
    }
    return true;
  });
  return h;
}

function decodeShape(bytes: Uint8Array, entry: BundleEntryProto): void {
  decode(bytes, 'TensorShapeProto', (r, field, wire) => {
    if (field === 2) {
      expectWire(wire, WireType.LengthDelimited, 'dim');
      let size = 0;
      decode(r.bytes(), 'TensorShapeProto.Dim', (d, f, w) => {
        if (f !== 1) return false;
        expectWire(w, WireType.Varint, 'dim.size');
        size = safeInt(d.int64(), 'dim.size');
        return true;
      });
      entry.shape.push(size);
    } else if (field === 3) {
      expectWire(wire, WireType.Varint, 'unknown_rank');
      entry.unknownRank = r.bool();
    } else return false;
    return true;
  });
}

function decodeSlice(bytes: Uint8Array): SliceExtent[] {
  const extents: SliceExtent[] = [];
  decode(bytes, 'TensorSliceProto', (r, field, wire) => {
    if (field !== 1) return false;
    expectWire(wire, WireType.LengthDelimited, 'extent');
    const extent: SliceExtent = { start: 0, length: undefined };
    decode(r.bytes(), 'TensorSliceProto.Extent', (e, f, w) => {
      if (f !== 1 && f !== 2) return false;
      expectWire(w, WireType.Varint, f === 1 ? 'start' : 'length');
      const value = safeInt(e.int64(), f === 1 ? 'extent.start' : 'extent.length');
      if (f === 1) extent.start = value;
      else extent.length = value;
      return true;
    });
    extents.push(extent);
    return true;
  });
  return extents;
}

/** Decodes a `BundleEntryProto`. @throws ProtoDecodeError. */
export function decodeBundleEntry(bytes: Uint8Array): BundleEntryProto {
  const e: BundleEntryProto = { dtype: 0, shape: [], unknownRank: false, shardId: 0, offset: 0, size: 0, crc32c: 0, slices: [] };
  decode(bytes, 'BundleEntryProto', (r, field, wire) => {
    switch (field) {
      case 1: expectWire(wire, WireType.Varint, 'dtype'); e.dtype = r.int32(); break;
      case 2: expectWire(wire, WireType.LengthDelimited, 'shape'); decodeShape(r.bytes(), e); break;
      case 3: expectWire(wire, WireType.Varint, 'shard_id'); e.shardId = r.int32(); break;
      case 4: expectWire(wire, WireType.Varint, 'offset'); e.offset = safeInt(r.int64(), 'offset'); break;
      case 5: expectWire(wire, WireType.Varint, 'size'); e.size = safeInt(r.int64(), 'size'); break;
      case 6: expectWire(wire, WireType.Bit32, 'crc32c'); e.crc32c = r.fixed32(); break;
      case 7: expectWire(wire, WireType.LengthDelimited, 'slices'); e.slices.push(decodeSlice(r.bytes())); break;
      default: return false;
    }
    return true;
  });
  return e;
}

/** Encodes a `BundleHeaderProto` (bad_consumers packed, as proto3 does). */
export function encodeBundleHeader(h: BundleHeaderProto): Uint8Array {
  const w = new BinaryWriter();
  if (h.numShards) w.tag(1, WireType.Varint).int32(h.numShards);
  if (h.endianness) w.tag(2, WireType.Varint).int32(h.endianness);
  const v = new BinaryWriter();
  if (h.version.producer) v.tag(1, WireType.Varint).int32(h.version.producer);
  if (h.version.minConsumer) v.tag(2, WireType.Varint).int32(h.version.minConsumer);
  if (h.version.badConsumers.length) {
    v.tag(3, WireType.LengthDelimited).fork();
    for (const c of h.version.badConsumers) v.int32(c);
    v.join();
  }
  w.tag(3, WireType.LengthDelimited).bytes(v.finish());
  return w.finish();
}

/** Encodes a `BundleEntryProto` of an unpartitioned tensor (`slices` must be empty: Strata writes whole tensors). */
export function encodeBundleEntry(e: Omit<BundleEntryProto, 'slices' | 'unknownRank'>): Uint8Array {
  const w = new BinaryWriter();
  if (e.dtype) w.tag(1, WireType.Varint).int32(e.dtype);
  const shape = new BinaryWriter();
  for (const size of e.shape) {
    const dim = new BinaryWriter();
    if (size) dim.tag(1, WireType.Varint).int64(size);
    shape.tag(2, WireType.LengthDelimited).bytes(dim.finish());
  }
  w.tag(2, WireType.LengthDelimited).bytes(shape.finish());
  if (e.shardId) w.tag(3, WireType.Varint).int32(e.shardId);
  if (e.offset) w.tag(4, WireType.Varint).int64(e.offset);
  if (e.size) w.tag(5, WireType.Varint).int64(e.size);
  if (e.crc32c) w.tag(6, WireType.Bit32).fixed32(e.crc32c);
  return w.finish();
}
