import type { Dataset, Example } from './dataset.js';
import { DataError } from './errors.js';

/** What a value is, for messages: `null`, `a string "0.5"`, `a plain array of 3 items`, `a Float64Array of 3 values`, ... */
export function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `a plain array of ${v.length} items`;
  if (ArrayBuffer.isView(v)) return `a ${v.constructor.name}${'length' in v ? ` of ${String(v.length)} values` : ''}`;
  if (typeof v === 'string') return `a string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v)}`;
  if (typeof v === 'object') return `an object (${Object.prototype.toString.call(v)})`;
  if (v === undefined) return 'undefined';
  return `a ${typeof v} (${String(v)})`;
}

/**
 * Checks that an example's value for `key` has one of the types a
 * {@link Dataset}'s `Example` allows: a Float32Array, an Int32Array or a
 * number (`undefined`, a missing key, is left to the caller). Other typed
 * arrays and plain arrays are refused too: the engine would convert them
 * silently or mis-read them (a plain array has no dtype), so the dataset
 * must say what it means.
 *
 * @param where the start of the message, naming the dataset and example, e.g. `Dataset 'mnist/train', example 7`.
 * @throws DataError naming `where`, the key, what was received and how to fix it.
 */
export function checkExampleValue(where: string, key: string, v: unknown): asserts v is Float32Array | Int32Array | number | undefined {
  if (v === undefined || typeof v === 'number' || v instanceof Float32Array || v instanceof Int32Array) return;
  const convert = Array.isArray(v) || ArrayBuffer.isView(v) ? ' Convert it with Float32Array.from(value) (features) or Int32Array.from(value) (class indices).' : '';
  throw new DataError(`${where}, key '${key}': expected a Float32Array, an Int32Array or a number, got ${describeValue(v)}.${convert}`);
}

/**
 * `dataset.example(index)`, checked to be an object of key → value (not
 * `null`, `undefined` or an array): a dataset bug gets a DataError here
 * instead of a TypeError wherever a key is first read.
 * @throws DataError naming the dataset and example, and what `example()` returned.
 */
export function exampleAt(dataset: Dataset, index: number): Example {
  const e: unknown = dataset.example(index);
  if (typeof e !== 'object' || e === null || Array.isArray(e) || ArrayBuffer.isView(e)) {
    throw new DataError(
      `Dataset '${dataset.name}', example ${index}: example() must return an object of key -> value, e.g. {data: Float32Array, classes: 3}; got ${describeValue(e)}.`,
    );
  }
  return e as Example;
}
