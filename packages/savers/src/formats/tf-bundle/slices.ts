/**
 * Partitioned tensors (a `tf.compat.v1.get_variable(..., partitioner=...)`
 * saved by a Saver): the full tensor's entry lists its slices
 * (`BundleEntryProto.slices`, `TensorSliceProto`s), and each slice is an entry
 * of its own under the key `EncodeTensorNameSlice(name, slice)`. Strata
 * assembles the full tensor, as TF's `BundleReader::Lookup` does
 * (`GetSliceValue`, tensorflow/core/util/tensor_bundle/tensor_bundle.cc).
 */
import { sizeOf, type TensorData } from '@strata/backend';
import type { DecodedValues } from './dtypes.js';
import type { BundleEntryProto, SliceExtent } from './protos.js';
import { encodeTensorNameSlice } from './slice-key.js';

const DAMAGED = 'the checkpoint is damaged or incomplete: save it again with TensorFlow.';

/** `start:length` per dimension, `-` for a full extent: TF's `TensorSlice::DebugString`. */
function describe(extents: readonly SliceExtent[]): string {
  return extents.map((e) => (e.length === undefined ? '-' : `${e.start},${e.length}`)).join(':');
}

/**
 * The full tensor `name` assembled from the slices its entry `full` lists.
 *
 * @param sliceEntries - the bundle's slice entries by key (bytes as latin1).
 * @param readValues - reads (and checks) the values of one stored entry.
 * @throws through `fail` when a slice's entry is missing, its extents or shape
 *   do not fit the full shape, or the slices leave elements uncovered.
 */
export async function assembleSlices(
  name: string,
  full: BundleEntryProto,
  sliceEntries: ReadonlyMap<string, BundleEntryProto>,
  readValues: (name: string, entry: BundleEntryProto) => Promise<DecodedValues>,
  fail: (problem: string, fix: string) => never,
): Promise<DecodedValues> {
  const shape = full.shape;
  const total = sizeOf(shape);
  const strides = shape.map((_, d) => sizeOf(shape.slice(d + 1)));
  const covered = new Uint8Array(total);
  let out: TensorData | undefined;
  let result: DecodedValues | undefined;
  for (const extents of full.slices) {
    const what = `slice ${describe(extents)} of partitioned tensor '${name}' (shape [${shape.join(', ')}])`;
    if (extents.length !== shape.length) fail(`${what} has ${extents.length} extents for ${shape.length} dimensions.`, DAMAGED);
    const lengths = extents.map((e, d) => e.length ?? shape[d]!);
    const starts = extents.map((e) => (e.length === undefined ? 0 : e.start));
    if (starts.some((s, d) => s < 0 || lengths[d]! < 0 || s + lengths[d]! > shape[d]!)) fail(`${what} reaches outside the full shape.`, DAMAGED);
    const key = String.fromCharCode(...encodeTensorNameSlice(name, extents));
    const entry = sliceEntries.get(key);
    if (!entry) fail(`${what} has no entry of its own in the index.`, DAMAGED);
    if (entry!.dtype !== full.dtype || entry!.shape.join() !== lengths.join()) {
      fail(`${what} is stored with dtype ${entry!.dtype} and shape [${entry!.shape.join(', ')}]; the full entry says dtype ${full.dtype} and extents [${lengths.join(', ')}].`, DAMAGED);
    }
    const values = await readValues(`${name} (${describe(extents)})`, entry!);
    result ??= values;
    out ??= new (values.data.constructor as new (n: number) => TensorData)(total);
    const count = sizeOf(lengths);
    for (let j = 0; j < count; j++) {
      let rest = j;
      let at = 0;
      for (let d = lengths.length - 1; d >= 0; d--) {
        const c = rest % lengths[d]!;
        rest = (rest - c) / lengths[d]!;
        at += (starts[d]! + c) * strides[d]!;
      }
      out[at] = values.data[j]!;
      covered[at] = 1;
    }
  }
  const filled = covered.reduce((n, c) => n + c, 0);
  if (!result || filled < total) fail(`the slices of partitioned tensor '${name}' (shape [${shape.join(', ')}]) cover ${filled} of its ${total} elements.`, DAMAGED);
  return { ...result!, data: out! };
}
