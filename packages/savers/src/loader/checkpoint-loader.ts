import { formatShape, shapesEqual, sizeOf, type DType, type TensorData } from '@strata/backend';
import type { Variable } from '@strata/core';
import { readCheckpointFile } from '../formats/registry.js';
import { CheckpointFormatError } from '../errors.js';
import { CheckpointMappingError, type MappedMismatch, type UnmappedParam, type UnusedTensor } from '../mismatch-errors.js';
import type { NamedTensorData } from '../safetensors.js';
import { assignAll } from '../checkpoint-entries.js';
import { type LstmLayout, matchLstm } from './lstm-match.js';
import { matchTf1Rnn, type Tf1RnnLayout } from './tf1-rnn-match.js';
import { renameCandidates, returnnRecUnitScopes, splitName } from './renames.js';
import { matchReturnnBatchNorm } from './returnn-batch-norm.js';
import { batchNormGroups, type Param, rnnGroups } from './param-groups.js';

/** Checkpoint tensors by name (`Checkpoint.tensors`, or any reader's map), or a list of them (keyed by `name`). */
export type CheckpointTensors = ReadonlyMap<string, NamedTensorData> | Iterable<NamedTensorData>;

/**
 * Called for a network param no tensor was found for; returns its values
 * (row-major, `sizeOf(variable.shape)` elements, the variable's dtype's typed
 * array) or undefined to leave it missing. RETURNN's `custom_missing_load_func`.
 */
export type CustomMissingLoader = (name: string, variable: Variable, tensors: ReadonlyMap<string, NamedTensorData>) => TensorData | undefined;

/**
 * How a {@link CheckpointLoader} maps names (RETURNN's `CustomCheckpointLoader`
 * arguments in brackets): its options without the tensors and variables, as
 * {@link CheckpointLoader.fromFile} takes them. A param's *name* is its
 * variable's `path` (`network/out/kernel`) with `loadIfPrefix` removed;
 * `ignoreParams`, `ignoreParamsPrefixes` and `nameMap` keys match the name or the full path.
 */
export interface CheckpointLoaderMappingOptions {
  /**
   * Prepended to a param's name to get its checkpoint name, e.g. `'model/'`
   * when the checkpoint's tensors are `model/out/kernel`. Default `''`.
   * (RETURNN's `params_prefix` is the opposite: removed from the network's names.)
   */
  paramsPrefix?: string;
  /**
   * Only variables whose path starts with this are loaded, and the prefix is
   * removed to get their name (`load_if_prefix`; RETURNN matches it anywhere
   * in the name, Strata at the start). Default `''` (all).
   */
  loadIfPrefix?: string;
  /** Params without a value in the checkpoint keep theirs (`ignore_missing`); it is still an error if no param at all gets a value. Default false. */
  ignoreMissing?: boolean;
  /** Params (by name or path) that are not loaded (`ignore_params`). */
  ignoreParams?: readonly string[];
  /** Params whose name or path starts with one of these are not loaded (`ignore_params_prefixes`). */
  ignoreParamsPrefixes?: readonly string[];
  /** Param name (or path) → checkpoint name, for renamed params (`var_name_mapping`). The tensor must have the param's shape. */
  nameMap?: Readonly<Record<string, string>>;
  /** Values for params found nowhere else (`custom_missing_load_func`); see {@link CustomMissingLoader}. */
  customMissingLoader?: CustomMissingLoader;
  /** The `forget_bias` TF1 LSTM cells added at run time, added to the forget-gate bias when converting their weights (`lstm-layouts.ts`). Default 1 (TF's default); 0 reproduces RETURNN's loader. */
  forgetBias?: number;
  /** Where the tensors came from, for error messages. Default `<tensors>`, or the path with {@link CheckpointLoader.fromFile}. */
  source?: string;
}

/**
 * Options of {@link CheckpointLoader}: the checkpoint's tensors (RETURNN's
 * `filename`), the variables to load (`saveable_params`) and how names map.
 */
export interface CheckpointLoaderOptions extends CheckpointLoaderMappingOptions {
  /** The checkpoint's tensors: a reader's map (`Checkpoint.tensors`) or a list; a `:0` suffix on a name is dropped. */
  tensors: CheckpointTensors;
  /** The variables to assign (`net.variables`); each is looked up by its `path`. */
  variables: readonly Variable[];
}

/**
 * How a param got its value: `exact` (its checkpoint name), `nameMap`,
 * `renamed` (`renames.ts`), `lstm-<layout>` (converted, `lstm-match.ts`), `returnn-batch-norm`
 * (`returnn-batch-norm.ts`), `custom` (`customMissingLoader`).
 */
export type ValueOrigin = 'exact' | 'nameMap' | 'renamed' | `lstm-${LstmLayout}` | Tf1RnnLayout | 'returnn-batch-norm' | 'custom';

/** The value one variable will be assigned (RETURNN's `VariableValue`). */
export interface VariableValue {
  /** The param's name (its path without `loadIfPrefix`). */
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly data: TensorData;
  readonly origin: ValueOrigin;
  /** The checkpoint tensors the value was made from (none for `custom`). */
  readonly sources: readonly string[];
}

/** What {@link CheckpointLoader.loadNow} did. */
export interface LoadReport {
  /** Variable path → where its value came from. */
  readonly loaded: ReadonlyMap<string, { readonly origin: ValueOrigin; readonly sources: readonly string[] }>;
  /** Selected params without a value, left as they were (`ignoreMissing`). */
  readonly missing: readonly string[];
  /** Params left out by `ignoreParams`/`ignoreParamsPrefixes`. */
  readonly ignored: readonly string[];
  /** Checkpoint tensors nothing took. Not an error: a checkpoint may hold more than the network loads. */
  readonly unused: readonly UnusedTensor[];
}


interface Plan {
  readonly values: Map<Variable, VariableValue>;
  readonly missing: string[];
  readonly ignored: string[];
  readonly unused: UnusedTensor[];
}

/**
 * Loads checkpoint tensors into Strata variables across naming and layout
 * differences (RETURNN's `TFNetwork.CustomCheckpointLoader`). The checkpoint
 * is a map of named tensors, so any format plugs in: `fromFile` (and
 * `load(model, path, { mapping })`) reads every format Strata reads. Names
 * may carry TF's `:0` suffix.
 *
 * A Strata LSTM (`kernel`, `recurrent_kernel`, `bias` of LSTM shapes) whose
 * three params are not all in the checkpoint under their names is first
 * looked for as a whole in the Keras (with a cell sub-scope), TF1
 * `LSTMCell`/`LSTMBlockCell`, ONNX or RETURNN `NativeLstm2` layout, and
 * converted (`lstm-match.ts`, `lstm-layouts.ts`); a Strata GRU or SimpleRNN
 * likewise in TF1's `GRUCell` / `BasicRNNCell` layout (RETURNN units `gru`,
 * `basicrnn`; `tf1-rnn-match.ts`, `tf1-rnn-layouts.ts`); likewise a Strata
 * `BatchNorm` in RETURNN's layout (`<layer>/batch_norm/<prefix>_mean`, ...,
 * `[C]` or `[1, 1, C]`; `returnn-batch-norm.ts`). Both, and the renames, also
 * look under RETURNN's rec-unit scope (`<rec>/rec/<sub-layer>/`). Every other param takes, in
 * this order: the tensor `nameMap` names, or the tensor under its checkpoint
 * name (`paramsPrefix + name`); a known rename (`kernel`/`weights`/`W`,
 * `bias`/`biases`/`b`, cell sub-scopes, `renames.ts`) with equal shape and
 * dtype; the `customMissingLoader`'s values. A checkpoint tensor is taken by at
 * most one rename or conversion.
 *
 * All-or-nothing: the whole mapping is computed first; on any unmapped param
 * (unless `ignoreMissing`), shape/dtype difference, `nameMap` key naming no
 * param, or if nothing is selected or nothing matched, a
 * {@link CheckpointMappingError} lists everything and no variable is assigned.
 */
export class CheckpointLoader {
  private readonly tensors: Map<string, NamedTensorData>;
  private readonly source: string;
  private plan: Plan | undefined;

  /** The variables to assign. */
  readonly variables: readonly Variable[];
  /** The options the loader was made with. */
  readonly options: CheckpointLoaderOptions;

  /** @throws CheckpointFormatError if a name occurs twice (`x` and `x:0` count as the same). */
  constructor(options: CheckpointLoaderOptions) {
    this.options = options;
    this.variables = options.variables;
    this.source = options.source ?? '<tensors>';
    this.tensors = tensorsByName(options.tensors, this.source);
  }

  /**
   * Reads a checkpoint file in any known format (`readCheckpointFile`:
   * safetensors, tfjs model.json, Keras, ONNX) and makes a loader for it.
   * @throws CheckpointNotFoundError, UnknownCheckpointFormatError, or the format's errors.
   */
  static async fromFile(path: string, variables: readonly Variable[], options: CheckpointLoaderMappingOptions = {}): Promise<CheckpointLoader> {
    const { tensors } = await readCheckpointFile(path);
    return new CheckpointLoader({ source: path, ...options, tensors, variables });
  }

  /**
   * The value each variable will get (RETURNN's `get_variable_value_map`), without assigning anything.
   * @throws CheckpointMappingError if the checkpoint cannot be mapped (see the class comment).
   */
  getVariableValueMap(): Map<Variable, VariableValue> {
    return new Map(this.mapAll().values);
  }

  /**
   * Maps everything, then assigns every value (RETURNN's `load_now`); the
   * tensors are created on the active backend before the first assignment.
   * @throws CheckpointMappingError if the checkpoint cannot be mapped; nothing is assigned then.
   */
  loadNow(): LoadReport {
    const plan = this.mapAll();
    const entries = [...plan.values];
    assignAll(entries);
    const loaded = new Map(entries.map(([variable, v]) => [variable.path, { origin: v.origin, sources: v.sources }] as const));
    return { loaded, missing: plan.missing, ignored: plan.ignored, unused: plan.unused };
  }

  private mapAll(): Plan {
    this.plan ??= this.computePlan();
    return this.plan;
  }

  private computePlan(): Plan {
    const o = this.options;
    const loadIf = o.loadIfPrefix ?? '';
    const nameMap = o.nameMap ?? {};
    const problems: string[] = [];
    const named = (names: readonly string[], p: { name: string; path: string }) => names.includes(p.name) || names.includes(p.path);
    const prefixed = (prefixes: readonly string[], p: { name: string; path: string }) => prefixes.some((x) => p.name.startsWith(x) || p.path.startsWith(x));

    const all = this.variables.map((v) => ({ variable: v, path: v.path, name: v.path.startsWith(loadIf) ? v.path.slice(loadIf.length) : null }));
    for (const key of Object.keys(nameMap)) {
      if (!all.some((p) => p.path === key || p.name === key)) problems.push(`nameMap key '${key}' names no network param (loadIfPrefix '${loadIf}').`);
    }
    const ignored: string[] = [];
    const params: Param[] = [];
    for (const p of all) {
      if (p.name === null) continue;
      const q = { name: p.name, path: p.path };
      if (named(o.ignoreParams ?? [], q) || prefixed(o.ignoreParamsPrefixes ?? [], q)) {
        ignored.push(p.path);
        continue;
      }
      const mappedTo = nameMap[p.path] ?? nameMap[p.name];
      params.push({ variable: p.variable, name: p.name, checkpointName: mappedTo ?? `${o.paramsPrefix ?? ''}${p.name}`, mapped: mappedTo !== undefined });
    }
    if (params.length === 0) {
      const sample = this.variables.slice(0, 5).map((v) => v.path);
      problems.push(
        `no network param is selected: ${this.variables.length} variables, loadIfPrefix '${loadIf}', ${ignored.length} ignored` +
          (sample.length ? ` (network params: ${sample.join(', ')}${this.variables.length > 5 ? ', ...' : ''}).` : '.'),
      );
    }

    const values = new Map<Variable, VariableValue>();
    const used = new Set<string>();
    const pending = new Map<Param, NamedTensorData>(); // found by name, other shape/dtype
    const fits = (p: Param, t: NamedTensorData) => t.dtype === p.variable.dtype && shapesEqual(t.shape, p.variable.shape);
    const take = (p: Param, data: TensorData, origin: ValueOrigin, sources: string[]) => {
      values.set(p.variable, { name: p.name, shape: p.variable.shape, dtype: p.variable.dtype, data, origin, sources });
      sources.forEach((s) => used.add(s));
      pending.delete(p);
    };

    const unusedTensor = (n: string) => (used.has(n) ? undefined : this.tensors.get(n));
    // LSTMs first, so that a TF1 `scope/bias` (same shape as Strata's) is converted along with its fused `scope/kernel`.
    for (const g of rnnGroups(params.filter((p) => !p.mapped), 4)) {
      const [k, rk, b] = g.params;
      if (g.params.every((p) => this.tensors.has(p.checkpointName) && fits(p, this.tensors.get(p.checkpointName)!))) continue;
      const scope = splitName(k.checkpointName)[0];
      const m = [scope, ...returnnRecUnitScopes(scope)].reduce<ReturnType<typeof matchLstm>>(
        (found, s) => found ?? matchLstm(s, g.inputSize, g.units, unusedTensor, { forgetBias: o.forgetBias ?? 1 }),
        undefined,
      );
      if (!m) continue;
      take(k, m.value.kernel, `lstm-${m.layout}`, [...m.sources]);
      take(rk, m.value.recurrentKernel, `lstm-${m.layout}`, [...m.sources]);
      take(b, m.value.bias, `lstm-${m.layout}`, [...m.sources]);
    }
    // TF1 GRUCell / BasicRNNCell (RETURNN units "gru", "basicrnn") for Strata's GRUs and SimpleRNNs not found by name.
    for (const gates of [3, 1] as const) {
      for (const g of rnnGroups(params.filter((p) => !p.mapped && !values.has(p.variable)), gates)) {
        if (g.params.every((p) => this.tensors.has(p.checkpointName) && fits(p, this.tensors.get(p.checkpointName)!))) continue;
        const scope = splitName(g.params[0].checkpointName)[0];
        const m = [scope, ...returnnRecUnitScopes(scope)].reduce<ReturnType<typeof matchTf1Rnn>>((found, s) => found ?? matchTf1Rnn(s, gates, g.inputSize, g.units, unusedTensor), undefined);
        if (m) [m.value.kernel, m.value.recurrentKernel, m.value.bias].forEach((v, i) => take(g.params[i]!, v, m.layout, [...m.sources]));
      }
    }
    // RETURNN's batch norms (`<layer>/batch_norm/<prefix>_mean` ..., maybe [1, 1, C]) for Strata's whose params are not found by name.
    for (const g of batchNormGroups(params.filter((p) => !p.mapped && !values.has(p.variable)))) {
      if (g.params.every((p) => this.tensors.has(p.checkpointName) && fits(p, this.tensors.get(p.checkpointName)!))) continue;
      const scope = splitName(g.params[0]!.checkpointName)[0];
      const free = [...this.tensors.values()].filter((t) => !used.has(t.name));
      const locals = g.params.map((p) => splitName(p.checkpointName)[1]);
      for (const s of [scope, ...returnnRecUnitScopes(scope)]) {
        const m = matchReturnnBatchNorm(s, g.channels, locals, free);
        if (!m) continue;
        g.params.forEach((p, i) => take(p, m.get(locals[i]!)!.data, 'returnn-batch-norm', [m.get(locals[i]!)!.name]));
        break;
      }
    }
    for (const p of params) {
      if (values.has(p.variable)) continue;
      const t = this.tensors.get(p.checkpointName);
      if (t && fits(p, t)) take(p, t.data, p.mapped ? 'nameMap' : 'exact', [t.name]);
      else if (t) pending.set(p, t);
    }
    for (const p of params) {
      if (p.mapped || values.has(p.variable)) continue;
      for (const c of renameCandidates(p.checkpointName)) {
        const t = unusedTensor(c);
        if (t && fits(p, t)) {
          take(p, t.data, 'renamed', [c]);
          break;
        }
      }
    }

    const missing: string[] = [];
    const unmappedParams: Param[] = [];
    const mismatched: MappedMismatch[] = [];
    for (const p of params) {
      if (values.has(p.variable)) continue;
      const t = pending.get(p);
      const v = p.variable;
      if (t) {
        mismatched.push({ name: v.path, checkpointName: t.name, checkpoint: { shape: t.shape, dtype: t.dtype }, network: { shape: v.shape, dtype: v.dtype } });
        continue;
      }
      const custom = o.customMissingLoader?.(p.name, v, this.tensors);
      if (custom !== undefined) {
        if (custom.length === sizeOf(v.shape) && dtypeOf(custom) === v.dtype) take(p, custom, 'custom', []);
        else {
          problems.push(
            `customMissingLoader returned ${custom.length} ${dtypeOf(custom)} values for '${v.path}' ${formatShape(v.shape)} ${v.dtype}; expected ${sizeOf(v.shape)} ${v.dtype} values.`,
          );
        }
      } else if (o.ignoreMissing) missing.push(v.path);
      else unmappedParams.push(p);
    }

    const unused: UnusedTensor[] = [...this.tensors.values()].filter((t) => !used.has(t.name)).map((t) => ({ name: t.name, shape: t.shape, dtype: t.dtype }));
    const unmapped: UnmappedParam[] = unmappedParams.map((p) => ({
      name: p.variable.path,
      checkpointName: p.checkpointName,
      shape: p.variable.shape,
      dtype: p.variable.dtype,
      candidates: unused.filter((t) => t.dtype === p.variable.dtype && shapesEqual(t.shape, p.variable.shape)).map((t) => t.name),
    }));
    if (params.length > 0 && values.size === 0 && !unmapped.length && !mismatched.length) {
      problems.push(`no network param matched a checkpoint tensor (${params.length} selected, all missing; ignoreMissing does not allow loading nothing).`);
    }
    if (problems.length || unmapped.length || mismatched.length) {
      throw new CheckpointMappingError({ source: this.source, unmapped, mismatched, unused, problems, hint: hintFor(unmapped, mismatched, this.options) });
    }
    return { values, missing, ignored, unused };
  }
}

/**
 * `tensors` keyed (and named) without TF's `:0` output suffix; a map's keys
 * are the names. Shared by {@link CheckpointLoader} and `CustomParamImporter`.
 * @throws CheckpointFormatError naming `source` if a name occurs twice (`x` and `x:0` count as the same).
 */
export function tensorsByName(tensors: CheckpointTensors, source: string): Map<string, NamedTensorData> {
  const byName = new Map<string, NamedTensorData>();
  const entries: [string, NamedTensorData][] = tensors instanceof Map ? [...tensors] : [...(tensors as Iterable<NamedTensorData>)].map((t) => [t.name, t]);
  for (const [key, t] of entries) {
    const name = key.endsWith(':0') ? key.slice(0, -2) : key;
    if (byName.has(name)) throw new CheckpointFormatError({ file: source, problem: `the tensor '${name}' occurs twice (with and without ':0').` });
    byName.set(name, { ...t, name });
  }
  return byName;
}

function dtypeOf(a: TensorData): DType {
  return a instanceof Float32Array ? 'float32' : a instanceof Int32Array ? 'int32' : 'bool';
}

function hintFor(unmapped: readonly UnmappedParam[], mismatched: readonly MappedMismatch[], o: CheckpointLoaderMappingOptions): string {
  if (unmapped.some((u) => u.candidates.length)) {
    return `map the params above to their same-shape checkpoint tensors with nameMap: { '<param>': '<checkpoint name>' }, or pass ignoreMissing: true to keep their values.`;
  }
  if (mismatched.length) {
    return `the checkpoint was written by a differently sized network: resize the layers listed above, or leave them out with ignoreParams.`;
  }
  if (unmapped.length) {
    const pre = o.paramsPrefix || o.loadIfPrefix ? ` (paramsPrefix '${o.paramsPrefix ?? ''}', loadIfPrefix '${o.loadIfPrefix ?? ''}')` : '';
    return (
      `check the checkpoint names against the looked-for names${pre}; LSTMs are converted from Keras, TF1 LSTMCell/LSTMBlockCell, ONNX (W, R, B) ` +
      `and RETURNN NativeLstm2 layouts under the layer's scope. Pass ignoreMissing: true to keep the values of params the checkpoint lacks.`
    );
  }
  return `check loadIfPrefix, ignoreParams and nameMap against the network's variable paths.`;
}
