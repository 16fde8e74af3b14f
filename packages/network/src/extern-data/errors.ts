import { LayerNotFoundError, NetworkError } from '../errors.js';

/**
 * An extern-data key was asked for and does not exist (seed 003
 * `ExternData.get_data`'s KeyError; a {@link LayerNotFoundError}, since
 * `data:<key>` sources are looked up as layers). `known` lists the keys.
 */
export class ExternDataKeyError extends LayerNotFoundError {
  override name = 'ExternDataKeyError';
  constructor(
    readonly key: string,
    readonly known: readonly string[],
    where = 'extern_data',
  ) {
    super(`${where} has no key '${key}'. Known keys: ${known.join(', ') || 'none'}. Add it to extern_data or use one of the known keys.`);
  }
}

/** `registerData` for a key that is already registered (seed 003 `register_data`'s assert). */
export class DuplicateDataKeyError extends NetworkError {
  override name = 'DuplicateDataKeyError';
  constructor(readonly key: string) {
    super(`extern_data already has a key '${key}'. Register each key once, or pass { replace: true } to replace its description.`);
  }
}

/** One difference between a dataset key and its extern_data entry. */
export interface DataMismatch {
  readonly key: string;
  /** What differs: `missing` (the dataset lacks the key), `sparse`, `dtype`, `dim` or `shape`. */
  readonly field: 'missing' | 'sparse' | 'dtype' | 'dim' | 'shape';
  readonly expected: string;
  readonly got: string;
}

/**
 * A dataset does not provide what extern_data describes (seed 003
 * `check_matched_dataset`'s asserts: "key %r sparse/dtype/dim/shape mismatch").
 * `mismatches` lists every key and field with expected and received values.
 */
export class DatasetMismatchError extends NetworkError {
  override name = 'DatasetMismatchError';
  constructor(
    readonly datasetName: string,
    readonly mismatches: readonly DataMismatch[],
  ) {
    super(
      `Dataset '${datasetName}' does not match extern_data:\n` +
        mismatches.map((m) => `  - key '${m.key}' ${m.field}: extern_data expects ${m.expected}, dataset has ${m.got}`).join('\n') +
        `\nMake extern_data describe the dataset (or pick the dataset extern_data was written for).`,
    );
  }
}
