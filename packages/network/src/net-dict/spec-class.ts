import { argsFromEntry, checkEntryArgs, type LayerSpec } from '@strata/core';
import { z } from 'zod';
import type { LayerCreateContext, NetDictLayerClass } from './net-dict-node.js';
import { withSubOutputs } from './spec-sub-outputs.js';
import { nOutOf } from './n-out.js';
import { COMMON_KEYS } from './schema.js';

const adapters = new WeakMap<LayerSpec, NetDictLayerClass>();

/**
 * The net-dict class of a layer spec (its one vocabulary, `@strata/core`'s
 * `LayerSpec`): the entry's own keys, and the common keys the spec maps
 * (`n_out`, `activation`), become the constructor's arguments through the
 * spec's options (`argsFromEntry`, errors in RETURNN's names); the option
 * whose RETURNN key is `n_out` defaults to the target's class count (plus the
 * blank for `ctc`, RETURNN's rule); the spec's `derive` adds what the sources
 * tell (e.g. an embedding's number of classes).
 */
export function netDictClassOf(spec: LayerSpec): NetDictLayerClass {
  const known = adapters.get(spec);
  if (known) return known;
  const nd = spec.netDict!;
  const mapped = new Set(Object.values(spec.options).flatMap((o) => (o.returnn ? [o.returnn] : [])));
  const nOutArg = Object.entries(spec.options).find(([, o]) => o.returnn === 'n_out')?.[0];
  // The keys the class takes, for the unknown-key message: the common ones, then (from argsFromEntry) its own, each once.
  const common = [...COMMON_KEYS].filter((k) => !mapped.has(k) && k !== 'activation');
  const cls: NetDictLayerClass = {
    sources: nd.sources,
    acceptsSparse: nd.acceptsSparse,
    broadcastSources: nd.broadcastSources,
    optionalSources: nd.optionalSources,
    refKeys: nd.refKeys,
    seqLens: nd.seqLens === true ? 'input' : nd.seqLens === false ? undefined : nd.seqLens,
    seqLensFrom: nd.seqLensFrom,
    // The own keys are checked by the spec when the layer is created (argsFromEntry); refDefaults fill in layer names.
    options: z.looseObject(Object.fromEntries(Object.entries(nd.refDefaults ?? {}).map(([k, v]) => [k, z.unknown().default(v)]))),
    outputData: nd.outputData,
    create: (c: LayerCreateContext) => {
      // `activation` is the class's own option where it has one (RETURNN: no LayerBase option); `n_out` is common, and an argument where mapped.
      const ownKey = (k: string) => !COMMON_KEYS.has(k) || k === 'activation' || (k === 'n_out' && nOutArg !== undefined);
      const own = Object.fromEntries(Object.entries(c.entry).filter(([k, v]) => v !== undefined && ownKey(k)));
      const args = argsFromEntry(spec, own, '', common, c.behaviorVersion ?? 0);
      if (nOutArg && args[nOutArg] === undefined) args[nOutArg] = nOutOf(c, c.entry.loss === 'ctc' ? 1 : 0);
      Object.assign(args, nd.derive?.(c, args));
      checkEntryArgs(spec, args, '');
      return new spec.cls({ ...args, name: c.name });
    },
  };
  const full = nd.subOutputData || nd.fromAxes ? withSubOutputs(cls, nd) : cls;
  adapters.set(spec, full);
  return full;
}
