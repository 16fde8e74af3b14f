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
    const step = e && onFrames() ? singleStepEntry(e, `${rec}/${name}`, rec) : undefined;
    if (step) (out ??= { ...(unit as Record<string, unknown>) })[name] = step;
  }
  return (out ?? unit) as NetDict;
}

/**
 * One entry on frames as one step: a cell `rec` as `rnn_cell`, `self_attention` as
 * `self_attention_step`; inside a `masked_computation`'s `unit` and a `subnetwork`
 * (whose `"data"` is then a frame too) likewise. Undefined when nothing changes.
 */
function singleStepEntry(e: Record<string, unknown>, path: string, rec: string): Record<string, unknown> | undefined {
  if (e.class === 'self_attention') return { ...e, class: 'self_attention_step' };
  if (e.class === 'masked_computation' && e.unit && typeof e.unit === 'object') {
    const unit = singleStepEntry(e.unit as Record<string, unknown>, `${path}(unit)`, rec);
    return unit ? { ...e, unit } : undefined;
  }
  if (e.class === 'subnetwork' && e.subnetwork && typeof e.subnetwork === 'object') {
    // Inside the subnetwork, "base:" names the rec unit's layers (frames too); only "base:base:" is outside the loop.
    const inner = e.subnetwork as Record<string, unknown>;
    let sub: Record<string, unknown> | undefined;
    for (const [n, r] of Object.entries(inner)) {
      const ie = r as Record<string, unknown> | undefined;
      if (!ie || fromList(ie.from).some((f) => typeof f === 'string' && f.startsWith('base:base:'))) continue;
      const step = singleStepEntry(ie, `${path}/${n}`, rec);
      if (step) (sub ??= { ...inner })[n] = step;
    }
    return sub ? { ...e, subnetwork: sub } : undefined;
  }
  if (e.class !== 'rec' || typeof e.unit !== 'string') return undefined;
  const cell: Record<string, unknown> = { ...e, class: 'rnn_cell' };
  for (const [key, ok] of Object.entries(SINGLE_STEP_DEFAULTS)) {
    if (!(key in e)) continue;
    if (!ok(e[key])) {
      throw new NetDictError(
        `Net dict entry '${path}' (class 'rec' with unit '${e.unit}' inside the unit of rec layer '${rec}', one step per frame): ${key}=${JSON.stringify(e[key])} is not supported there (Strata carries the cell's state from frame to frame from zeros, as RETURNN's default). Remove "${key}".`,
      );
    }
    delete cell[key];
  }
  return cell;
}
