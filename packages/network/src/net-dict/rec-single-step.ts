import { NetDictError } from '../errors.js';
import type { NetDict } from './schema.js';

/** Keys of a `rec` entry that mean nothing for one frame, and the values RETURNN allows there. */
const SINGLE_STEP_DEFAULTS: Readonly<Record<string, (v: unknown) => boolean>> = {
  direction: (v) => v === null || v === 1,
  initial_state: (v) => v === null || v === 0 || v === 'zeros',
  unit_opts: (v) => v === null || (typeof v === 'object' && Object.keys(v as object).length === 0),
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
 * by layout). Likewise a `self_attention` entry on frames becomes
 * `self_attention_step` (one query per frame over the keys and values kept so far,
 * RETURNN's `SelfAttentionLayer` with `_rec_previous_layer`). Other entries are unchanged.
 *
 * @param rec the rec layer whose unit this is, for messages.
 * @throws NetDictError for a key such an entry cannot honour one frame at a time
 *   (`direction: -1`, an `initial_state` other than zeros, `unit_opts`).
 */
export function singleStepCells(unit: NetDict, rec: string): NetDict {
  let out: Record<string, unknown> | undefined;
  for (const [name, raw] of Object.entries(unit as Record<string, unknown>)) {
    const e = raw as Record<string, unknown> | undefined;
    const onFrames = () => !fromList(e!.from).some((f) => typeof f === 'string' && f.startsWith('base:'));
    if (e?.class === 'self_attention' && onFrames()) {
      (out ??= { ...(unit as Record<string, unknown>) })[name] = { ...e, class: 'self_attention_step' };
      continue;
    }
    if (!e || e.class !== 'rec' || typeof e.unit !== 'string') continue;
    if (!onFrames()) continue;
    const cell: Record<string, unknown> = { ...e, class: 'rnn_cell' };
    for (const [key, ok] of Object.entries(SINGLE_STEP_DEFAULTS)) {
      if (!(key in e)) continue;
      if (!ok(e[key])) {
        throw new NetDictError(
          `Net dict entry '${rec}/${name}' (class 'rec' with unit '${e.unit}' inside the unit of rec layer '${rec}', one step per frame): ${key}=${JSON.stringify(e[key])} is not supported there (Strata carries the cell's state from frame to frame from zeros, as RETURNN's default). Remove "${key}".`,
        );
      }
      delete cell[key];
    }
    (out ??= { ...(unit as Record<string, unknown>) })[name] = cell;
  }
  return (out ?? unit) as NetDict;
}
