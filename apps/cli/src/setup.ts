import { resolve } from 'node:path';
import { setBackend } from '@strata/backend';
import { registerOnnxruntimeBackends } from '@strata/backend-onnxruntime';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { Engine } from '@strata/engine';
import { NetDictNetwork, type NetDict } from '@strata/network';
import type { Config } from './config.js';

/** Registers the backends this app ships (tfjs and onnxruntime) and activates the requested one. */
export async function activateBackend(name: string): Promise<void> {
  registerTfjsBackends();
  registerOnnxruntimeBackends();
  await setBackend(name);
}

/** Builds the network and the engine of a config (the backend must be active). */
export function buildEngine(config: Config, overrides: { epochs?: number; model?: string; progress?: boolean } = {}): Engine {
  const network = NetDictNetwork.fromDict(config.network as NetDict, {
    externData: config.extern_data,
    seed: config.seed,
  });
  // Optimizer options are written in RETURNN's snake_case (`learning_rate`, `weight_decay`) or camelCase.
  const optimizer: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(config.optimizer)) optimizer[k.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase())] = v;
  if (config.learning_rate !== undefined) optimizer.learningRate = config.learning_rate;
  return new Engine(network, {
    batchSize: config.batch_size,
    maxSeqs: config.max_seqs,
    epochs: overrides.epochs ?? config.num_epochs,
    seed: config.seed,
    optimizer: optimizer as never,
    learningRateDecay: config.learning_rate_decay,
    modelDir: resolve(overrides.model ?? config.model ?? `runs/${config.name}`),
    configHash: config.hash,
    progress: overrides.progress,
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
