/**
 * CRC32C (Castagnoli), as TensorFlow checksums tensor bytes and SSTable
 * blocks, with TF's masking of stored checksums.
 *
 * Source: tensorflow/core/lib/hash/crc32c.h (`Value`, `Extend`, `Mask`,
 * `Unmask`; the mask comes from LevelDB: a stored CRC of data that itself
 * holds CRCs is rotated and offset so it does not look like one). The CRC is
 * computed by the pure-JS `crc-32` package (SheetJS, `crc32c.js`), so it runs
 * in browsers too.
 */
import CRC32C from 'crc-32/crc32c.js';

const MASK_DELTA = 0xa282ead8;

/** CRC32C of `bytes` continued from `crc` (TF's `crc32c::Extend`; `crc32c::Value` when `crc` is 0), unsigned 32-bit. */
export function crc32c(bytes: Uint8Array, crc = 0): number {
  return CRC32C.buf(bytes, crc | 0) >>> 0;
}

/** TF's `crc32c::Mask`: the form in which checksums are stored (`BundleEntryProto.crc32c`, block trailers). */
export function maskCrc(crc: number): number {
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + MASK_DELTA) >>> 0;
}

/** TF's `crc32c::Unmask`, the inverse of {@link maskCrc}. */
export function unmaskCrc(masked: number): number {
  const rot = (masked - MASK_DELTA) >>> 0;
  return ((rot >>> 17) | (rot << 15)) >>> 0;
}

/** A CRC as TF prints it in errors, and as Strata names it: 8 hex digits. */
export function hexCrc(crc: number): string {
  return crc.toString(16).padStart(8, '0');
}
