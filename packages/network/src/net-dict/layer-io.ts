// What a net-dict layer is built for and gives: the input shape(s) from its
// sources and reference keys, and its output template (Data) from its output shape.
import { axesIn, commonData, concatShape, Data, Dim, Layer, type SymbolicShape } from '@strata/core';
import { NetDictError } from '../errors.js';
import type { NetDictLayerClass } from './registry.js';

/**
 * The output template of a layer from its output shape: fresh axes, except
 * the time axis, which is its first timed source's own Dim when the layer
 * keeps the time axis as it is (it does not override `outputSeqLens`), so
 * that the lengths set on that Dim serve the layer's output too; a layer that
 * changes lengths (a strided or padded window) gets a Dim of its own,
 * derived from the source's, whose sizes it sets when it runs.
 */
export function outputTemplate(name: string, outShape: SymbolicShape, sources: readonly Data[], layer: Layer): Data {
  // Sources without a batch axis (constant, variable): so is the output, every axis of outShape its own.
  if (sources.length > 0 && sources.every((d) => !d.hasBatch)) return new Data({ name, dims: [], dtype: 'float32' }).withShape(name, outShape).copy({ hasBatch: false });
  const fresh = new Data({ name, dims: [], dtype: 'float32' }).withShape(name, outShape.slice(1));
  const t = fresh.dims.findIndex((d) => d.isDynamic);
  const src = sources.find((d) => d.timeDim !== undefined);
  if (t < 0 || !src || src.dims.indexOf(src.timeDim!) !== t) return fresh;
  const keeps = layer.outputSeqLens === Layer.prototype.outputSeqLens;
  const time = keeps ? src.timeDim! : new Dim({ description: `${name}:time`, derivedFrom: src.timeDim });
  return fresh.copy({ dims: fresh.dims.map((d, i) => (i === t ? time : d)) });
}

/**
 * The input shape(s) a layer is built for: its `from` sources joined as its
 * class takes them (concatenated, a list, or nothing), then, for a class with
 * `refKeys`, the shapes of the layers those keys name, each an input of its own.
 */
export function inputShapeFor(name: string, cls: string, c: NetDictLayerClass, sources: Data[], refs: Data[]): SymbolicShape | SymbolicShape[] {
  for (const s of sources) {
    if (s.sparse && c.sources !== 'none' && !c.acceptsSparse) {
      throw new NetDictError(
        `Layer '${name}' (class '${cls}') gets sparse data '${s.name}' (class indices) as input. ` +
          `Dense layers need float features; sparse inputs (embeddings) are not supported by '${cls}'.`,
      );
    }
  }
  const refShapes = refs.map((s) => s.batchShape);
  if (refShapes.length > 0 && !c.evaluate) {
    if (c.sources === 'none' || sources.length === 0) return refShapes;
    if (c.sources === 'list') return [...sources.map((s) => s.batchShape), ...refShapes];
    return [sources.length === 1 ? sources[0]!.batchShape : concatShape(sources.map((s) => s.batchShape), name), ...refShapes];
  }
  if (c.sources === 'list') return (c.broadcastSources && commonShapes(sources)) || sources.map((s) => s.batchShape);
  if (sources.length <= 1) return sources[0]?.batchShape ?? [null];
  return concatShape(sources.map((s) => s.batchShape), name);
}

/**
 * The sources' shapes on their common axes (RETURNN `get_common_data`; size 1 where a source lacks an axis), as the
 * layer sees them once each is brought there (`broadcastToData`); undefined when a source has no place in them.
 */
function commonShapes(sources: readonly Data[]): SymbolicShape[] | undefined {
  if (sources.length < 2) return undefined;
  const common = commonData(sources, { allowBroadcastAllSources: true })!;
  const shapes: SymbolicShape[] = [];
  for (const s of sources) {
    const axes = axesIn(s, common);
    if (!axes) return undefined;
    const shape: (number | null)[] = common.batchShape.map(() => 1);
    axes.forEach((a, i) => {
      shape[a] = s.batchShape[i]!;
    });
    shapes.push(shape);
  }
  return shapes;
}
