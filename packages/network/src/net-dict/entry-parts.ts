// Parts of constructing one net-dict entry that need no construction state:
// its error texts (the entry's name, its source chain), its extern data and its loss.
import { argsFromEntry, type Data, LayerError } from '@strata/core';
import { getLoss, type Loss, lossClass, LossError } from '@strata/losses';
import { NetDictError } from '../errors.js';
import { ExternDataKeyError } from '../extern-data/errors.js';
import type { LayerGraph } from './graph.js';
import type { SourceRef } from './net-dict-node.js';

/**
 * A layer's argument error (LayerError) as a NetDictError naming entry
 * `name`: layers made from a spec already speak RETURNN's keys (their
 * options carry them), so the message is kept as it is; other errors are
 * returned unchanged.
 */
export function entryError(e: unknown, name: string, entry: Record<string, unknown>, suffix: string): unknown {
  if (!(e instanceof LayerError)) return e;
  return new NetDictError(`Net dict entry '${name}' (class '${String(entry.class)}'): ${e.message}${suffix}`);
}

/** `f()`, with a layer's argument error thrown as the NetDictError naming entry `name` ({@link entryError}). */
export function asEntryError<T>(name: string, entry: Record<string, unknown>, f: () => T): T {
  try {
    return f();
  } catch (e) {
    throw entryError(e, name, entry, '');
  }
}

/**
 * The `from` chain of a layer, for messages: each source with its shape, and
 * back from the first one through first sources to the extern data, e.g.
 * `'l2' [B, T, T, 5] <- 'l1' [B, T, T, 5] <- "data:data" [B, T, T, 3]` (where an axis came from).
 */
export function sourceChain(net: LayerGraph, sources: readonly SourceRef[]): string {
  const fmt = (d: Data) => `[B${d.shape.map((a) => `, ${a ?? 'T'}`).join('')}]`;
  const label = (s: SourceRef): string | undefined => {
    if (s.kind === 'data') return net.externData.hasData(s.key) ? `"data:${s.key}" ${fmt(net.externData.getData(s.key))}` : undefined;
    const node = s.kind === 'layer' ? net.nodes.get(s.name) : undefined;
    return node ? `'${s.name}' ${fmt(node.output)}` : `'${s.name}'`;
  };
  const parts = sources.map(label).filter((l): l is string => l !== undefined);
  let s: SourceRef | undefined = sources[0];
  for (let depth = 0; s?.kind === 'layer' && depth < 8; depth++) {
    s = net.nodes.get(s.name)?.sources[0];
    const l = s && label(s);
    if (l) parts[0] = `${parts[0]} <- ${l}`;
  }
  return parts.join(', ');
}

/**
 * The extern data `key`, for a layer's source or target.
 * @param where how the layer refers to it, the start of the message (`Layer 'x' takes "target": "y", but`).
 * @throws ExternDataKeyError naming the layer, the key and the known keys.
 */
export function externDataOf(net: LayerGraph, key: string, where: string): Data {
  if (!net.externData.hasData(key)) throw new ExternDataKeyError({ key, known: net.externData.keys, where: `${where} extern_data` });
  return net.externData.getData(key);
}

/**
 * The loss of entry `name` (`"loss"` with its `"loss_opts"`): the options
 * are checked against the loss class's own (their RETURNN keys, such as
 * `label_smoothing`), so an unknown or bad key is an error, not ignored.
 * @throws NetDictError naming the entry, the loss and the option in its `loss_opts` spelling.
 */
export function lossOf(name: string, loss: string, opts: Record<string, unknown> | undefined): Loss {
  try {
    const cls = lossClass(loss);
    return getLoss(loss, argsFromEntry(cls, opts ?? {}, '', []) as never);
  } catch (e) {
    if (!(e instanceof LossError) && !(e instanceof LayerError)) throw e;
    throw new NetDictError(`Net dict entry '${name}': "loss": ${JSON.stringify(loss)} with "loss_opts": ${JSON.stringify(opts ?? {})}: ${e.message}`);
  }
}
