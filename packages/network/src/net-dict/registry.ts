import type { NetDictLayerClass } from './layer-node.js';
import { UnknownLayerClassError } from '../errors.js';

const classes = new Map<string, NetDictLayerClass>();

/** Registers (or replaces) a net-dict layer class under its RETURNN name, e.g. `linear`. */
export function registerNetDictClass(name: string, cls: NetDictLayerClass): void {
  classes.set(name, cls);
}

/** Names of all registered classes, sorted. */
export function netDictClassNames(): string[] {
  return [...classes.keys()].sort();
}

/**
 * The class registered under `name`.
 * @throws UnknownLayerClassError listing the known classes.
 */
export function getNetDictClass(name: string, layerName: string): NetDictLayerClass {
  const c = classes.get(name);
  if (!c) {
    throw new UnknownLayerClassError(
      `Net dict entry '${layerName}' has unknown class '${name}'. Known classes: ${netDictClassNames().join(', ')}. ` +
        `Register your own with registerNetDictClass().`,
    );
  }
  return c;
}

export type { LayerCreateContext, NetDictLayerClass } from './layer-node.js';
