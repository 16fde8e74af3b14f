import { resolve } from 'node:path';
import { setBackend } from '@strata/backend';
import { registerOnnxruntimeBackends } from '@strata/backend-onnxruntime';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { argsFromEntry, Layer } from '@strata/core';
import { lossClass } from '@strata/losses';
import { Engine } from '@strata/engine';
import { isModel, LayerModel, type Model, type NetDict, NetDictNetwork } from '@strata/network';
import { type Config, ConfigError, importDefault } from './config.js';

/** Registers the backends this app ships (tfjs and onnxruntime) and activates the requested one. */
export async function activateBackend(name: string): Promise<void> {
  registerTfjsBackends();
  registerOnnxruntimeBackends();
  await setBackend(name);
}

/** RETURNN writes options in snake_case (`learning_rate`, `label_smoothing`); Strata's classes take camelCase. */
const camelKeys = (o: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(o).map(([k, v]) => [k.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase()), v]));

/** Where a config's model comes from when it is code: a `get_model` function, or the default export of `--model-module`. */
type ModelSource = { what: string; value: unknown };

/**
 * The model of a config (the backend must be active): its `network` (a net
 * dict, built as a NetDictNetwork), or a model from code: `--model-module
 * FILE` (a module whose default export is a Model, a Layer, or a function
 * `({ epoch, step }) => Model | Layer`) or the config's `get_model`. A Layer
 * (e.g. a `Network` subclass) becomes a {@link LayerModel} on the config's
 * `extern_data` with its `loss` (`loss_opts`) on `target`.
 * @throws ConfigError if no source or more than one gives the model, or the source gives something else.
 */
export async function buildModel(config: Config, modelModule?: string): Promise<Model> {
  const sources: ModelSource[] = [];
  if (config.network) sources.push({ what: '"network"', value: undefined });
  if (config.get_model) sources.push({ what: '"get_model"', value: config.get_model });
  if (modelModule) sources.push({ what: `--model-module ${modelModule}`, value: await importDefault(resolve(modelModule)) });
  if (sources.length !== 1) {
    throw new ConfigError(
      `Config '${config.path}': give the model exactly one way: a "network" (net dict), a "get_model" function (.ts/.js config) or --model-module FILE. ` +
        `Received: ${sources.map((s) => s.what).join(' and ') || 'none'}.`,
    );
  }
  const source = sources[0]!;
  if (config.network) return NetDictNetwork.fromDict(config.network as NetDict, { externData: config.extern_data, seed: config.seed, behaviorVersion: config.behavior_version });
  const v = source.value;
  const made =
    typeof v !== 'function' ? v : (v as { prototype?: unknown }).prototype instanceof Layer ? new (v as new () => Layer)() : (v as (a: object) => unknown)({ epoch: 0, step: 0 });
  if (isModel(made)) return made;
  if (made instanceof Layer) {
    // loss_opts in RETURNN's keys (label_smoothing), checked against the loss class's own options.
    const options = config.loss === undefined ? {} : argsFromEntry(lossClass(config.loss), config.loss_opts ?? {}, `Config '${config.path}' "loss_opts": `, []);
    const loss = config.loss === undefined ? undefined : { class: config.loss, target: config.target, options };
    return new LayerModel({ layer: made, externData: config.extern_data, loss });
  }
  throw new ConfigError(`${source.what} must give a Model or a Layer (or a function returning one). Received: ${typeof made === 'object' ? (made?.constructor?.name ?? 'null') : typeof made}.`);
}

/** Builds the model and the engine of a config (the backend must be active). */
export async function buildEngine(config: Config, overrides: { epochs?: number; model?: string; progress?: boolean; modelModule?: string } = {}): Promise<Engine> {
  const model = await buildModel(config, overrides.modelModule);
  const optimizer = camelKeys(config.optimizer);
  if (config.learning_rate !== undefined) optimizer.learningRate = config.learning_rate;
  if (config.gradient_clip) optimizer.clipValue = config.gradient_clip;
  if (config.gradient_clip_global_norm) optimizer.globalClipNorm = config.gradient_clip_global_norm;
  if (config.gradient_clip_norm) optimizer.clipNorm = config.gradient_clip_norm;
  if (config.gradient_noise) optimizer.gradientNoise = config.gradient_noise;
  if (config.gradient_nan_inf_filter) optimizer.gradientNanInfFilter = true;
  if (config.accum_grad_multiple_step) optimizer.accumGradMultipleStep = config.accum_grad_multiple_step;
  const cleanup = config.cleanup_old_models;
  const lrc = config.learning_rate_control;
  return new Engine(model, {
    batchSize: config.batch_size,
    maxSeqs: config.max_seqs,
    epochs: overrides.epochs ?? config.num_epochs,
    seed: config.seed,
    optimizer: optimizer as never,
    learningRateDecay: config.learning_rate_decay,
    learningRateControl: lrc === undefined ? undefined : typeof lrc === 'string' ? { kind: lrc } : (lrc as never),
    modelDir: resolve(overrides.model ?? config.model ?? `runs/${config.name}`),
    configHash: config.hash,
    progress: overrides.progress,
    stopOnNonfiniteTrainScore: config.stop_on_nonfinite_train_score,
    cleanupOldModels: typeof cleanup === 'object' ? { keepLastN: cleanup.keep_last_n, keepBestN: cleanup.keep_best_n, keep: cleanup.keep } : cleanup,
    preloadFromFiles: config.preload_from_files
      ? Object.fromEntries(
          Object.entries(config.preload_from_files).map(([k, e]) => [
            k,
            {
              filename: resolve(e.filename),
              prefix: e.prefix,
              ignoreMissing: e.ignore_missing,
              initForTrain: e.init_for_train,
              ignoreParams: e.ignore_params,
              ignoreParamsPrefixes: e.ignore_params_prefixes,
              nameMap: e.var_name_mapping,
            },
          ]),
        )
      : undefined,
  });
}
