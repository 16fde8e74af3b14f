import { loadMnist } from '@strata/datasets';
import type { Dataset } from '@strata/engine';
import { ConfigError, type Config } from './config.js';

/** Train and dev sets of a config's `dataset`. */
export function datasetsFor(config: Config): { train: Dataset; dev: Dataset } {
  const spec = typeof config.dataset === 'string' ? { name: config.dataset } : config.dataset;
  switch (spec.name) {
    case 'mnist':
      return loadMnist({ seed: spec.seed });
    default:
      throw new ConfigError(`Unknown dataset '${spec.name}'. Known datasets: mnist.`);
  }
}
