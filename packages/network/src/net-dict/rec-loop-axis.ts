// How a RETURNN rec layer without sources finds its frames from its `axis` Dim, the frames an `end` layer ends,
// and `initial_output` given as a layer outside the loop (returnn/tf/layers/rec.py RecLayer._post_init_axis,
// _SubnetworkRecCell.get_output: fixed_seq_len from the axis' sizes, else the "end" layer; get_rec_initial_output).
import { ops, type Tensor } from '@strata/backend';
import type { DimJson } from '@strata/core';
import { NetDictError } from '../errors.js';
import { getOrConstruct } from './construct.js';
import type { ExternData } from '../extern-data.js';
import type { LayerGraph } from './graph.js';

/**
 * What a rec layer without sources loops over when its `axis` names a Dim: the time axis of
 * extern data `key` (RETURNN: the Dim has sizes, so they are the loop's `fixed_seq_len`), or a new axis
 * whose lengths the unit's `end` layer gives (RETURNN: a Dim without sizes; the loop runs while some
 * sequence has not ended, at most `max_seq_len` frames).
 */
export type RecLoopAxis = { kind: 'data'; key: string } | { kind: 'end' };

/**
 * The loop of rec layer `rec` over Dim `axis` (JSON form, matched by its name).
 * @throws NetDictError when no extern data has that time axis and the unit has no `end` layer.
 */
export function recLoopAxis(axis: DimJson, extern: ExternData, unit: LayerGraph, rec: string): RecLoopAxis {
  const key = extern.keys.find((k) => extern.getData(k).timeDim?.description === axis.dim);
  if (key !== undefined) return { kind: 'data', key };
  if (unit.nodes.has('end')) return { kind: 'end' };
  throw new NetDictError(
    `Net dict entry '${rec}' (class 'rec'): axis '${axis.dim}' is no extern data's time axis, and the unit has no "end" layer to end a new axis (RETURNN: "length not defined, provide 'end' layer"). ` +
      `Give a source, an axis of the extern data, or an "end" layer with "max_seq_len".`,
  );
}

/**
 * One frame of a loop an `end` layer ends (RETURNN's `end_flag` ORed with the previous frame's, and
 * `dyn_seq_len`, which counts a frame unless the sequence has ended: with `include_eos` the frame where `end` first
 * holds still counts). Updates `ended` and `lens` in place; returns whether every sequence has ended.
 */
export function endFrame(end: Tensor, ended: Uint8Array, lens: Int32Array, includeEos: boolean): boolean {
  const flags = ops.readSync(end) as ArrayLike<number | boolean>;
  if (flags.length !== ended.length) throw new NetDictError(`The rec unit's "end" layer gives ${flags.length} flags per frame, not one per sequence (${ended.length}); it must be [batch], bool.`);
  for (let b = 0; b < ended.length; b++) {
    const prev = ended[b]!;
    const now = prev || flags[b] ? 1 : 0;
    if (!(includeEos ? prev : now)) lens[b]! += 1;
    ended[b] = now;
  }
  return ended.every((e) => e === 1);
}

/** The `base:` layers unit entries give as `initial_output` (RETURNN: a layer as the initial value of `prev:`), constructed in the enclosing network. */
export function initialOutputLayers(unit: LayerGraph): string[] {
  const names: string[] = [];
  for (const n of unit.nodes.values()) {
    const init = (n.entry as { initial_output?: unknown }).initial_output;
    if (typeof init !== 'string' || !init.startsWith('base:')) continue;
    getOrConstruct(unit.parent!, init.slice(5));
    names.push(init.slice(5));
  }
  return names;
}

/**
 * The initial value of a layer from a layer outside the loop (`value`), broadcast to `shape` (RETURNN
 * `get_rec_initial_output`: the layer's output made compatible with the template, expanded over its missing axes).
 * @throws NetDictError when it does not broadcast.
 */
export function initialFromLayer(value: Tensor, shape: number[], dtype: string, layer: string, ref: string): Tensor {
  const v = value.dtype === dtype ? value : ops.cast(value, dtype as never);
  if (v.shape.length > shape.length || v.shape.some((d, i) => d !== 1 && d !== shape[i])) {
    throw new NetDictError(`The initial_output "${ref}" of '${layer}' has shape [${value.shape.join(', ')}], which does not broadcast to the layer's [${shape.join(', ')}].`);
  }
  const r = ops.reshape(v, [...v.shape, ...shape.slice(v.shape.length).map(() => 1)]);
  return ops.where(ops.fill(shape, 1, 'bool'), r, r);
}
