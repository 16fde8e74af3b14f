import { LayerArgumentError } from '../errors.js';
import type { Initializer } from './initializer.js';
import {
  Constant,
  glorotNormal,
  glorotUniform,
  heNormal,
  heUniform,
  lecunNormal,
  lecunUniform,
  Ones,
  RandomNormal,
  RandomUniform,
  type FanMode,
  VarianceScaling,
  type VarianceScalingDistribution,
  Zeros,
} from './standard.js';
import { initializerOfReturnnCall, parseReturnnInitializer } from './returnn-initializer.js';

export { initializerOfReturnnCall, parseReturnnInitializer, type ReturnnInitializerCall, ReturnnInitializerError } from './returnn-initializer.js';
export { computeFans, type Initializer } from './initializer.js';
export * from './standard.js';

const byName: Record<string, () => Initializer> = {
  zeros: () => new Zeros(),
  ones: () => new Ones(),
  constant: () => new Constant(),
  random_uniform: () => new RandomUniform(),
  random_normal: () => new RandomNormal(),
  truncated_normal: () => new RandomNormal({ truncated: true }),
  glorot_uniform: glorotUniform,
  glorot_normal: glorotNormal,
  he_uniform: heUniform,
  he_normal: heNormal,
  lecun_uniform: lecunUniform,
  lecun_normal: lecunNormal,
};

/** Names accepted by {@link getInitializer}. */
export const INITIALIZER_NAMES = Object.keys(byName);

/** An initializer as JSON: its registry name and its `getConfig()` (what layers' `getConfig` stores). */
export interface SerializedInitializer {
  className: string;
  config: Record<string, unknown>;
}

/** What layers accept for an initializer argument: a name, an instance, its serialized form, or a number (a constant, RETURNN's `get_initializer`). */
export type InitializerSpec = string | number | Initializer | SerializedInitializer;

/** The JSON form of an initializer, inverted by {@link initializerFromConfig}. */
export function serializeInitializer(init: Initializer): SerializedInitializer {
  return { className: init.className, config: init.getConfig() };
}

const num = (config: Record<string, unknown>, key: string, fallback: number): number =>
  typeof config[key] === 'number' ? (config[key] as number) : fallback;

/**
 * Recreates an initializer from {@link serializeInitializer}'s output
 * (`{className: 'glorot_uniform', config: {scale: 1, mode: 'fan_avg', distribution: 'uniform'}}`).
 * Names in camelCase are accepted as in {@link getInitializer}.
 * @throws LayerArgumentError for an unknown class name or a bad variance-scaling config.
 */
export function initializerFromConfig(className: string, config: Record<string, unknown> = {}): Initializer {
  const key = className.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
  switch (key) {
    case 'constant':
      return new Constant({ value: num(config, 'value', 0) });
    case 'random_uniform':
      return new RandomUniform({ minval: num(config, 'minval', -0.05), maxval: num(config, 'maxval', 0.05) });
    case 'random_normal':
      return new RandomNormal({ mean: num(config, 'mean', 0), stddev: num(config, 'stddev', 0.05), truncated: config.truncated === true });
    case 'truncated_normal':
      return new RandomNormal({ mean: num(config, 'mean', 0), stddev: num(config, 'stddev', 0.05), truncated: true });
  }
  if ('scale' in config || key === 'variance_scaling') {
    const { mode, distribution } = config;
    const modes: FanMode[] = ['fan_in', 'fan_out', 'fan_avg'];
    const dists: VarianceScalingDistribution[] = ['uniform', 'truncated_normal', 'untruncated_normal'];
    if (!modes.includes(mode as FanMode) || !dists.includes(distribution as VarianceScalingDistribution)) {
      throw new LayerArgumentError(
        `A variance-scaling initializer needs mode in ${modes.join('|')} and distribution in ${dists.join('|')}. ` +
          `Received: className='${className}', config=${JSON.stringify(config)}.`,
      );
    }
    return new VarianceScaling({ className: key, scale: num(config, 'scale', 1), mode: mode as FanMode, distribution: distribution as VarianceScalingDistribution });
  }
  return getInitializer(key);
}

/**
 * An initializer by name (Keras' snake_case or camelCase: `glorot_uniform`,
 * `glorotUniform`), by its serialized form (`{className, config}`, see
 * {@link initializerFromConfig}), the instance itself, or RETURNN's string
 * form (`"random_normal_initializer(stddev=0.1)"`, `"zeros_initializer"`: see
 * {@link parseReturnnInitializer}; parsed, never run), or a finite number:
 * every element that value (RETURNN `get_initializer`: "constant if a float
 * is given", `tf.constant_initializer`).
 * @throws LayerArgumentError for an unknown name, listing the known ones, or a number that is not finite.
 * @throws ReturnnInitializerError for a RETURNN initializer string Strata cannot read.
 */
export function getInitializer(spec: InitializerSpec): Initializer {
  if (typeof spec === 'number') {
    if (!Number.isFinite(spec)) throw new LayerArgumentError(`A constant initializer needs a finite number. Received: ${spec}.`);
    return new Constant({ value: spec });
  }
  if (typeof spec !== 'string') {
    return typeof (spec as Initializer).generate === 'function'
      ? (spec as Initializer)
      : initializerFromConfig(spec.className, (spec as SerializedInitializer).config);
  }
  const key = spec.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
  const make = byName[key];
  if (!make && (spec.includes('(') || key.endsWith('_initializer'))) return initializerOfReturnnCall(spec, parseReturnnInitializer(spec) ?? { name: spec, args: {} });
  if (!make) {
    throw new LayerArgumentError(`Unknown initializer. Expected one of: ${INITIALIZER_NAMES.join(', ')}. Received: '${spec}'.`);
  }
  return make();
}
