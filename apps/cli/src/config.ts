import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename, extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { LEARNING_RATE_CONTROL_KINDS } from '@strata/engine';
import { readReturnnConfig, ReturnnConfigError } from '@strata/network';
import { z } from 'zod';
import { mapReturnnConfig } from './returnn-config.js';
import { formatPath } from './format-path.js';

export { formatPath } from './format-path.js';

/** A config error: names the file, the key, what was expected and what was received. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * The config file (RETURNN's config, as JSON or a JS/TS module whose default
 * export is the object). Keys use RETURNN's names.
 */
export const configSchema = z.strictObject({
  /** Backend by registry name: tfjs-wasm (default), tfjs-cpu, tfjs-node, tfjs-node-gpu, ... */
  backend: z.string().default('tfjs-wasm'),
  /** Seed of weight initialisation, shuffling and dropout. */
  seed: z.number().int().nonnegative().default(42),
  /** RETURNN's `behavior_version`: the net dict's layer defaults follow it (0 when unset, as RETURNN). */
  behavior_version: z.number().int().nonnegative().optional(),
  /** The corpus: `mnist` (8,000 train / 2,000 dev digits, seeded split) or `cmudict` (`{"name": "cmudict", "eos": true}` for attention decoders). */
  dataset: z.union([z.string(), z.strictObject({ name: z.string(), seed: z.number().int().optional(), eos: z.boolean().optional() })]).optional(),
  /** RETURNN dataset dicts (`{"class": "Task12AXDataset", "num_seqs": 1000}`), when no `dataset` names a Strata corpus. */
  train: z.record(z.string(), z.unknown()).optional(),
  dev: z.record(z.string(), z.unknown()).optional(),
  /** RETURNN `chunking` ("size:step"): accepted when no training sequence is longer than size (then it changes nothing); see checkChunking. */
  chunking: z.union([z.string(), z.number()]).optional(),
  /** Most sequences per batch when the data are sequences (RETURNN `max_seqs`); `batch_size` then counts frames. */
  max_seqs: z.number().int().positive().optional(),
  extern_data: z.record(z.string(), z.record(z.string(), z.unknown())),
  /** The model as a RETURNN net dict. One of `network`, `get_model` or `--model-module` gives the model. */
  network: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
  /**
   * The model from code (a `.ts`/`.js` config; RETURNN's PyTorch-style `get_model`): a function
   * `({ epoch, step }) => model` returning a Model (e.g. a NetDictNetwork) or any Layer (a `Network`
   * subclass), which is then trained with `loss` on `target`.
   */
  get_model: z.custom<(args: { epoch: number; step: number }) => unknown>((v) => typeof v === 'function', 'must be a function ({ epoch, step }) => model').optional(),
  /** The loss on the output of a `get_model` Layer (RETURNN's loss names: `ce`, `mse`, ...). */
  loss: z.string().optional(),
  /** Options of `loss` (RETURNN `loss_opts`, snake_case). */
  loss_opts: z.record(z.string(), z.unknown()).optional(),
  /** The extern-data key `loss` compares with (RETURNN's default target). Default `classes`. */
  target: z.string().optional(),
  batch_size: z.number().int().positive(),
  num_epochs: z.number().int().positive(),
  optimizer: z.looseObject({ class: z.string() }).default({ class: 'adam' }),
  learning_rate: z.number().positive().optional(),
  learning_rate_decay: z.number().positive().max(1).optional(),
  /**
   * RETURNN's learning-rate control: a kind (`constant`, `newbob`, `newbob_abs`, `newbob_multi_epoch`, ...)
   * or `{kind, learningRates, decay, relativeErrorThreshold, ...}` (the engine's LearningRateControlOptions).
   */
  learning_rate_control: z
    .union([z.enum(LEARNING_RATE_CONTROL_KINDS), z.looseObject({ kind: z.enum(LEARNING_RATE_CONTROL_KINDS).optional() })])
    .optional(),
  /** Clip every gradient element to [-v, v] (RETURNN `gradient_clip`). 0: off. */
  gradient_clip: z.number().nonnegative().optional(),
  /** Scale gradients to at most this global norm (RETURNN `gradient_clip_global_norm`). 0: off. */
  gradient_clip_global_norm: z.number().nonnegative().optional(),
  /** Clip each gradient tensor to this L2 norm (RETURNN `gradient_clip_norm`, tf.clip_by_norm). 0: off. */
  gradient_clip_norm: z.number().nonnegative().optional(),
  /** Add tf.truncated_normal noise of this stddev to every gradient (RETURNN `gradient_noise`). 0: off. */
  gradient_noise: z.number().nonnegative().optional(),
  /** Replace NaN/Inf gradient values by 0 after clipping (RETURNN `gradient_nan_inf_filter`). */
  gradient_nan_inf_filter: z.boolean().optional(),
  /** Sum the gradients of this many steps into one update (RETURNN `accum_grad_multiple_step`). 0, 1: off. */
  accum_grad_multiple_step: z.number().int().nonnegative().optional(),
  /** False: go on training after a NaN/Inf training objective (RETURNN `stop_on_nonfinite_train_score`). Default true. */
  stop_on_nonfinite_train_score: z.boolean().optional(),
  /** Delete old epoch checkpoints after each epoch (RETURNN `cleanup_old_models`): true, or `{keep_last_n, keep_best_n, keep}`. */
  cleanup_old_models: z
    .union([z.boolean(), z.strictObject({ keep_last_n: z.number().int().min(1).optional(), keep_best_n: z.number().int().nonnegative().optional(), keep: z.array(z.number().int()).optional() })])
    .optional(),
  /** Checkpoint directory; default `runs/<config name>`. */
  model: z.string().optional(),
  /** Free-form notes; ignored. */
  description: z.string().optional(),
  /**
   * Weights from other safetensors files (RETURNN `preload_from_files`), by entry name:
   * `init_for_train: true` loads them when training starts from scratch, else eval/infer
   * load them after the checkpoint. `prefix` selects the layers (`lm_`), named without it in the file.
   */
  preload_from_files: z
    .record(
      z.string(),
      z.strictObject({
        filename: z.string(),
        prefix: z.string().optional(),
        ignore_missing: z.boolean().optional(),
        init_for_train: z.boolean().optional(),
        ignore_params: z.array(z.string()).optional(),
        ignore_params_prefixes: z.array(z.string()).optional(),
        var_name_mapping: z.record(z.string(), z.string()).optional(),
      }),
    )
    .optional(),
});

/** A validated config plus where it came from. */
export type Config = z.infer<typeof configSchema> & {
  path: string;
  name: string;
  hash: string;
  /** RETURNN .config files: options accepted but not used, helper variables, imports (one line each). */
  notes?: string[];
};

/**
 * Loads and validates a config file (`.json`, `.js`, `.mjs`, `.ts`, `.mts`).
 * @throws ConfigError listing every problem with its key.
 */
export async function loadConfig(path: string, opts: { modelGiven?: boolean } = {}): Promise<Config> {
  const abs = resolve(path);
  let raw: unknown;
  let returnn: ReturnType<typeof mapReturnnConfig> | undefined;
  try {
    if (extname(abs) === '.config') {
      returnn = mapReturnnConfig(readReturnnConfig(abs), opts);
      raw = returnn.raw;
    } else raw = extname(abs) === '.json' ? JSON.parse(readFileSync(abs, 'utf8')) : await importDefault(abs);
  } catch (e) {
    if (e instanceof ReturnnConfigError) throw e;
    const why = e instanceof Error ? e.message : String(e);
    throw new ConfigError(`Cannot read config '${path}': ${why}`);
  }
  const r = configSchema.safeParse(raw);
  if (!r.success) {
    const lines = r.error.issues.map((i) => {
      const at = returnn?.lineOf(String(i.path[0]));
      const where = at ? ` (line ${at.line})` : '';
      return i.code === 'unrecognized_keys'
        ? `unknown key(s) ${i.keys.map((k) => `'${k}'`).join(', ')}; known keys: ${Object.keys(configSchema.shape).join(', ')}`
        : `${formatPath(i.path) || '(root)'}${where}: ${i.message}`;
    });
    throw new ConfigError(`Config '${path}' is invalid:\n  - ${lines.join('\n  - ')}`);
  }
  const model = r.data.network ?? (r.data.get_model ? String(r.data.get_model) : null);
  const hash = createHash('sha256').update(JSON.stringify({ network: model, extern_data: r.data.extern_data })).digest('hex').slice(0, 16);
  const name = basename(abs, extname(abs));
  return { ...r.data, path: abs, name, hash, ...(returnn ? { notes: returnn.notes } : {}) };
}

/**
 * The default export of a JavaScript or TypeScript module (`.js`, `.mjs`,
 * `.ts`, `.mts`; TypeScript through tsx). A `.ts` file outside an ESM package
 * is loaded as CommonJS, where the default export is nested once more.
 */
export async function importDefault(abs: string): Promise<unknown> {
  const ext = extname(abs);
  if (ext === '.ts' || ext === '.mts') {
    // tsx's global loader (not a namespaced tsImport): modules the file imports (@strata/core, ...) are
    // then the same instances the CLI uses, so its layers and the active backend are shared.
    const { register } = await import('tsx/esm/api');
    registerTsx ??= register();
  }
  const raw = ((await import(pathToFileURL(abs).href)) as { default: unknown }).default;
  // A config's own object has extern_data; anything else with a `default` key is the CommonJS wrapper.
  const nested = raw !== null && typeof raw === 'object' && 'default' in raw && !('extern_data' in raw);
  return nested ? (raw as { default: unknown }).default : raw;
}

/** Set once tsx's loader is registered for the process. */
let registerTsx: unknown;
