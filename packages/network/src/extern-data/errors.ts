import { LayerNotFoundError, NetworkError } from '../errors.js';

/** Options of {@link ExternDataKeyError}. */
export interface ExternDataKeyErrorOptions {
  /** The key asked for. */
  key: string;
  /** The keys that exist, listed in the message. */
  known: readonly string[];
  /** What was searched, the message's subject (`extern_data`, `Dataset 'train'`). Default `'extern_data'`. */
  where?: string;
}

/**
 * An extern-data key was asked for and does not exist (seed 003
 * `ExternData.get_data`'s KeyError; a {@link LayerNotFoundError}, since
 * `data:<key>` sources are looked up as layers). `known` lists the keys.
 */
export class ExternDataKeyError extends LayerNotFoundError {
  override name = 'ExternDataKeyError';
  /** The key asked for. */
  readonly key: string;
  /** The keys that exist. */
  readonly known: readonly string[];
  constructor(options: ExternDataKeyErrorOptions) {
    const { key, known, where = 'extern_data' } = options;
    super(`${where} has no key '${key}'. Known keys: ${known.join(', ') || 'none'}. Add it to extern_data or use one of the known keys.`);
    this.key = key;
    this.known = known;
  }
}

/** Options of {@link DuplicateDataKeyError}. */
export interface DuplicateDataKeyErrorOptions {
  /** The key registered twice. */
  key: string;
}

/** `registerData` for a key that is already registered (seed 003 `register_data`'s assert). */
export class DuplicateDataKeyError extends NetworkError {
  override name = 'DuplicateDataKeyError';
  /** The key registered twice. */
  readonly key: string;
  constructor(options: DuplicateDataKeyErrorOptions) {
    const { key } = options;
    super(`extern_data already has a key '${key}'. Register each key once, or pass { replace: true } to replace its description.`);
    this.key = key;
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

/** Options of {@link DatasetMismatchError}. */
export interface DatasetMismatchErrorOptions {
  /** The dataset's name. */
  datasetName: string;
  /** Every key and field that differs, with expected and received values. */
  mismatches: readonly DataMismatch[];
}

/**
 * A dataset does not provide what extern_data describes (seed 003
 * `check_matched_dataset`'s asserts: "key %r sparse/dtype/dim/shape mismatch").
 * `mismatches` lists every key and field with expected and received values.
 */
export class DatasetMismatchError extends NetworkError {
  override name = 'DatasetMismatchError';
  /** The dataset's name. */
  readonly datasetName: string;
  /** Every key and field that differs. */
  readonly mismatches: readonly DataMismatch[];
  constructor(options: DatasetMismatchErrorOptions) {
    const { datasetName, mismatches } = options;
    super(
      `Dataset '${datasetName}' does not match extern_data:\n` +
        mismatches.map((m) => `  - key '${m.key}' ${m.field}: extern_data expects ${m.expected}, dataset has ${m.got}`).join('\n') +
        `\nMake extern_data describe the dataset (or pick the dataset extern_data was written for).`,
    );
    this.datasetName = datasetName;
    this.mismatches = mismatches;
  }
}
