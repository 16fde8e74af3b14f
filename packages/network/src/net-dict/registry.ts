import { layerSpecsFor, netDictLayerNames, reserveNetDictNames } from '@strata/core';
import { UnknownLayerClassError } from '../errors.js';
import { unsupportedReason } from './returnn-classes.js';
import type { NetDictLayerClass } from './net-dict-node.js';
import { netDictClassOf } from './spec-class.js';

const classes = new Map<string, NetDictLayerClass>();

/** Registers (or replaces) a net-dict layer class under its RETURNN name, e.g. `linear`. */
export function registerNetDictClass(name: string, cls: NetDictLayerClass): void {
  classes.set(name, cls);
  reserveNetDictNames([name]);
}

/** Names of all registered classes (network classes and layer specs of @strata/core), sorted. */
export function netDictClassNames(): string[] {
  return [...new Set([...classes.keys(), ...netDictLayerNames()])].sort();
}

/**
 * The class registered under `name`: a network class, else the layer spec
 * (`registerLayer` of @strata/core) whose `netDict.when` takes `entry`.
 * @throws UnknownLayerClassError listing the known classes.
 */
export function getNetDictClass(name: string, layerName: string, entry: Readonly<Record<string, unknown>> = {}): NetDictLayerClass {
  // A layer spec registered under a network class's name (with override) wins over it.
  const spec = layerSpecsFor(name).find((s) => !s.netDict?.when || s.netDict.when(entry));
  const c = spec ? netDictClassOf(spec) : classes.get(name);
  if (!c) {
    const why = unsupportedReason(name);
    if (why) {
      throw new UnknownLayerClassError(
        `Net dict entry '${layerName}' has class '${name}', a RETURNN layer class Strata does not support: ${why}. ` +
          `docs/returnn-classes.md lists RETURNN's classes and what Strata builds; a layer of your own can take the name with registerLayer(spec) of @strata/core.`,
      );
    }
    throw new UnknownLayerClassError(
      `Net dict entry '${layerName}' has unknown class '${name}'. Known classes: ${netDictClassNames().join(', ')}. ` +
        `Register your own layer with registerLayer(spec) of @strata/core (see LayerSpec).`,
    );
  }
  return c;
}

export type { LayerCreateContext, NetDictLayerClass } from './net-dict-node.js';
