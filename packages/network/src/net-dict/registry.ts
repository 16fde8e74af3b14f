import type { Data, Layer } from '@strata/core';
import type { z } from 'zod';
import { UnknownLayerClassError } from '../errors.js';
import type { LayerDescription } from './schema.js';

/** What a net-dict class factory gets to create its layer. */
export interface LayerCreateContext {
  /** The entry's name (the layer's name). */
  name: string;
  /** The entry, validated by the common schema and the class's own `options` schema. */
  entry: LayerDescription & Record<string, unknown>;
  /** Templates of the sources, in `from` order. */
  sources: Data[];
  /** The loss target's template, if the entry has a loss (RETURNN infers `n_out` from it). */
  target?: Data;
}

/**
 * A layer class usable in net dicts (RETURNN's `get_layer_class` registry).
 *
 * `sources` says how several `from` entries reach the layer: `concat` joins
 * them along the feature axis into one input (RETURNN's default), `list`
 * passes them as a list (combine), `none` means the layer takes no input.
 */
export interface NetDictLayerClass {
  sources: 'concat' | 'list' | 'none';
  /** Schema of the class's own keys (beyond the common ones). */
  options?: z.ZodType;
  /** Creates the (unbuilt) layer. */
  create(ctx: LayerCreateContext): Layer;
}

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
