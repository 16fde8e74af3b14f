import { dataConfigsFromConfig, findOpaque, isPyDict, type PyValue, pyRepr, type ReturnnConfig, ReturnnConfigError, toPlain } from '@strata/network';
import { formatPath } from './format-path.js';
import { IGNORED_OPTIONS, IGNORED_PREFIXES, UNSUPPORTED_OPTIONS } from './returnn-options.js';

/** A RETURNN config mapped onto Strata's config keys, with what was left aside. */
export interface MappedReturnnConfig {
  /** The Strata config object (keys of `configSchema`), still to be validated. */
  raw: Record<string, unknown>;
  /** One line per option accepted but not used, helper variable, import, `print` or `def`. */
  notes: string[];
  /** Where each option was assigned, for messages about its value. */
  lineOf: (option: string) => { line: number; column: number } | undefined;
}

/** Keys Strata's own configs have that a .config may also set (Strata extensions, same meaning). */
const STRATA_KEYS = ['backend', 'seed', 'dataset', 'description', 'preload_from_files', 'loss', 'loss_opts', 'target'];

/** RETURNN's newbob options → Strata's learningRateControl names. */
const NEWBOB_OPTIONS: Record<string, string> = {
  learning_rates: 'learningRates',
  min_learning_rate: 'minLearningRate',
  learning_rate_control_error_measure: 'errorMeasure',
  learning_rate_control_relative_error_relative_lr: 'relativeErrorRelativeToLearningRate',
  learning_rate_control_min_num_epochs_per_new_lr: 'minNumEpochsPerNewLearningRate',
  newbob_relative_error_div_by_old: 'relativeErrorDivByOld',
  newbob_learning_rate_decay: 'decay',
  learning_rate_decay: 'decay',
  newbob_learning_rate_growth: 'growth',
  learning_rate_growth: 'growth',
  newbob_relative_error_threshold: 'relativeErrorThreshold',
  newbob_error_threshold: 'errorThreshold',
  newbob_multi_num_epochs: 'multiNumEpochs',
  newbob_multi_update_interval: 'multiUpdateInterval',
  newbob_relative_error_grow_threshold: 'relativeErrorGrowThreshold',
};

/**
 * RETURNN's gradient and step options (`returnn/tf/updater.py`, `returnn/tf/engine.py`), copied
 * under the same names (Strata's config keys), with the type RETURNN reads them as
 * (`config.float`, `config.int`, `config.bool`).
 */
const UPDATER_OPTIONS: Record<string, 'number' | 'int' | 'boolean'> = {
  gradient_clip_norm: 'number',
  gradient_noise: 'number',
  gradient_nan_inf_filter: 'boolean',
  accum_grad_multiple_step: 'int',
  stop_on_nonfinite_train_score: 'boolean',
};

/** Options handled below (beyond the tables). */
const MAPPED = new Set([
  'network', 'extern_data', 'num_outputs', 'batch_size', 'max_seqs', 'num_epochs', 'learning_rate', 'optimizer', 'optimizer_epsilon', 'adam',
  'learning_rate_control', 'gradient_clip', 'gradient_clip_global_norm', ...Object.keys(UPDATER_OPTIONS), 'cleanup_old_models', 'model', 'task', 'train', 'dev', 'eval', 'random_seed', 'batching', 'chunking', 'behavior_version', ...Object.keys(NEWBOB_OPTIONS),
]);

/**
 * Maps a RETURNN config ({@link ReturnnConfig}, read by `@strata/network`)
 * onto Strata's config keys, with RETURNN's defaults (`batch_size` 1,
 * `num_epochs` 5, `learning_rate` 1.0, `max_seqs` unlimited, SGD when no
 * optimizer is given, Adam's epsilon `optimizer_epsilon` = 1e-16):
 * `network`, `extern_data` (or `num_inputs`/`num_outputs`), `batch_size`,
 * `max_seqs`, `num_epochs`, `learning_rate`, `optimizer` (or `adam = True`),
 * `learning_rate_control` with `learning_rates` and the `newbob_*` options,
 * `gradient_clip`, `gradient_clip_global_norm`, `gradient_clip_norm`, `gradient_noise`,
 * `gradient_nan_inf_filter`, `accum_grad_multiple_step`, `stop_on_nonfinite_train_score`,
 * `cleanup_old_models` (RETURNN's meanings, see the engine's `OptimizerOptions`/`EngineOptions`),
 * `model`, `train`/`dev` dataset
 * dicts, `random_seed`. Options that do not change results (logging, device,
 * `save_interval`, ...) are listed in the notes; options Strata cannot honour
 * are errors.
 *
 * @param opts.modelGiven the checkpoint directory comes from the command line: `model` is not read.
 * @throws ReturnnConfigError naming the option, its line, and the value or construct at fault.
 */
export function mapReturnnConfig(rc: ReturnnConfig, opts: { modelGiven?: boolean } = {}): MappedReturnnConfig {
  const notes: string[] = [];
  const at = (name: string) => rc.entries.get(name);
  const fail = (name: string, problem: string, fix: string): never => {
    const e = at(name);
    throw new ReturnnConfigError({ file: rc.file, line: e?.line ?? 1, column: e?.column ?? 1, construct: `option ${name}`, problem, fix });
  };
  /** The option's value, fully known (an opaque part is an error naming where it is). */
  const get = (name: string): unknown => {
    const e = at(name);
    if (!e) return undefined;
    const op = findOpaque(e.value);
    if (op) {
      const l = op.opaque.location;
      throw new ReturnnConfigError({
        file: rc.file,
        line: l.line,
        column: l.column,
        construct: op.opaque.construct,
        keyPath: formatPath([name, ...op.path]),
        problem: `Strata reads the option ${name} (line ${e.line}), and this part of it needs Python to compute.`,
        fix:
          name === 'model'
            ? 'give the checkpoint directory with --model DIR, or write model as a string literal.'
            : 'write the value as a literal (numbers, strings, lists, dicts, True/False/None, names assigned earlier); Strata never runs code from a config.',
      });
    }
    return toPlain(e.value);
  };
  const raw: Record<string, unknown> = {};
  for (const k of STRATA_KEYS) if (at(k)) raw[k] = get(k);

  const task = get('task') ?? 'train';
  if (task !== 'train') fail('task', `task = ${JSON.stringify(task)}; \`strata train\` trains.`, 'set task = "train" or remove it.');
  if (at('network')) raw.network = get('network');
  if (at('extern_data')) raw.extern_data = get('extern_data');
  else if (at('num_outputs') || at('num_inputs')) {
    raw.extern_data = dataConfigsFromConfig({ num_inputs: get('num_inputs') as number | undefined, num_outputs: get('num_outputs') as never });
  }
  raw.batch_size = get('batch_size') ?? 1;
  const maxSeqs = get('max_seqs');
  if (maxSeqs !== undefined && maxSeqs !== -1) raw.max_seqs = maxSeqs;
  else raw.max_seqs = 2 ** 31 - 1;
  raw.num_epochs = get('num_epochs') ?? 5;
  if (at('random_seed')) raw.seed = get('random_seed');
  if (at('behavior_version')) raw.behavior_version = get('behavior_version');
  const batching = get('batching');
  if (batching !== undefined && batching !== 'random') fail('batching', `batching = ${JSON.stringify(batching)}; Strata shuffles the sequences of each epoch with its seed, as "random" does.`, 'remove it or set batching = "random".');

  raw.learning_rate = get('learning_rate') ?? 1.0;
  raw.optimizer = optimizerOf(get, fail, notes);
  if (at('gradient_clip')) raw.gradient_clip = get('gradient_clip');
  if (at('gradient_clip_global_norm')) raw.gradient_clip_global_norm = get('gradient_clip_global_norm');
  for (const [name, type] of Object.entries(UPDATER_OPTIONS)) {
    const v = get(name);
    if (v === undefined || v === null) continue;
    const ok = type === 'boolean' ? typeof v === 'boolean' : typeof v === 'number' && Number.isFinite(v) && v >= 0 && (type === 'number' || Number.isInteger(v));
    if (!ok) fail(name, `${name} must be ${type === 'boolean' ? 'True or False' : type === 'int' ? 'an integer >= 0' : 'a number >= 0'}. Received: ${JSON.stringify(v)}.`, `write e.g. ${name} = ${type === 'boolean' ? 'True' : '1'}.`);
    raw[name] = v;
  }
  const cleanup = cleanupOf(get, fail);
  if (cleanup !== undefined) raw.cleanup_old_models = cleanup;

  const control: Record<string, unknown> = { kind: get('learning_rate_control') ?? 'constant' };
  for (const [option, name] of Object.entries(NEWBOB_OPTIONS)) {
    // RETURNN: learning_rate_decay / learning_rate_growth override the newbob_ spellings.
    if (at(option)) control[name] = get(option);
  }
  raw.learning_rate_control = control;

  if (at('model') && !opts.modelGiven) raw.model = get('model');
  for (const split of ['train', 'dev'] as const) if (at(split)) raw[split] = get(split);
  // Checked against the training data (checkChunking): Strata accepts it where RETURNN's chunking changes nothing.
  if (at('chunking')) raw.chunking = get('chunking');
  if (at('eval')) notes.push(`eval (line ${at('eval')!.line}): not used by strata train`);

  for (const [name, e] of rc.entries) {
    if (MAPPED.has(name) || STRATA_KEYS.includes(name)) continue;
    const unsupported = UNSUPPORTED_OPTIONS[name];
    if (unsupported) {
      const v = toPlain(e.value);
      if (!unsupported.off.some((off) => off === v || JSON.stringify(off) === JSON.stringify(v))) {
        fail(name, `${name} = ${pyRepr(e.value)}: ${unsupported.why}.`, `remove ${name} (or set it to ${pyRepr(unsupported.off[0] as PyValue)}) to train without it in Strata.`);
      }
      continue;
    }
    const ignored = IGNORED_OPTIONS[name] ?? (IGNORED_PREFIXES.some((p) => name.startsWith(p)) ? 'debugging/logging' : undefined);
    if (ignored) notes.push(`${name} (line ${e.line}): ignored, ${ignored}`);
    else if (name !== 'num_inputs') notes.push(`${name} (line ${e.line}): not a RETURNN option Strata knows; taken as a helper variable`);
  }
  for (const n of rc.notes) notes.push(`line ${n.line}: ${n.message}`);
  return { raw, notes, lineOf: (o) => at(o) };
}

type Get = (name: string) => unknown;
type Fail = (name: string, problem: string, fix: string) => never;

/**
 * RETURNN's optimizer (returnn/tf/updater.py, `_create_optimizer` / `_create_default_optimizer`):
 * `optimizer = {"class": "adam", ...}` (TF1 AdamOptimizer, epsilon `optimizer_epsilon` = 1e-16
 * unless given), `{"class": "sgd", ...}`, the old `adam = True`, else plain SGD.
 */
function optimizerOf(get: Get, fail: Fail, notes: string[]): Record<string, unknown> {
  const epsilon = (get('optimizer_epsilon') as number | undefined) ?? 1e-16;
  const given = get('optimizer');
  if (given === undefined) {
    if (get('adam')) return { class: 'adam', epsilon };
    notes.push('no optimizer: plain SGD, as RETURNN (set optimizer = {"class": "adam"} for Adam)');
    return { class: 'sgd' };
  }
  const o = typeof given === 'string' ? { class: given } : given;
  if (!isPyDict(o as PyValue) || typeof (o as { class?: unknown }).class !== 'string') {
    return fail('optimizer', `optimizer must be a dict with a "class", e.g. {"class": "adam"}. Received: ${JSON.stringify(given)}.`, 'write optimizer = {"class": "adam"}.');
  }
  const { class: cls, ...rest } = o as Record<string, unknown>;
  const name = String(cls).toLowerCase();
  const known: Record<string, string[]> = { adam: ['beta1', 'beta2', 'epsilon'], sgd: ['momentum', 'nesterov'] };
  if (!(name in known)) fail('optimizer', `optimizer class "${String(cls)}" is not one Strata has (adam, sgd).`, 'use {"class": "adam"} or {"class": "sgd"}.');
  if ('learning_rate' in rest) fail('optimizer', 'RETURNN sets the optimizer\'s learning rate from learning_rate; it may not be inside optimizer.', 'move it to learning_rate = ...');
  for (const k of Object.keys(rest)) {
    if (!known[name]!.includes(k)) fail('optimizer', `option "${k}" of ${name} is not one Strata has (${known[name]!.join(', ')}).`, `remove "${k}".`);
  }
  return name === 'adam' ? { class: 'adam', epsilon, ...rest } : { class: 'sgd', ...rest };
}

/**
 * RETURNN's `cleanup_old_models` (`returnn/engine/base.py`): `True` (defaults), `False`/`None` (off),
 * or a dict of `keep_last_n` (≥ 1), `keep_best_n` (≥ 0) and `keep` (epochs; a list, set or tuple).
 */
function cleanupOf(get: Get, fail: Fail): boolean | Record<string, unknown> | undefined {
  const v = get('cleanup_old_models');
  if (v === undefined || v === null || typeof v === 'boolean') return v ?? undefined;
  const fix = 'write cleanup_old_models = True or a dict such as {"keep_last_n": 2, "keep_best_n": 4, "keep": [10, 20]}.';
  if (typeof v !== 'object' || Array.isArray(v)) return fail('cleanup_old_models', `cleanup_old_models must be True, False or a dict. Received: ${JSON.stringify(v)}.`, fix);
  const o = v as Record<string, unknown>;
  for (const [k, x] of Object.entries(o)) {
    const ok =
      k === 'keep' ? Array.isArray(x) && x.every((e) => Number.isInteger(e)) : (k === 'keep_last_n' || k === 'keep_best_n') && Number.isInteger(x) && (x as number) >= (k === 'keep_last_n' ? 1 : 0);
    if (!ok) fail('cleanup_old_models', `cleanup_old_models["${k}"] = ${JSON.stringify(x)}: RETURNN reads keep_last_n (an integer >= 1), keep_best_n (an integer >= 0) and keep (a list of epochs).`, fix);
  }
  return o;
}
