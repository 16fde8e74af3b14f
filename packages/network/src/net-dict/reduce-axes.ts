// RETURNN's `reduce` over several axes (ReduceLayer `axes` as a list, returnn/tf/layers/basic.py) as a chain of
// one-axis reduces, which Strata's `reduce` layer computes.
import { NetDictError } from '../errors.js';
import type { NetDict } from './schema.js';

const BATCH = new Set(['b', 'batch']);
const ARG_MODES = new Set(['argmax', 'argmin']);

/** The axis list of a `reduce` entry when it names more than one axis by description (`["T", "F"]`), else undefined. */
function axisList(e: Record<string, unknown>): string[] | undefined {
  const axes = e.axes ?? e.axis;
  if (!Array.isArray(axes) || axes.length < 2 || !axes.every((a) => typeof a === 'string')) return undefined;
  // Over the batch axis: the batch reduce (reduce-batch.ts) takes its own axis lists.
  if (axes.some((a) => BATCH.has(a.toLowerCase()))) return undefined;
  return chainOrder(axes);
}

/**
 * The order the chain reduces `axes` in: positional descriptions (`spatial:N`) first, highest `N` first, as removing
 * another axis (the time axis, or the feature axis, after which RETURNN's feature axis may be another static one)
 * would renumber them; then the others (`T`, `F`, `stag:`, `dim:`) as given. The order does not change the result.
 */
function chainOrder(axes: string[]): string[] {
  const pos = (a: string): number | undefined => {
    const m = /^spatial:(\d+)$/i.exec(a);
    return m ? Number(m[1]) : undefined;
  };
  const positional = axes.filter((a) => pos(a) !== undefined).sort((p, q) => pos(q)! - pos(p)!);
  return [...positional, ...axes.filter((a) => pos(a) === undefined)];
}

/**
 * The net dict with each `reduce` entry whose `axes` (or `axis`) lists several
 * axis descriptions (`["T", "F"]`, `["stag:a", "stag:b"]`) written as a chain
 * of one-axis reduces: hidden entries `<name>(reduce_1)`, ... reduce the first
 * axes, the entry itself (keeping its other keys: loss, is_output_layer, ...)
 * the last one (positional descriptions first, see {@link chainOrder}). The chain computes RETURNN's result exactly: sum, max and min
 * are associative, and the mean of means is the joint mean because each
 * sequence's valid frames form a product of per-axis ranges (every row of one
 * axis has the same count along the other).
 *
 * @throws NetDictError for `argmax`/`argmin` over several axes (RETURNN takes one axis for them).
 */
export function withSingleAxisReduces(netDict: NetDict): NetDict {
  let out: Record<string, unknown> | undefined;
  for (const [name, raw] of Object.entries(netDict as Record<string, unknown>)) {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) continue;
    const e = raw as Record<string, unknown>;
    const axes = e.class === 'reduce' ? axisList(e) : undefined;
    if (!axes) continue;
    if (ARG_MODES.has(String(e.mode).toLowerCase())) {
      throw new NetDictError(`Net dict entry '${name}' (class 'reduce'): mode ${JSON.stringify(e.mode)} takes one axis (RETURNN ReduceLayer). Received: axes=${JSON.stringify(axes)}.`);
    }
    out ??= { ...(netDict as Record<string, unknown>) };
    const { axis: _axis, axes: _axes, ...rest } = e;
    const step = { class: 'reduce', mode: e.mode, ...(e.keep_dims !== undefined ? { keep_dims: e.keep_dims } : {}) };
    let from: unknown = e.from;
    axes.slice(0, -1).forEach((a, i) => {
      const hidden = `${name}(reduce_${i + 1})`;
      out![hidden] = { ...step, axes: a, from };
      from = hidden;
    });
    out[name] = { ...rest, axes: axes[axes.length - 1], from };
  }
  return (out ?? netDict) as NetDict;
}
