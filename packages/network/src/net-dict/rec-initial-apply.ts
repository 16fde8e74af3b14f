import { ops, type Tensor } from '@strata/backend';
import { type Dim, INFERENCE } from '@strata/core';
import { NetDictError } from '../errors.js';
import { evaluateDefault } from './forward.js';
import type { LayerOutput, NetDictNode } from './net-dict-node.js';

/**
 * RETURNN's `initial_output: "apply(0)"` of a rec unit layer (`LayerBase.get_rec_initial_output`): the layer
 * applied to its sources all zeros (their frame shapes with this batch, their dtypes: class index 0 for sparse
 * ones), with its own params, as the value `prev:<layer>` has at the first frame. E.g. a `linear` embedding of
 * the previous label starts as the row of label 0. Run in evaluation mode (no dropout), as the value comes
 * before the loop.
 *
 * @param size the length of each axis of a source (a dynamic one: its padded length in this pass).
 * @throws NetDictError for a layer whose class runs through its own frame logic (state, search), which
 *   "apply(0)" cannot run on its own.
 */
export function initialByApply(node: NetDictNode, batch: number, size: (d: Dim) => number): Tensor {
  if (node.cls.evaluate) {
    throw new NetDictError(`Layer '${node.name}' (class '${node.entry.class}'): initial_output "apply(0)" runs the layer on zeroed sources, which Strata does for layers without frame state; use "zeros" or a number.`);
  }
  const sources: LayerOutput[] = node.sourceData.map((d) => ({ value: ops.fill([...(d.hasBatch ? [batch] : []), ...d.dims.map(size)], 0, d.dtype) }));
  return evaluateDefault({ node, sources, outs: new Map(), inputs: {}, ctx: INFERENCE }).value;
}
