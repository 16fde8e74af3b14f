// Index maps along one axis (reflect/replicate padding, repeat, cumsum) as a
// product with a constant 0/1 matrix, and the net-dict option of a RETURNN
// axis description. A matMul is differentiable on every backend and traces to
// ONNX; ops.gather's gradient is missing on tfjs-wasm.
import { ops, type Tensor } from '@strata/backend';
import { z } from 'zod';
import type { Data } from '../../data.js';
import { type LayerBuildContext, type LayerOption, option } from '../../layer-spec.js';
import { type SeqAxis, seqAxisIndex } from '../seq/seq-inputs.js';
import { seqAxisInData } from './axis-in-data.js';

/**
 * `y[..., j, ...] = sum_i x[..., i, ...] * m[i][j]` along axis `axis` of `x`:
 * `m` is `[x.shape[axis], nOut]` row-major. The axis keeps its place.
 */
export function mapAxis(x: Tensor, axis: number, m: Float32Array, nOut: number): Tensor {
  const rank = x.shape.length;
  const n = x.shape[axis]!;
  const toLast = [...x.shape.keys()].filter((i) => i !== axis).concat(axis);
  const moved = axis === rank - 1 ? x : ops.transpose(x, toLast);
  const y = ops.matMul(ops.reshape(moved, [-1, n]), ops.tensor(m, [n, nOut]));
  const shaped = ops.reshape(y, [...toLast.slice(0, -1).map((i) => x.shape[i]!), nOut]);
  if (axis === rank - 1) return shaped;
  const back = [...Array(rank).keys()].map((i) => (i < axis ? i : i === axis ? rank - 1 : i - 1));
  return ops.transpose(shaped, back);
}

/** The `[nIn, nOut]` 0/1 matrix taking output entry `j` from input entry `src(j)` (none when `src(j)` is undefined). */
export function selectMatrix(nIn: number, nOut: number, src: (j: number) => number | undefined): Float32Array {
  const m = new Float32Array(nIn * nOut);
  for (let j = 0; j < nOut; j++) {
    const i = src(j);
    if (i !== undefined) m[i * nOut + j] = 1;
  }
  return m;
}

const AXIS_ERROR = "must be 'T' (time), 'F' (feature) or a non-batch axis index (not 0)";
/** The class's form of an axis: a {@link SeqAxis}. */
export const seqAxisSchema = z.custom<SeqAxis>((v) => v === 'T' || v === 'F' || (typeof v === 'number' && Number.isInteger(v) && v !== 0), { error: AXIS_ERROR });
const DESC_ERROR = 'must be a RETURNN axis description ("T", "F", "dim:N", "stag:name", "spatial:i", ...) or an int counted with the batch axis';
/** A RETURNN axis description as a net dict writes it (resolved against the source by {@link axisFromSource}). */
export const axisDescSchema = z.union([z.string({ error: DESC_ERROR }), z.number({ error: DESC_ERROR }).int({ error: DESC_ERROR })], { error: DESC_ERROR });

/**
 * An axis option in both vocabularies: the class takes a {@link SeqAxis}; a
 * net dict any RETURNN description, which the spec's `derive` resolves against
 * the source template with {@link axisFromSource}.
 */
export function returnnAxisOption(returnn: string, more: { default?: SeqAxis; returnnDefault?: unknown; optional?: boolean } = {}): LayerOption {
  return option(more.optional ? seqAxisSchema.optional() : seqAxisSchema, { returnn, returnnSchema: axisDescSchema, default: more.default, returnnDefault: more.returnnDefault });
}

/** The template of a net-dict layer's (joined) input: its first source. */
export const inputOf = (ctx: LayerBuildContext): Data | undefined => ctx.sources[0];

/** The arg `arg` resolved from a RETURNN description against the input template (unchanged without one). */
export function axisFromSource(ctx: LayerBuildContext, args: Readonly<Record<string, unknown>>, arg: string): Record<string, unknown> {
  const d = inputOf(ctx);
  return d && args[arg] !== undefined ? { [arg]: seqAxisInData(d, args[arg]) } : {};
}

/** `axis` as an index into `x`'s axes (batch first), for a shape of `rank`. */
export const axisIndex = (axis: SeqAxis, rank: number, layer: string): number => seqAxisIndex(axis, rank, layer);
