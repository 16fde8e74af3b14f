/**
 * The one checkpoint API: `save` a model (and its optimizer) to a file, and
 * `load` any checkpoint file into a model, its format found from its content.
 */
import type { Variable } from '@strata/core';
import { CHECKPOINT_FORMAT } from './checkpoint.js';
import { assignAll, checkpointEntries, OPTIMIZER_PREFIX, readEntries, type SlotTensor } from './checkpoint-entries.js';
import { CheckpointArgumentError, CheckpointFileError, CheckpointWriteUnsupportedError } from './errors.js';
import { matchExactly } from './exact-match.js';
import type { NamedTensors, WriteCheckpointOptions } from './formats/format.js';
import { type CheckpointFile, checkpointFormat, readCheckpointFile, WRITABLE_CHECKPOINT_FORMATS } from './formats/registry.js';
import { CheckpointLoader, type CheckpointLoaderMappingOptions, type LoadReport } from './loader/checkpoint-loader.js';
import { CHECKSUM_METADATA_KEY } from './safetensors.js';

/**
 * What `save` and `load` work on: anything with a list of variables — a
 * `Layer`, `Network`, `NetDictNetwork` or model, or `{ variables }` for a
 * plain list. The checkpoint key of a variable is its `path`
 * (`network/hidden/kernel`: the seed's variable name without `:0`).
 */
export interface Checkpointable {
  readonly variables: readonly Variable[];
}

/** The JSON-safe part of an optimizer's state, stored as the checkpoint metadata `optimizer`. */
export interface OptimizerJsonState {
  /** Updates applied so far (a non-negative integer). */
  readonly iterations: number;
  /** The current learning rate (a finite number ≥ 0). */
  readonly learningRate: number;
}

/**
 * An optimizer as `save`/`load` see it (the engine's `Optimizer` is one):
 * its slots are saved as tensors `optimizer/<slot name>`, its
 * {@link OptimizerJsonState} as JSON in the metadata `optimizer`.
 */
export interface OptimizerCheckpointState {
  /** The slot tensors (backend variables), named `${variable.path}/${slot}`, e.g. `net/dense/kernel/momentum`. */
  slots(): readonly SlotTensor[];
  /** Creates (as zeros) the slots of `variables` that do not exist yet, so that a checkpoint's values can be assigned to them. */
  createSlots(variables: readonly Variable[]): void;
  /** The step count and learning rate (extra JSON-safe fields are saved too). */
  getState(): OptimizerJsonState;
  /** Restores what {@link getState} returned, parsed back from the metadata. */
  setState(state: OptimizerJsonState): void;
}

/** Options of {@link save}. `modelTopology` and `shardBytes` apply to the `tfjs` format only. */
export interface SaveOptions extends WriteCheckpointOptions {
  /**
   * The model's optimizer: its slots are saved as `optimizer/<slot name>`
   * (`optimizer/net/dense/kernel/momentum`) and its step count and learning
   * rate as JSON in the metadata `optimizer`, so that training resumes exactly.
   */
  readonly optimizer?: OptimizerCheckpointState;
  /**
   * String metadata, e.g. the engine's `epoch`, `step`, `configHash`.
   * `save` adds `format: strata-checkpoint/1`. Reserved: `optimizer`,
   * `strata.sha256`, and `format` with another value.
   */
  readonly metadata?: Readonly<Record<string, string>>;
  /**
   * `safetensors` (default, Strata's native format: one file with a SHA-256
   * of its data), `tfjs` (`model.json` + weight shards; a path not ending
   * in `.json` is a directory that gets a `model.json`) or `tf-bundle` (a
   * TensorFlow checkpoint `<path>.index` + `<path>.data-00000-of-00001`, `path`
   * being the prefix as TF's Saver takes it; the metadata goes into a string
   * tensor `_STRATA_METADATA`).
   */
  readonly format?: 'safetensors' | 'tfjs' | 'tf-bundle';
}

/**
 * Options that map a checkpoint of another network or format onto the model
 * (RETURNN's `CustomCheckpointLoader`; see `CheckpointLoaderMappingOptions`):
 * `paramsPrefix`, `loadIfPrefix`, `ignoreParams`, `ignoreParamsPrefixes`,
 * `nameMap`, `customMissingLoader`, `forgetBias`.
 */
export type CheckpointMappingOptions = Omit<CheckpointLoaderMappingOptions, 'ignoreMissing' | 'source'>;

/** What `load` tells a {@link LoadOptions.mapping} function about the file before mapping it. */
export interface CheckpointSummary {
  /** The format found from the content: `safetensors`, `tfjs`, `keras`, `keras-h5`, `onnx`. */
  readonly format: string;
  /** The names of the tensors the mapping sees (a Strata checkpoint's `optimizer/` slots left out). */
  readonly names: readonly string[];
  readonly metadata: Readonly<Record<string, string>>;
}

/** Options of {@link load}. */
export interface LoadOptions {
  /**
   * The optimizer to restore: its slots are created (as zeros) for the
   * model's trainable variables, then loaded from `optimizer/<slot name>`,
   * and its step count and learning rate from the metadata `optimizer`.
   * Only a Strata checkpoint holds these. Without it, the file's optimizer slots are ignored.
   */
  readonly optimizer?: OptimizerCheckpointState;
  /** Variables (and slots) the file has no tensor for keep their values instead of failing the load. Default false. */
  readonly ignoreMissing?: boolean;
  /**
   * Map the file onto the model by name rules instead of exact keys, through
   * `CheckpointLoader` (renames, LSTM layouts, prefixes, `nameMap`, ...). Given
   * (even as `{}`), every file is mapped; a function gets the file's tensor
   * names first and returns the options (e.g. a prefix only when the file's names have it).
   */
  readonly mapping?: CheckpointMappingOptions | ((file: CheckpointSummary) => CheckpointMappingOptions);
}

/** What {@link load} returns. */
export interface LoadResult {
  /** The file's string metadata (`epoch`, `step`, `configHash`, `global_train_step`, ...; `{}` for most foreign files). */
  readonly metadata: Record<string, string>;
  /** The format found from the content: `safetensors`, `tfjs`, `keras`, `keras-h5`, `onnx`, `tf-bundle`. */
  readonly format: string;
  /** When the file was mapped (not a Strata checkpoint, or `mapping` given): where each variable's value came from. */
  readonly report?: LoadReport;
}

/**
 * Saves the values of `model.variables` (keyed by `variable.path`) and, with
 * `options.optimizer`, the optimizer's slots and state, to `path`: the seeds'
 * "saving with a Saver, alongside a global step and optimizer variables"
 * (tfe.Network) and RETURNN's `TFNetwork.save_params_to_file`.
 *
 * Everything is checked and every value read into memory before the disk is
 * touched. safetensors is written atomically (temporary file next to `path`,
 * fsync, rename: a crash keeps the previous file) with the SHA-256 of its
 * data in the metadata; tfjs writes its shards and `model.json` to temporary
 * names and renames `model.json` last. Missing parent directories are created.
 * Values are read with `readSync` (float32, int32, bool), so this needs a
 * backend that can read variables eagerly.
 *
 * @throws CheckpointArgumentError if the model has no variables (build it
 *   first), two variables share a path, or the metadata is not strings or uses
 *   a reserved key. Nothing is written.
 * @throws UnknownCheckpointFormatError, CheckpointWriteUnsupportedError for a
 *   `format` other than `safetensors`, `tfjs` and `tf-bundle`. Nothing is written.
 * @throws CheckpointWriteError if the file system refuses the write (disk
 *   full, ...): the file at `path` keeps its previous contents.
 */
export async function save(model: Checkpointable, path: string, options: SaveOptions = {}): Promise<void> {
  const what = `save(${path})`;
  const formatName = options.format ?? 'safetensors';
  const format = checkpointFormat(formatName, path);
  if (!format.write) throw new CheckpointWriteUnsupportedError({ file: path, format: format.name, writable: WRITABLE_CHECKPOINT_FORMATS });
  const variables = variablesOf(model, what, 'save');
  const metadata = saveMetadata(options.metadata ?? {}, what);
  const entries = checkpointEntries(variables, options.optimizer?.slots() ?? [], what);
  if (options.optimizer) metadata['optimizer'] = JSON.stringify(options.optimizer.getState());
  await format.write(path, readEntries(entries), metadata, options);
}

/** {@link load} with `mapping` given: the file is mapped through `CheckpointLoader`, and `report` is always set. Throws as {@link load}. */
export async function load(model: Checkpointable, path: string, options: LoadOptions & Pick<Required<LoadOptions>, 'mapping'>): Promise<Required<LoadResult>>;
/**
 * Loads the checkpoint at `path` into `model.variables`: RETURNN's
 * `TFNetwork.load_params_from_file` and `CustomCheckpointLoader`, and the
 * seeds' restoring with a Saver.
 *
 * The format is found from the file's content, not its name (see
 * `detectCheckpointFormat`): safetensors, tfjs `model.json` (or a directory
 * holding one), Keras `.keras`/`.weights.h5`/`.h5`, ONNX, TF tensor bundles
 * (`path` the prefix, e.g. RETURNN's `model.001`, or the `.index`). Reading never runs
 * code from the file and never reads outside the file's directory (archive
 * entries and shard paths that escape it are refused).
 *
 * A Strata checkpoint (metadata `format: strata-checkpoint/1`, or a
 * safetensors file holding a tensor under a variable's path) is loaded by
 * exact keys, all-or-nothing: names, shapes and dtypes of every variable (and
 * with `options.optimizer`, every slot) are checked first, and nothing is
 * assigned on any difference. Any other file, or any file when
 * `options.mapping` is given, goes through `CheckpointLoader` (renames, LSTM
 * layouts, prefixes, `nameMap`), also all-or-nothing, and `report` says where
 * each value came from.
 *
 * @returns the metadata, the format, and the mapping report when mapped.
 * @throws CheckpointArgumentError if the model has no variables (build it
 *   first), two variables share a path, or `optimizer` is given for a file
 *   that is mapped (only a Strata checkpoint holds optimizer state).
 * @throws CheckpointNotFoundError if nothing exists at `path`.
 * @throws UnknownCheckpointFormatError if no format recognises the content.
 * @throws CheckpointFormatError, CheckpointChecksumError, CheckpointFileError,
 *   UnsafeEntryPathError for a malformed, corrupted or unsafe file, or
 *   metadata `optimizer` that is not an optimizer state.
 * @throws CheckpointMismatchError if a Strata checkpoint does not fit the
 *   model (missing, unexpected, shape/dtype differences listed).
 * @throws CheckpointMappingError if a mapped file cannot be mapped onto the model.
 */
export async function load(model: Checkpointable, path: string, options?: LoadOptions): Promise<LoadResult>;
export async function load(model: Checkpointable, path: string, options: LoadOptions = {}): Promise<LoadResult> {
  const what = `load(${path})`;
  const variables = variablesOf(model, what, 'load');
  checkpointEntries(variables, [], what);
  const file = await readCheckpointFile(path);
  const isStrata = file.metadata['format'] === CHECKPOINT_FORMAT;
  const exact = !options.mapping && (isStrata || (file.format === 'safetensors' && variables.some((v) => file.tensors.has(v.path))));
  if (exact) return loadExactly(variables, path, file, options);
  if (options.optimizer) {
    throw new CheckpointArgumentError(
      `${what}: an optimizer was given, but the file is ${options.mapping ? 'mapped (the mapping option is given)' : `a ${file.format} file that is not a Strata checkpoint of this model`}, ` +
        `and only a Strata checkpoint loaded by exact keys restores optimizer state. Load it without the optimizer option (the optimizer then starts afresh).`,
    );
  }
  const tensors: NamedTensors = new Map([...file.tensors].filter(([k]) => !(isStrata && k.startsWith(OPTIMIZER_PREFIX))));
  const summary: CheckpointSummary = { format: file.format, names: [...tensors.keys()], metadata: file.metadata };
  const mapping = typeof options.mapping === 'function' ? options.mapping(summary) : (options.mapping ?? {});
  const report = new CheckpointLoader({ ...mapping, ignoreMissing: options.ignoreMissing ?? false, source: path, tensors, variables }).loadNow();
  return { metadata: file.metadata, format: file.format, report };
}

/** Loads a Strata checkpoint by exact keys, with the optimizer's slots and state when one is given. */
function loadExactly(variables: readonly Variable[], path: string, file: CheckpointFile, options: LoadOptions): LoadResult {
  const { optimizer } = options;
  const state = optimizer && file.metadata['optimizer'] !== undefined ? optimizerState(file.metadata['optimizer'], path, file.format) : undefined;
  if (optimizer) optimizer.createSlots(variables.filter((v) => v.trainable));
  const entries = checkpointEntries(variables, optimizer?.slots() ?? [], `load(${path})`);
  const pairs = matchExactly(path, file.tensors, entries, file.metadata, {
    ignoreMissing: options.ignoreMissing ?? false,
    ignoreUnexpectedPrefixes: optimizer ? [] : [OPTIMIZER_PREFIX],
  });
  assignAll(pairs);
  if (optimizer && state) optimizer.setState(state);
  return { metadata: file.metadata, format: file.format };
}

/** The variables of `model`, checked: a list, not empty. */
function variablesOf(model: Checkpointable, what: string, verb: 'save' | 'load'): readonly Variable[] {
  const variables = (model as Partial<Checkpointable> | null | undefined)?.variables;
  if (!Array.isArray(variables)) {
    throw new CheckpointArgumentError(`${what}: the model has no 'variables' list. Pass a Layer, Network, NetDictNetwork or model, or { variables } for a list of Variables.`);
  }
  if (variables.length === 0) {
    const own = (model as { name?: unknown }).name;
    const name = typeof own === 'string' ? `'${own}'` : 'the model';
    throw new CheckpointArgumentError(
      `${what}: ${name} has no variables, so there is nothing to ${verb}. Layers create their variables when first called: ` +
        `call the model once (or build it with its input shape) before ${verb === 'save' ? 'saving' : 'loading'}.`,
    );
  }
  return variables;
}

/** `metadata` checked (strings, no reserved key) and copied, with `format` set. */
function saveMetadata(metadata: Readonly<Record<string, string>>, what: string): Record<string, string> {
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
    throw new CheckpointArgumentError(`${what}: metadata must be an object of strings, e.g. { epoch: '3' }.`);
  }
  for (const [k, v] of Object.entries(metadata)) {
    if (typeof v !== 'string') throw new CheckpointArgumentError(`${what}: metadata '${k}' is a ${typeof v}; checkpoint metadata values are strings. Pass String(value).`);
    if (k === 'optimizer' || k === CHECKSUM_METADATA_KEY) {
      throw new CheckpointArgumentError(`${what}: metadata key '${k}' is reserved (${k === 'optimizer' ? "save writes the optimizer's state there; pass the optimizer option" : 'the SHA-256 checksum'}). Rename the key.`);
    }
    if (k === 'format' && v !== CHECKPOINT_FORMAT) {
      throw new CheckpointArgumentError(`${what}: metadata 'format' is '${v}', but save writes '${CHECKPOINT_FORMAT}' there (load relies on it). Rename the key.`);
    }
  }
  return { format: CHECKPOINT_FORMAT, ...metadata };
}

/**
 * The optimizer state stored in the metadata `optimizer`, checked so that
 * `setState` cannot fail after the variables were assigned.
 * @throws CheckpointFileError if it is not JSON of `{ iterations, learningRate }` in range.
 */
function optimizerState(json: string, path: string, format: string): OptimizerJsonState {
  let state: unknown;
  try {
    state = JSON.parse(json);
  } catch {
    state = undefined;
  }
  const s = state as Partial<OptimizerJsonState> | undefined;
  const ok =
    typeof s === 'object' && s !== null && !Array.isArray(s) &&
    Number.isInteger(s.iterations) && s.iterations! >= 0 &&
    typeof s.learningRate === 'number' && Number.isFinite(s.learningRate) && s.learningRate >= 0;
  if (!ok) {
    throw new CheckpointFileError({
      file: path,
      format,
      problem: `metadata 'optimizer' is ${JSON.stringify(json.slice(0, 80))}, not JSON of an optimizer state { iterations: integer ≥ 0, learningRate: number ≥ 0 }.`,
      fix: 'load it without the optimizer option (the optimizer starts afresh), or re-save the checkpoint with save(model, path, { optimizer }).',
    });
  }
  return state as OptimizerJsonState;
}
