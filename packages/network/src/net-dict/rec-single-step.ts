import { isDimJson } from '@strata/core';
import type { Tensor } from '@strata/backend';
import { NetDictError } from '../errors.js';
import type { NetDict } from './schema.js';

/** Keys of a `rec` entry that mean nothing for one frame, and the values RETURNN allows there. */
const SINGLE_STEP_DEFAULTS: Readonly<Record<string, (v: unknown) => boolean>> = {
  direction: (v) => v === null || v === 1,
  initial_state: (v) => v === null || v === 0 || v === 'zeros',
  input_projection: (v) => v === true,
};

const fromList = (f: unknown): unknown[] => (f === undefined ? ['data'] : Array.isArray(f) ? f : [f]);

/**
 * RETURNN's `rec` layer with a cell unit inside another rec layer's unit, on
 * frames of that loop (no `base:` source, so no time axis of its own): it runs
 * one step per frame of the outer loop, its state carried from frame to frame
 * (`RecLayer` with `single_step_dim`: `_rec_previous_layer.rec_vars_outputs["state"]`,
 * zeros at the first frame), which is what an `rnn_cell` entry computes. Such
 * entries of `unit` are returned as `rnn_cell` entries (same name, sources and
 * weights, which the checkpoint loader maps from RETURNN's `rec/W`, `W_re`, `b`
 * by layout; `unit_opts` go to the `rnn_cell` as they are). Likewise a `self_attention` entry on frames becomes
 * `self_attention_step` (one query per frame over the keys and values kept so far,
 * RETURNN's `SelfAttentionLayer` with `_rec_previous_layer`). The same holds inside a
 * `masked_computation`'s `unit` and a `subnetwork` on frames. Other entries are unchanged.
 *
 * @param rec the rec layer whose unit this is, for messages.
 * @throws NetDictError for a key such an entry cannot honour one frame at a time
 *   (`direction: -1`, an `initial_state` other than zeros).
 */
export function singleStepCells(unit: NetDict, rec: string): NetDict {
  let out: Record<string, unknown> | undefined;
  for (const [name, raw] of Object.entries(unit as Record<string, unknown>)) {
    const e = raw as Record<string, unknown> | undefined;
    const onFrames = () => !fromList(e!.from).some((f) => typeof f === 'string' && f.startsWith('base:'));
    const step = e && onFrames() ? singleStepEntry(e, `${rec}/${name}`, rec, false) : undefined;
    if (step) (out ??= { ...(unit as Record<string, unknown>) })[name] = step;
  }
  return (out ?? unit) as NetDict;
}

/**
 * The key `singleStepEntry` adds to a `self_attention_step` entry inside a `masked_computation`'s unit (Strata's own,
 * not RETURNN's: RETURNN's `SelfAttentionLayer` keeps `mask_left` when built in the masked computation's template net).
 */
export const MASKED_HISTORY_KEY = 'masked_history';

/**
 * One entry on frames as one step: a cell `rec` as `rnn_cell`, `self_attention` as
 * `self_attention_step`; inside a `masked_computation`'s `unit` and a `subnetwork`
 * (whose `"data"` is then a frame too) likewise. Undefined when nothing changes.
 */
function singleStepEntry(e: Record<string, unknown>, path: string, rec: string, masked: boolean): Record<string, unknown> | undefined {
  // Inside a masked_computation, RETURNN's SelfAttentionLayer also keeps the mask history (`mask_left`).
  if (e.class === 'self_attention') return { ...e, class: 'self_attention_step', ...(masked ? { [MASKED_HISTORY_KEY]: true } : {}) };
  if (e.class === 'masked_computation' && e.unit && typeof e.unit === 'object') {
    const unit = singleStepEntry(e.unit as Record<string, unknown>, `${path}(unit)`, rec, true);
    return unit ? { ...e, unit } : undefined;
  }
  if (e.class === 'subnetwork' && e.subnetwork && typeof e.subnetwork === 'object') {
    // Inside the subnetwork, "base:" names the rec unit's layers (frames too); only "base:base:" is outside the loop.
    const inner = e.subnetwork as Record<string, unknown>;
    let sub: Record<string, unknown> | undefined;
    for (const [n, r] of Object.entries(inner)) {
      const ie = r as Record<string, unknown> | undefined;
      if (!ie || fromList(ie.from).some((f) => typeof f === 'string' && f.startsWith('base:base:'))) continue;
      const step = singleStepEntry(ie, `${path}/${n}`, rec, masked);
      if (step) (sub ??= { ...inner })[n] = step;
    }
    return sub ? { ...e, subnetwork: sub } : undefined;
  }
  if (e.class !== 'rec' || typeof e.unit !== 'string') return undefined;
  return cellStep(e, `Net dict entry '${path}' (class 'rec' with unit '${e.unit}' inside the unit of rec layer '${rec}', one step per frame)`, "Strata carries the cell's state from frame to frame from zeros, as RETURNN's default");
}

/** A cell `rec` entry as the `rnn_cell` entry of one step, without the keys that keep RETURNN's defaults there. @throws NetDictError for one that does not. */
function cellStep(e: Record<string, unknown>, where: string, why: string): Record<string, unknown> {
  const cell: Record<string, unknown> = { ...e, class: 'rnn_cell' };
  delete cell.axis;
  for (const [key, ok] of Object.entries(SINGLE_STEP_DEFAULTS)) {
    if (!(key in e)) continue;
    if (!ok(e[key])) throw new NetDictError(`${where}: ${key}=${JSON.stringify(e[key])} is not supported there (${why}). Remove "${key}".`);
    delete cell[key];
  }
  return cell;
}

const isSingleStepDim = (v: unknown): boolean => isDimJson(v) && v.special === true;

/**
 * RETURNN's explicit single step of a `rec` layer with a cell unit (RecLayer
 * `_post_init_axis`: `axis: single_step_dim`, or a `state` given, LayerBase
 * `state`: the previous state): one step of the cell, RETURNN's
 * `cell(x, initial_state)` on an input without the loop's time axis (any
 * other axes, such as an unrelated time axis, are positions stepped once
 * each). Such entries are returned as `rnn_cell` entries keeping `state`
 * (zeros without it); other entries unchanged.
 * @throws NetDictError for a key one step cannot honour (`direction: -1`, `initial_state`, `unit_opts`).
 */
export function explicitSingleSteps(netDict: NetDict): NetDict {
  let out: Record<string, unknown> | undefined;
  for (const [name, raw] of Object.entries(netDict as Record<string, unknown>)) {
    const e = raw as Record<string, unknown> | undefined;
    if (!e || e.class !== 'rec' || typeof e.unit !== 'string' || !((e.state !== undefined && e.state !== null) || isSingleStepDim(e.axis))) continue;
    const where = `Net dict entry '${name}' (class 'rec' with unit '${e.unit}', one step: ${isSingleStepDim(e.axis) ? 'axis single_step_dim' : '"state" given'})`;
    (out ??= { ...(netDict as Record<string, unknown>) })[name] = cellStep(e, where, 'RETURNN runs one step of the cell from "state", zeros without it');
  }
  return (out ?? netDict) as NetDict;
}

/** How many layers a `state` value names (a layer name, or a dict of names): the sources it adds after `from`. */
export function stateRefCount(state: unknown): number {
  if (typeof state === 'string') return 1;
  if (Array.isArray(state)) return state.filter((v) => typeof v === 'string').length;
  if (state && typeof state === 'object') return Object.values(state).filter((v) => typeof v === 'string').length;
  return 0;
}

/**
 * The previous states of a cell step from its `state` layers' values (`values`: the named layers in the order
 * construction adds them, a dict's in sorted key order), in the cell's order (LSTM: `h`, `c`, RETURNN's
 * `LSTMStateTuple(c, h)` by name; one-state cells: the layer itself). Undefined without `state`.
 * @throws NetDictError for a `state` that does not name the cell's state parts.
 */
export function explicitState(layer: string, state: unknown, values: Tensor[], numStates: number): Tensor[] | undefined {
  if (state === undefined || state === null) return undefined;
  const where = `Net dict entry '${layer}': state ${JSON.stringify(state)}`;
  if (typeof state === 'string') {
    if (numStates !== 1) throw new NetDictError(`${where} names one layer, but the cell has ${numStates} state parts; give them by name, e.g. {"h": ..., "c": ...}.`);
    return [values[0]!];
  }
  if (typeof state !== 'object' || Array.isArray(state) || Object.values(state).some((v) => typeof v !== 'string')) {
    throw new NetDictError(`${where} must name a layer, or a layer per state part ({"h": ..., "c": ...} for an LSTM).`);
  }
  const keys = Object.keys(state).sort();
  const parts = numStates === 2 ? ['h', 'c'] : ['h'];
  if (keys.length !== parts.length || !parts.every((p) => keys.includes(p))) {
    throw new NetDictError(`${where} must give the cell's state parts ${parts.map((p) => `"${p}"`).join(', ')}.`);
  }
  return parts.map((p) => values[keys.indexOf(p)]!);
}
