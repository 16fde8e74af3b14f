/**
 * Reading HDF5 files with h5wasm (HDF5 compiled to WebAssembly; in Node the
 * host file system is mounted directly), for the Keras formats.
 */
import { sizeOf } from '@strata/backend';
import type { Dataset, File as H5File, Group } from 'h5wasm';
import { CheckpointFileError } from '../errors.js';
import type { NamedTensorData } from '../safetensors.js';

type H5wasm = typeof import('h5wasm/node').default;
type H5Module = Awaited<H5wasm['ready']>;

/** The 8-byte signature every HDF5 file starts with (without a user block). */
const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
const H5T_INTEGER = 0;
const H5T_FLOAT = 1;
const H5T_ENUM = 8;

let loading: Promise<{ h5: H5wasm; module: H5Module }> | undefined;

/** h5wasm, loaded (and its WebAssembly compiled) on first use only. */
async function h5wasm(): Promise<{ h5: H5wasm; module: H5Module }> {
  loading ??= (async () => {
    const h5 = (await import('h5wasm/node')).default;
    return { h5, module: await h5.ready };
  })();
  return loading;
}

/** True if `bytes` starts with the HDF5 signature. */
export function isHdf5(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && SIGNATURE.every((b, i) => bytes[i] === b);
}

/**
 * Opens the HDF5 file at `path` read-only, runs `fn` on it and closes it.
 * HDF5 errors inside become a {@link CheckpointFileError} naming `file` (the
 * path reported to the user) instead of diagnostics printed to stderr.
 */
export async function withHdf5<T>(path: string, file: string, format: string, fn: (root: H5File, h5: H5wasm) => T): Promise<T> {
  const { h5, module } = await h5wasm();
  module.activate_throwing_error_handler();
  let f: H5File | undefined;
  try {
    f = new h5.File(path, 'r');
    if (f.file_id < 0n) throw new Error('H5Fopen failed');
    return fn(f, h5);
  } catch (e) {
    if (e instanceof CheckpointFileError) throw e;
    const detail = String((e as Error)?.message ?? e).split('\n').find((l) => /minor:|error/i.test(l))?.trim() ?? 'unknown HDF5 error';
    throw new CheckpointFileError({ file, format, problem: `HDF5 could not read the file (${detail}); it is truncated or corrupt.`, fix: 'copy the file again from where it was saved.' });
  } finally {
    try {
      if (f && f.file_id >= 0n) f.close();
    } finally {
      module.deactivate_throwing_error_handler();
    }
  }
}

/** Every dataset under `group`, depth first, with its path relative to `group` (`a/b/0`). */
export function datasetsUnder(h5: H5wasm, group: Group, prefix = ''): { path: string; dataset: Dataset }[] {
  const out: { path: string; dataset: Dataset }[] = [];
  for (const key of group.keys()) {
    const child = group.get(key);
    const path = prefix ? `${prefix}/${key}` : key;
    if (child instanceof h5.Dataset) out.push({ path, dataset: child });
    else if (child instanceof h5.Group) out.push(...datasetsUnder(h5, child, path));
  }
  return out;
}

/** A group's attribute as a list of strings (h5py writes fixed-length byte strings, h5wasm variable-length ones), or undefined. */
export function stringListAttribute(group: Group, name: string): string[] | undefined {
  if (!(name in group.attrs)) return undefined;
  const v = group.get_attribute(name, true);
  const list = Array.isArray(v) ? v : [v];
  return list.every((x) => typeof x === 'string') ? (list as string[]) : undefined;
}

/**
 * A dataset's values as a Strata tensor named `name`: float32 as is, float64
 * rounded to float32, integers of up to 32 bits (and 64-bit ones within the
 * int32 range) as int32, h5py booleans (an int8 enum FALSE/TRUE) as bool.
 *
 * @throws CheckpointFileError for other types (strings, float16, compounds),
 *   big-endian data, and 64-bit integers outside the int32 range.
 */
export function datasetTensor(dataset: Dataset, name: string, file: string, format: string): NamedTensorData {
  const meta = dataset.metadata;
  const fail = (problem: string): never => {
    throw new CheckpointFileError({ file, format, problem: `dataset ${dataset.path} (${name}) ${problem}`, fix: 'save the weights as float32 or int32 (Keras: model.save_weights with the float32 policy).' });
  };
  const shape = meta.shape ?? fail('has no dataspace (null shape).');
  const isBool = meta.type === H5T_ENUM && isBoolEnum(meta.enum_type?.members);
  if (meta.type !== H5T_INTEGER && meta.type !== H5T_FLOAT && !isBool) fail(`has HDF5 type class ${meta.type}, not a number.`);
  if (meta.type === H5T_FLOAT && meta.size !== 4 && meta.size !== 8) fail(`is a ${meta.size * 8}-bit float, which Strata does not read.`);
  if (meta.size > 1 && !meta.littleEndian) fail('is big-endian.');
  const raw = dataset.value;
  const values = ArrayBuffer.isView(raw) ? (raw as unknown as ArrayLike<number | bigint>) : [raw as number | bigint];
  if (values.length !== sizeOf(shape)) fail(`holds ${values.length} values for shape [${shape.join(', ')}].`);
  if (isBool) return { name, shape, dtype: 'bool', data: Uint8Array.from(values as ArrayLike<number>, (v) => (v ? 1 : 0)) };
  if (meta.type === H5T_FLOAT) {
    return { name, shape, dtype: 'float32', data: values instanceof Float32Array ? new Float32Array(values) : Float32Array.from(values as ArrayLike<number>) };
  }
  const data = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = Number(values[i]);
    if (v < -2147483648 || v > 2147483647) fail(`holds ${values[i]} at index ${i}, outside the int32 range Strata holds.`);
    data[i] = v;
  }
  return { name, shape, dtype: 'int32', data };
}

function isBoolEnum(members: Record<string, number> | undefined): boolean {
  return !!members && Object.keys(members).length === 2 && members['FALSE'] === 0 && members['TRUE'] === 1;
}
