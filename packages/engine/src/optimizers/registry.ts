import { Adam, type AdamOptions } from './adam.js';
import { OptimizerArgumentError, UnknownOptimizerError } from './errors.js';
import type { Optimizer } from './optimizer.js';
import { SGD, type SGDOptions } from './sgd.js';

/**
 * An optimizer description as in a config file (RETURNN's
 * `optimizer = {"class": "adam"}`, with Strata's camelCase options).
 * `adamw` is Adam with `weightDecay` defaulting to 0.004 (Keras' AdamW).
 */
export type OptimizerConfig =
  | ({ class: 'adam' } & AdamOptions)
  | ({ class: 'adamw' } & AdamOptions)
  | ({ class: 'sgd' } & SGDOptions);

/** The registered optimizer class names. */
export const OPTIMIZER_NAMES: readonly OptimizerConfig['class'][] = ['adam', 'adamw', 'sgd'];

/**
 * Creates an optimizer from its config.
 *
 * @throws UnknownOptimizerError for an unknown `class` (the message lists the known ones).
 * @throws OptimizerArgumentError for a config that is not an object with a string `class`
 *   (e.g. `null` or `"adam"`), or a hyper-parameter out of range.
 */
export function getOptimizer(config: OptimizerConfig | { class: string; [option: string]: unknown }): Optimizer {
  const c: unknown = config;
  if (typeof c !== 'object' || c === null || Array.isArray(c)) {
    const hint = typeof c === 'string' ? `{class: ${JSON.stringify(c)}}` : "{class: 'adam', learningRate: 0.001}";
    throw new OptimizerArgumentError(`optimizer must be an object like ${hint}. Received: optimizer=${JSON.stringify(c) ?? String(c)}.`);
  }
  if (typeof (c as { class?: unknown }).class !== 'string') {
    throw new OptimizerArgumentError(
      `optimizer needs a "class" naming the optimizer, one of ${OPTIMIZER_NAMES.map((n) => JSON.stringify(n)).join(', ')}, e.g. {class: 'adam'}. ` +
        `Received: optimizer=${JSON.stringify(c)}.`,
    );
  }
  const { class: name, ...opts } = config;
  switch (name) {
    case 'adam':
      return new Adam(opts as AdamOptions);
    case 'adamw':
      return new Adam({ weightDecay: 0.004, ...(opts as AdamOptions) });
    case 'sgd':
      return new SGD(opts as SGDOptions);
    default:
      throw new UnknownOptimizerError({ className: String(name), knownNames: OPTIMIZER_NAMES });
  }
}
