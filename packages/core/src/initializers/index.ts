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
  Zeros,
} from './standard.js';

export { computeFans, type Initializer } from './initializer.js';
export * from './standard.js';

const byName: Record<string, () => Initializer> = {
  zeros: () => new Zeros(),
  ones: () => new Ones(),
  constant: () => new Constant(),
  random_uniform: () => new RandomUniform(),
  random_normal: () => new RandomNormal(),
  truncated_normal: () => new RandomNormal(0, 0.05, true),
  glorot_uniform: glorotUniform,
  glorot_normal: glorotNormal,
  he_uniform: heUniform,
  he_normal: heNormal,
  lecun_uniform: lecunUniform,
  lecun_normal: lecunNormal,
};

/** Names accepted by {@link getInitializer}. */
export const INITIALIZER_NAMES = Object.keys(byName);

/**
 * An initializer by name (Keras' snake_case or camelCase: `glorot_uniform`,
 * `glorotUniform`) or the instance itself.
 * @throws LayerArgumentError for an unknown name, listing the known ones.
 */
export function getInitializer(spec: string | Initializer): Initializer {
  if (typeof spec !== 'string') return spec;
  const key = spec.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
  const make = byName[key];
  if (!make) {
    throw new LayerArgumentError(`Unknown initializer '${spec}'. Expected one of: ${INITIALIZER_NAMES.join(', ')}.`);
  }
  return make();
}
