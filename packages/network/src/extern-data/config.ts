import type { DataConfig } from '@strata/core';
import { NetDictError } from '../errors.js';

/**
 * The parts of a Strata/RETURNN config that describe extern data (RETURNN
 * `init_from_config` via `tf_extern_data_types_from_config`).
 */
export interface ExternDataConfig {
  /** `key -> Data kwargs`, the usual form. */
  extern_data?: Record<string, DataConfig>;
  /** Legacy form: feature dim of the dense sequence input `data` (`[time, num_inputs]`). */
  num_inputs?: number;
  /**
   * Legacy form: `key -> [dim, ndim]` or `key -> dim` (ndim 1: sparse label
   * sequence `[time]`; ndim 2: dense sequence `[time, dim]`); a number means
   * `{classes: [n, 1]}`.
   */
  num_outputs?: number | Record<string, number | readonly [number, number]>;
  /** The default target key (RETURNN config `target`). Default `classes`. */
  target?: string;
  /** The default input key. Default `data`. */
  default_input?: string;
}

/**
 * The `key -> DataConfig` entries a config describes.
 * @throws NetDictError if the config has neither `extern_data` nor `num_inputs`/`num_outputs`, or a legacy entry is malformed.
 */
export function dataConfigsFromConfig(config: ExternDataConfig): Record<string, DataConfig> {
  if (config.extern_data !== undefined) return config.extern_data;
  if (config.num_inputs === undefined && config.num_outputs === undefined) {
    throw new NetDictError(
      'The config describes no extern data: give "extern_data", e.g. {"data": {"shape": [784]}, "classes": {"shape": [], "dim": 10, "sparse": true}}, ' +
        'or the legacy "num_inputs"/"num_outputs".',
    );
  }
  const out: Record<string, DataConfig> = {};
  if (config.num_inputs !== undefined) out.data = { dim: config.num_inputs, shape: [null, config.num_inputs] };
  const outputs = typeof config.num_outputs === 'number' ? { classes: [config.num_outputs, 1] as const } : (config.num_outputs ?? {});
  for (const [key, v] of Object.entries(outputs)) {
    const [dim, ndim] = typeof v === 'number' ? [v, key === 'data' ? 2 : 1] : v;
    if (ndim === 1) out[key] = { dim, sparse: true, shape: [null] };
    else if (ndim === 2) out[key] = { dim, shape: [null, dim] };
    else throw new NetDictError(`num_outputs['${key}'] = ${JSON.stringify(v)}: ndim must be 1 (sparse labels) or 2 (dense frames).`);
  }
  return out;
}
