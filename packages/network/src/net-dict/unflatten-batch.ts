import { type Data, type PackedBatch, packedBatchOf, UnflattenBatch } from '@strata/core';
import { z } from 'zod';
import { NetDictError } from '../errors.js';
import type { LayerCreateContext } from './net-dict-node.js';
import type { NetDictNetwork } from './net-dict-network.js';
import { registerNetDictClass } from './registry.js';

/**
 * The packing of `d`'s batch axis: `d` is a `flatten_batch` output, or the
 * output of a layer whose sources lead back to one (RETURNN keeps the packed
 * `BatchInfo` through such layers). Undefined if none is found.
 */
function findPacking(graph: NetDictNetwork['graph'], d: Data, seen = new Set<Data>()): PackedBatch | undefined {
  const own = packedBatchOf(d);
  if (own || seen.has(d)) return own;
  seen.add(d);
  const node = [...graph.nodes.values()].find((n) => n.output === d);
  for (const s of node?.sourceData ?? []) {
    const p = findPacking(graph, s, seen);
    if (p) return p;
  }
  return undefined;
}

/** The packing an `unflatten_batch` entry undoes, from its (joined) sources. */
function packingOf(c: LayerCreateContext): PackedBatch {
  const graph = (c.network as NetDictNetwork).graph;
  const found = c.sources.map((s) => findPacking(graph, s)).filter((p): p is PackedBatch => p !== undefined);
  if (found.length === 0) {
    throw new NetDictError(
      `Net dict entry '${c.name}' (class 'unflatten_batch'): its input has no packed batch axis; RETURNN's unflatten_batch undoes a "flatten_batch" earlier in the net (only implemented for a single packed dim).`,
    );
  }
  return found[0]!;
}

/** The layers of this module's entries and the packing each undoes. */
const packings = new WeakMap<UnflattenBatch, PackedBatch>();

/**
 * RETURNN's `unflatten_batch` (`UnflattenBatchLayer`): the time axis that an
 * earlier `flatten_batch` merged into the batch axis comes back, padded with
 * zeros, with that time axis' lengths ({@link UnflattenBatch}); the order of
 * the packing (`batch_major`) is the `flatten_batch`'s. RETURNN gives a
 * time-major result for a time-major packing; Strata keeps the batch axis
 * first (the same values, transposed). No options of its own.
 */
export function registerUnflattenBatchClass(): void {
  registerNetDictClass('unflatten_batch', {
    sources: 'concat',
    acceptsSparse: true,
    options: z.strictObject({}),
    create: (c) => {
      if (c.sources.length !== 1) throw new NetDictError(`Net dict entry '${c.name}' (class 'unflatten_batch'): give one source (the packed data). Received: ${c.sources.length} sources.`);
      const p = packingOf(c);
      const layer = new UnflattenBatch({ name: c.name, batchMajor: p.batchMajor });
      packings.set(layer, p);
      return layer;
    },
    outputData: (c) => {
      const p = packings.get(c.layer as UnflattenBatch)!;
      const src = c.sources[0]!;
      return src.copy({ name: c.name, dims: [p.timeDim, ...src.dims] });
    },
    evaluate: ({ node, sources, ctx }) => {
      const p = packings.get(node.layer as UnflattenBatch)!;
      const lens = p.timeDim.dynSize;
      if (!lens) throw new NetDictError(`Layer '${node.name}' (class 'unflatten_batch'): the lengths of the packed time axis ${p.timeDim} are not known in this pass.`);
      return { value: node.layer.apply([sources[0]!.value, lens], ctx) };
    },
  });
}
