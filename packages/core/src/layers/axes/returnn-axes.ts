// RETURNN's axis descriptions on a batch-major shape (batch first, the time
// axis the first dynamic axis after it, the feature axis last), through the
// Data resolver of layers/shape/axis-in-data.ts.
import { z } from 'zod';
import { Data } from '../../data.js';
import { InputShapeError } from '../../errors.js';
import type { SymbolicShape } from '../../layer.js';
import { axesInData } from '../shape/axis-in-data.js';

/**
 * One RETURNN axis description (`"B"`, `"T"`, `"F"`, `"TF"`, `"spatial"`, `"spatial:i"`,
 * `"dynamic"`, `"static"`, `"except_batch"`, `"except_time"`, `"dim:N"`, `"stag:name"`, ...;
 * see {@link axesInData}) or a list of them; `null` for none.
 */
export type ReturnnAxes = string | null | readonly string[];

const DESC = 'must be a RETURNN axis description ("T", "F", "B", "TF", "spatial", "static", "except_batch", "except_time", "dim:N", "stag:name", ...) or a list of them';

/** Zod schema of a {@link ReturnnAxes} value (no integers: RETURNN refuses them since behavior version 3). */
export const returnnAxesSchema = (nullable = false): z.ZodType => {
  const s = z.union([z.string({ error: DESC }), z.array(z.string({ error: DESC }), { error: DESC })], { error: DESC });
  return nullable ? s.nullable() : s;
};

/** The index of the time axis in a batch-major `shape` (the first dynamic axis after the batch axis), or -1. */
export const timeAxisOf = (shape: SymbolicShape): number => shape.findIndex((s, i) => i > 0 && s === null);

/**
 * The axes of `shape` (batch axis 0 included) that `desc` names: RETURNN's
 * descriptions resolved by {@link axesInData} on a template of `shape` (its
 * first dynamic axis after the batch axis is the time axis, its last the
 * feature axis), so layers that see only shapes (`build`, `computeOutputShape`)
 * read axes as net dicts write them. `null` names no axis.
 * Source: RETURNN `returnn/tensor/_tensor_extra.py` `get_axes_from_description`.
 * @throws LayerArgumentError for a description RETURNN does not know or that names no axis (or no unique `dim:N`) of `shape`.
 */
export function returnnAxes(desc: ReturnnAxes, shape: SymbolicShape, layer: string): number[] {
  if (desc === null) return [];
  return axesInData(new Data({ name: layer, dims: [], dtype: 'float32' }).withShape(layer, shape.slice(1)), desc);
}

/**
 * The one axis `desc` names.
 * @throws InputShapeError when it names none or several.
 */
export function returnnAxis(desc: ReturnnAxes, shape: SymbolicShape, layer: string): number {
  const axes = returnnAxes(desc, shape, layer);
  if (axes.length !== 1) throw new InputShapeError({ layer, expected: `axis ${JSON.stringify(desc)} must name exactly one axis, it names ${axes.length}`, received: shape });
  return axes[0]!;
}
