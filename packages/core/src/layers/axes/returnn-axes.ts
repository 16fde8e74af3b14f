// RETURNN's axis descriptions (`Data.get_axes_from_description`) resolved on a
// batch-major shape: the axes of a layer's input as Strata lays them out
// (batch first, the time axis the first dynamic axis after it, the feature axis last).
import { z } from 'zod';
import { InputShapeError } from '../../errors.js';
import type { SymbolicShape } from '../../layer.js';

/**
 * One RETURNN axis description: `"B"`/`"batch"`, `"T"`/`"time"`, `"F"`/`"feature"`,
 * `"TF"`, `"spatial"`, `"dynamic"`, `"static"`, `"except_batch"`, `"except_time"`,
 * `"dim:N"` (the static axes of size N), or a list of them; `null` for none.
 */
export type ReturnnAxes = string | null | readonly string[];

const DESC = 'must be a RETURNN axis description ("T", "F", "B", "TF", "spatial", "dynamic", "static", "except_batch", "except_time", "dim:N") or a list of them';

/** Zod schema of a {@link ReturnnAxes} value (no integers: RETURNN refuses them since behavior version 3). */
export const returnnAxesSchema = (nullable = false): z.ZodType => {
  const s = z.union([z.string({ error: DESC }), z.array(z.string({ error: DESC }), { error: DESC })], { error: DESC });
  return nullable ? s.nullable() : s;
};

/** The index of the time axis in a batch-major `shape` (the first dynamic axis after the batch axis), or -1. */
export const timeAxisOf = (shape: SymbolicShape): number => shape.findIndex((s, i) => i > 0 && s === null);

/**
 * The axes of `shape` (batch axis 0 included) that `desc` names, in the
 * order written (a list), or ascending (a group such as `"except_batch"`).
 * Source: RETURNN `returnn/tensor/_tensor_extra.py` `get_axes_from_description`.
 * @param sparse data without a feature axis (`"F"` names nothing).
 * @throws InputShapeError naming the description and the shape when an axis does not exist.
 */
export function returnnAxes(desc: ReturnnAxes, shape: SymbolicShape, layer: string, sparse = false): number[] {
  if (desc === null) return [];
  if (Array.isArray(desc)) {
    const out: number[] = [];
    for (const d of desc) for (const a of returnnAxes(d, shape, layer, sparse)) if (!out.includes(a)) out.push(a);
    return out;
  }
  const s = (desc as string).trim();
  const lower = s.toLowerCase();
  const rank = shape.length;
  const all = shape.map((_, i) => i);
  const time = timeAxisOf(shape);
  const feature = sparse || rank < 2 ? -1 : rank - 1;
  const fail = (why: string): never => {
    throw new InputShapeError({ layer, expected: `axis ${JSON.stringify(desc)} ${why}`, received: shape });
  };
  if (lower === 'b' || lower === 'batch') return [0];
  if (lower === 't' || lower === 'time') return time < 0 ? fail('names the time axis, but the input has no dynamic axis') : [time];
  if (lower === 'f' || lower === 'feature') return feature < 0 ? fail('names the feature axis, but the input has none') : [feature];
  if (s === 'TF' || lower === 'tf') return [...returnnAxes('T', shape, layer, sparse), ...returnnAxes('F', shape, layer, sparse)];
  if (lower === 'except_batch') return all.slice(1);
  if (lower === 'except_time') return all.filter((i) => i > 0 && i !== time);
  if (lower === 'spatial') return all.filter((i) => i > 0 && i !== feature);
  if (lower === 'dynamic') return all.filter((i) => i > 0 && shape[i] === null);
  if (lower === 'static') return all.filter((i) => i > 0 && shape[i] !== null);
  const dim = /^dim:(\d+)$/.exec(lower);
  if (dim) {
    const n = Number(dim[1]);
    const hits = all.filter((i) => i > 0 && shape[i] === n);
    return hits.length ? hits : fail(`names a static axis of size ${n}, but the input has none`);
  }
  return fail(`is not a RETURNN axis description Strata reads (${DESC.replace('must be ', '')})`);
}

/**
 * The one axis `desc` names.
 * @throws InputShapeError when it names none or several.
 */
export function returnnAxis(desc: ReturnnAxes, shape: SymbolicShape, layer: string, sparse = false): number {
  const axes = returnnAxes(desc, shape, layer, sparse);
  if (axes.length !== 1) throw new InputShapeError({ layer, expected: `axis ${JSON.stringify(desc)} must name exactly one axis, it names ${axes.length}`, received: shape });
  return axes[0]!;
}
