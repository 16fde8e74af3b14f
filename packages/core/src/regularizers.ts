import { LayerArgumentError } from './errors.js';
import type { Regularizer } from './variable.js';

/** A regularizer as JSON: its registered class name and its `getConfig()`. */
export interface SerializedRegularizer {
  className: string;
  config: Record<string, unknown>;
}

const factories = new Map<string, (config: Record<string, unknown>) => Regularizer>();

/**
 * Registers how to recreate a regularizer from its config, so that a layer's
 * `activityRegularizer` survives `getConfig`/`fromConfig` (Keras'
 * `regularizers.deserialize`). Registering the same name again replaces it.
 */
export function registerRegularizer(className: string, fromConfig: (config: Record<string, unknown>) => Regularizer): void {
  factories.set(className, fromConfig);
}

/** `{className, config}` of a regularizer. */
export function serializeRegularizer(r: Regularizer): SerializedRegularizer {
  return { className: r.className, config: r.getConfig() };
}

/**
 * A regularizer object as is, or one recreated from its serialized form.
 * @throws LayerArgumentError if the serialized class is not registered.
 */
export function toRegularizer(r: Regularizer | SerializedRegularizer, where: string): Regularizer {
  if (typeof (r as Regularizer).apply === 'function') return r as Regularizer;
  const { className, config } = r as SerializedRegularizer;
  const make = factories.get(className);
  if (!make) {
    throw new LayerArgumentError(
      `${where}: unknown regularizer class; register it with registerRegularizer(className, fromConfig). ` +
        `Registered: ${[...factories.keys()].join(', ') || 'none'}. Received: className=${JSON.stringify(className)}.`,
    );
  }
  return make(config ?? {});
}
