// RETURNN's axis descriptions resolved against a Data template (RETURNN
// `Data.get_axes_from_description`, returnn/tensor/_tensor_extra.py), for
// net-dict entries whose axis the layer's own option cannot say ("dim:1",
// "stag:time", "spatial:0", "B").
import type { Data } from '../../data.js';
import { LayerArgumentError } from '../../errors.js';
import type { SeqAxis } from '../seq/seq-inputs.js';

const show = (v: unknown): string => JSON.stringify(v) ?? String(v);

/** The axes of `d` counted with its batch axis (RETURNN's batch-major order), by role. */
function roles(d: Data) {
  const off = d.hasBatch ? 1 : 0;
  const all = d.dims.map((_, i) => i + off);
  const time = d.timeDim ? d.dims.indexOf(d.timeDim) + off : undefined;
  // RETURNN's feature axis: the last axis of dense data, unless it is the time axis (or, sparse, none).
  const last = d.dims.length - 1;
  const feature = !d.sparse && last >= 0 && d.dims[last] !== d.timeDim ? last + off : undefined;
  const spatial = all.filter((a) => a !== feature);
  return { all, time, feature, spatial, batch: d.hasBatch ? 0 : undefined, off };
}

const pick = (axes: readonly number[], s: number, what: string, desc: string, d: Data): number => {
  const i = s < 0 ? s + axes.length : s;
  if (i < 0 || i >= axes.length) throw new LayerArgumentError(`axis ${show(desc)}: ${d} has ${axes.length} ${what} axes. Received: axis=${show(desc)}.`);
  return axes[i]!;
};

/**
 * The axes of `d` that a RETURNN axis description names, counted with the
 * batch axis (0) as RETURNN counts them: an int (negative from the end),
 * `"B"`/`"batch"`, `"T"`/`"time"`, `"T?"`, `"F"`/`"feature"`, `"spatial"`,
 * `"spatial:i"`/`"s:i"`, `"dyn"`, `"dyn:i"`, `"static"`, `"static:i"`,
 * `"dim:N"` (the unique axis of size N), `"except_batch"`, `"except_batch:i"`,
 * `"except_time"`, `"spatial_except_time"`, `"stag:name"` / `"tag:name"`
 * (the axis whose description contains `name`; spatial only for `stag`), or a
 * list of these. Letter case is ignored as in RETURNN.
 * @throws LayerArgumentError for a description RETURNN does not know or that names no (or no unique) axis of `d`.
 */
export function axesInData(d: Data, desc: unknown): number[] {
  const r = roles(d);
  const rank = r.all.length + r.off;
  if (Array.isArray(desc)) return [...new Set(desc.flatMap((x) => axesInData(d, x)))];
  if (typeof desc === 'number' && Number.isInteger(desc)) {
    const a = desc < 0 ? desc + rank : desc;
    if (a < 0 || a >= rank) throw new LayerArgumentError(`axis ${desc} is not an axis of ${d} (rank ${rank} with the batch axis). Received: axis=${desc}.`);
    return [a];
  }
  if (typeof desc !== 'string') throw new LayerArgumentError(`axis must be a RETURNN axis description ("T", "F", "B", "dim:N", "stag:name", ...) or an int. Received: axis=${show(desc)}.`);
  const s = desc.toLowerCase();
  const need = (a: number | undefined, what: string): number[] => {
    if (a === undefined) throw new LayerArgumentError(`axis ${show(desc)}: ${d} has no ${what} axis. Received: axis=${show(desc)}.`);
    return [a];
  };
  const indexed = /^([a-z_]+):(-?\d+)$/.exec(s);
  if (s === 'b' || s === 'batch') return need(r.batch, 'batch');
  if (s === 't' || s === 'time') return need(r.time, 'time');
  if (s === 't?') return r.time === undefined ? [] : [r.time];
  if (s === 'f' || s === 'feature' || s === 'non_spatial') return need(r.feature, 'feature');
  if (s === 'spatial') return r.spatial;
  if (s === 'dyn' || s === 'dynamic') return r.all.filter((a) => d.dims[a - r.off]!.isDynamic);
  if (s === 'static') return r.all.filter((a) => !d.dims[a - r.off]!.isDynamic);
  if (s === 'except_batch') return r.all;
  if (s === 'except_time') return r.all.filter((a) => a !== r.time);
  if (s === 'spatial_except_time') return r.spatial.filter((a) => a !== r.time);
  if (s.startsWith('stag:') || s.startsWith('tag:')) {
    const name = s.slice(s.indexOf(':') + 1);
    const found = r.all.filter((a) => d.dims[a - r.off]!.description.toLowerCase().includes(name) && (s.startsWith('tag:') || r.spatial.includes(a)));
    if (found.length !== 1) throw new LayerArgumentError(`axis ${show(desc)}: ${found.length} axes of ${d} match '${name}' (it must be exactly one). Received: axis=${show(desc)}.`);
    return found;
  }
  if (indexed) {
    const [, kind, n] = indexed;
    const i = Number(n);
    if (kind === 'dim') {
      const found = r.all.filter((a) => d.dims[a - r.off]!.size === i);
      if (found.length !== 1) throw new LayerArgumentError(`axis ${show(desc)}: ${found.length} axes of ${d} have size ${i} (it must be exactly one). Received: axis=${show(desc)}.`);
      return found;
    }
    if (kind === 's' || kind === 'spatial') return [pick(r.spatial, i, 'spatial', desc, d)];
    if (kind === 'd' || kind === 'dyn' || kind === 'dynamic') return [pick(r.all.filter((a) => d.dims[a - r.off]!.isDynamic), i, 'dynamic', desc, d)];
    if (kind === 'static') return [pick(r.all.filter((a) => !d.dims[a - r.off]!.isDynamic), i, 'static', desc, d)];
    if (kind === 'except_batch') return [pick(r.all, i, 'non-batch', desc, d)];
  }
  if (/^[btf]+$/.test(s)) return axesInData(d, [...s]);
  throw new LayerArgumentError(
    `axis ${show(desc)} is not a RETURNN axis description; write "T", "F", "B", "spatial", "spatial:i", "dim:N", "stag:name", "static:i", "dyn:i", "except_batch:i" or an int (counted with the batch axis). Received: axis=${show(desc)}.`,
  );
}

/**
 * The one axis of `d` a RETURNN description names (RETURNN `get_axis_from_description`), counted with the batch axis.
 * @throws LayerArgumentError if it names no axis or several.
 */
export function axisInData(d: Data, desc: unknown): number {
  const axes = axesInData(d, desc);
  if (axes.length !== 1) throw new LayerArgumentError(`axis ${show(desc)} must name exactly one axis of ${d}; it names ${axes.length}. Received: axis=${show(desc)}.`);
  return axes[0]!;
}

/**
 * The one axis `desc` names in `d`, as the {@link SeqAxis} of a sequence layer: `'T'` for the time axis at
 * index 1 (so the layer knows its lengths change), else the index counted with the batch axis.
 * @throws LayerArgumentError as {@link axisInData}, or for the batch axis.
 */
export function seqAxisInData(d: Data, desc: unknown): SeqAxis {
  const a = axisInData(d, desc);
  if (d.hasBatch && a === 0) throw new LayerArgumentError(`axis ${show(desc)} names the batch axis of ${d}; this layer works on a non-batch axis. Received: axis=${show(desc)}.`);
  return a === 1 && d.hasBatch && d.dims[0] === d.timeDim ? 'T' : a;
}
