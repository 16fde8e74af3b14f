/** Reading named entries of a zip archive (a `.keras` file) in memory, refusing unsafe entry paths. */
import { unzipSync } from 'fflate';
import { CheckpointFileError, UnsafeEntryPathError } from '../errors.js';
import { safeRelativePath } from './format.js';

/** True if `bytes` starts with a zip local-file header (`PK\x03\x04`) or is an empty archive (`PK\x05\x06`). */
export function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && ((bytes[2] === 3 && bytes[3] === 4) || (bytes[2] === 5 && bytes[3] === 6));
}

/**
 * Decompresses the entries of `archive` whose names are in `wanted`.
 *
 * Every entry name in the archive is checked first, extracted or not: an
 * absolute name (`/etc/x`, `C:\x`) or one escaping the archive root
 * (`../x`) fails the whole read, since a tool that later extracts the same
 * archive would write outside its target directory.
 *
 * @param file - the archive's path, named in errors.
 * @throws UnsafeEntryPathError for an unsafe entry name.
 * @throws CheckpointFileError if the bytes are not a valid zip archive.
 */
export function readZipEntries(archive: Uint8Array, wanted: readonly string[], file: string, format: string): Map<string, Uint8Array> {
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(archive, {
      filter: (info) => {
        // Directory entries end with '/'.
        if (safeRelativePath(info.name.replace(/\/$/, '')) === null) throw new UnsafeEntryPathError({ file, format, entry: info.name });
        return wanted.includes(info.name);
      },
    });
  } catch (e) {
    if (e instanceof CheckpointFileError) throw e;
    throw new CheckpointFileError({ file, format, problem: `not a valid zip archive (${(e as Error).message}).`, fix: 'a .keras file is a zip written by model.save(); save the model again.' });
  }
  return new Map(Object.entries(entries));
}
