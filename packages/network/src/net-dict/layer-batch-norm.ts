import { type BatchNorm, batchNormLayer, type Data, type Layer, LayerError } from '@strata/core';
import { NetDictError } from '../errors.js';
import type { LayerGraph } from './graph.js';
import { setLayerBatchNorm } from './layer-batch-norm-run.js';
import { netDictClassOf } from './spec-class.js';

/**
 * Gives layer `name` of graph `g` RETURNN's LayerBase batch norm on its
 * output: a {@link BatchNorm} with the options of `entry.batch_norm` (and
 * RETURNN's defaults per `behavior_version`, as class `batch_norm` has),
 * tracked by the layer in the layer's own scope, so its params are the
 * layer's (`<layer>/gamma`, `moving_mean`, ...; RETURNN's
 * `<layer>/batch_norm/v2_gamma`, `v2_mean`, ..., which the checkpoint loader
 * maps to them), built for `output`'s feature axis.
 * @throws NetDictError naming the entry for a bad option (as class `batch_norm` words it).
 */
export function attachLayerBatchNorm(g: LayerGraph, name: string, entry: Record<string, unknown>, layer: Layer, output: Data): void {
  const opts = entry.batch_norm;
  if (opts === undefined || opts === false) return;
  const own = opts === true ? {} : (opts as Record<string, unknown>);
  let bn: BatchNorm;
  try {
    bn = netDictClassOf(batchNormLayer).create({ name: 'batch_norm', entry: { class: 'batch_norm', ...own }, sources: [output], network: g.network, behaviorVersion: g.behaviorVersion }) as BatchNorm;
  } catch (e) {
    if (e instanceof LayerError) throw new NetDictError(`Net dict entry '${name}' (class '${String(entry.class)}'): batch_norm: ${e.message}`);
    throw e;
  }
  layer.trackLayer(bn);
  Object.defineProperty(bn, 'scopeName', { configurable: true, get: () => layer.scopeName });
  bn.build(output.batchShape);
  setLayerBatchNorm(layer, bn);
}
